"""A vendor offer in a table shows the price as the vendor row states it (tryout: a per-Dozen price was
labelled '/unit', a twelve-fold error for whoever orders from it)."""

from __future__ import annotations

from assistant.planner.compose import _cell


def test_other_unit_of_measure_is_named() -> None:
    cell = _cell({"vendor": "Acme", "price": 2.08, "per": "Dozens", "lead_days": 5})
    assert cell is not None and "2.08 per Dozens" in cell and "/unit" not in cell


def test_foreign_currency_is_named() -> None:
    cell = _cell({"vendor": "Acme", "price": 28.2, "currency": "EUR", "per": "Dozens"})
    assert cell is not None and "28.2 EUR per Dozens" in cell


def test_same_unit_and_currency_reads_per_unit() -> None:
    cell = _cell({"vendor": "Acme", "price": 4.5})
    assert cell is not None and "4.5/unit" in cell
