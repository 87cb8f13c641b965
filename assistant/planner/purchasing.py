"""Rules for the purchasing flows of issue #14: purchase requests, turning them into RFQs, transfers between
warehouses, vendor acknowledgements and "remind them all".

Only the user's own words are read (never tool output), and each rule fires on an explicit phrase, so these
plans are final (the example router does not overrule them). Names come from the connected Odoo's lexicon.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.planner.intents import (
    DATE_WORDS,
    ISO_DATE,
    NUMBER,
    PROPOSAL_RE,
    Plan,
    _has,
    _order_lines,
    local_today,
)
from assistant.planner.lexicon import Lexicon

#: the plans these rules make (read and proposal tools alike) are final: no router override
RULE_TOOLS = frozenset({"request_purchase", "purchase_requests", "requests_to_rfqs", "transfer_stock",
                        "vendor_confirmations", "remind_unconfirmed"})
PROPOSING = frozenset({"request_purchase", "requests_to_rfqs", "transfer_stock", "remind_unconfirmed"})

_UNACK = re.compile(
    r"(?:\bnot|n'?t|\bnever|\byet to be)\s+(?:been\s+|yet\s+)?(?:confirmed|acknowledged)\s+by\s+(?:the\s+)?"
    r"(?:suppliers?|vendors?)"
    r"|\b(?:suppliers?|vendors?)\s+(?:(?:has|have|did|do|does)\s*)?(?:\bnot|n'?t|\bnever)\s+(?:yet\s+)?"
    r"(?:confirmed|acknowledged|confirm|acknowledge)\b"
    r"|\b(?:has|have|did)(?:n'?t|\s+not)\s+(?:the\s+|our\s+|their\s+)?(?:suppliers?|vendors?)\s+(?:yet\s+)?"
    r"(?:confirmed|acknowledged|confirm|acknowledge)\b"
    r"|\bunacknowledged\b|\bnot\s+(?:yet\s+)?acknowledged\b|\b(?:suppliers?|vendors?)\s+(?:have|has)\s*(?:not|n't)\s+"
    r"(?:yet\s+)?(?:confirmed|acknowledged)|\bawaiting\s+(?:supplier|vendor)\s+(?:confirmation|acknowledg\w*)"
    r"|\bwithout\s+(?:a\s+)?(?:supplier|vendor)\s+(?:confirmation|acknowledg\w*)"
    r"|\b(?:supplier|vendor)\s+(?:confirmation|acknowledg\w*)s?\s+(?:missing|outstanding|pending)", re.I)
_REMIND_ALL = re.compile(r"\b(?:remind|chase|nudge|ping)\s+(?:them\s+all|all(?:\s+of\s+them)?|every\s*(?:one|body)|"
                         r"all\s+(?:those|these|the)?\s*(?:suppliers|vendors|orders|pos|rfqs))\b", re.I)
_REQUEST_WORDS = r"purchase requests?|purchase requisitions?|requisitions?|requests?"
_ASK_REQUEST = re.compile(r"\b(?:raise|create|open|submit|log|file|make|put in)\s+(?:a\s+|an\s+)?(?:new\s+)?"
                          r"(?:purchase\s+)?(?:request|requisition)\b|\bpurchase\s+(?:request|requisition)\s+for\b"
                          r"|\brequest\s+(?:a\s+)?purchase\b", re.I)
_TO_RFQ = re.compile(r"\b(?:turn|convert|make|change)\b.*\b(?:requests?|requisitions?)\b.*\b(?:into|to|as)\s+"
                     r"(?:an?\s+)?(?:rfqs?|quotes?|requests? for quotation)\b"
                     r"|\b(?:rfqs?|quotes?)\s+(?:from|for)\s+(?:the\s+|these\s+|those\s+|all\s+)?(?:waiting\s+|open\s+|"
                     r"pending\s+)?(?:purchase\s+)?(?:requests?|requisitions?)\b", re.I)
_LIST_START = re.compile(r"^(?:what|which|show|list|any|how|where|who|are|is|do|does|did)\b")
_TRANSFER = re.compile(r"\b(?:transfer|move|send|ship|shift)\b", re.I)
_DAYS = re.compile(r"\b(?:older than|more than|over|for|at least)\s+(\d{1,3})\s+days?\b", re.I)


def _from_to(raw: str, lex: Lexicon) -> tuple[str | None, str | None]:
    """(source, destination) warehouse codes from "from A to B" (either order), else the two in order."""
    src = dst = None
    if m := re.search(r"\bfrom\s+(.+?)(?:\s+(?:to|into|for)\s+|$)", raw, re.I):
        src = lex.warehouse(m.group(1))
    if m := re.search(r"\b(?:to|into)\s+(.+?)(?:\s+from\s+|[?.!]|$)", raw, re.I):
        dst = lex.warehouse(m.group(1))
    found = lex.warehouses_in(raw)
    if src is None and dst is None and len(found) == 2:
        return found[0], found[1]
    if src and not dst:
        dst = next((w for w in found if w != src), None)
    if dst and not src:
        src = next((w for w in found if w != dst), None)
    return src, dst


def _needed_by(raw: str, lex: Lexicon) -> str | None:
    from tools.base import ToolError
    from tools.odoo.resolve import parse_date_phrase

    m = re.search(rf"\b(?:by|before|needed by|need it by|until)\s+({ISO_DATE}|(?:next |this )?\w+(?: \d{{1,2}})?)",
                  raw, re.I)
    if not m:
        return None
    try:
        rng = parse_date_phrase(m.group(1), local_today(lex.tz))
    except ToolError:
        return None
    return rng.end.isoformat() if rng.end else None


def _on_day(raw: str, lex: Lexicon) -> str | None:
    """The one day a message names for an action ("tmrw", "on Friday", "next tues", "2026-12-09"), as an ISO
    date computed from today in the company's timezone; None when it names none (or a span)."""
    from tools.base import ToolError
    from tools.odoo.resolve import parse_date_phrase

    m = re.search(rf"(?<![\w/-])({DATE_WORDS})(?![\w/-])", raw, re.I)
    if not m or re.fullmatch(r"(?:overdue|yesterday|last .*|past .*|this week|next week|this month|next month)",
                             m.group(1), re.I):
        return None
    try:
        rng = parse_date_phrase(m.group(1), local_today(lex.tz))
    except ToolError:
        return None
    return rng.start.isoformat() if rng.start and rng.start == rng.end else None


