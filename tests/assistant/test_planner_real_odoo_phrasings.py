"""Phrasings that failed on a real Odoo 18 demo database (issue #9), read with a lexicon of another business
than the demo ones: the vendors' ranking, 'how did they perform', periods never taken for a vendor, a policy
question about the dock, 'order the top 3' after a replenishment answer that suggested nothing."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.planner.intents import parse
from assistant.planner.lexicon import Lexicon, warehouse_entries

LEX = Lexicon(
    warehouses=warehouse_entries([{"name": "YourCompany", "code": "WH"}, {"name": "My Company (Chicago)", "code": "My Co"}]),
    suppliers=[{"name": "Azure Interior", "aliases": ["azure", "azure interior"]},
               {"name": "The Jackson Group", "aliases": ["the jackson group", "jackson group"]},
               {"name": "Gemini Furniture", "aliases": ["gemini", "gemini furniture"]}],
    products=[{"name": "Office Chair", "code": "FURN_7777", "norm": "office chair"},
              {"name": "Large Desk", "code": "E-COM09", "norm": "large desk"}])


@pytest.mark.parametrize(("text", "tool", "slots"), [
    ("which vendor is most reliable", "supplier_risk", {}),
    ("who is our most reliable supplier?", "supplier_risk", {}),
    ("most reliable suppliers at WH", "supplier_risk", {"warehouse": "WH"}),
    ("is Azure reliable", "supplier_scorecard", {"supplier": "Azure Interior"}),
    ("Azure Interior: how did they perform the last 6 months", "supplier_scorecard",
     {"supplier": "Azure Interior", "months": 6}),
    ("how did Gemini perform this year", "supplier_scorecard", {"supplier": "Gemini Furniture"}),
    ("who do we spend the most with this year?", "spend_analysis", {"supplier": None}),
    ("which category do we spend the most on this year", "spend_analysis", {"supplier": None, "group_by": "category"}),
    ("spend with Gemni this year", "spend_analysis", {"supplier": "Gemini Furniture"}),
    ("how far ahead do carriers need to book a dock slot", "search_documents", {}),
    ("what's arriving at the dock today", "inbound_schedule", {"when": "today"}),
    ("which orders are still open for My Company (Chicago)", "open_purchase_orders", {"warehouse": "My Co"}),
    ("anything landing at wh today", "inbound_schedule", {"warehouse": "WH", "when": "today"}),
])
def test_real_odoo_phrasings(text: str, tool: str, slots: dict[str, Any]) -> None:
    plan = parse(text, LEX, [])
    assert plan.tool == tool, (text, plan)
    for key, value in slots.items():
        assert plan.slots.get(key) == value, (text, plan.slots)


def test_order_the_top_3_after_nothing_was_suggested_asks_the_suggestions_not_for_a_product() -> None:
    history = [{"tool": "replenishment_risk", "args": {"warehouse": "WH"}}]  # the answer suggested nothing
    plan = parse("order the top 3", LEX, history)
    assert plan.tool == "order_suggestions" and plan.slots.get("warehouse") == "WH" and plan.slots.get("top") == 3
    fresh = parse("order the top 3", LEX, [])  # no replenishment answer in the thread: an ordinary order request
    assert fresh.tool != "order_suggestions"


def test_paying_more_than_the_other_sites_compares_every_site() -> None:
    plan = parse("is WH paying more than the other sites for FURN_7777", LEX, [])
    assert plan.tool == "spend_analysis" and plan.slots.get("compare_prices") is True
    assert plan.slots.get("product") == "FURN_7777" and not plan.slots.get("warehouse")  # every site, not one


def test_a_warehouse_code_after_for_is_not_taken_for_a_vendor() -> None:
    plan = parse("last month's spend for WH", LEX, [])
    assert plan.tool == "spend_analysis" and not plan.slots.get("supplier") and plan.slots.get("warehouse") == "WH"
