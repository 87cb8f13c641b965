"""A vendor offer in a table shows the price as the vendor row states it (tryout: a per-Dozen price was
labelled '/unit', a twelve-fold error for whoever orders from it)."""

from __future__ import annotations

from assistant.planner.compose import _cell


def test_other_unit_of_measure_is_named() -> None:
    cell = _cell({"vendor": "Acme", "price": 2.08, "per": "Dozens", "lead_days": 5})
    assert cell is not None and "2.08 per Dozens" in cell and "/unit" not in cell


def test_foreign_currency_is_named() -> None:
    cell = _cell({"vendor": "Acme", "price": 28.2, "currency": "EUR", "per": "Dozens"})
    assert cell is not None and "28.20 EUR per Dozens" in cell


def test_same_unit_and_currency_reads_per_unit() -> None:
    cell = _cell({"vendor": "Acme", "price": 4.5})
    assert cell is not None and "4.50/unit" in cell


def test_a_converted_figure_carries_its_own_currency_not_the_rows() -> None:
    from assistant.planner.compose import _table

    rows: list[dict[str, object]] = [{"vendor": "Sheffield", "price": 15.9, "currency": "GBP",
                                      "price_per_product_uom": 18.8, "price_per_product_uom_currency": "EUR",
                                      "last_paid_price": 15.5, "last_paid_price_currency": "GBP"}]
    table = "\n".join(_table(rows))
    assert "15.90 GBP" in table and "18.80 EUR" in table and "15.50 GBP" in table
    assert "18.80 GBP" not in table and "currency |" not in table.lower()
