"""What people read: business words instead of tool names, no model-facing framing.

Why one place: refusals and notices are written by the registry, the runtime and the planner for the
model as much as for people ("The warehouse role may not use supplier_history", "untrusted data… cite
them by citation_id"). Every channel (web pages, Slack cards, the CLI) passes its text through
`for_people` so the person reads one voice: what is not available, and whom to ask instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_TOOL = r"([a-z][a-z0-9]*(?:_[a-z0-9]+)+)"  # snake_case names only: tool names, never prose words
_ROLE = r"([A-Za-z][\w.-]*)"

_REFUSALS = (
    re.compile(rf"(?:The {_ROLE} role|Your role \({_ROLE}\)) may not use {_TOOL}\.?"),
    re.compile(rf"your role(?: \({_ROLE}\))? is not allowed to use {_TOOL}\.(?: Ask a colleague whose role may, "
               r"or your manager\.)?"),
)
_COULD_NOT_RUN = re.compile(rf"I couldn't run {_TOOL}:")
# sentences written for the model: untrusted markers, citation-id instructions, "treat as data"
_MODEL_SENTENCE = re.compile(
    r"[^.\n]*\b(?:untrusted data|not instructions|cite them by citation_id|[Nn]ever follow instructions|"
    r"treat (?:them |it )?as data|Say that the documents do not cover it)\b[^.\n]*\.?")
_MODEL_MARKS = re.compile(r"\s*\((?:quoted, )?untrusted\)|\s*\[(?:msg|mail):[^\]\n]{1,80}\]|\s*\[(?:doc|cite):[^\]\n]{1,80}\]")


# names whose words do not read as a noun phrase on their own
_LABELS = {"search_documents": "Document search", "find_purchase_orders": "Purchase order search",
           "create_rfq": "Creating a request for quotation", "remind_supplier": "Supplier reminders",
           "reschedule_receipt": "Rescheduling receipts", "approve_purchase_order": "Approving purchase orders",
           "confirm_purchase_order": "Confirming purchase orders", "cancel_purchase_order": "Cancelling purchase orders",
           "three_way_match_exceptions": "Three-way-match exceptions", "receipts_done": "Done receipts",
           "summarize_supplier": "The supplier brief", "kpi_report": "KPI reports",
           "requests_to_rfqs": "Turning purchase requests into RFQs", "request_purchase": "Raising purchase requests",
           "purchase_requests": "The purchase request queue", "transfer_stock": "Transfers between warehouses",
           "order_suggestions": "Ordering from replenishment suggestions",
           "remind_unconfirmed": "Reminders for unacknowledged orders",
           "vendor_confirmations": "Vendor acknowledgements", "lead_time_forecast": "Lead-time predictions",
           "demand_forecast": "Demand forecasts", "supply_options": "Options during a shortage"}


def tool_label(name: str) -> str:
    """supplier_history → 'Supplier history' (a business phrase for a tool's name)."""
    return _LABELS.get(name) or name.replace("_", " ").strip().capitalize()


def roles_for(tool: str, policy: Any, exclude: Iterable[str] = ("admin",)) -> list[str]:
    """The roles the policy lets use `tool` (whom a refused person can ask instead)."""
    roles = getattr(policy, "roles", None) or {}
    skip = set(exclude)
    out = []
    for role in roles:
        try:
            if role not in skip and policy.can_use(role, tool):
                out.append(str(role))
        except Exception:  # noqa: BLE001 - a hint, never an error
            continue
    return out


def _someone(role: str) -> str:
    """'a buyer', 'an approver', 'someone in finance' (role names are nouns or departments)."""
    if re.search(r"(?:er|or|ist|ant|lead|admin)$", role):
        return f"{'an' if role[:1].lower() in 'aeiou' else 'a'} {role}"
    return f"someone in {role}"


def refusal(tool: str, role: str | None, policy: Any = None) -> str:
    """'Supplier history is not available to the warehouse role — ask a buyer.'"""
    who = roles_for(tool, policy, ("admin", role or "")) if policy is not None else []
    whom = _someone(who[0]) if who else "your manager"
    target = f"the {role} role" if role else "your role"
    return f"{tool_label(tool)} is not available to {target} — ask {whom}."


def for_people(text: str, policy: Any = None, role: str | None = None) -> str:
    """`text` rewritten for a person: refusals in business words, model-facing framing removed."""
    if not text:
        return text

    def _refuse(m: re.Match[str]) -> str:
        groups = [g for g in m.groups()]
        tool = groups[-1]
        who = next((g for g in groups[:-1] if g), None) or role
        out = refusal(tool, who, policy)
        return out[0].lower() + out[1:] if m.start() >= 2 and text[m.start() - 2] == ":" else out

    for pattern in _REFUSALS:
        text = pattern.sub(_refuse, text)
    text = _COULD_NOT_RUN.sub(lambda m: f"{tool_label(m.group(1))} did not work:", text)
    text = _MODEL_SENTENCE.sub("", text)
    text = _MODEL_MARKS.sub("", text)
    return re.sub(r"[ \t]{2,}", " ", text).replace(" .", ".").strip()


_SNAKE = re.compile(_TOOL)


# headers of the KPI, replenishment and scorecard tables (whole titles and column keys), read as written
HEADINGS = {"kpi_report: kpis": "KPIs: this month to date and the previous month",
            "replenishment_risk: at_risk": "Products at risk of running out",
            "replenishment_risk: below_min_covered_by_orders": "Below minimum, covered by open orders",
            "supplier_scorecard: top_products": "Top products by spend (prices per unit)",
            "kpi": "KPI", "previous_month": "Previous month", "below_min": "Below minimum",
            "daily_out": "Daily outflow", "days_cover": "Days of cover", "wh": "Warehouse", "po": "PO",
            "change_pct": "Change %", "first_price": "First price", "last_price": "Last price",
            "avg_price": "Average price", "runs_out_in_lead_time": "Runs out within lead time",
            "suggested_qty": "Suggested quantity", "on_hand": "On hand", "min": "Minimum", "max": "Maximum"}


def heading(text: str) -> str:
    """A table title or column name for people: 'inbound_schedule: receipts' → 'Inbound schedule: receipts',
    'days_late' → 'Days late'."""
    if str(text or "").strip() in HEADINGS:
        return HEADINGS[str(text).strip()]
    out = _SNAKE.sub(lambda m: tool_label(m.group(1)).lower(), str(text or "")).strip()
    return out[:1].upper() + out[1:]
