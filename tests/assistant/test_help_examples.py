"""Help texts and questions back carry examples from the connected Odoo, never placeholders such as "<PO>" or
"<product code>" (a web page or Slack drops them as tags: "Status of ", "we need 100  at WH" on a real Odoo 18)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from assistant.planner.intents import parse
from assistant.planner.lexicon import Lexicon, load_lexicon, warehouse_entries
from assistant.planner.route import fill_examples, help_for

EMPTY = re.compile(r"<[a-zA-Z][^>]*>|\{\w+\}|\"\s*\"|Status of \W|need 100 +at|  ")


def _no_placeholder(text: str) -> None:
    assert not EMPTY.search(text), text


@pytest.mark.parametrize("business", ["bluebonnet", "hollander"])
def test_help_names_this_odoos_records_and_reference_numbering(business: str, request: pytest.FixtureRequest) -> None:
    odoo: Any = request.getfixturevalue("odoo" if business == "bluebonnet" else "odoo_hollander")
    lex = load_lexicon(odoo)
    text = help_for(lex)
    _no_placeholder(text)
    po = re.search(r'"Status of ([^"]+)"', text)
    assert po, text
    assert lex.references(po.group(1)).get("reference") == po.group(1)  # a PO reference as this Odoo numbers it
    prefix = re.sub(r"\d+$", "", po.group(1))
    assert odoo.search_count("purchase.order", [("name", "=like", prefix + "%")]) > 0  # numbered as Odoo's own POs
    receipt = re.search(r'"Reschedule (\S+) to next Monday"', text)
    assert receipt and lex.references(receipt.group(1)).get("receipt") == receipt.group(1)
    code = lex.example_product()
    assert code and odoo.search_count("product.product", [("default_code", "=", code)]) == 1
    assert f'"How many {code} do we have at' in text
    ask = parse("please raise a purchase request", lex, [])  # no product, no quantity: a question back
    _no_placeholder(ask.reply or "")
    assert f"we need 100 {code} at {lex.warehouses[0]['code']}" in (ask.reply or "")


def test_an_example_this_odoo_has_nothing_for_is_left_out() -> None:
    text = help_for(Lexicon())  # an Odoo that gave nothing: no warehouse, vendor, product or numbering
    _no_placeholder(text)
    assert "Status of" not in text and "Warehouses:" not in text and "Reschedule" not in text
    assert '"How many RFQs are still open?"' in text  # examples that need no record stay
    only_wh = help_for(Lexicon(warehouses=warehouse_entries([{"name": "Riverside", "code": "RIV"}])))
    _no_placeholder(only_wh)
    assert '"What is overdue at RIV?"' in only_wh and "Warehouses: Riverside (RIV)." in only_wh
    assert "Stock:" not in only_wh  # both stock examples need a product
    filled = fill_examples('- A: "x {a}" / "y {b}" / "z"\nFirst {a}. Second.', {"a": None, "b": "B"})
    assert filled == '- A: "y B" / "z"\nSecond.'


def test_the_help_reply_without_odoo_names_shows_no_placeholder() -> None:
    from assistant.planner.compose import direct_reply
    from assistant.planner.intents import Plan

    for intent in ("help", "unknown"):
        text = direct_reply(Plan(intent, reply=intent))
        _no_placeholder(text.split("\n\n_(")[0])
        assert '"How many RFQs are still open?"' in text
