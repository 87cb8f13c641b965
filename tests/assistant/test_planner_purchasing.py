"""Planner routing for issue #14's flows (requests, requests -> RFQs, transfers, vendor acknowledgements,
"remind them all"), with the Bluebonnet-like test lexicon and a second business's names built here."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import LEX  # type: ignore[import-not-found]

from assistant.planner.intents import parse
from assistant.planner.lexicon import Lexicon
from assistant.planner.model import fit_args
from tools.registry import TOOLS

LEX2 = Lexicon(
    warehouses=[{"name": "Amsterdam Hoofdmagazijn", "code": "WH", "aliases": ["amsterdam"]},
                {"name": "Rotterdam Havenmagazijn", "code": "RTM", "aliases": ["rotterdam"]}],
    suppliers=[{"name": "Sheffield Steel Cutlery", "aliases": ["sheffield"]}],
    products=[{"name": "Chef Knife", "code": "FURN_7777", "norm": "chef knife"}])


@pytest.mark.parametrize(("lex", "text", "tool", "slots"), [
    (LEX, "we need 100 PPE-1042 at Houston, please raise a purchase request", "request_purchase",
     {"product": "PPE-1042", "quantity": 100.0, "warehouse": "HOU"}),
    (LEX, "raise a purchase request for 40 PPE-1042 for Dallas by 2026-12-24", "request_purchase",
     {"product": "PPE-1042", "quantity": 40.0, "warehouse": "DAL", "needed_by": "2026-12-24"}),
    (LEX2, "please raise a purchase request: 12 FURN_7777 at Rotterdam", "request_purchase",
     {"product": "FURN_7777", "quantity": 12.0, "warehouse": "RTM"}),
    (LEX, "what requests are waiting?", "purchase_requests", {"show": "waiting"}),
    (LEX, "show my purchase requests", "purchase_requests", {"show": "mine"}),
    (LEX2, "any purchase requests pending?", "purchase_requests", {"show": "waiting"}),
    (LEX, "turn requests P-0a1b2c3d4e and P-ffee001122 into RFQs", "requests_to_rfqs",
     {"requests": ["P-0a1b2c3d4e", "P-ffee001122"]}),
    (LEX, "turn the waiting requests into RFQs with the most reliable vendors", "requests_to_rfqs",
     {"requests": [], "choose_by": "reliability"}),
    (LEX, "transfer 30 PPE-1042 from Dallas to Houston", "transfer_stock",
     {"product": "PPE-1042", "quantity": 30.0, "from_warehouse": "DAL", "to_warehouse": "HOU"}),
    (LEX2, "move 5 FURN_7777 to RTM from WH", "transfer_stock",
     {"product": "FURN_7777", "quantity": 5.0, "from_warehouse": "WH", "to_warehouse": "RTM"}),
    (LEX, "can we transfer PPE-1042 from Oklahoma to Houston?", "stock_levels", {"product": "PPE-1042"}),
    (LEX, "which RFQs have not been confirmed by the supplier yet?", "vendor_confirmations", {}),
    (LEX2, "orders not acknowledged by the vendor for more than 5 days", "vendor_confirmations",
     {"older_than_days": 5}),
    (LEX, "remind all the vendors", "remind_unconfirmed", {}),  # "them" with nothing shown asks (below)
    (LEX, "chase all orders older than 3 days", "remind_unconfirmed", {"older_than_days": 3}),
])
def test_purchasing_routes(lex: Lexicon, text: str, tool: str, slots: dict[str, Any]) -> None:
    plan = parse(text, lex, [])
    assert plan.tool == tool, (text, plan)
    for key, value in slots.items():
        assert plan.slots.get(key) == value, (key, plan.slots)
    args = fit_args(TOOLS[tool].json_schema(), plan.slots)
    TOOLS[tool].args_model.model_validate(args)  # the slots fit the tool's arguments


@pytest.mark.parametrize("text", ["chase P00042", "order 200 PPE-1042 from Apex for Dallas",
                                  "request a quote from Apex for 50 PPE-1042",
                                  "move HOU/IN/00012 to next Monday"])
def test_existing_flows_unchanged(text: str) -> None:
    plan = parse(text, LEX, [])
    assert plan.tool not in {"request_purchase", "purchase_requests", "transfer_stock", "remind_unconfirmed",
                             "requests_to_rfqs", "vendor_confirmations"}, plan


def test_request_without_quantity_asks_back() -> None:
    plan = parse("please raise a purchase request for PPE-1042", LEX, [])
    assert plan.intent == "clarify" and "how many" in (plan.reply or "").lower()


# -- "them" is the previous answer (try-out Q29, Q34, Q35) --------------------------------------------
@pytest.mark.parametrize(("lex", "pos"), [(LEX, ["P01717", "P01716", "P01680"]),
                                          (LEX2, ["PO/2026/00048", "PO/2026/00050"])])
def test_remind_them_all_after_a_list_reminds_only_those(lex: Lexicon, pos: list[str]) -> None:
    shown = [{"tool": "find_purchase_orders", "args": {"state": "rfq"}, "pos": pos}]
    plan = parse("remind them all", lex, shown)
    assert plan.tool == "remind_unconfirmed" and plan.slots["pos"] == pos and plan.slots["older_than_days"] == 0
    TOOLS["remind_unconfirmed"].args_model.model_validate(fit_args(TOOLS["remind_unconfirmed"].json_schema(),
                                                                   plan.slots))
    assert parse("chase all of them", lex, shown).slots.get("pos") == pos


def test_remind_them_all_after_the_acknowledgement_list_keeps_its_filters() -> None:
    shown = [{"tool": "vendor_confirmations", "args": {"older_than_days": 0, "supplier": "Sheffield Steel Cutlery"},
              "pos": ["PO/2026/00047"]}]
    plan = parse("remind them all", LEX2, shown)
    assert plan.tool == "remind_unconfirmed" and "pos" not in plan.slots
    assert plan.slots["older_than_days"] == 0 and plan.slots["supplier"] == "Sheffield Steel Cutlery"


@pytest.mark.parametrize("history", [[], [{"tool": "stock_levels", "args": {"product": "PPE-1042"}}]])
def test_remind_them_all_with_nothing_shown_asks(history: list[dict[str, Any]]) -> None:
    plan = parse("remind them all", LEX, history)
    assert plan.intent == "clarify" and "which orders" in (plan.reply or "").lower()


@pytest.mark.parametrize("lex", [LEX, LEX2])
def test_turn_them_into_rfqs_after_the_waiting_requests(lex: Lexicon) -> None:
    shown = [{"tool": "purchase_requests", "args": {"show": "waiting"}}]
    plan = parse("turn them into rfqs w/ the most reliable vendor", lex, shown)
    assert plan.tool == "requests_to_rfqs" and plan.slots.get("choose_by") == "reliability", plan
    assert parse("turn them into rfqs", lex, [{"tool": "stock_levels", "args": {}}]).tool != "requests_to_rfqs"


@pytest.mark.parametrize(("lex", "text"), [
    (LEX, "which rfqs hasnt the supplier confirmed yet"),
    (LEX2, "which orders havent been acknowledged by the vendor yet?"),
    (LEX, "any suppliers not confirmed our orders yet?"),
    (LEX2, "which POs has the vendor not acknowledged"),
])
def test_acknowledgement_phrasings(lex: Lexicon, text: str) -> None:
    assert parse(text, lex, []).tool == "vendor_confirmations"