def _reason(raw: str) -> str:
    m = re.search(r"\b(?:because|since|as|for|reason:?)\s+(?:we\s+|it\s+|the\s+)?(.{6,160}?)[.!?]*$", raw, re.I)
    if m and not re.match(rf"(?:{NUMBER}|the\s+\w+\s+warehouse)", m.group(1)):
        return m.group(1).strip()
    return ""


def _product_qty(raw: str, lex: Lexicon) -> tuple[str | None, float | None, str | None]:
    lines, _notes, problem, _refuse = _order_lines(raw, lex)
    if problem:
        return None, None, problem
    if lines:
        return str(lines[0]["product"]), float(lines[0]["quantity"]), None
    return None, None, None


#: "them", "these", "all of them": the records of the previous answer, never a wider search
_ANAPHORA = re.compile(r"\b(?:them|these|those|they|each of them|every one of them|each one)\b", re.I)
_TURN_INTO_RFQS = re.compile(r"\b(?:turn|convert|make|change)\b.*\b(?:into|to|as)\s+(?:an?\s+)?(?:rfqs?|quotes?|requests? "
                             r"for quotation)\b", re.I)


def _previous_orders(prev: dict[str, Any]) -> tuple[list[str] | None, dict[str, Any]]:
    """(PO references, vendor-confirmation filters) the previous answer showed; (None, {}) when it showed none."""
    if prev.get("tool") == "vendor_confirmations":  # its own filters reproduce exactly the rows listed
        args = prev.get("args") or {}
        return [], {k: args[k] for k in ("supplier", "warehouse", "older_than_days") if args.get(k) is not None}
    pos = [str(p) for p in prev.get("pos") or []]
    return (pos, {}) if pos else (None, {})


