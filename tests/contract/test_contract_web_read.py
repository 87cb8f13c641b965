"""web_read / web_search_read shapes of Odoo 17+ (probed on a real 18.0): many2one and x2many sub-specs,
x2many ``order`` and ``limit`` (only the first ids are read, the others stay ``{"id": n}``), count rules."""

from __future__ import annotations

from typing import Any

import pytest
from contract_helpers import JsonRpcFault, Target, jsonrpc


def _two_pos(odoo: Any, vendor_product: tuple[int, int], tag: str) -> tuple[int, int]:
    partner, product = vendor_product

    def po(qtys: list[float]) -> int:
        return int(odoo.execute_kw("purchase.order", "create", [{
            "partner_id": partner, "partner_ref": tag,
            "order_line": [(0, 0, {"product_id": product, "product_qty": q, "price_unit": 1.0}) for q in qtys]}]))
    return po([5.0, 9.0, 2.0]), po([4.0, 1.0])


def test_x2many_limit_and_order(odoo: Any, vendor_product: tuple[int, int], tag: str) -> None:
    a, b = _two_pos(odoo, vendor_product, tag)
    ek = odoo.execute_kw
    lines = {po["id"]: po["order_line"] for po in ek("purchase.order", "read", [[a, b], ["order_line"]])}
    qty = {ln["id"]: ln["product_qty"] for ln in ek("purchase.order.line", "read", [lines[a] + lines[b], ["product_qty"]])}

    def spec(sub: dict[str, Any]) -> list[dict[str, Any]]:
        return ek("purchase.order", "web_read", [[a, b]], {"specification": {"order_line": sub}})

    got = spec({"fields": {"product_qty": {}}, "limit": 1})
    assert got[0]["order_line"] == [{"id": lines[a][0], "product_qty": 5.0}, {"id": lines[a][1]}, {"id": lines[a][2]}]
    assert got[1]["order_line"] == [{"id": lines[b][0], "product_qty": 4.0}, {"id": lines[b][1]}]
    got = spec({"fields": {"product_qty": {}}, "limit": 2, "order": "product_qty desc"})
    by_qty_desc = sorted(lines[a], key=lambda i: -qty[i])
    assert got[0]["order_line"] == [{"id": i, "product_qty": qty[i]} for i in by_qty_desc[:2]] + [{"id": by_qty_desc[2]}]
    assert [x["product_qty"] for x in got[1]["order_line"]] == [4.0, 1.0]
    got = spec({"fields": {"product_qty": {}}, "order": "product_qty"})
    assert [x["product_qty"] for x in got[0]["order_line"]] == [2.0, 5.0, 9.0]
    assert spec({"limit": 1, "order": "product_qty desc"})[0]["order_line"] == by_qty_desc  # ids only, sorted
    assert spec({"fields": {}, "limit": 1})[1]["order_line"] == [{"id": i} for i in lines[b]]
    assert spec({"fields": {"product_qty": {}}, "limit": 0})[1]["order_line"] == [{"id": i} for i in lines[b]]
    page = ek("purchase.order", "web_search_read", [], {
        "domain": [("id", "in", [a, b])], "order": "id",
        "specification": {"order_line": {"fields": {"product_qty": {}}, "limit": 1, "order": "product_qty"}}})
    assert page["length"] == 2
    assert page["records"][0]["order_line"][0] == {"id": min(lines[a], key=qty.__getitem__), "product_qty": 2.0}
    assert page["records"][0]["order_line"][1:] == [{"id": i} for i in sorted(lines[a], key=qty.__getitem__)[1:]]


def test_many2one_sub_specs(odoo: Any, vendor_product: tuple[int, int], tag: str) -> None:
    a, b = _two_pos(odoo, vendor_product, tag)
    partner = vendor_product[0]
    name = odoo.execute_kw("res.partner", "read", [[partner], ["name", "display_name"]])[0]
    ek = odoo.execute_kw
    got = ek("purchase.order", "web_read", [[b, a]], {"specification": {
        "partner_id": {"fields": {}}, "user_id": {}, "order_line": {},
        "currency_id": {"fields": {"display_name": {}}}}})
    assert [r["id"] for r in got] == [b, a]
    assert got[0]["partner_id"] == {"id": partner}
    assert isinstance(got[0]["user_id"], int) and isinstance(got[0]["order_line"], list)
    assert all(isinstance(i, int) for i in got[0]["order_line"])
    assert set(got[0]["currency_id"]) == {"id", "display_name"}
    got = ek("purchase.order", "web_read", [[a]], {"specification": {
        "partner_id": {"fields": {"name": {}, "display_name": {}}},
        "order_line": {"fields": {"product_id": {"fields": {"display_name": {}}}}}}})
    assert got[0]["partner_id"] == {"id": partner, "name": name["name"], "display_name": name["display_name"]}
    assert {tuple(sorted(x["product_id"])) for x in got[0]["order_line"]} == {("display_name", "id")}
    assert ek("purchase.order", "web_read", [[a, 987654321]], {"specification": {"name": {}}})[0]["id"] == a


def test_web_search_read_length(odoo: Any, vendor_product: tuple[int, int], tag: str) -> None:
    _two_pos(odoo, vendor_product, tag)
    ek = odoo.execute_kw
    dom = [("partner_ref", "=", tag)]
    assert ek("purchase.order", "web_search_read", [], {"domain": dom, "specification": {"name": {}},
                                                        "limit": 1})["length"] == 2
    assert ek("purchase.order", "web_search_read", [], {"domain": dom, "specification": {},
                                                        "limit": 1, "count_limit": 1})["length"] == 1
    page = ek("purchase.order", "web_search_read", [], {"domain": dom, "specification": {}, "offset": 1})
    assert page["length"] == 2 and len(page["records"]) == 1 and set(page["records"][0]) == {"id"}
    assert ek("purchase.order", "web_search_read", [], {"domain": dom, "specification": {},
                                                        "offset": 5}) == {"length": 0, "records": []}


def test_web_read_bad_specs(target: Target, odoo: Any, vendor_product: tuple[int, int], tag: str) -> None:
    a, _b = _two_pos(odoo, vendor_product, tag)

    def fault(spec: dict[str, Any]) -> JsonRpcFault:
        with pytest.raises(JsonRpcFault) as exc:
            jsonrpc(target.url, "object", "execute_kw", target.db, odoo.env.uid, target.password, "purchase.order",
                    "web_read", [[a]], {"specification": spec})
        return exc.value
    f = fault({"no_such": {}})
    assert (f.name, f.message) == ("builtins.ValueError", "Invalid field 'no_such' on model 'purchase.order'")
    f = fault({"order_line": {"fields": {"no_such": {}}}})
    assert (f.name, f.message) == ("builtins.ValueError", "Invalid field 'no_such' on model 'purchase.order.line'")
    f = fault({"order_line": {"fields": {"product_qty": {}}, "limit": "x"}})
    assert f.name == "builtins.TypeError"
