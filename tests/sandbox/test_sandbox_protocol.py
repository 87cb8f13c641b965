"""Bad input gets Odoo's error shape and a clear message; the server keeps serving."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import xmlrpc.client
from typing import Any

import pytest
from sandbox_helpers import Client, Fault, post, rpc


def test_version_info_route(mini: Any) -> None:
    out = post(mini.url, b'{"jsonrpc": "2.0", "method": "call", "params": {}, "id": 3}', "/web/webclient/version_info")
    assert out == {"jsonrpc": "2.0", "id": 3, "result": {
        "server_version": "18.0", "server_version_info": [18, 0, 0, "final", 0, ""], "server_serie": "18.0",
        "protocol_version": 1}}


@pytest.mark.parametrize("body, fragment", [
    (b"{not json", "Invalid JSON data"),
    (b"[1, 2]", "expected an object"),
    (b'{"jsonrpc": "2.0", "params": "x"}', "params must be an object"),
    (json.dumps({"params": {"service": "nope", "method": "x", "args": []}}).encode(), "Unknown service 'nope'"),
    (json.dumps({"params": {"service": "common", "method": "nope", "args": []}}).encode(), "Unknown method 'nope'"),
    (json.dumps({"params": {"service": "object", "method": "execute_kw", "args": [1, 2]}}).encode(),
     "execute_kw() takes from 6 to 7 positional arguments but 2 were given"),
    (json.dumps({"params": {"service": "object", "method": "execute_kw", "args": "x"}}).encode(), "args must be"),
])
def test_malformed_json_rpc(mini: Any, body: bytes, fragment: str) -> None:
    out = post(mini.url, body)
    err = out["error"]
    assert err["code"] == 200 and err["message"] == "Odoo Server Error"
    assert fragment in err["data"]["message"]
    assert "sandbox/" not in err["data"]["debug"]


def test_wrong_database_and_login(mini: Any) -> None:
    with pytest.raises(Fault) as exc:
        rpc(mini.url, "common", "login", "otherdb", "admin", "admin")
    assert 'database "otherdb" does not exist' in exc.value.message
    assert rpc(mini.url, "common", "login", "quartermaster", "admin", "nope") is False
    assert rpc(mini.url, "common", "authenticate", "quartermaster", "__system__", "", {}) is False
    assert rpc(mini.url, "common", "authenticate", "quartermaster", "admin", "admin", {}) == 2


@pytest.mark.parametrize("method, args, kwargs, name, fragment", [
    ("search_read", [], {"limit": -1}, "builtins.ValueError", "must not be negative"),
    ("search_read", [], {"limit": "ten"}, "builtins.ValueError", "Invalid limit"),
    ("search_read", [], {"order": "name; drop table res_partner"}, "odoo.exceptions.UserError", 'Invalid "order"'),
    ("search_read", [], {"order": "nope desc"}, "builtins.ValueError", "Invalid field 'nope'"),
    ("read", [[1], ["nope"]], {}, "builtins.ValueError", "Invalid field 'nope' on model 'res.partner'"),
    ("read", ["x"], {}, "builtins.TypeError", "Invalid record ids"),
    ("search", [[], 0, 5, None, "extra"], {}, "builtins.TypeError",
     "BaseModel.search() takes from 2 to 5 positional arguments but 6 were given"),
    ("search", [[]], {"count": True}, "builtins.TypeError",
     "BaseModel.search() got an unexpected keyword argument 'count'"),
    ("search", [], {"bogus": 1}, "builtins.TypeError", "bogus"),
    ("write", [[1], {"nope": 1}], {}, "builtins.ValueError", "Invalid field 'nope'"),
    ("write", [[1], {"supplier_rank": "lots"}], {}, "builtins.ValueError", "Wrong value for res.partner.supplier_rank"),
    ("write", [[1], {"type": "martian"}], {}, "builtins.ValueError", "Wrong value for res.partner.type"),
    ("write", [[987654], {"name": "x"}], {}, "odoo.exceptions.MissingError", "Record does not exist"),
    ("write", [[1], {"parent_id": 987654}], {}, "odoo.exceptions.ValidationError", "does not exist"),
    ("create", [{"partner_ref": "x"}], {}, "odoo.exceptions.ValidationError", "Missing required value"),
    ("create", ["not a dict"], {}, "builtins.TypeError", "create() expects"),
    ("read_group", [[], ["x:nosuch"], ["name"]], {}, "builtins.ValueError", "Invalid field"),
    ("read_group", [[], ["supplier_rank:median"], ["is_company"]], {}, "builtins.ValueError",
     "Invalid aggregate method 'median' for 'supplier_rank:median'."),
    ("read_group", [[], [], ["display_name"]], {}, "builtins.ValueError", "Cannot convert res.partner.display_name to SQL because it is not stored"),
    ("search", [[]], {"context": {"lang": "fr_FR"}}, "odoo.exceptions.UserError", "Invalid language code: fr_FR"),
    ("search", [[]], {"context": "x"}, "builtins.TypeError", "context must be a dict"),
])
def test_bad_calls(admin: Client, method: str, args: list[Any], kwargs: dict[str, Any], name: str,
                   fragment: str) -> None:
    model = "purchase.order" if method == "create" and args == [{"partner_ref": "x"}] else "res.partner"
    with pytest.raises(Fault) as exc:
        admin(model, method, *args, **kwargs)
    assert exc.value.name == name, exc.value.message
    assert fragment in exc.value.message


def test_huge_limit_is_served(admin: Client) -> None:
    assert len(admin("res.partner", "search", [], limit=10**15)) == admin("res.partner", "search_count", [])
    with pytest.raises(Fault):
        admin("res.partner", "search", [], limit=10**40)


def test_server_survives_garbage_and_keeps_serving(mini: Any, admin: Client) -> None:
    for body in (b"\x00\xff" * 100, b"", b"{}" * 1000, b'{"params": {"service": "object", "method": "execute"}}'):
        out = post(mini.url, body)
        assert "error" in out or "result" in out
    req = urllib.request.Request(mini.url + "/nowhere", data=b"{}")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=10)
    assert exc.value.code == 404
    assert admin("res.partner", "search_count", [("id", "=", 1)]) == 1


def test_xmlrpc_faults(mini: Any) -> None:
    common = xmlrpc.client.ServerProxy(mini.url + "/xmlrpc/2/common")
    obj = xmlrpc.client.ServerProxy(mini.url + "/xmlrpc/2/object")
    assert common.login("quartermaster", "admin", "admin") == 2
    with pytest.raises(xmlrpc.client.Fault) as f1:
        obj.execute_kw("quartermaster", 2, "admin", "res.partner", "search", [[("x", "bad", 1)]])
    assert f1.value.faultCode == 1 and "ValueError: Invalid" in f1.value.faultString
    with pytest.raises(xmlrpc.client.Fault) as f2:
        obj.execute_kw("quartermaster", 2, "admin", "res.partner", "write", [[999999], {"name": "x"}])
    assert f2.value.faultCode == 2
    with pytest.raises(xmlrpc.client.Fault) as f3:
        obj.execute_kw("quartermaster", 2, "admin", "res.partner", "search", [[]], {"context": {"lang": "fr_FR"}})
    assert f3.value.faultCode == 2 and f3.value.faultString == "Invalid language code: fr_FR"
    out = urllib.request.urlopen(urllib.request.Request(mini.url + "/xmlrpc/2/object", data=b"<not-xml"),
                                 timeout=10).read()
    assert b"<fault>" in out and b"Invalid XML-RPC request" in out
    assert xmlrpc.client.ServerProxy(mini.url + "/xmlrpc/2/db").list() == ["quartermaster"]
    assert obj.execute("quartermaster", 2, "admin", "res.partner", "search_count", [("id", "=", 1)]) == 1


def test_access_rights(mini: Any) -> None:
    wes = Client(mini.url, "wes.warehouse")
    with pytest.raises(Fault) as exc:
        wes("account.move", "search_read", [], fields=["name"])
    assert exc.value.name == "odoo.exceptions.AccessError"
    assert exc.value.message.startswith("You are not allowed to access 'Journal Entry' (account.move) records.")
    assert "Accounting / Invoicing" in exc.value.message
    assert wes("account.move", "check_access_rights", "read", raise_exception=False) is False
    assert wes("stock.quant", "search_count", []) == 4
    assert wes("purchase.order", "search_count", []) == 3
    with pytest.raises(Fault) as exc2:
        wes("purchase.order", "write", [3], {"origin": "x"})
    assert exc2.value.message.startswith("You are not allowed to modify 'Purchase Order' (purchase.order) records.")
    with pytest.raises(Fault) as exc3:
        wes("stock.quant", "read", [1], ["value"])
    assert exc3.value.name == "odoo.exceptions.AccessError"
    with pytest.raises(Fault) as exc4:
        wes("purchase.order", "message_post", [2], body="hello")
    assert exc4.value.name == "odoo.exceptions.AccessError"
    assert isinstance(wes("stock.picking", "message_post", [2], body="Dock 4"), int)
    ava = Client(mini.url, "ava.buyer")
    assert ava("account.move", "search_count", []) == 1


def test_misc_orm_surface(admin: Client) -> None:
    assert admin("res.users", "context_get") == {"lang": "en_US", "tz": "America/Chicago", "uid": 2}
    assert admin("product.product", "name_search", "gloves") == [[1, "[PPE-1042] Nitrile Gloves"]]
    assert admin("product.product", "name_search", "PPE", limit=1)[0][0] in (1, 3)
    d = admin("purchase.order", "default_get", ["state", "company_id", "currency_id", "user_id"])
    assert d == {"state": "draft", "company_id": 1, "currency_id": 1, "user_id": 2}
    assert admin("purchase.order", "check_access_rights", "unlink") is True
    fg = admin("purchase.order", "fields_get", ["state", "partner_id", "order_line"], attributes=["type", "relation"])
    assert fg == {"state": {"type": "selection"}, "partner_id": {"type": "many2one", "relation": "res.partner"},
                  "order_line": {"type": "one2many", "relation": "purchase.order.line"}}
    full = admin("purchase.order", "fields_get")
    assert full["state"]["selection"][0] == ["draft", "RFQ"] and full["amount_total"]["store"] is True
    page = admin("purchase.order", "web_search_read", [("state", "=", "purchase")],
                 {"name": {}, "partner_id": {"fields": {"display_name": {}}},
                  "order_line": {"fields": {"product_id": {"fields": {"display_name": {}}}, "product_qty": {}}}},
                 limit=1, order="name")
    assert page["length"] == 2
    rec = page["records"][0]
    assert rec["partner_id"] == {"id": 6, "display_name": "Apex Industrial Supply"}
    assert rec["order_line"][0]["product_id"] == {"id": 1, "display_name": "[PPE-1042] Nitrile Gloves"}
    classic = admin("purchase.order", "read", [2], ["partner_id", "order_line"], load="_classic_write")[0]
    assert classic["partner_id"] == 8 and classic["order_line"] == [2, 3]
    assert admin("stock.picking.type", "read", [3], ["display_name"])[0]["display_name"] == "Houston Gulf DC: Receipts"
    assert admin("stock.location", "read", [9], ["warehouse_id", "parent_path"])[0] == {
        "id": 9, "warehouse_id": [1, "Dallas Central DC"], "parent_path": "1/7/8/9/"}
    msg = admin("mail.message", "search_read", [("model", "=", "purchase.order")], fields=["preview", "record_name"])
    assert msg[0]["preview"].startswith("Hi, the bolts will ship")