def purchasing_rule(raw: str, low: str, ents: dict[str, Any], lex: Lexicon,
                    prev: dict[str, Any] | None = None) -> Plan | None:
    """The plan for an issue-#14 request, or None when the message is none of them. `prev` is the focus of
    the previous answer: "them" in "remind them all" / "turn them into RFQs" is what it showed."""
    prev = prev or {}
    if _REMIND_ALL.search(raw) and not ents.get("reference"):
        slots: dict[str, Any] = {"supplier": ents.get("supplier"), "warehouse": ents.get("warehouse")}
        if _ANAPHORA.search(raw) and not (ents.get("supplier") or ents.get("warehouse")):
            pos, filters = _previous_orders(prev)
            if pos is None:
                return Plan("clarify", reply="Which orders should I remind? Ask first e.g. 'which orders haven't "
                                             "been acknowledged by the vendor?', or name the orders.")
            if pos:
                slots["pos"], slots["older_than_days"] = pos, 0  # the orders just shown, however recent
            slots.update(filters)
        if m := _DAYS.search(raw):
            slots["older_than_days"] = int(m.group(1))
        if _has(low, "email", "e-mail", "tell (?:the )?(?:suppliers?|vendors?|them)", "send (?:it |them )?to"):
            slots["notify_vendor"] = True
        return Plan("remind_unconfirmed", "remind_unconfirmed", {k: v for k, v in slots.items() if v is not None})
    if _UNACK.search(raw):
        slots = {"supplier": ents.get("supplier"), "warehouse": ents.get("warehouse")}
        m = _DAYS.search(raw)
        slots["older_than_days"] = int(m.group(1)) if m else 0
        return Plan("vendor_confirmations", "vendor_confirmations", {k: v for k, v in slots.items() if v is not None})
    if _TO_RFQ.search(raw) or (prev.get("tool") == "purchase_requests" and _TURN_INTO_RFQS.search(raw)
                               and _ANAPHORA.search(raw)):  # "turn them into rfqs" after the waiting requests
        slots = {"requests": ["P-" + p[2:].lower() for p in PROPOSAL_RE.findall(raw)]}
        if _has(low, "reliable", "reliability", "on time", "on-time"):
            slots["choose_by"] = "reliability"
        elif _has(low, "contract", "contracted", "agreement", "agreed price"):
            slots["choose_by"] = "contract"
        elif _has(low, "cheapest", "price", "cheaper", "lowest"):
            slots["choose_by"] = "price"
        if ents.get("supplier"):
            slots["supplier"] = ents["supplier"]
        return Plan("requests_to_rfqs", "requests_to_rfqs", slots)
    if _ASK_REQUEST.search(raw):
        product, qty, problem = _product_qty(raw, lex)
        if problem:
            return Plan("clarify", reply=problem)
        if not product or not qty:
            example = lex.example_product()
            at = f" at {lex.example_warehouse()}" if lex.example_warehouse() else ""
            return Plan("clarify", reply="Which product and how many?" + (
                f" e.g. 'we need 100 {example}{at}, please raise a purchase request'." if example else ""))
        slots = {"product": product, "quantity": qty, "warehouse": ents.get("warehouse"),
                 "needed_by": _needed_by(raw, lex), "reason": _reason(raw) or None}
        return Plan("request_purchase", "request_purchase", {k: v for k, v in slots.items() if v is not None})
    if re.search(r"\b(?:requisition|purchase request)\b", raw, re.I) and not _LIST_START.match(low) \
            and not re.search(r"\b(?:requisitions|requests|waiting|pending|status|my|mine|queue)\b", low):
        product, qty, problem = _product_qty(raw, lex)  # "requisition please - 6 x <product> at <warehouse>"
        if product and qty and not problem:
            slots = {"product": product, "quantity": qty, "warehouse": ents.get("warehouse"),
                     "needed_by": _needed_by(raw, lex), "reason": _reason(raw) or None}
            return Plan("request_purchase", "request_purchase", {k: v for k, v in slots.items() if v is not None})
    if re.search(rf"\b(?:{_REQUEST_WORDS})\b", low) and not _has(low, "requests? for quotation", "rfqs?", "quotes?",
                                                                                 "quotations?") and (
            _has(low, "waiting", "pending", "open", "queue", "my", "mine", "show", "list", "status", "what", "which",
                 "any", "outstanding")):
        show = "mine" if _has(low, "my", "mine", "i raised", "i asked", "did i") else (
            "all" if _has(low, "all", "every", "history") else "waiting")
        return Plan("purchase_requests", "purchase_requests", {"show": show})
    if _TRANSFER.search(raw) and (ents.get("product") or lex.products_in(raw)):
        src, dst = _from_to(raw, lex)
        if not (src and dst) or src == dst:
            return None
        product, qty, problem = _product_qty(raw, lex)
        product = product or ents.get("product")
        if problem and problem.lower().startswith("how many"):
            problem = None  # no quantity given: show the stock below
        if problem:
            return Plan("clarify", reply=problem)
        if not qty:  # "can we transfer X from A to B?": the stock everywhere, with what could move
            return Plan("stock_levels", "stock_levels", {"product": product},
                        note=f"Here is {product} in every warehouse. To move some, say e.g. 'transfer 20 {product} "
                             f"from {src} to {dst}'; it becomes a proposal to approve.")
        slots = {"product": product, "quantity": qty, "from_warehouse": src, "to_warehouse": dst}
        if when := _on_day(raw, lex):  # "... tmrw", "on friday", "next tues": that day in the company's zone
            slots["date"] = when
        return Plan("transfer_stock", "transfer_stock", slots)
    return None
