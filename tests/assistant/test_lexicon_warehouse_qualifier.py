"""A warehouse named with a qualifier in brackets ("My Company (Chicago)", as Odoo's demo names the second
company's warehouse) is found by that word, when no other warehouse name has it."""

from __future__ import annotations

from assistant.planner.lexicon import Lexicon, warehouse_entries


def test_bracketed_place_is_an_alias_when_unique() -> None:
    rows = [{"name": "YourCompany", "code": "WH"}, {"name": "My Company (Chicago)", "code": "My Co"},
            {"name": "Depot (North)", "code": "DN"}, {"name": "Depot North Annex", "code": "DNA"}]
    lex = Lexicon(warehouses=warehouse_entries(rows))
    assert lex.warehouse("What receipts are due at Chicago this week?") == "My Co"
    assert lex.warehouse("low stock at chicago") == "My Co"
    assert "north" not in next(w for w in lex.warehouses if w["code"] == "DN")["aliases"]  # shared: no alias
    assert lex.warehouse("stock at YourCompany") == "WH"
