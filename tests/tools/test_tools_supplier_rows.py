"""tools.reads.supplier row folding on hand-built Odoo rows: the odd shapes the fast paths must not change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tools.reads.supplier import history_summary, to_kpi_lines

VENDOR = 7


def _orders() -> list[dict[str, Any]]:
    prod_a = {"id": 1, "default_code": "A-1", "product_tmpl_id": 10}
    prod_b = {"id": 2, "default_code": False, "display_name": "Bolt", "product_tmpl_id": 20}
    return [
        {"name": "P1", "state": "purchase", "date_approve": "2026-01-05 10:00:00", "date_order": "2026-01-04 09:00:00",
         "amount_untaxed": 100.0, "order_line": [
             {"display_type": "line_section", "product_id": False},
             {"display_type": False, "product_id": dict(prod_a), "product_qty": 10.0, "product_uom_qty": 0,
              "price_unit": 5.0, "price_subtotal": 50.0, "date_planned": "2026-01-10",  # a date only
              "move_ids": [
                  {"state": "done", "date": "2026-01-09 08:00:00", "quantity": 6.0, "picking_code": "incoming"},
                  {"state": "done", "date": "2026-01-08 08:00:00", "quantity": 4.0, "picking_code": "incoming"},
                  {"state": "cancel", "date": "2026-01-08 08:00:00", "quantity": 9.0, "picking_code": "incoming"},
                  {"state": "done", "date": "2026-01-12 08:00:00", "quantity": 1.0, "picking_code": "outgoing"},
                  {"state": "done", "date": "2026-01-12 08:00:00", "quantity": 3.0, "picking_code": "internal"},
                  {"state": "done", "date": "not a date 12345", "quantity": 3.0, "picking_code": "incoming"}],
              "invoice_lines": [{"id": 55, "quantity": 10.0, "price_unit": 5.5, "parent_state": "posted",
                                 "move_type": "in_invoice"}]},
             {"display_type": False, "product_id": dict(prod_b), "product_qty": 3.0, "product_uom_qty": 3.0,
              "price_unit": 2.0, "price_subtotal": 6.0, "date_planned": False, "move_ids": [], "invoice_lines": []}]},
        {"name": "P2", "state": "done", "date_approve": "2026-02-01 00:00:00", "date_order": False,
         "amount_untaxed": 40.0, "order_line": [
             {"display_type": False, "product_id": dict(prod_a), "product_qty": 8.0, "product_uom_qty": 8.0,
              "price_unit": 5.0, "price_subtotal": 40.0, "date_planned": "2026-02-09 12:00:00",
              "move_ids": [], "invoice_lines": []},
             {"display_type": False, "product_id": 3, "product_qty": 1.0, "product_uom_qty": 1.0,
              "price_unit": 1.0, "price_subtotal": 1.0, "date_planned": "2026-02-09 12:00:00"}]},
    ]


PRICES = [
    {"partner_id": [VENDOR, "V"], "product_tmpl_id": [10, "A"], "product_id": False, "price": 4.5, "min_qty": 0,
     "delay": 5, "date_start": False, "date_end": False},
    {"partner_id": [VENDOR, "V"], "product_tmpl_id": [10, "A"], "product_id": [99, "other variant"], "price": 1.0,
     "min_qty": 0, "delay": 1, "date_start": False, "date_end": False},
    {"partner_id": [8, "Other"], "product_tmpl_id": [20, "B"], "product_id": False, "price": 1.0, "min_qty": 0,
     "delay": 1, "date_start": False, "date_end": False},
]


def test_to_kpi_lines_folds_moves_bills_dates_and_prices() -> None:
    lines = to_kpi_lines(_orders(), VENDOR, PRICES)
    assert [(ln.po, ln.product) for ln in lines] == [("P1", "A-1"), ("P1", "Bolt"), ("P2", "A-1"), ("P2", "?")]
    a1, bolt, a2, bare = lines
    assert a1.promised == datetime(2026, 1, 10)  # date-only string -> midnight
    assert a1.ordered == 10.0  # product_uom_qty 0 falls back to product_qty
    # done receipts sorted, the return apart, cancelled/internal/unparsable moves dropped
    assert [(m.when.day, m.qty) for m in a1.receipts] == [(8, 4.0), (9, 6.0)]
    assert (a1.delivered, a1.returned) == (10.0, 1.0)
    assert [(b.bill, b.posted, b.refund) for b in a1.bills] == [("55", True, False)]
    assert [r.price for r in a1.price_rows] == [4.5]  # the other variant's row and other vendor's row dropped
    assert a1.price_rows is a2.price_rows  # one list per product
    assert bolt.promised == datetime(2026, 1, 5, 10)  # no date_planned -> the approval datetime
    assert bolt.price_rows == [] and bolt.moves == [] and bolt.bills == []
    assert a2.order_date is None and a2.approved == datetime(2026, 2, 1)
    assert bare.price_rows == [] and bare.moves == []


def test_history_summary_spend_months_and_products() -> None:
    hist = history_summary(_orders(), datetime(2026, 1, 1))
    assert hist["spend"] == 140 and hist["po_count"] == 2 and hist["products_bought"] == 3
    assert hist["spend_by_month"] == {"2026-01": 100, "2026-02": 40}
    top = {p["product"]: p for p in hist["top_products"]}
    assert list(top) == ["A-1", "Bolt", "?"]
    assert top["A-1"]["spend"] == 90 and top["A-1"]["orders"] == 2 and top["A-1"]["qty"] == 18
    later = history_summary(_orders(), datetime(2026, 1, 20))
    assert later["po_count"] == 1 and later["spend_by_month"] == {"2026-02": 40}


def test_prices_and_quantities_are_compared_per_product_uom_in_the_company_currency() -> None:
    """A line bought in Dozens at 120.00 per Dozen against a per-Unit list price of 10.00 is on list (not
    +1,100 %); a price row in EUR (rate 1.25 per company unit) is converted before it is compared."""
    from tools.reads.supplier import Conversions

    units, dozens, eur, usd = 1, 2, 7, 3
    conv = Conversions(factors={units: 1.0, dozens: 1 / 12}, rates={usd: 1.0, eur: 1.25}, currency="USD")
    prod = {"id": 1, "default_code": "FURN_8900", "product_tmpl_id": 10, "uom_id": units}
    orders = [{"name": "PO/2026/0001", "state": "purchase", "date_approve": "2026-01-05 10:00:00",
               "date_order": "2026-01-05 09:00:00", "currency_id": usd, "amount_untaxed": 1200.0, "order_line": [
                   {"display_type": False, "product_id": dict(prod), "product_qty": 10.0, "product_uom_qty": 120.0,
                    "product_uom": dozens, "price_unit": 120.0, "price_subtotal": 1200.0,
                    "date_planned": "2026-01-10 10:00:00",
                    "move_ids": [{"state": "done", "date": "2026-01-09 08:00:00", "quantity": 10.0,
                                  "picking_code": "incoming", "product_uom": dozens}],
                    "invoice_lines": [{"id": 5, "quantity": 10.0, "price_unit": 120.0, "parent_state": "posted",
                                       "move_type": "in_invoice", "product_uom_id": dozens}]}]}]
    prices = [{"partner_id": [VENDOR, "V"], "product_tmpl_id": [10, "T"], "product_id": False, "price": 12.5,
               "min_qty": 1, "delay": 4, "date_start": False, "date_end": False, "currency_id": [eur, "EUR"],
               "product_uom": [units, "Units"]}]
    (line,) = to_kpi_lines(orders, VENDOR, prices, conv)
    assert line.price_unit == 10.0 and line.product_qty == 120.0  # per Unit, in Units
    assert line.delivered == 120.0 and line.in_full()  # 10 Dozens received = 120 Units ordered
    assert line.list_price() == 10.0  # 12.50 EUR / 1.25 = 10.00 USD per Unit
    assert line.bills[0].qty == 120.0 and line.bills[0].price_unit == 10.0 and not line.bill_exceptions()
    from tools import kpi

    assert kpi.scorecard([line], datetime(2026, 2, 1).date())["price_variance_pct"] == 0.0
    # without a rate for the row's currency the line keeps its delivery figures but has no list price
    no_rate = Conversions(factors=conv.factors, rates={usd: 1.0}, currency="USD")
    (line,) = to_kpi_lines(orders, VENDOR, prices, no_rate)
    assert line.list_price() is None and line.in_full()
    hist = history_summary(orders, datetime(2026, 1, 1), conv=conv)
    assert hist["spend"] == 1200.0 and hist["top_products"][0]["last_price"] == 10.0


def test_scorecard_text_never_prints_none_and_says_why_a_figure_is_missing() -> None:
    from tools import kpi
    from tools.reads.scorecard import scorecard_text

    empty = kpi.scorecard([], datetime(2026, 2, 1).date())
    assert scorecard_text("V", 12, empty, {"po_count": 0, "spend": 0}, [], [], "EUR") == \
        "V, last 12 months: no confirmed purchase orders, so no scorecard yet."
    orders = _orders()
    lines = to_kpi_lines(orders, VENDOR, PRICES)
    not_due = [kpi.POLine(ln.po, ln.product, ln.ordered, ln.product_qty, ln.price_unit, datetime(2027, 1, 1),
                          ln.approved) for ln in lines]
    card = kpi.scorecard(not_due, datetime(2026, 2, 1).date())
    text = scorecard_text("V", 12, card, history_summary(orders, datetime(2026, 1, 1)), ["P9"], [], "EUR")
    assert "None" not in text and "no receipts yet" in text and "n/a" in text
    assert "1 open PO(s), 0 late" in text and "EUR" in text


def test_history_sums_convert_each_po_currency_and_leave_out_unknown_rates(scripted: Any) -> None:
    """supplier_history's server-side sums: groups per PO currency, each converted with Odoo's rate; a
    currency without a rate is counted, not mixed in; prices per product UoM."""
    from tools.reads.supplier import Conversions, history_aggregated

    usd, eur, chf, units, dozens = 1, 2, 3, 1, 2

    def handler(model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if model == "purchase.order" and method == "read_group":
            return [{"currency_id": [usd, "USD"], "amount_untaxed": 100.0, "__count": 1,
                     "__range": {"date_approve:month": {"from": "2026-01-01"}}},
                    {"currency_id": [eur, "EUR"], "amount_untaxed": 250.0, "__count": 2,
                     "__range": {"date_approve:month": {"from": "2026-02-01"}}},
                    {"currency_id": [chf, "CHF"], "amount_untaxed": 999.0, "__count": 1,
                     "__range": {"date_approve:month": {"from": "2026-02-01"}}}]
        if model == "purchase.order.line" and method == "read_group":
            cur = next(t[2] for t in args[0] if isinstance(t, tuple) and t[0] == "order_id")[-1][2]
            return [{"product_id": [7, "P"], "price_subtotal": {usd: 100.0, eur: 250.0, chf: 999.0}[cur]}]
        if model == "purchase.order.line" and method == "web_search_read":
            return {"records": [
                {"id": 1, "product_id": {"id": 7, "default_code": "KIT.310", "uom_id": units},
                 "order_id": {"id": 1, "currency_id": usd}, "product_uom": dozens, "product_uom_qty": 24.0,
                 "date_approve": "2026-01-05 10:00:00", "price_unit": 50.0, "product_qty": 2.0},
                {"id": 2, "product_id": {"id": 7, "default_code": "KIT.310", "uom_id": units},
                 "order_id": {"id": 2, "currency_id": eur}, "product_uom": dozens, "product_uom_qty": 60.0,
                 "date_approve": "2026-02-05 10:00:00", "price_unit": 50.0, "product_qty": 5.0}]}
        raise AssertionError(f"unexpected {model}.{method}")

    conv = Conversions(factors={units: 1.0, dozens: 1 / 12}, rates={usd: 1.0, eur: 1.25}, currency="USD")
    hist = history_aggregated(scripted(handler), 9, datetime(2026, 1, 1), conv=conv)
    assert hist["spend"] == 300.0 and hist["po_count"] == 3 and hist["unconverted_pos"] == 1  # 100 + 250/1.25
    assert hist["spend_by_month"] == {"2026-01": 100, "2026-02": 200}
    (top,) = hist["top_products"]
    assert top["spend"] == 300.0 and top["qty"] == 84  # 2 + 5 Dozens in Units
    assert (top["first_price"], top["last_price"]) == (4.1667, 3.3333)  # 50/12 USD, 50/12/1.25 USD per Unit
