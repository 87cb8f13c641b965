"""Error names and messages real Odoo 18 gives for bad read_group specs, domains and orders (probed on a
real 18.0 server): the tools turn these into messages for the user, so the sandbox must match them."""

from __future__ import annotations

from typing import Any

import pytest
from contract_helpers import JsonRpcFault, Target, jsonrpc

NOT_STORED = "Cannot convert product.product.qty_available to SQL because it is not stored"


def _fault(target: Target, odoo: Any, model: str, method: str, args: list[Any],
           kw: dict[str, Any] | None = None) -> JsonRpcFault:
    with pytest.raises(JsonRpcFault) as exc:
        jsonrpc(target.url, "object", "execute_kw", target.db, odoo.env.uid, target.password, model, method,
                args, kw or {})
    return exc.value


@pytest.mark.parametrize("fields, groupby, kw", [
    (["qty_available:sum"], ["categ_id"], {}),
    (["qty_available:max"], ["categ_id"], {"lazy": False}),
    (["total:sum(qty_available)"], ["categ_id"], {}),
    (["__count"], ["qty_available"], {}),
])
def test_read_group_non_stored_aggregate_or_groupby_is_refused(target: Target, odoo: Any, fields: list[str],
                                                                groupby: list[str], kw: dict[str, Any]) -> None:
    f = _fault(target, odoo, "product.product", "read_group", [[], fields, groupby], kw)
    assert (f.name, f.message) == ("builtins.ValueError", NOT_STORED)


def test_read_group_order_must_be_a_groupby_or_aggregate(target: Target, odoo: Any) -> None:
    f = _fault(target, odoo, "product.product", "read_group", [[], ["categ_id"], ["categ_id"]],
               {"orderby": "qty_available desc"})
    assert (f.name, f.message) == ("builtins.ValueError",
                                   "Order term 'qty_available desc' is not a valid aggregate nor valid groupby")
    f = _fault(target, odoo, "res.partner", "read_group", [[], ["name"], ["is_company"]], {"orderby": "name"})
    assert f.message == "Order term 'name' is not a valid aggregate nor valid groupby"
    ok = odoo.execute_kw("res.partner", "read_group", [[], ["name"], ["is_company"]],
                         {"orderby": "is_company_count desc, is_company", "lazy": True})
    counts = [g["is_company_count"] for g in ok]
    assert counts == sorted(counts, reverse=True)
    ok = odoo.execute_kw("res.partner", "read_group", [[], ["name"], ["is_company"]],
                         {"orderby": "__count desc", "lazy": True})
    assert [g["is_company_count"] for g in ok] == counts


def test_read_group_unknown_field_messages(target: Target, odoo: Any) -> None:
    f = _fault(target, odoo, "res.partner", "read_group", [[], ["no_such:sum"], ["country_id"]])
    assert (f.name, f.message) == ("builtins.ValueError",
                                   "Invalid field 'no_such' on model 'res.partner' for 'no_such:sum'.")
    f = _fault(target, odoo, "res.partner", "read_group", [[], ["name"], ["no_such"]])
    assert (f.name, f.message) == ("builtins.ValueError", "Invalid field 'no_such' on model 'res.partner'")


@pytest.mark.parametrize("domain, name, message", [
    ([("name", "badop", 1)], "builtins.ValueError", "Invalid leaf ('name', 'badop', 1)"),
    ([("name", "=")], "builtins.ValueError", "not enough values to unpack (expected 3, got 2)"),
    ([("name", "=", 1, 2)], "builtins.ValueError", "too many values to unpack (expected 3)"),
    (["name"], "builtins.ValueError", "too many values to unpack (expected 3)"),
    ([5], "builtins.TypeError", "'int' object is not subscriptable"),
    (["&"], "builtins.ValueError", "Domain ['&'] is syntactically not correct."),
    ([("id", "in", 5)], "builtins.ValueError", "Invalid domain term ('id', 'in', 5)"),
    ([("name", "not in", None)], "builtins.ValueError", "Invalid domain term ('name', 'not in', None)"),
    ([("no_such_field", "=", 1)], "builtins.ValueError",
     "Invalid field res.partner.no_such_field in leaf ('no_such_field', '=', 1)"),
])
def test_bad_domains(target: Target, odoo: Any, domain: list[Any], name: str, message: str) -> None:
    f = _fault(target, odoo, "res.partner", "search", [domain], {"limit": 1})
    assert (f.name, f.message) == (name, message)


def test_equal_to_a_list_means_in(odoo: Any, tag: str) -> None:
    pid = odoo.execute_kw("res.partner", "create", [{"name": tag}])
    assert odoo.execute_kw("res.partner", "search", [[("name", "=", [tag, "zz-no-such"])]]) == [pid]
    assert pid not in odoo.execute_kw("res.partner", "search", [[("name", "!=", [tag])]])
    assert odoo.execute_kw("res.partner", "search_count", [[("id", "in", False)]]) == 0


def test_bad_order_messages(target: Target, odoo: Any) -> None:
    f = _fault(target, odoo, "res.partner", "search", [[]], {"order": "name sideways"})
    assert f.name == "odoo.exceptions.UserError"
    assert f.message.startswith('Invalid "order" specified (name sideways).')
    f = _fault(target, odoo, "res.partner", "search", [[]], {"order": "no_such desc"})
    assert (f.name, f.message) == ("builtins.ValueError", "Invalid field 'no_such' on model 'res.partner'")
    f = _fault(target, odoo, "res.partner", "read", [[1], ["no_such_field"]])
    assert (f.name, f.message) == ("builtins.ValueError", "Invalid field 'no_such_field' on model 'res.partner'")


@pytest.mark.parametrize("model, method, args, kw, message", [
    ("purchase.order", "search_read", [[], ["name"], 0, 1, "id", "x"], {},
     "BaseModel.search_read() takes from 1 to 6 positional arguments but 7 were given"),
    ("purchase.order", "search", [[]], {"count": True},
     "BaseModel.search() got an unexpected keyword argument 'count'"),
    ("purchase.order", "web_search_read", [[]], {},
     "Base.web_search_read() missing 1 required positional argument: 'specification'"),
    ("purchase.order", "button_confirm", [[1], 2], {},
     "PurchaseOrder.button_confirm() takes 1 positional argument but 2 were given"),
])
def test_arity_messages(target: Target, odoo: Any, model: str, method: str, args: list[Any], kw: dict[str, Any],
                        message: str) -> None:
    f = _fault(target, odoo, model, method, args, kw)
    assert (f.name, f.message) == ("builtins.TypeError", message)


def test_name_create_and_name_search_operator(target: Target, odoo: Any, tag: str) -> None:
    pid, name = odoo.execute_kw("res.partner", "name_create", [tag])
    assert name == tag and odoo.execute_kw("res.partner", "read", [[pid], ["name"]])[0]["name"] == tag
    f = _fault(target, odoo, "res.partner", "name_search", [], {"name": "a", "operator": "bogus", "limit": 1})
    assert (f.name, f.message) == ("builtins.ValueError", "Invalid leaf ('display_name', 'bogus', 'a')")
