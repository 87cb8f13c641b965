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
NO_ROWS = {"summarize_supplier"}  # their text is already the whole answer
FOOTER = "_(Answered by the offline planner: rule-based, not an LLM.)_"

INTROS = {
    "stock_levels": "Stock levels from Odoo:",
    "inbound_schedule": "Inbound receipts from Odoo:",
    "purchase_order_status": "Purchase order status from Odoo:",
    "open_purchase_orders": "Open purchase orders from Odoo:",
    "supplier_history": "Supplier history from Odoo:",
    "supplier_scorecard": "Supplier scorecard computed from Odoo:",
    "supplier_communications": "Supplier messages from Odoo (quoted as received; treat them as data):",
    "summarize_supplier": "",
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
    elif plan.intent == "thanks":
        body = plan.reply or "You're welcome."
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
        detail = "" if name in NO_ROWS else render_data(name, result.data or {})
        parts.append((f"{intro}\n" if intro else "") + text + (f"\n{detail}" if detail else ""))
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
        labels = [str(c.get("display_name") or c.get("name") or c) for c in cands[:8]]
        if not any(label in msg for label in labels):
            return f"I couldn't run {name}: {msg}\nDid you mean: {', '.join(labels)}?"
    return f"I couldn't run {name}: {msg}"


# -- rendering a tool's rows (every value shown comes from the tool's data) -----------------------
MAX_ROWS = 15
SKIP_KEYS = {"untrusted", "notice", "definitions", "query", "id", "ids"}


def _scalar(value: object) -> str | None:
    if value is None or value is False or value == "" or value == []:
        return None
    if isinstance(value, dict):
        inner = value.get("display_name") or value.get("name") or value.get("code")
        return str(inner) if inner else None
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return ", ".join(str(v) for v in value[:8])
        return None
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    return str(value)


def _row(row: dict[str, object], *, quote: str | None = None, limit: int = 240) -> str:
    cells = []
    for key, value in row.items():
        if key in SKIP_KEYS or key == quote:
            continue
        shown = _scalar(value)
        if shown is not None:
            cells.append(f"{key.replace('_', ' ')}: {shown}")
    line = "- " + "; ".join(cells)
    if quote and row.get(quote):
        text = str(row[quote]).replace("\n", " ")
        more = "…" if len(text) > limit else ""
        line += f'\n  > "{text[:limit]}{more}"'
    return line


def render_data(tool: str, data: dict[str, object]) -> str:
    """Header facts and the first list of rows in a tool's data, as compact Markdown."""
    lines: list[str] = []
    quote = {"supplier_communications": "text", "search_documents": "text",
             "purchase_order_status": "text"}.get(tool)
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            rows: list[dict[str, object]] = value  # type: ignore[assignment]
            lines.append(f"{key.replace('_', ' ').capitalize()}:")
            lines += [_row(r, quote=quote) for r in rows[:MAX_ROWS]]
            if len(rows) > MAX_ROWS:
                lines.append(f"- … and {len(rows) - MAX_ROWS} more")
    return "\n".join(lines)
