"""Follow-ups around a question back, on both sandbox businesses' names (issue #9):

- a new request typed after "which PO?" is read as a new request, not stuffed into the reference slot;
- "chase the first one" after an answer that listed no PO says so (one clear sentence), never guesses;
- "chase the first one" after a list picks the first PO the answer showed;
- "chase X and e-mail the supplier" asks for the vendor to be notified, "chase X" does not.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import LEX  # type: ignore[import-not-found]

from assistant.planner.intents import parse
from assistant.planner.lexicon import Lexicon
from tools.odoo.resolve import RefFormat

BLUE = Lexicon(warehouses=LEX.warehouses, suppliers=LEX.suppliers, products=LEX.products,
               po_formats=[RefFormat("P", 5)], receipt_formats=[RefFormat("HOU/IN/", 5), RefFormat("DAL/IN/", 5)])
HOLL = Lexicon(
    warehouses=[{"name": "Amsterdam Hoofdmagazijn", "code": "WH", "aliases": ["amsterdam", "amsterdam hoofdmagazijn"]},
                {"name": "Rotterdam Havenmagazijn", "code": "RTM", "aliases": ["rotterdam", "rotterdam havenmagazijn"]},
                {"name": "Eindhoven Ontvangst", "code": "EIN", "aliases": ["eindhoven", "eindhoven ontvangst"]}],
    suppliers=[{"name": "Atlantic Paper Goods Inc.", "aliases": ["atlantic", "atlantic paper goods"]},
               {"name": "Van Dijk Glas & Porselein B.V.", "aliases": ["van dijk", "van dijk glas & porselein b.v."]}],
    products=[{"name": "Chef Knife", "code": "FURN_7777", "norm": "chef knife"}],
    po_formats=[RefFormat("PO/%(year)s/", 5)], receipt_formats=[RefFormat("WH/IN/", 5), RefFormat("RTM/IN/", 5)])

# (lexicon, first warehouse, other warehouse's name, its code, two POs, a receipt)
CASES = [(BLUE, "HOU", "Dallas", "DAL", ["P00041", "P00043"], "HOU/IN/00006"),
         (HOLL, "WH", "Rotterdam", "RTM", ["PO/2026/00041", "PO/2026/00043"], "WH/IN/00006")]


def _overdue_turn(wh: str, pos: list[str], receipts: list[str]) -> dict[str, Any]:
    focus: dict[str, Any] = {"tool": "inbound_schedule", "args": {"warehouse": wh, "when": "overdue"}, "warehouse": wh}
    if pos:
        focus.update(pos=pos, receipts=receipts)
    return focus


@pytest.mark.parametrize(("lex", "wh", "city", "code", "pos", "receipt"), CASES)
def test_first_one_of_a_list_is_chased(lex: Lexicon, wh: str, city: str, code: str, pos: list[str],
                                       receipt: str) -> None:
    history = [_overdue_turn(wh, pos, [receipt])]
    plan = parse("chase the first one", lex, history)
    assert plan.tool == "remind_supplier" and plan.slots["reference"] == pos[0], plan
    assert not plan.slots.get("notify_vendor")
    plan = parse("chase the second one", lex, history)
    assert plan.slots.get("reference") == pos[1], plan


@pytest.mark.parametrize(("lex", "wh", "city", "code", "pos", "receipt"), CASES)
def test_first_one_of_an_empty_list_says_so_and_the_next_request_is_read(
        lex: Lexicon, wh: str, city: str, code: str, pos: list[str], receipt: str) -> None:
    history = [_overdue_turn(wh, [], [])]
    plan = parse("chase the first one", lex, history)
    assert plan.tool is None and plan.intent == "clarify"
    assert "listed no purchase orders" in str(plan.reply) and "(?:" not in str(plan.reply)
    assert plan.pending and plan.pending["slot"] == "reference"
    history.append({"pending": plan.pending})
    # a new request after the question back: the previous read with the period and warehouse changed
    nxt = parse(f"how about this week at {city}", lex, history)
    assert nxt.tool == "inbound_schedule", nxt
    assert nxt.slots.get("warehouse") == code and nxt.slots.get("when") == "this week", nxt.slots
    # ... while a reference does answer the question back
    answered = parse(pos[0], lex, history)
    assert answered.tool == "remind_supplier" and answered.slots["reference"] == pos[0], answered


@pytest.mark.parametrize(("lex", "wh", "city", "code", "pos", "receipt"), CASES)
def test_cancel_the_first_one_of_nothing_names_the_verb(lex: Lexicon, wh: str, city: str, code: str,
                                                        pos: list[str], receipt: str) -> None:
    plan = parse("cancel the first one", lex, [_overdue_turn(wh, [], [])])
    assert plan.intent == "clarify" and "to cancel" in str(plan.reply) and "(?:" not in str(plan.reply)


@pytest.mark.parametrize(("lex", "wh", "city", "code", "pos", "receipt"), CASES)
def test_chase_and_email_the_supplier(lex: Lexicon, wh: str, city: str, code: str, pos: list[str],
                                      receipt: str) -> None:
    plan = parse(f"chase {pos[0]} and email the supplier", lex, [])
    assert plan.tool == "remind_supplier" and plan.slots.get("notify_vendor") is True and not plan.also, plan
    plan = parse(f"chase {pos[0]}", lex, [])
    assert plan.tool == "remind_supplier" and not plan.slots.get("notify_vendor"), plan


def test_a_duplicate_proposal_is_not_introduced_as_a_new_one() -> None:
    from assistant.planner.compose import compose
    from tools.base import ToolResult

    for ref in ("P00041", "PO/2026/00041"):
        dup = ToolResult(tool="remind_supplier", text=f"Already proposed: P-0123abcd (remind about {ref}) is still "
                         "pending; no second proposal was created.", proposal_ids=["P-0123abcd"],
                         data={"proposal": "P-0123abcd", "kind": "remind_supplier", "duplicate": True})
        text = compose(parse(f"chase {ref}", HOLL if "/" in ref else BLUE, []), [("remind_supplier", dup, "")])
        assert "I proposed" not in text and "already waiting for approval" in text, text
