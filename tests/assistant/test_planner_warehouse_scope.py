"""Replenishment and stock phrasings keep the warehouse they name (codes and names as the connected Odoo spells
them), on both demo businesses' lexicons; a code this Odoo does not have is named back, never widened to every
warehouse."""

from __future__ import annotations

import pytest
from conftest import LEX as BLUEBONNET  # type: ignore[import-not-found]

from assistant.planner.intents import parse
from assistant.planner.lexicon import Lexicon

HOLLANDER = Lexicon(
    warehouses=[{"name": "Amsterdam Hoofdmagazijn", "code": "WH", "aliases": ["amsterdam", "amsterdam hoofdmagazijn"]},
                {"name": "Rotterdam Havenmagazijn", "code": "RTM", "aliases": ["rotterdam", "rotterdam havenmagazijn",
                                                                                 "rtm"]},
                {"name": "Eindhoven Zuid", "code": "EIN", "aliases": ["ein", "eindhoven", "eindhoven zuid"]}],
    suppliers=[{"name": "Van Dijk Glas & Porselein B.V.", "aliases": ["van dijk", "van dijk glas"]}],
    products=[{"name": "Wine Glass 35cl", "code": "GLS_Wine-35cl", "norm": "wine glass 35cl"}])

PHRASES = ["which products are below reorder min at {w}", "below-min products at {w}",
           "which products are short at {w}", "what's out of stock at {w}", "which products are out of stock at {w}",
           "what is below safety stock at {w}", "which products are under the minimum quantity at {w}",
           "stock below min at {w}", "what needs replenishment at {w}"]


@pytest.mark.parametrize(("lex", "said", "code"), [
    (BLUEBONNET, "DAL", "DAL"), (BLUEBONNET, "Houston", "HOU"), (BLUEBONNET, "okc", "OKC"),
    (HOLLANDER, "WH", "WH"), (HOLLANDER, "RTM", "RTM"), (HOLLANDER, "Eindhoven", "EIN"), (HOLLANDER, "rtm", "RTM"),
])
@pytest.mark.parametrize("phrase", PHRASES)
def test_replenishment_and_stock_phrasings_keep_the_warehouse(lex: Lexicon, said: str, code: str, phrase: str) -> None:
    plan = parse(phrase.format(w=said), lex, [])
    assert plan.tool == "replenishment_risk", (plan.intent, plan.slots)
    assert plan.slots.get("warehouse") == code


@pytest.mark.parametrize("lex", [BLUEBONNET, HOLLANDER])
@pytest.mark.parametrize("text", ["which products are below reorder min at XYZ", "what's out of stock at QX9",
                                  "below reorder minimum for warehouse ZZ"])
def test_a_warehouse_code_odoo_lacks_is_named_back_not_widened(lex: Lexicon, text: str) -> None:
    plan = parse(text, lex, [])
    assert plan.tool is None and plan.intent == "clarify", (plan.intent, plan.tool, plan.slots)
    assert "no warehouse called" in (plan.reply or "")
    for w in lex.warehouses:  # the list comes from this Odoo's warehouses
        assert w["code"] in (plan.reply or "")


def test_a_product_named_is_still_a_stock_question() -> None:
    plan = parse("is GLS_Wine-35cl out of stock at RTM", HOLLANDER, [])
    assert plan.tool == "stock_levels" and plan.slots.get("warehouse") == "RTM"
