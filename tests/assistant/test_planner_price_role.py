"""A role that may not see prices asks about money (try-out Q42): one sentence that prices are not available
to their role and whom to ask, never another answer (stock) in its place. Both businesses' names."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import LEX  # type: ignore[import-not-found]
from langchain_core.messages import HumanMessage

from assistant.planner.lexicon import Lexicon
from assistant.planner.model import OfflinePlanner
from tools.governance.policy import Policy
from tools.registry import TOOLS

LEX2 = Lexicon(warehouses=[{"name": "Amsterdam Hoofdmagazijn", "code": "WH", "aliases": ["amsterdam"]}],
               suppliers=[{"name": "Sheffield Steel Cutlery", "aliases": ["sheffield"]}],
               products=[{"name": "Chef Knife 20cm", "code": "KIT.204", "norm": "chef knife 20cm"}])
POLICY = Policy.load(Path(__file__).resolve().parents[2] / "tools" / "governance" / "default_policy.yaml")


def _planner(lex: Lexicon, role: str) -> OfflinePlanner:
    schemas = {n: t.json_schema() for n, t in TOOLS.items() if POLICY.can_use(role, n)}
    return OfflinePlanner(lexicon_loader=lambda: lex).model_copy(update={"tool_schemas": schemas})


@pytest.mark.parametrize(("lex", "text"), [
    (LEX, "how much did we pay for PPE-1042 last time"),
    (LEX, "what's the price of PPE-1042 from Apex?"),
    (LEX2, "how much did we pay for KIT.204 last time"),
    (LEX2, "what does KIT.204 cost"),
])
def test_warehouse_money_question_gets_the_role_sentence(lex: Lexicon, text: str) -> None:
    msg = _planner(lex, "warehouse").decide([HumanMessage(text)])
    assert not msg.tool_calls, msg.tool_calls
    answer = str(msg.content)
    assert "not available to your role" in answer and "buyer" in answer and "finance" in answer
    buyer = _planner(lex, "buyer").decide([HumanMessage(text)])
    assert [c["name"] for c in buyer.tool_calls] == ["product_vendors"]  # a buyer gets the prices


@pytest.mark.parametrize(("lex", "text"), [(LEX, "how much PPE-1042 do we have at Dallas?"),
                                           (LEX2, "how many KIT.204 at amsterdam")])
def test_warehouse_stock_questions_still_answered(lex: Lexicon, text: str) -> None:
    msg = _planner(lex, "warehouse").decide([HumanMessage(text)])
    assert [c["name"] for c in msg.tool_calls] == ["stock_levels"]
