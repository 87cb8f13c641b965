"""Tryout 2 B17/B18: a three-way question naming one PO or bill is scoped to it (not every exception)."""

from __future__ import annotations

import pytest
from conftest import LEX  # type: ignore[import-not-found]

from assistant.planner.intents import parse


@pytest.mark.parametrize(("text", "ref"), [
    ("does P00042 pass 3-way match?", "P00042"), ("is the bill on P00042 clean", "P00042"),
    ("does BILL/2026/11/0069 match the PO?", "BILL/2026/11/0069"), ("three way match for P00042", "P00042"),
])
def test_one_document_three_way(text: str, ref: str) -> None:
    plan = parse(text, LEX, [])
    assert plan.tool == "three_way_match_exceptions" and plan.slots == {"reference": ref}


@pytest.mark.parametrize(("text", "tool"), [
    ("3 way match problems this month?", "three_way_match_exceptions"), ("bills for P00042", "vendor_bills"),
    ("status of P00042", "purchase_order_status"),
])
def test_others_unchanged(text: str, tool: str) -> None:
    plan = parse(text, LEX, [])
    assert plan.tool == tool and "reference" not in plan.slots or tool != "three_way_match_exceptions"
