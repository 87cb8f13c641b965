"""The LLM brain is offered the issue-#10 read tools by role and runs them on the sandbox (scripted model)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import AVA, WES  # type: ignore[import-not-found]

from assistant.agent import Assistant
from assistant.eval.mock_llm import MockOpenAI, sequence_script
from assistant.llm import build_llm
from assistant.memory import ConversationMemory
from assistant.runtime import ToolSet
from tools.base import ToolContext
from tools.governance.audit import AuditLog
from tools.governance.policy import Policy
from tools.governance.store import ConversationStore

POLICY = Path(__file__).resolve().parents[2] / "tools" / "governance" / "default_policy.yaml"
NEW = {"find_purchase_orders", "product_vendors", "receipts_done", "vendor_bills", "spend_analysis"}


def _assistant(state: Any, odoo: Any, mock: MockOpenAI) -> Assistant:
    """The LLM brain with the real registry (ToolSet), the default policy and the shared sandbox."""
    policy = Policy.load(POLICY)
    llm = build_llm(model="mock-model", base_url=mock.base_url, api_key=None, timeout_s=5.0, max_retries=0)
    return Assistant(brain_name="llm", model=llm, backend=ToolSet(policy=policy, audit=None, llm=llm),
                     context_for=lambda u, c, t: ToolContext(user=u, odoo=odoo, policy=policy, channel=c,
                                                             thread_id=t),
                     memory=ConversationMemory(ConversationStore(state)), audit=AuditLog(state),
                     system_prompt="Quartermaster test prompt for {user} ({role})")


def test_buyer_gets_the_new_tools_and_the_model_can_count_rfqs(state: Any, odoo: Any) -> None:
    rfqs = odoo.search_count("purchase.order", [("state", "in", ["draft", "sent"])])
    replies = [{"tool_calls": [{"name": "find_purchase_orders", "arguments": {"state": "rfq", "limit": 3}}]},
               {"content": f"There are {rfqs} open RFQs."}]
    with MockOpenAI(sequence_script(replies)) as mock:
        r = _assistant(state, odoo, mock).ask(AVA, "how many rfqs are still open?")
    assert r.ok and r.tool_calls[0]["name"] == "find_purchase_orders" and r.tool_calls[0]["ok"]
    specs = {t["function"]["name"]: t["function"] for t in mock.requests[0]["tools"]}
    assert "find_purchase_orders" in specs  # the question's own tool is bound this turn
    if not set(specs) >= NEW:  # per-turn binding (assistant/toolbelt.py): the rest is one more_tools call away
        from assistant.toolbelt import family_of

        offered_families = set(specs["more_tools"]["parameters"]["properties"]["family"]["enum"])
        assert {family_of(n) for n in NEW - set(specs)} <= offered_families
    tool_msg = next(m for m in mock.requests[1]["messages"] if m["role"] == "tool")
    assert f'"count":{rfqs}' in tool_msg["content"]


def test_warehouse_role_is_offered_only_its_two_and_no_money(state: Any, odoo: Any) -> None:
    replies = [{"tool_calls": [{"name": "find_purchase_orders", "arguments": {"state": "open", "limit": 2}}]},
               {"content": "Here are the open orders."}]
    with MockOpenAI(sequence_script(replies)) as mock:
        r = _assistant(state, odoo, mock).ask(WES, "open POs?")
    offered = {t["function"]["name"] for t in mock.requests[0]["tools"]}
    assert offered & NEW == {"find_purchase_orders", "receipts_done"}
    tool_msg = next(m for m in mock.requests[1]["messages"] if m["role"] == "tool")
    assert r.tool_calls[0]["ok"] and "amount_untaxed" not in tool_msg["content"]
    assert "total_untaxed" not in tool_msg["content"]
