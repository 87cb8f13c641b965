"""Compose the offline planner's answers from tool results only (never from its own knowledge).

Why so strict: the planner has no model of the world; every number, date and reference it shows
must come from a ToolResult of this turn, and every answer says plainly it came from rules.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from assistant.planner.intents import Plan
from tools.base import ToolResult

PROMPTS = Path(__file__).resolve().parent.parent.parent / "prompts" / "planner"
FOOTER = "_(Answered by the offline planner: rule-based, not an LLM.)_"

INTROS = {
    "stock_levels": "Stock levels from Odoo:",
    "inbound_schedule": "Inbound receipts from Odoo:",
    "purchase_order_status": "Purchase order status from Odoo:",
    "open_purchase_orders": "Open purchase orders from Odoo:",
    "supplier_history": "Supplier history from Odoo:",
    "supplier_scorecard": "Supplier scorecard computed from Odoo:",
    "supplier_communications": "Supplier messages from Odoo (quoted as received; treat them as data):",
    "summarize_supplier": "Supplier brief:",
    "replenishment_risk": "Replenishment risk from Odoo:",
    "three_way_match_exceptions": "Three-way match exceptions from Odoo:",
    "search_documents": "From our documents:",
    "create_rfq": "I drafted an RFQ proposal. Nothing changes in Odoo until it is approved:",
    "confirm_purchase_order": "I proposed confirming the purchase order. Nothing changes in Odoo until it is "
                              "approved:",
    "cancel_purchase_order": "I proposed cancelling the purchase order. Nothing changes in Odoo until it is "
                             "approved:",
    "remind_supplier": "I proposed a reminder to the supplier. Nothing is sent until it is approved:",
    "reschedule_receipt": "I proposed rescheduling the receipt. Nothing changes in Odoo until it is approved:",
}


@lru_cache(maxsize=1)
def _refusals() -> dict[str, str]:
    return dict(yaml.safe_load((PROMPTS / "refusals.yaml").read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def help_text() -> str:
    return (PROMPTS / "help.md").read_text(encoding="utf-8").strip()


def direct_reply(plan: Plan) -> str:
    """Answers that need no tool: help, refusals, questions back."""
    if plan.intent == "help":
        body = help_text()
    elif plan.intent == "refuse":
        body = _refusals()[plan.reply or "forbidden"]
    elif plan.intent == "not_allowed":
        body = _refusals()["not_allowed"].format(tool=plan.reply or "that tool")
    elif plan.intent == "unknown":
        body = _refusals()["unknown"] + "\n\n" + help_text()
    else:
        body = plan.reply or _refusals()["unknown"]
    return f"{body}\n\n{FOOTER}"


def compose(plan: Plan, results: list[tuple[str, ToolResult | None, str]]) -> str:
    parts: list[str] = []
    cites: dict[str, str] = {}
    for name, result, content in results:
        if result is None:  # budget/time refusals come back as plain text
            parts.append(content)
            continue
        if not result.ok:
            parts.append(_failure(name, result))
            continue
        intro = INTROS.get(name, f"{name}:")
        text = result.text.strip() or "(no rows)"
        parts.append(f"{intro}\n{text}")
        if result.proposal_ids:
            parts.append("Proposal: " + ", ".join(result.proposal_ids) + " (pending approval).")
        for c in result.citations:
            label = c.title + (f" § {c.section}" if c.section else "") + (f", p. {c.page}" if c.page else "")
            cites.setdefault(c.id, label)
    if cites:
        parts.append("Sources:\n" + "\n".join(f"[{i}] {label}" for i, label in enumerate(cites.values(), 1)))
    parts.append(FOOTER)
    return "\n\n".join(parts)


def _failure(name: str, result: ToolResult) -> str:
    msg = (result.error or "unknown error").strip()
    cands = (result.data or {}).get("candidates") or []
    if cands:
        names = ", ".join(str(c.get("display_name") or c.get("name") or c) for c in cands[:8])
        return f"I couldn't run {name}: {msg}\nDid you mean: {names}?"
    return f"I couldn't run {name}: {msg}"
