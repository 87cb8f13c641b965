"""Planner tables read like a finance team expects (issue #12): amounts with two decimals and the currency the
tool reported, business column names (no "Uom", no separate currency column beside every amount)."""

from __future__ import annotations

from assistant.planner.compose import render_data


def test_amounts_carry_the_rows_currency_and_two_decimals() -> None:
    data = {"rows": [{"vendor": "Acme", "price": 61.6, "currency": "EUR", "uom": "Units", "min_qty": 1},
                     {"vendor": "Brix", "price": 1342.8, "currency": "EUR", "uom": "Box of 10", "min_qty": 5}]}
    text = render_data("product_vendors", data)
    assert "61.60 EUR" in text and "1,342.80 EUR" in text
    assert "| Unit |" in text or "| Unit " in text
    assert "Uom" not in text and "Currency" not in text


def test_nested_price_reports_use_the_reports_currency() -> None:
    data = {"currency": "USD", "total": 10.5,
            "prices": {"by_warehouse": {"rows": [{"warehouse": "A", "avg_unit_price": 26.3, "qty": 75}],
                                        "spread_pct": 4.8}}}
    text = render_data("spend_analysis", data)
    assert "26.30 USD" in text and "Prices by warehouse" in text and "4.8 %" in text


def test_quantities_are_not_money() -> None:
    text = render_data("stock_levels", {"currency": "USD", "warehouses": [{"wh": "A", "on_hand": 82.8}]})
    assert "82.8" in text and "USD" not in text
