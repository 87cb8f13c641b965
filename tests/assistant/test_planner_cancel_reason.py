"""The person's reason for a cancellation is kept as the proposal's reason (try-out Q96), on both businesses."""

from __future__ import annotations

import pytest
from conftest import LEX  # type: ignore[import-not-found]

from assistant.planner.intents import parse
from assistant.planner.lexicon import Lexicon
from tools.odoo.resolve import RefFormat

LEX2 = Lexicon(warehouses=[{"name": "Amsterdam Hoofdmagazijn", "code": "WH", "aliases": ["amsterdam"]}],
               suppliers=[{"name": "Wood & Co Interiors B.V.", "aliases": ["wood & co"]}],
               products=[{"name": "Chef Knife", "code": "KIT.204", "norm": "chef knife"}],
               po_formats=[RefFormat("PO/%(year)s/", 5)], receipt_formats=[RefFormat("WH/IN/", 5)])


@pytest.mark.parametrize(("lex", "text", "ref", "reason"), [
    (LEX, "cancel P00042 pls, wrong vendor", "P00042", "wrong vendor"),
    (LEX, "kill P01680 - duplicate of P01679", "P01680", "duplicate of P01679"),
    (LEX, "cancel P01680, the customer cancelled the project", "P01680", "the customer cancelled the project"),
    (LEX2, "cancel PO/2026/00049 please: ordered twice by mistake", "PO/2026/00049", "ordered twice by mistake"),
    (LEX2, "wrong quantity, cancel PO/2026/00049", "PO/2026/00049", "wrong quantity"),
    (LEX2, "cancel PO/2026/00049 because the price went up", "PO/2026/00049", "the price went up"),
])
def test_the_users_reason_is_the_proposals_reason(lex: Lexicon, text: str, ref: str, reason: str) -> None:
    plan = parse(text, lex, [])
    assert plan.tool == "cancel_purchase_order" and plan.slots["reference"] == ref, plan
    assert plan.slots["reason"] == reason


@pytest.mark.parametrize("text", ["cancel P00042 pls", "cancel P00042", "please cancel P00042 in odoo thanks"])
def test_no_reason_given_keeps_the_plain_one(text: str) -> None:
    plan = parse(text, LEX, [])
    assert plan.tool == "cancel_purchase_order" and plan.slots["reason"].startswith("Cancellation requested in chat")
