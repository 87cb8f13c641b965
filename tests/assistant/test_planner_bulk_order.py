"""Chat follow-ups that turn the last replenishment answer into RFQ proposals (issue #14.2), offline planner on a
private sandbox: the thread's memory holds the suggestion list the person saw."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "channels"))
from webapi_support import RealRuntime  # noqa: E402


@pytest.fixture(scope="module")
def rt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with RealRuntime(tmp_path_factory.mktemp("bulk"), ingest_corpus=False) as runtime:
        yield runtime


def _codes(answer: str) -> list[str]:
    return re.findall(r"^\| \[([^\]]+)\]", answer, re.M)


def test_order_the_top_three_after_a_replenishment_answer(rt: Any) -> None:
    ava = rt.directory.get("ava.buyer")
    first = rt.assistant.ask(ava, "What should we order for Dallas?", thread_id="bulk-1", channel="web")
    shown = _codes(first.answer)
    assert len(shown) >= 3
    turn = rt.assistant.ask(ava, "order the top 3", thread_id="bulk-1", channel="web")
    (call,) = turn.tool_calls
    assert call["name"] == "order_suggestions" and call["args"]["items"] == shown[:3]
    products = sorted(ln["product"] for p in turn.proposals for ln in rt.proposals.get(p["id"]).args["lines"])
    assert products == sorted(shown[:3])
    assert len({rt.proposals.get(p["id"]).args["supplier"] for p in turn.proposals}) == len(turn.proposals)
    assert "order_suggestions" not in turn.answer and "one per vendor" in turn.answer
    # the user's own order verb + Odoo's list: these are the user's proposals, not model-suggested
    assert all(rt.proposals.get(p["id"]).origin == "user" for p in turn.proposals)
    again = rt.assistant.ask(ava, "order the suggested quantity of the first one from the most reliable vendor",
                             thread_id="bulk-1", channel="web")
    (call,) = again.tool_calls
    assert call["args"]["items"] == shown[:1] and call["args"]["vendor"] == "most_reliable"


def test_order_all_critical_items_of_a_warehouse_in_a_new_thread(rt: Any) -> None:
    ben = rt.directory.get("ben.buyer")
    turn = rt.assistant.ask(ben, "order all of Houston's critical items from the best vendors", thread_id="bulk-2",
                            channel="web")
    (call,) = turn.tool_calls
    assert call["name"] == "order_suggestions"
    assert call["args"] == {"warehouse": "HOU", "critical_only": True, "vendor": "best"}
    assert turn.proposals, turn.answer


def test_a_plain_question_about_the_list_proposes_nothing(rt: Any) -> None:
    ava = rt.directory.get("ava.buyer")
    rt.assistant.ask(ava, "What should we order for Dallas?", thread_id="bulk-3", channel="web")
    turn = rt.assistant.ask(ava, "which of them are below the minimum?", thread_id="bulk-3", channel="web")
    assert not turn.proposals and all(c["name"] != "order_suggestions" for c in turn.tool_calls)
