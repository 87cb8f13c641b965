"""Deterministic intent and entity parsing for the offline planner.

Why rules: with no model to call, the assistant must still pick the right governed tool for the
questions people really ask, and do it the same way every time (so the eval can demand 100 %).
Only the user's own words are parsed here: tool output is never read for intents, so text planted
in a document or a supplier email can never become a proposal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.planner.lexicon import Lexicon, norm

PO_RE = re.compile(r"\b(?:po\s*#?\s*)?(P\d{5})\b", re.I)
RECEIPT_RE = re.compile(r"\b([A-Z]{2,5}/IN/\d{3,6})\b", re.I)
BILL_RE = re.compile(r"\b(BILL/\d{4}/\d{2}/\d{3,6})\b", re.I)
QTY_RE = re.compile(r"\b(\d[\d,]*)\s*(?:x\s+|units?\s+(?:of\s+)?|pcs\s+(?:of\s+)?|boxes\s+(?:of\s+)?|cases\s+(?:of\s+)?"
                    r"|ea\s+(?:of\s+)?)?(?=[A-Za-z])", re.I)
ISO_DATE = r"\d{4}-\d{2}-\d{2}"
DATE_WORDS = (r"(?:today|tomorrow|yesterday|overdue|this week|next week|last week|this month|next month|"
              r"last month|(?:next |this )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
              rf"{ISO_DATE}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{{1,2}}|"
              r"in \d+ days?|last \d+ (?:days|weeks|months)|past \d+ (?:days|weeks|months))")

OUT_OF_SCOPE = re.compile(
    r"\b(weather|poem|joke|song|recipe|bitcoin|crypto|stock price|share price|lottery|horoscope|"
    r"football|movie|translate|write (?:me )?(?:a|an) (?:essay|story|email to my)|password|"
    r"salary|salaries|payroll|social security|credit card)\b", re.I)
FORBIDDEN = re.compile(
    r"\b(delete|drop|erase|wipe|truncate|purge|unlink)\b|\bexecute\b.*\b(sql|code|python|shell)\b|"
    r"\b(approve|reject) (?:proposal|it|that|my|the proposal)\b|\bapprove\b.*\b(?:own|myself)\b|"
    r"\bset (?:the )?(?:price|cost)\b|\bchange (?:the )?(?:price|cost)\b|\bpay (?:the )?(?:bill|invoice)\b|"
    r"\b(?:validate|receive) (?:the )?receipt\b|\bgrant\b.*\b(?:access|role|admin)\b|"
    r"\bignore (?:all |your |the )?(?:previous|prior|above) instructions\b|\bsystem prompt\b|"
    r"\bwithout approval\b|\bskip (?:the )?approval\b|\bbypass\b", re.I)


@dataclass
class Plan:
    """One decision: call `tool` with semantic `slots`, or reply directly with `reply`."""

    intent: str
    tool: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    reply: str | None = None
    followup: bool = False


def _has(text: str, *words: str) -> bool:
    return any(re.search(rf"\b{w}\b", text) for w in words)


def _date_phrase(text: str) -> str | None:
    m = re.search(DATE_WORDS, text, re.I)
    return m.group(0).lower() if m else None


def _quantity(text: str, product: str | None) -> float | None:
    cleaned = re.sub(r"[A-Z]{3}-\d{3,5}|P\d{5}|\d{4}-\d{2}-\d{2}", " ", text)
    for m in QTY_RE.finditer(cleaned):
        value = float(m.group(1).replace(",", ""))
        if value > 0:
            return value
    found = re.search(r"\b(?:qty|quantity)\s*(?:of\s*)?(\d[\d,]*)", cleaned, re.I)
    return float(found.group(1).replace(",", "")) if found else None


def _entities(text: str, lex: Lexicon) -> dict[str, Any]:
    slots: dict[str, Any] = {}
    if m := PO_RE.search(text):
        slots["reference"] = m.group(1).upper()
    if m := RECEIPT_RE.search(text):
        slots["receipt"] = m.group(1).upper()
    if m := BILL_RE.search(text):
        slots["bill"] = m.group(1).upper()
    if wh := lex.warehouse(text):
        slots["warehouse"] = wh
    if sup := lex.supplier(text):
        slots["supplier"] = sup
    if prod := lex.product(text):
        slots["product"] = prod
    return slots


def parse(text: str, lex: Lexicon, history: list[dict[str, Any]]) -> Plan:
    """Decide what to do with one user message, given the focus of earlier turns in the thread."""
    raw = text.strip()
    low = norm(raw)
    ents = _entities(raw, lex)
    last = history[-1] if history else {}

    if FORBIDDEN.search(raw):
        return Plan("refuse", reply="forbidden")
    if OUT_OF_SCOPE.search(raw) and not (ents.get("product") or ents.get("supplier")):
        return Plan("refuse", reply="out_of_scope")
    if re.fullmatch(r"(thanks?|thank you|thx|cheers|great|perfect|ok thanks|thanks a lot)( [a-z]+)?[.!]*", low):
        return Plan("thanks", reply="You're welcome. Ask me anything else about stock, receipts, orders or suppliers.")
    if re.fullmatch(r"(hi|hello|hey|help|\?|what can you do\??|who are you\??|commands|menu)[.!?]*", low) \
            or _has(low, "what can you do", "how do i use", "help me"):
        return Plan("help", reply="help")

    # -- proposals (only ever from the user's own words) -----------------------------------------
    if _has(low, "remind", "reminder", "chase", "nudge", "follow up with", "follow-up with", "ping"):
        ref = ents.get("reference") or _focus_po(last)
        if not ref:
            return Plan("clarify", reply="Which purchase order should I chase? Give its reference (e.g. P00012).")
        msg = _quoted(raw) or (f"Please confirm the delivery status and the expected delivery date for {ref}.")
        return Plan("remind_supplier", "remind_supplier", {"reference": ref, "message": msg},
                    followup="reference" not in ents)
    if _has(low, "reschedule", "postpone", "push back", "push", "move", "shift") and (ents.get("receipt") or ents.get("reference")
                                                                   or _has(low, "receipt", "delivery")):
        target = _target_date(raw)
        receipt = ents.get("receipt") or ents.get("reference") or _focus_receipt(last)
        if not receipt or not target:
            return Plan("clarify", reply="Tell me the receipt (e.g. WH/IN/00012 or its PO) and the new date, "
                                         "e.g. 'reschedule DAL/IN/00042 to 2026-12-03'.")
        return Plan("reschedule_receipt", "reschedule_receipt", {"receipt": receipt, "date": target})
    if _has(low, "cancel") and (ents.get("reference") or _focus_po(last)):
        return Plan("cancel_purchase_order", "cancel_purchase_order",
                    {"reference": ents.get("reference") or _focus_po(last),
                     "reason": _reason(raw) or "Cancellation requested in chat by the buyer."})
    if _has(low, "confirm") and (ents.get("reference") or _focus_po(last)) and not _has(low, "confirmation", "confirmed"):
        return Plan("confirm_purchase_order", "confirm_purchase_order",
                    {"reference": ents.get("reference") or _focus_po(last)})
    if (_has(low, "rfq", "request for quotation", "request a quote", "draft a po", "create a po",
             "raise a po", "new po", "purchase order for") or re.search(r"\b(order|buy|purchase)\s+\d", low)):
        product = ents.get("product")
        qty = _quantity(raw, product)
        supplier = ents.get("supplier")
        if not (product and qty and supplier):
            missing = [n for n, v in (("product", product), ("quantity", qty), ("supplier", supplier)) if not v]
            return Plan("clarify", reply="To draft an RFQ I need the " + ", ".join(missing) +
                        ", e.g. 'order 200 PPE-1042 from Apex Industrial Supply for Dallas'.")
        return Plan("create_rfq", "create_rfq", {"supplier": supplier, "product": product, "quantity": qty,
                                                 "warehouse": ents.get("warehouse")})

    # -- supplier communications and summaries ----------------------------------------------------
    supplier = ents.get("supplier")
    if supplier and _has(low, "summar(?:y|ise|ize|ies)", "brief(?:ing)?", "overview", "tl;dr", "tldr",
                         "what(?: s| is|s)? going on with", "situation with"):
        return Plan("summarize_supplier", "summarize_supplier", {"supplier": supplier,
                                                                 "since": _date_phrase(raw)})
    if supplier and _has(low, "messages?", "emails?", "communications?", "chatter", "correspondence",
                         "what did .* (?:say|write)", "notes?"):
        return Plan("supplier_communications", "supplier_communications",
                    {"supplier": supplier, "since": _date_phrase(raw)})

    # -- documents -------------------------------------------------------------------------------
    if _has(low, "sop", "policy", "policies", "procedure", "contract", "agreement", "clause", "penalt(?:y|ies)",
            "payment terms", "incoterms?", "moq", "who (?:can |may |must |should )?approves?", "approval matrix",
            "what does .* say", "handbook", "playbook", "guideline", "terms", "onboarding", "how do we handle",
            "how should (?:we|i) handle", "rules? for"):
        return Plan("search_documents", "search_documents",
                    {"query": raw, "supplier": supplier,
                     "doc_type": "contract" if _has(low, "contract", "agreement", "clause", "penalt(?:y|ies)",
                                                    "payment terms", "incoterms?", "moq") else None})

    # -- reads -----------------------------------------------------------------------------------
    if _has(low, "three[- ]way", "3[- ]way", "3 way", "match exceptions?", "mismatch(?:es)?", "discrepanc(?:y|ies)",
            "bills? (?:that )?(?:disagree|don t match|dont match|do not match)", "invoice exceptions?"):
        return Plan("three_way_match_exceptions", "three_way_match_exceptions",
                    {"supplier": supplier, "since": _date_phrase(raw)})
    if _has(low, "reorder", "replenish(?:ment)?", "below (?:their |the )?(?:reorder )?min(?:imum)?", "run out",
            "running out", "stockout risk", "what should (?:we|i) (?:order|buy)", "low stock", "at risk"):
        return Plan("replenishment_risk", "replenishment_risk", {"warehouse": ents.get("warehouse")})
    if supplier and _has(low, "scorecard", "otif", "on[- ]time", "in[- ]full", "performance", "performing",
                         "reliable", "reliability", "lead times?", "defects?", "returns?", "rating", "kpis?"):
        return Plan("supplier_scorecard", "supplier_scorecard", {"supplier": supplier})
    if supplier and _has(low, "spend", "spent", "history", "bought", "buy from", "price trend", "prices?"):
        return Plan("supplier_history", "supplier_history", {"supplier": supplier})
    if ents.get("reference") and not _has(low, "open pos?", "open purchase orders?"):
        return Plan("purchase_order_status", "purchase_order_status", {"reference": ents["reference"]})
    if _has(low, "open pos?", "open purchase orders?", "open orders?", "late pos?", "late purchase orders?",
            "late orders?", "overdue orders?", "overdue pos?", "orders? (?:from|with|for)", "suppliers? (?:are )?late",
            "late suppliers?", "who is late", "which vendors? (?:are )?late",
            "outstanding pos?", "outstanding orders?", "pos? (?:from|with|for)", "purchase orders? (?:from|with|for)"):
        return Plan("open_purchase_orders", "open_purchase_orders",
                    {"supplier": supplier, "warehouse": ents.get("warehouse"),
                     "late_only": True if _has(low, "late", "overdue", "delayed") else None})
    if _has(low, "inbound", "receipts?", "arriving", "arrivals?", "expected", "due", "overdue", "coming in",
            "deliveries",
            "delivery schedule", "dock", "what(?: s| is)? coming"):
        phrase = _date_phrase(raw)
        return Plan("inbound_schedule", "inbound_schedule",
                    {"warehouse": ents.get("warehouse"), "supplier": supplier, "when": phrase})
    if ents.get("product") and (_has(low, "stock", "on hand", "how many", "how much", "inventory", "available",
                                      "availability", "do we have", "left", "qty", "quantity", "forecast")
                                or len(low.split()) <= 6):
        return Plan("stock_levels", "stock_levels", {"product": ents["product"], "warehouse": ents.get("warehouse")})
    if supplier and len(low.split()) <= 8:
        return Plan("supplier_scorecard", "supplier_scorecard", {"supplier": supplier})

    # -- follow-ups on the previous turn ------------------------------------------------------
    follow = _follow_up(low, ents, last)
    if follow:
        return follow
    if _has(low, "stock", "on hand", "how many", "how much", "inventory", "do we have"):
        phrase = _leftover(raw, lex)
        if phrase:  # let the tool resolve it: an exact hit, or "did you mean" candidates
            return Plan("stock_levels", "stock_levels", {"product": phrase, "warehouse": ents.get("warehouse")})
        return Plan("clarify", reply="Which product? Give its code (e.g. PPE-1042) or name.")
    return Plan("unknown", reply="unknown")


def _follow_up(low: str, ents: dict[str, Any], last: dict[str, Any]) -> Plan | None:
    """'and at Dallas?', 'what about Redline?', 'same for PPE-1042' -> the last tool with one slot changed."""
    tool = last.get("tool")
    if not tool or not re.match(r"^(and|what about|how about|same|also|now|ok|and for|and at|and in)\b", low) \
            and len(low.split()) > 5:
        return None
    changes = {k: ents[k] for k in ("warehouse", "supplier", "product", "reference") if k in ents}
    if not changes:
        return None
    slots = dict(last.get("slots") or {})
    if not slots:  # an LLM-made turn: rebuild slots from the stored args
        slots = {k: v for k, v in (last.get("args") or {}).items()}
    slots.update(changes)
    return Plan(tool, tool, slots, followup=True)


_FILLER = re.compile(
    r"\b(how|many|much|do|does|did|we|i|you|have|has|got|any|is|are|there|what|whats|what's|s|the|a|an|of|in|at|for|on|"
    r"stock|stocks|on hand|hand|left|inventory|available|availability|level|levels|qty|quantity|units?|our|us|"
    r"please|right|now|currently|today|warehouse|dc|hub|site|can|tell|me|show|check|to|from)\b", re.I)


def _leftover(text: str, lex: Lexicon) -> str | None:
    """The words left once question words and known places are removed: probably a product name."""
    low = f" {norm(text)} "
    for w in lex.warehouses:
        for alias in (*w.get("aliases", []), norm(str(w["name"])), str(w["code"]).lower()):
            if alias:
                low = low.replace(f" {alias} ", " ")
    rest = re.sub(r"\s+", " ", _FILLER.sub(" ", low)).strip(" ?.!,")
    return rest if len(rest) >= 3 else None


def _focus_po(last: dict[str, Any]) -> str | None:
    if last.get("reference") and PO_RE.fullmatch(str(last["reference"])):
        return str(last["reference"])
    pos = last.get("pos") or []
    return str(pos[0]) if pos else None


def _focus_receipt(last: dict[str, Any]) -> str | None:
    receipts = last.get("receipts") or []
    return str(receipts[0]) if receipts else None


def _target_date(text: str) -> str | None:
    m = re.search(rf"\b(?:to|until|till|for|on)\s+({DATE_WORDS})", text, re.I)
    if m:
        return m.group(1).lower()
    m = re.search(ISO_DATE, text)
    return m.group(0) if m else None


def _quoted(text: str) -> str | None:
    m = re.search(r"[\"“']([^\"”']{3,})[\"”']", text)
    if m:
        return m.group(1).strip()
    m = re.search(r"\b(?:saying|say|tell them|message)[: ]+(.{3,})$", text, re.I)
    return m.group(1).strip() if m else None


def _reason(text: str) -> str | None:
    m = re.search(r"\b(?:because|reason[: ]|since)\s*(.{3,})$", text, re.I)
    return m.group(1).strip() if m else None
