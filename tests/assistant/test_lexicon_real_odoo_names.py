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


def test_a_common_word_vendor_is_taken_only_when_written_as_a_name() -> None:
    """Odoo's demo vendors "Ready Mat" and "Wood Corner" start with common words (and "Wood" is also a variant
    value there): "Is Ready reliable?" names the vendor, "is the order ready?" does not, and a message that
    names a product keeps "Wood" for the product."""
    from types import SimpleNamespace

    from assistant.planner.lexicon import _proper_firsts

    vendors = [{"name": "Ready Mat"}, {"name": "Wood Corner"}, {"name": "Azure Interior"}]
    firsts = {"ready": 1, "wood": 1, "azure": 1}
    products = [{"norm": "acoustic bloc screens"}, {"norm": "cabinet with doors"}]
    odoo = SimpleNamespace(search_read=lambda *a, **k: [{"name": "Wood"}, {"name": "White"}])
    proper, shared, words = _proper_firsts(odoo, vendors, firsts, products)  # type: ignore[arg-type]
    assert proper == {"ready": "Ready Mat", "wood": "Wood Corner"} and shared == {"wood"}
    lex = Lexicon(proper_firsts=proper, shared_firsts=shared, product_words=words)
    assert lex.supplier("Is Ready reliable?") == "Ready Mat"
    assert lex.supplier("how is Ready performing over the last 6 months?") == "Ready Mat"
    assert lex.supplier("is the order ready?") is None  # lower case: a word
    assert lex.supplier("Ready to order?") is None  # the message's first word
    assert lex.supplier("ok. Ready when you are") is None  # a sentence's first word
    assert lex.supplier("What's going on with Wood?") == "Wood Corner"
    assert lex.supplier("how many Wood acoustic screens do we have?") is None  # the variant
