"""Currency and unit conversion in the issue-#10 read tools, on a scripted Odoo (no server): the paths a
multi-currency company or a real Odoo takes (PO currency_rate, amount_residual_signed, purchase.report,
the rate table, no rates at all) that the default sandbox business never exercises."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tools_fakes import WAREHOUSES, ScriptedOdoo  # type: ignore[import-not-found]

from tools.base import Identity, ToolContext
from tools.odoo.errors import OdooError
from tools.reads.amounts import convert_price, convert_qty
from tools.registry import run_tool

EUR, GBP = [1, "EUR"], [3, "GBP"]
DOZEN = {"id": 2, "display_name": "Dozens", "factor": 1 / 12}
UNIT = {"id": 1, "display_name": "Units", "factor": 1.0}


def odoo_with(*, po_rate: bool = True, signed: bool = True, report: bool = False, rates: dict[int, float] | None,
              extra: Callable[[str, str, list[Any], dict[str, Any]], Any] | None = None) -> ScriptedOdoo:
    """A company in EUR; `rates` = res.currency.rate per currency id (None: this Odoo has no rate field)."""

    def handler(model: str, method: str, args: list[Any], kw: dict[str, Any]) -> Any:
        if model == "res.users" and method == "web_read":
            return [{"id": 2, "company_id": {"id": 1, "currency_id": {"id": 1, "name": "EUR"}}}]
        if model == "ir.model":
            return [{"model": "purchase.report"}] if report else []
        if method == "fields_get":
            names = {"purchase.order": ["mail_reception_confirmed", *(["currency_rate"] if po_rate else [])],
                     "account.move": ["amount_residual_signed"] if signed else []}.get(model, [])
            return {n: {"type": "float"} for n in names}
        if model == "res.currency" and method == "read":
            if rates is None:
                raise OdooError("ValueError", "Invalid field 'rate' on model 'res.currency'")
            return [{"id": i, "rate": rates[i]} for i in args[0] if i in rates]
        if model == "stock.warehouse" and method == "search_read":
            return [dict(w) for w in WAREHOUSES]
        if extra is not None:
            return extra(model, method, args, kw)
        raise AssertionError(f"unexpected {model}.{method}")

    return ScriptedOdoo(handler)


def ctx(odoo: ScriptedOdoo) -> ToolContext:
    return ToolContext(user=Identity("f", "admin"), odoo=odoo)


def po_groups(model: str, method: str, args: list[Any], kw: dict[str, Any]) -> Any:
    if model == "purchase.order" and method == "read_group":
        return [{"state": "purchase", "currency_id": EUR, "amount_untaxed": 1000.0, "__count": 2},
                {"state": "purchase", "currency_id": GBP, "amount_untaxed": 300.0, "__count": 1}]
    if model == "purchase.order" and method == "search_read":  # only the foreign POs, with their own rate
        assert ("currency_id", "in", [3]) in args[0]
        return [{"id": 9, "amount_untaxed": 300.0, "currency_rate": 0.85, "currency_id": GBP}]
    if model == "purchase.order" and method == "web_search_read":
        return {"records": [], "length": 3}
    raise AssertionError(f"unexpected {model}.{method}")


def test_po_total_uses_each_pos_own_rate_like_purchase_report() -> None:
    res = run_tool(ctx(odoo_with(rates={3: 0.5}, extra=po_groups)), "find_purchase_orders", {"state": "purchase"})
    assert res.ok and res.data["count"] == 3 and res.data["currency"] == "EUR"
    assert res.data["total_untaxed"] == pytest.approx(1000 + 300 / 0.85, abs=0.01)  # not the 0.5 of the table


def test_po_total_falls_back_to_the_rate_table_then_to_a_note() -> None:
    res = run_tool(ctx(odoo_with(po_rate=False, rates={3: 0.8}, extra=po_groups)), "find_purchase_orders", {})
    assert res.data["total_untaxed"] == pytest.approx(1000 + 300 / 0.8, abs=0.01) and "note" not in res.data
    res = run_tool(ctx(odoo_with(po_rate=False, rates=None, extra=po_groups)), "find_purchase_orders", {})
    assert res.ok and res.data["total_untaxed"] == 1000  # never 1,300 as if GBP were EUR
    assert "300.00 GBP" in res.data["note"]


def bill_groups(model: str, method: str, args: list[Any], kw: dict[str, Any]) -> Any:
    if model == "account.move" and method == "read_group":
        return [{"currency_id": EUR, "move_type": "in_invoice", "state": "posted", "amount_residual": 500.0,
                 "amount_residual_signed": -500.0, "__count": 2},
                {"currency_id": GBP, "move_type": "in_invoice", "state": "posted", "amount_residual": 170.0,
                 "amount_residual_signed": -200.0, "__count": 1},
                {"currency_id": EUR, "move_type": "in_refund", "state": "posted", "amount_residual": 50.0,
                 "amount_residual_signed": 50.0, "__count": 1}]
    if model == "account.move" and method == "web_search_read":
        return {"records": [], "length": 4}
    raise AssertionError(f"unexpected {model}.{method}")


def test_amount_due_is_odoos_signed_residual_in_company_currency() -> None:
    res = run_tool(ctx(odoo_with(rates={3: 0.5}, extra=bill_groups)), "vendor_bills", {})
    assert res.ok and res.data["total_residual"] == pytest.approx(500 + 200 - 50)
    res = run_tool(ctx(odoo_with(signed=False, rates={3: 0.85}, extra=bill_groups)), "vendor_bills", {})
    assert res.data["total_residual"] == pytest.approx(500 + 170 / 0.85 - 50, abs=0.01)


def report_groups(model: str, method: str, args: list[Any], kw: dict[str, Any]) -> Any:
    if model == "purchase.report" and method == "read_group":
        groupby = args[2]
        assert args[1] == ["untaxed_total:sum", "qty_ordered:sum"]
        rows = [{"partner_id": [10, "Apex"], "picking_type_id": [1, "Dallas Central DC"], "untaxed_total": 600.0,
                 "qty_ordered": 60.0, "__count": 3},
                {"partner_id": [11, "Summit"], "picking_type_id": [2, "Houston Gulf DC"], "untaxed_total": 400.0,
                 "qty_ordered": 32.0, "__count": 2}]
        return [{k: v for k, v in r.items() if k in groupby or not k.endswith("_id")} for r in rows]
    if model == "product.product" and method == "web_search_read":
        return {"records": [{"id": 5, "display_name": "[X-1] Thing", "default_code": "X-1",
                             "uom_id": {"id": 1, "display_name": "Units"}}]}
    raise AssertionError(f"unexpected {model}.{method}")


def test_spend_on_purchase_report_with_prices_in_one_read_group() -> None:
    odoo = odoo_with(report=True, rates={}, extra=report_groups)
    warm = run_tool(ctx(odoo), "spend_analysis", {"group_by": "warehouse"})  # fills the facts and warehouses
    assert warm.ok and [(r["key"], r["amount"]) for r in warm.data["rows"]] == [("DAL", 600), ("HOU", 400)]
    from tools.odoo.resolve import model_fields

    model_fields(odoo, "product.product")  # the product's field list, read once per client (cached 10 min)
    res = run_tool(ctx(odoo), "spend_analysis", {"product": "X-1", "compare_prices": True})
    assert res.ok and res.rpc_calls == 2  # the product, then one read_group for spend and prices
    prices = res.data["prices"]
    assert [(r["warehouse"], r["avg_unit_price"]) for r in prices["by_warehouse"]["rows"]] == [("DAL", 10),
                                                                                              ("HOU", 12.5)]
    assert prices["by_vendor"]["spread_pct"] == 25
    assert res.data["total"] == 1000 and res.data["currency"] == "EUR"


def vendor_rows(model: str, method: str, args: list[Any], kw: dict[str, Any]) -> Any:
    if model == "product.product" and method == "web_search_read":
        sellers = [
            {"partner_id": {"id": 20, "display_name": "Sheffield"}, "product_id": False, "price": 146.0,
             "currency_id": {"id": 3, "name": "GBP"}, "product_uom": DOZEN, "min_qty": 1, "delay": 10},
            {"partner_id": {"id": 21, "display_name": "Koks"}, "product_id": False, "price": 15.0,
             "currency_id": {"id": 1, "name": "EUR"}, "product_uom": UNIT, "min_qty": 1, "delay": 3},
            {"partner_id": {"id": 22, "display_name": "Other variant"}, "product_id": {"id": 99}, "price": 1.0,
             "currency_id": {"id": 1, "name": "EUR"}, "product_uom": UNIT, "min_qty": 1, "delay": 1}]
        return {"records": [{"id": 7, "display_name": "[KIT.310] Knife", "default_code": "KIT.310", "uom_id": UNIT,
                             "product_tmpl_id": {"id": 70, "seller_ids": sellers}}]}
    if model == "purchase.order.line" and method == "web_search_read":
        return {"records": [{"partner_id": {"id": 20, "display_name": "Sheffield"}, "price_subtotal": 292.0,
                             "product_qty": 2.0, "product_uom": DOZEN, "currency_id": {"id": 3, "name": "GBP"},
                             "order_id": {"id": 1, "name": "PO/1", "date_approve": "2026-11-28 10:00:00"}}]}
    raise AssertionError(f"unexpected {model}.{method}")


def test_vendor_prices_compared_per_product_unit_in_company_currency() -> None:
    res = run_tool(ctx(odoo_with(rates={3: 0.8455}, extra=vendor_rows)), "product_vendors", {"product": "KIT.310"})
    # 146 GBP per Dozen = 14.39 EUR per Unit: cheaper than 15 EUR per Unit (a raw 146 vs 15 would say the opposite)
    assert res.ok and [r["vendor"] for r in res.data["rows"]] == ["Sheffield", "Koks"]  # other variant dropped
    sheffield = res.data["rows"][0]
    assert sheffield["price_per_product_uom"] == pytest.approx(146 / 12 / 0.8455, abs=0.005)  # 14.39 EUR per Unit
    assert sheffield["last_paid_price"] == 146 and sheffield["uom"] == "Dozens"  # in the row's unit and currency
    assert res.data["cheapest"]["vendor"] == "Sheffield" and res.data["fastest"]["vendor"] == "Koks"


def test_uom_helpers_follow_odoos_factor_convention() -> None:
    assert convert_qty(2, DOZEN, UNIT) == pytest.approx(24)
    assert convert_price(146, DOZEN, UNIT) == pytest.approx(146 / 12)
    assert convert_price(10, UNIT, DOZEN) == pytest.approx(120)
