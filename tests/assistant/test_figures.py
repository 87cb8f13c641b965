"""The one table renderer (assistant/figures.py): labels, money, percentages, units, states, times."""

from __future__ import annotations

from typing import Any

from assistant.figures import Formatter, column_label
from tools.odoo.labels import local_time


class FakeOdoo:
    """fields_get of the selections, as an Odoo in another language might label them."""

    def __init__(self) -> None:
        self.calls = 0

    def execute_kw(self, model: str, method: str, args: list[Any], kw: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        field = args[0][0]
        sel = {("purchase.order", "state"): [["draft", "Offerteaanvraag"], ["purchase", "Inkooporder"],
                                             ["to approve", "Goed te keuren"]],
               ("stock.picking", "state"): [["draft", "Concept"], ["assigned", "Gereed"]],
               ("purchase.order", "receipt_status"): [["pending", "Niet ontvangen"]]}.get((model, field), [])
        return {field: {"selection": sel}}


def test_column_labels_are_business_words() -> None:
    assert column_label("po") == "PO" and column_label("wh") == "Warehouse"
    assert column_label("change_pct") == "Change %" and column_label("otif_target_pct") == "OTIF target %"
    assert column_label("lead_time_days") == "Lead time (days)" and column_label("daily_out") == "Daily outflow"
    assert column_label("billed_qty") == "Billed quantity" and column_label("avg_price") == "Average price"
    assert column_label("rfq_ref") == "RFQ reference" and column_label("product_uom") == "Unit"
    assert column_label("kpis") == "KPIs" and column_label("Product code") == "Product code"


def test_money_percent_booleans_and_units() -> None:
    f = Formatter(currency="EUR")
    assert f.cell("price_subtotal", 331.2) == "331.20 EUR"
    assert f.cell("spend", 763.87, {"currency": "GBP"}) == "763.87 GBP"
    assert f.cell("change_pct", 13.456) == "13.5 %"
    assert f.cell("below_min", True) == "Yes" and f.cell("below_min", False) == "No"
    assert f.cell("ordered", 4, {"uom": "Case of 24"}) == "4 Case of 24"
    assert f.cell("value", 95.25, {"unit": "%"}) == "95.2 %" and f.cell("value", 12.5, {"unit": "money"}) == "12.50 EUR"
    heads, rows = f.table([{"product": "A", "on_hand": 42.0, "forecast": 40}], unit="Units")
    assert heads == ["Product", "On hand (Units)", "Forecast (Units)"] and rows == [["A", "42", "40"]]


def test_states_read_as_the_connected_odoo_labels_them_and_are_cached() -> None:
    odoo = FakeOdoo()
    f = Formatter(odoo=odoo)
    assert f.cell("state", "assigned", tool="inbound_schedule") == "Gereed"
    assert f.cell("state", "purchase", tool="find_purchase_orders") == "Inkooporder"
    assert f.cell("state", "draft", section="receipts") == "Concept"  # a receipt's draft, not an RFQ
    assert f.cell("state", "draft", tool="find_purchase_orders") == "Offerteaanvraag"
    assert f.cell("receipt_status", "pending") == "Niet ontvangen"
    assert f.cell("state", "pending", section="proposals") == "Pending"
    calls = odoo.calls
    f.cell("state", "assigned", tool="inbound_schedule")
    assert odoo.calls == calls


def test_times_in_the_readers_zone_with_the_zone_named() -> None:
    f = Formatter(tz="America/Chicago")
    assert f.cell("expires_at", "2026-12-07T16:10") == "2026-12-07 10:10 CST"
    assert local_time("2026-07-01 12:00:00", "Europe/Amsterdam") == "2026-07-01 14:00 CEST"
    assert f.cell("scheduled", "2026-12-07") == "2026-12-07"  # a date stays a date


def test_counts_add_up_showing_n_of_the_tools_count() -> None:
    from assistant.planner.compose import render_data

    rows = [{"bill": f"B{i}", "issue": "qty", "billed_qty": 2} for i in range(25)]
    text = render_data("three_way_match_exceptions", {"count": 41, "exceptions": rows}, Formatter())
    assert "Showing 15 of 41" in text and "and 10 more" not in text
    assert "Showing" not in render_data("three_way_match_exceptions", {"count": 3, "exceptions": rows[:3]},
                                        Formatter())


def test_a_figure_in_another_currency_and_a_vendor_offer_per_unit_of_measure() -> None:
    f = Formatter(currency="EUR")
    heads, rows = f.table([{"product": "A", "price": 10.0, "last_paid_price": 9.5, "last_paid_price_currency": "GBP",
                            "cheapest": {"vendor": "V", "price": 120.0, "currency": "GBP", "per": "Dozens"}}])
    assert "Last paid price currency" not in heads
    assert rows[0][1:] == ["10.00 EUR", "9.50 GBP", "V (120.00 GBP per Dozens)"]
