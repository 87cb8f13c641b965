"""Protocol, login, version, error shapes: what odoorpc and xmlrpc.client see from Odoo 18."""

from __future__ import annotations

import re
import xmlrpc.client
from typing import Any

import odoorpc  # type: ignore[import-untyped]
import pytest
from contract_helpers import JsonRpcFault, Target, jsonrpc

DT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def test_version_through_odoorpc_and_xmlrpc(target: Target) -> None:
    host, port = target.host_port
    assert odoorpc.ODOO(host, port=port).version == "18.0"
    info = xmlrpc.client.ServerProxy(target.url + "/xmlrpc/2/common").version()
    assert info["server_version_info"][:2] == [18, 0]
    assert info["server_serie"] == "18.0" and info["protocol_version"] == 1
    assert jsonrpc(target.url, "common", "version")["server_version"].startswith("18.0")


def test_db_list_contains_the_database(target: Target) -> None:
    assert target.db in jsonrpc(target.url, "db", "list")


def test_login_and_context(odoo: Any) -> None:
    assert isinstance(odoo.env.uid, int) and odoo.env.uid > 0
    assert odoo.env.context["lang"] == "en_US"


def test_bad_credentials(target: Target) -> None:
    host, port = target.host_port
    o = odoorpc.ODOO(host, port=port)
    with pytest.raises(odoorpc.error.RPCError):
        o.login(target.db, target.login, "certainly-not-the-password")
    common = xmlrpc.client.ServerProxy(target.url + "/xmlrpc/2/common")
    assert common.authenticate(target.db, target.login, "wrong", {}) is False
    obj = xmlrpc.client.ServerProxy(target.url + "/xmlrpc/2/object")
    with pytest.raises(xmlrpc.client.Fault) as exc:
        obj.execute_kw(target.db, 2, "wrong", "res.partner", "search_count", [[]])
    assert exc.value.faultCode == 3 and "Access Denied" in exc.value.faultString
    with pytest.raises(JsonRpcFault) as jexc:
        jsonrpc(target.url, "object", "execute_kw", target.db, 2, "wrong", "res.partner", "search_count", [[]])
    assert jexc.value.name == "odoo.exceptions.AccessDenied"


def _call(target: Target, uid: int, model: str, method: str, args: list[Any], kw: dict[str, Any] | None = None) -> Any:
    return jsonrpc(target.url, "object", "execute_kw", target.db, uid, target.password, model, method, args, kw or {})


def test_error_names_and_json_shape(target: Target, odoo: Any) -> None:
    uid = odoo.env.uid
    with pytest.raises(JsonRpcFault) as e1:
        _call(target, uid, "no.such.model", "search", [[]])
    assert e1.value.name == "odoo.exceptions.UserError" and "no.such.model" in e1.value.message
    assert e1.value.error["code"] == 200 and e1.value.error["message"] == "Odoo Server Error"
    assert set(e1.value.error["data"]) >= {"name", "message", "arguments", "context", "debug"}
    with pytest.raises(JsonRpcFault) as e2:
        _call(target, uid, "res.partner", "no_such_method", [[]])
    assert e2.value.name == "builtins.AttributeError"
    assert e2.value.message == "The method 'res.partner.no_such_method' does not exist"
    with pytest.raises(JsonRpcFault) as e3:
        _call(target, uid, "res.partner", "search_read", [[]], {"fields": ["no_such_field"], "limit": 1})
    assert e3.value.name == "builtins.ValueError" and "no_such_field" in e3.value.message
    with pytest.raises(JsonRpcFault) as e4:
        _call(target, uid, "res.partner", "search", [[("no_such_field", "=", 1)]])
    assert e4.value.name == "builtins.ValueError" and "no_such_field" in e4.value.message


def test_private_method_refused(target: Target, odoo: Any, xml: Any) -> None:
    with pytest.raises(JsonRpcFault) as exc:
        _call(target, odoo.env.uid, "purchase.order", "_create_picking", [[1]])
    assert exc.value.name == "odoo.exceptions.AccessError"
    assert exc.value.message == "Private methods (such as 'purchase.order._create_picking') cannot be called remotely."
    _obj, _uid, call = xml
    with pytest.raises(xmlrpc.client.Fault) as fault:
        call("purchase.order", "_create_picking", [[1]])
    assert fault.value.faultCode == 4


def test_non_stored_field_cannot_be_sorted(target: Target, odoo: Any) -> None:
    with pytest.raises(JsonRpcFault) as exc:
        _call(target, odoo.env.uid, "product.product", "search_read", [[]],
              {"fields": ["id"], "order": "qty_available desc", "limit": 1})
    assert exc.value.name == "builtins.ValueError"
    assert "Cannot convert product.product.qty_available to SQL because it is not stored" in exc.value.message


def test_read_shapes_missing_ids_and_many2one(odoo: Any, tag: str) -> None:
    ek = odoo.execute_kw
    assert ek("res.partner", "read", [[987654321], ["name"]]) == []
    pid = ek("res.partner", "create", [{"name": tag, "is_company": True}])
    child = ek("res.partner", "create", [{"name": "Child " + tag, "parent_id": pid}])
    rec = ek("res.partner", "read", [[child], ["parent_id", "email", "create_date", "child_ids"]])[0]
    assert rec["parent_id"][0] == pid and isinstance(rec["parent_id"][1], str)
    assert rec["email"] is False
    assert DT.match(rec["create_date"])
    assert rec["child_ids"] == []
    raw = ek("res.partner", "read", [[child], ["parent_id"]], {"load": "_classic_write"})[0]
    assert raw["parent_id"] == pid
    web = ek("res.partner", "web_read", [[child]], {"specification": {"parent_id": {"fields": {"display_name": {}}}}})
    assert web[0]["parent_id"] == {"id": pid, "display_name": tag}
    page = ek("res.partner", "web_search_read", [], {"domain": [("name", "=", tag)],
                                                      "specification": {"name": {}}, "limit": 5})
    assert page["length"] == 1 and page["records"][0]["name"] == tag
