"""How the offline planner finds the intent of a message: router + rules, arbitrated.

1. The message is cleaned (greetings, "pls", "thanks so" dropped) and misspelt warehouse/vendor names are
   corrected against the names Odoo has (rapidfuzz, only close matches).
2. The rules read it (intents._parse): they stay the authority for refusals, proposals (only from the
   user's own verbs), follow-ups, references, dates, quantities and units.
3. The router ranks intents by the nearest examples of the delexicalised message (router.py).
4. Arbitration: a rule reading that the router agrees with, or does not clearly beat, is kept; a weak
   rule reading (nothing understood, or a "product" made of leftover words) gives way to a confident
   router reading; two close readings become ONE question back with the choices; nothing confident
   becomes a plain list of what can be asked, with examples from the connected Odoo.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.planner import forecasts
from assistant.planner.builders import QUESTION_FOR, build
from assistant.planner.intents import (
    PROPOSAL_TOOLS,
    Plan,
    _entities,
    _leftover,
    _merged_focus,
    _period_slots,
    _pick,
    _quoted,
    _rfq,
    _target_date,
    action_reason,
    local_today,
    months_asked,
    product_phrase,
    rules,
    since_phrase,
    supplier_phrase,
)
from assistant.planner.lexicon import Lexicon, norm
from assistant.planner.slots import clean, correct_names, delexicalise, spans

CONFIDENT = 0.62  # a router reading at least this close to its examples may be used
DECISIVE = 0.10  # ... and overrides a rule reading only when it scores this much higher
DECISIVE_OVER = {"search_documents": 0.25}  # a rule that saw policy/contract/SOP words is hard to overrule
CLOSE = 0.035  # two readings closer than this: ask which
LOW = 0.55  # below this nothing is understood
NEW_TOOLS = {"find_purchase_orders", "product_vendors", "receipts_done", "vendor_bills", "spend_analysis"}
FINAL = {"refuse", "help", "thanks", "bad_quantity", "not_allowed", "clarify", *PROPOSAL_TOOLS,
         "purchase_requests", "vendor_confirmations"}  # issue #14: rules on explicit phrases (planner/purchasing.py)

# (rule tool, routed tool): the routed tool wins only when the message needs what only it does
NEAR = {
    ("supplier_history", "spend_analysis"): r"\b(q[1-4]|quarter|this year|last year|ytd|year to date|categor\w*|"
                                            r"by (?:month|warehouse|site|product|vendor)|per \w+|top \d+|vs|versus|"
                                            r"compared?|between|since|jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|"
                                            r"aug\w*|sep\w*|oct\w*|nov\w*|dec\w*|total|this (?:month|week)|"
                                            r"last (?:month|week)|month to date|mtd|last \d+ days)\b",
    ("open_purchase_orders", "find_purchase_orders"): r"\b(how many|count|number of|rfqs?|quotes?|biggest|largest|"
                                                      r"draft|approv\w*|cancel\w*|placed|acknowledg\w*|last \d+|"
                                                      r"this (?:week|month|year)|total)\b",
}
# (rule tool, routed tool): the rules chose the more specific tool on words the router weighs less
# ("recap" of messages, POs *for a product*, receipts already *done*); a router reading never undoes that
SPECIFIC = {("summarize_supplier", "supplier_communications"), ("find_purchase_orders", "open_purchase_orders"),
            ("receipts_done", "inbound_schedule"), ("spend_analysis", "supplier_history"),
            ("product_vendors", "supplier_scorecard"), ("three_way_match_exceptions", "vendor_bills"),
            ("vendor_bills", "inbound_schedule"), ("find_purchase_orders", "stock_levels"),
            ("product_vendors", "stock_levels"), ("spend_analysis", "stock_levels"),
            ("open_purchase_orders", "supplier_scorecard"), ("inbound_schedule", "open_purchase_orders"),
            ("purchase_order_status", "find_purchase_orders"), ("three_way_match_exceptions", "summarize_supplier"),
            ("three_way_match_exceptions", "supplier_scorecard"), ("search_documents", "find_purchase_orders"),
            ("search_documents", "inbound_schedule"), ("search_documents", "vendor_bills"),
            # issue #15: a prediction word ("realistic", "predict", "likely") beside "lead time" or "demand"
            ("lead_time_forecast", "product_vendors"), ("lead_time_forecast", "supplier_scorecard"),
            ("demand_forecast", "stock_levels"), ("supply_options", "product_vendors")}
LABELS = {  # how a choice is offered in a question back
    "stock_levels": "stock on hand", "inbound_schedule": "expected receipts", "receipts_done": "receipts already done",
    "purchase_order_status": "one PO's status", "open_purchase_orders": "open purchase orders",
    "find_purchase_orders": "purchase orders / RFQs (list or count)", "product_vendors": "who supplies it and at what price",
    "vendor_bills": "vendor bills", "spend_analysis": "spend", "supplier_scorecard": "the supplier's scorecard",
    "supplier_history": "purchase history with the supplier", "summarize_supplier": "a summary of the supplier's messages",
    "supplier_communications": "the supplier's messages", "replenishment_risk": "what needs reordering",
    "three_way_match_exceptions": "three-way match exceptions", "search_documents": "our policies and contracts",
    "create_rfq": "draft an RFQ", "cancel_purchase_order": "cancel a PO", "confirm_purchase_order": "confirm an RFQ",
    "remind_supplier": "chase a supplier", "reschedule_receipt": "reschedule a receipt", "help": "what I can do",
    "supplier_risk": "a ranking of supplier risk", "purchase_anomalies": "unusual purchases (anomalies)",
    "approve_purchase_order": "approve a PO waiting for approval in Odoo",
    "lead_time_forecast": "a lead-time prediction", "demand_forecast": "a demand forecast",
    "supply_options": "the options to cover a shortage",
    "kpi_report": "our KPIs with the monthly trend",
}
# issue #13: the KPI names people use; a message naming one asks for kpi_report (tools/kpis)
KPI_WORDS = re.compile(
    r"\b(?:purchase |procurement |purchasing |po |rfq |order )cycle ?times?\b|\bcycle ?time\b(?! ?count)"
    r"|\b(?:inventory|stock) (?:turns?|turnover)\b|\bfill ?rates?\b|\bstock ?-?outs? (?:rates?|ratio|percentage)\b"
    r"|\b(?:emergency|urgent|rush) (?:purchase|order|buy|po)s? (?:ratio|rates?|share|percentage)\b"
    r"|\b(?:procurement|purchasing) savings?\b|\bsavings? reali[sz]\w*|\b(?:supplier |vendor )?defect rates?\b"
    r"|\b(?:three|3)[- ]way(?:[- ]match)? (?:exception )?rates?\b|\b(?:our|procurement|purchasing|the) kpis?\b"
    r"|\bkpi report\b|\bcontrol tower\b", re.I)
KPI_PICK = (("cycle", "cycle time"), ("turn", "inventory turns"), ("stock", "stockout rate"), ("fill", "fill rate"),
            ("emergenc", "emergency purchase ratio"), ("urgent", "emergency purchase ratio"),
            ("saving", "procurement savings"), ("defect", "defect rate"), ("way", "three-way exception rate"))


def kpi_plan(text: str, lex: Lexicon) -> Plan | None:
    """'what is our purchase cycle time?', 'inventory turns at <warehouse>?' -> kpi_report with the scope."""
    m = KPI_WORDS.search(text)
    if not m:
        if re.search(r"\bkpis?\b", text, re.I) and not _entities(text, lex).get("supplier"):
            m = re.search(r"\bkpis?\b", text, re.I)  # "kpis this month": the company's, not a vendor's
        if not m:
            return None
    said = m.group(0).lower()
    kpi = next((name for stem, name in KPI_PICK if stem in said), None)
    ents = _entities(text, lex)
    category = next((s.value for s in spans(text, lex) if s.kind == "category"), None)
    slots = {"kpi": kpi, "warehouse": ents.get("warehouse"), "category": category, "vendor": ents.get("supplier")}
    return Plan("kpi_report", "kpi_report", {k: v for k, v in slots.items() if v})


def split_parts(text: str) -> list[str]:
    """'what's arriving at X today, and is anything overdue there?' -> its two questions (else [text])."""
    m = re.search(r"(?:,\s*|;\s*|\?\s+|\s+)(?:and|also|plus|&)\s+(?=(?:is|are|was|were|what|whats|what's|which|how|"
                  r"who|when|where|do|does|did|any|anything|can|could|show|list|tell)\b)", text, re.I)
    if not m or m.start() < 8 or len(text) - m.end() < 8:
        return [text]
    return [text[:m.start()].strip(), text[m.end():].strip()]


# where a message may hold two requests: punctuation, "+", "&", or a joining word between two clauses
_JOINS = re.compile(r"\s*(?:[?;+]|,|\s&|\.\s)\s*(?:(?:and|also|plus|then|&)\s+)?(?:(?:if|when) [^,]*,\s*)?"
                    r"|\s+(?:and then|and also|and|also|plus|then|as well as|&)\s+(?:(?:if|when) [^,]*,\s*)?", re.I)
_RANGE = re.compile(r"\b(?:between|from)\s+\S+(?:\s+\S+){0,2}\s+(?:and|to|until|-)\s+\S+", re.I)


def split_candidates(text: str, lex: Lexicon) -> list[tuple[str, str]]:
    """Every place the message could be two requests, strongest first: the classic "..., and is/what ..." join,
    then punctuation and joining words that are not inside a name ("Gloves & PPE"), a date range
    ("between X and Y") or a list of codes."""
    out: list[tuple[str, str]] = []
    first = split_parts(text)
    if len(first) == 2:
        out.append((first[0], first[1]))
    protected = [(sp.start, sp.end) for sp in spans(text, lex) if sp.kind in ("product", "supplier", "category",
                                                                                 "warehouse")]
    protected += [(m.start(), m.end()) for m in _RANGE.finditer(text)]
    for m in _JOINS.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in protected):
            continue
        left, right = text[:m.start()].strip(" ,;:-"), text[m.end():].strip(" ,;:-")
        if len(left.split()) < 2 or len(right) < 3:
            continue
        if (left, right) not in out:
            out.append((left, right))
    return out[:4]


def analyse(text: str, lex: Lexicon) -> tuple[str, str]:
    """(cleaned text with names corrected, its delexicalised form)."""
    cleaned = correct_names(clean(text, lex.codes_kept()), lex)
    return cleaned, delexicalise(cleaned, spans(cleaned, lex))


_TO_MAX = re.compile(r"\b(?:back )?up to (?:the |its )?max(?:imum)?\b|\breach (?:the |its )?max(?:imum)?\b|\bto max\b",
                     re.I)


def route_message(text: str, lex: Lexicon, history: list[dict[str, Any]], router: Any = None,
                  inherit: dict[str, Any] | None = None) -> Plan:
    plan = _route(text, lex, history, router, inherit)
    if plan.tool == "stock_levels" and _TO_MAX.search(text):
        plan.post = "stock_gap"  # "how many to get X back up to max": say the difference, from the tool's figures
    return plan


def _route(text: str, lex: Lexicon, history: list[dict[str, Any]], router: Any = None,
           inherit: dict[str, Any] | None = None) -> Plan:
    from assistant.planner.router import get_router

    cleaned, delex = analyse(text, lex)
    if inherit and (_POINTS_BACK.search(cleaned) or len(_content_words(delex)) <= 4):
        # the second half of a two-part message is about the same things unless it names others
        found = _entities(cleaned, lex)
        for key in ("warehouse", "supplier", "product", "reference"):
            if inherit.get(key) and not found.get(key) and not (key == "reference" and found.get("receipt")):
                cleaned = (f"{cleaned} at {inherit[key]}" if key == "warehouse" else f"{cleaned} {inherit[key]}"
                           if key == "reference" else f"{cleaned} ({inherit[key]})")
        delex = delexicalise(cleaned, spans(cleaned, lex))
    kpi = kpi_plan(cleaned, lex)
    if kpi is not None:
        return kpi
    rule = rules(cleaned, lex, history)
    if rule.intent == "help":
        rule.reply = help_for(lex)
    if rule.intent in FINAL or rule.followup or rule.sure:
        return rule
    readings = (router or get_router()).rank(delex)
    if not _ACTION.search(cleaned):  # an action comes only from the user's own verbs, never from a near example
        readings = [r for r in readings if r.intent not in PROPOSAL_TOOLS] or readings
    if re.search(r"\b(?:late|overdue|past due|due|expected|arriving|coming|incoming|behind)\b", cleaned, re.I):
        readings = [r for r in readings if r.intent != "receipts_done"] or readings  # what is late is not yet done
    top = readings[0]
    if top.intent == rule.intent:
        return rule
    if (need := NEAR.get((str(rule.tool), top.intent))) and not re.search(need, cleaned, re.I):
        return rule
    if (str(rule.tool), top.intent) in SPECIFIC and not _weak(rule, lex):
        return rule  # the older tool answers this just as well (e.g. spend with a vendor over N months)
    rule_score = next((r.score for r in readings if r.intent == rule.intent), 0.0)
    weak = _weak(rule, lex)
    if _little_said(delex) and (rule.tool and not weak or rule.intent == "unknown"):
        # "and for <vendor>?", "<product> <warehouse>", "and at <warehouse>?" in a new thread: the words
        # carry no other intent, so the router has nothing to add (and must not invent a request)
        return rule if rule.tool else Plan("unknown", reply=not_understood(lex))
    if rule.tool and not weak and history and _FOLLOW.match(cleaned):
        return rule
    category = next((s.value for s in spans(cleaned, lex) if s.kind == "category"), None)
    other = next((r for r in readings[1:] if r.intent != top.intent), None)
    if other and top.score >= LOW and other.score >= LOW and top.score - other.score < CLOSE:
        if rule.tool and not weak and rule.intent == other.intent:
            return rule  # the rules break a tie they take part in
        if weak or not rule.tool:
            return ask_which(cleaned, [top.intent, other.intent])  # one short question, the two readings as choices
    margin = DECISIVE_OVER.get(str(rule.intent), DECISIVE)
    if top.score >= CONFIDENT and (weak or top.score - rule_score >= margin):
        plan = from_intent(top.intent, cleaned, lex, history, category)
        if plan is not None and not (plan.tool is None and rule.tool and not weak):
            plan.fallback = rule if rule.tool else None
            return plan
    if rule.tool and not weak:
        return rule
    if top.score >= CONFIDENT or (weak and top.score >= LOW):
        plan = from_intent(top.intent, cleaned, lex, history, category)
        if plan is not None:
            return plan
    if rule.tool:
        return rule
    return Plan("unknown", reply=not_understood(lex))


_ACTION = re.compile(r"\b(order|buy|purchase|rfq|quote|confirm|cancel|kill|scrap|void|call off|remind|reminder|chase|"
                     r"nudge|ping|follow[- ]up|reschedul\w*|postpone|move|push|delay|shift|draft|create|raise|send|"
                     r"email|approve|can go)\b", re.I)
_FOLLOW = re.compile(r"^(?:and|what about|how about|same|also|now)\b", re.I)
_FUNCTION_WORDS = {"the", "a", "an", "of", "for", "at", "in", "on", "to", "and", "with", "from", "is", "are", "what",
                   "whats", "s", "about", "how", "me", "us", "we", "our", "it", "there", "that", "this", "do", "does"}


_POINTS_BACK = re.compile(r"\b(there|that one|same|it|its|them|they|their|those|these|that po|this po|the vendor|"
                          r"the supplier|that vendor|that supplier|this one)\b", re.I)


def _content_words(delex: str) -> list[str]:
    words = re.findall(r"[a-z]+", re.sub(r"\{\w+\}", " ", delex.lower()))
    return [w for w in words if w not in _FUNCTION_WORDS]


def _little_said(delex: str) -> bool:
    """No word besides placeholders and function words: nothing for the router to read."""
    words = re.findall(r"[a-z]+", re.sub(r"\{\w+\}", " ", delex.lower()))
    return not [w for w in words if w not in _FUNCTION_WORDS]


def _weak(rule: Plan, lex: Lexicon) -> bool:
    """A rule reading built on leftovers: nothing understood, or a product no code or name backs."""
    if rule.intent == "unknown":
        return True
    if rule.tool == "stock_levels":
        product = str(rule.slots.get("product") or "")
        return not (lex.product_info(product) or re.search(r"\d", product))
    supplier = rule.slots.get("supplier")  # a vendor made of leftover words ("spend on Safety & PPE")
    return bool(supplier and lex.suppliers and not any(s["name"] == supplier for s in lex.suppliers))


def ask_which(text: str, intents: list[str]) -> Plan:
    choices = [i for i in intents if i in LABELS][:3]
    listed = " or ".join(f"({n}) {LABELS[i]}" for n, i in enumerate(choices, 1))
    return Plan("clarify", reply=f"Do you mean {listed}? Reply with the number.",
                pending={"kind": "intent", "choices": choices, "text": text})


def from_intent(intent: str, text: str, lex: Lexicon, history: list[dict[str, Any]],
                category: str | None = None) -> Plan | None:
    """The plan for a routed intent; a missing required slot becomes a question back (pending)."""
    low = norm(text)
    ents = _entities(text, lex)
    if not ents.get("product"):  # words that all occur in product names ("nitrile gloves"): the tool resolves them
        ents["product"] = next((s.value for s in spans(text, lex) if s.kind == "product"), None)
        if not ents["product"]:
            ents.pop("product")
    last = _merged_focus(history)
    today = local_today(lex.tz)
    supplier = ents.get("supplier") or None
    if intent in forecasts.INTENTS:
        return forecasts.plan(intent, text, ents)
    if intent in ("help",):
        return Plan("help", reply=help_for(lex))
    if intent == "thanks":
        return Plan("thanks", reply="You're welcome. Ask me anything else about stock, receipts, orders or suppliers.")
    if intent == "stock_levels":
        product = ents.get("product") or product_phrase(text, lex) or _leftover(text, lex)
        if product and not set(norm(product).split()) - _FUNCTION_WORDS - {"or", "but", "so", "then", "also"}:
            product = None  # only small words were left: no product was named
        if not product:
            return _ask_slot(intent, "product", text)
        return Plan(intent, intent, {"product": product, "warehouse": ents.get("warehouse")})
    if intent == "inbound_schedule":
        slots: dict[str, Any] = {"warehouse": ents.get("warehouse"), "supplier": supplier, **_period_slots(text)}
        if not slots.get("when") and re.search(r"\b(overdue|late|past due|behind)\b", low):
            slots["when"] = "overdue"
        return Plan(intent, intent, slots)
    if intent == "purchase_order_status":
        ref = ents.get("reference") or ents.get("receipt") or _pick(last, low, "pos")[0]
        if not ref:
            return _ask_slot(intent, "reference", text)
        return Plan(intent, intent, {"reference": ref})
    if intent == "open_purchase_orders":
        return Plan(intent, intent, {"supplier": supplier, "warehouse": ents.get("warehouse"),
                                     "late_only": True if re.search(r"\b(late|overdue|delayed)\b", low) else None})
    if intent in ("supplier_scorecard", "supplier_history", "summarize_supplier", "supplier_communications"):
        supplier = supplier or last.get("supplier") if re.search(r"\b(they|them|their)\b", low) else supplier
        supplier = supplier or supplier_phrase(text)
        if not supplier:
            return _ask_slot(intent, "supplier", text)
        if intent in ("supplier_scorecard", "supplier_history"):
            return Plan(intent, intent, {"supplier": supplier, "months": months_asked(low, today)})
        return Plan(intent, intent, {"supplier": supplier, "since": since_phrase(text)})
    if intent == "replenishment_risk":
        if ents.get("product"):  # "how many do we need to get X back up to max": its stock, then the arithmetic
            return Plan("stock_levels", "stock_levels", {"product": ents["product"],
                                                         "warehouse": ents.get("warehouse")}, post="stock_gap")
        return Plan(intent, intent, {"warehouse": ents.get("warehouse")})
    if intent == "three_way_match_exceptions":
        if ents.get("reference"):  # one PO or bill: whether it passes
            return Plan(intent, intent, {"reference": ents["reference"]})
        return Plan(intent, intent, {"supplier": supplier, "since": since_phrase(text)})
    if intent == "search_documents":
        doc_type = "contract" if re.search(r"\b(contract|agreement|clause|penalt(?:y|ies)|incoterms?|moq)\b", low) \
            else None
        return Plan(intent, intent, {"query": text, "supplier": supplier, "doc_type": doc_type})
    if intent == "supplier_risk":
        order = "most_reliable" if re.search(r"\b(?:most|more) (?:reliable|dependable)\b|\b(?:best|highest|top) "
                                             r"(?:otif|on[- ]time)\b|\bbest (?:vendors?|suppliers?)\b", low) else None
        return Plan(intent, intent, {k: v for k, v in {"category": category, "warehouse": ents.get("warehouse"),
                                                       "order": order}.items() if v})
    if intent == "kpi_report":
        return kpi_plan(text, lex) or Plan(intent, intent, {})
    if intent == "purchase_anomalies":
        since = since_phrase(text)
        return Plan(intent, intent, {k: v for k, v in {"period": since, "warehouse": ents.get("warehouse"),
                                                       "vendor": supplier}.items() if v})
    if intent in ("cancel_purchase_order", "confirm_purchase_order", "approve_purchase_order", "remind_supplier"):
        ref = ents.get("reference") or _pick(last, low, "pos")[0]
        if not ref:
            return _ask_slot(intent, "reference", text)
        slots = {"reference": ref}
        if intent == "cancel_purchase_order":
            slots["reason"] = _why(text) or action_reason(text, ref) or "Cancellation requested in chat"
        if intent == "remind_supplier":
            slots["message"] = _quoted(text) or f"Please confirm the delivery status and the expected delivery date " \
                                                f"for {ref}."
        return Plan(intent, intent, slots)
    if intent == "reschedule_receipt":
        receipt = ents.get("receipt") or ents.get("reference") or _pick(last, low, "receipts")[0]
        target = _target_date(text)
        if not receipt:
            return _ask_slot(intent, "reference", text)
        if not target:
            m = re.search(r"\b(\d{1,2})\s+days?\s+(?:late|later|behind)\b", low)
            ask = (f"To which date should I move {receipt}?" + (f" (It will be {m.group(1)} days late: give the new "
                   "date, e.g. 2026-12-03 or 'next Monday'.)" if m else " Give a date, e.g. 'next Monday'."))
            return Plan("clarify", reply=ask, pending={"kind": "slot", "slot": "date", "intent": intent,
                                                      "text": f"reschedule {receipt} to"})
        return Plan(intent, intent, {"receipt": receipt, "date": target})
    if intent == "create_rfq":
        return _rfq(text, low, ents, lex, last)
    if intent in ("find_purchase_orders", "product_vendors", "receipts_done", "vendor_bills", "spend_analysis"):
        tool, built = build(intent, text, ents, lex, today, category)
        if tool is None or not isinstance(built, dict):
            return _ask_slot(intent, str(built), text)
        return Plan(intent, tool, {k: v for k, v in built.items() if v is not None})
    return None


def _why(text: str) -> str | None:
    m = re.search(r"\b(?:we )?(?:don'?t|do not|no longer) need (?:it|this|that)(?: any ?more)?\b.*", text, re.I)
    return m.group(0).strip(" ,.") if m else None


def _ask_slot(intent: str, slot: str, text: str) -> Plan:
    return Plan("clarify", reply=QUESTION_FOR.get(slot, f"Which {slot}?"),
                pending={"kind": "slot", "slot": slot, "intent": intent, "text": text})


# -- short replies to a question back -------------------------------------------------------------
_YES = re.compile(r"^(?:yes|yeah|yep|yup|y|sure|ok|okay|correct|right|that one|please do|go ahead)[.!]*$", re.I)
_NUM = {"1": 0, "one": 0, "first": 0, "1st": 0, "2": 1, "two": 1, "second": 1, "2nd": 1, "3": 2, "three": 2,
        "third": 2, "3rd": 2, "last": -1}


def _choice_index(low: str) -> int | None:
    m = re.fullmatch(r"(?:the |number |option |#)?(1|2|3|one|two|three|first|second|third|1st|2nd|3rd|last)"
                     r"(?: one| option)?[.!]*", low)
    return _NUM[m.group(1)] if m else None


def answer_pending(text: str, lex: Lexicon, history: list[dict[str, Any]], pending: dict[str, Any],
                   router: Any = None) -> Plan | None:
    """Complete the request a question back left open, when the reply is short and fits it; else None
    (the message is a new request)."""
    reply = clean(text, lex.codes_kept()).strip()
    low = norm(reply)
    if not low or len(low.split()) > 6:
        return None
    kind = pending.get("kind")
    if kind == "intent":
        choices = list(pending.get("choices") or [])
        idx = _choice_index(low)
        chosen = choices[idx] if idx is not None and -len(choices) <= idx < len(choices) else None
        if chosen is None:
            chosen = next((c for c in choices if set(low.split()) & set(norm(LABELS.get(c, c)).split()) - {"the", "a"}),
                          None)
        return from_intent(chosen, str(pending.get("text") or ""), lex, history[:-1]) if chosen else None
    if kind == "slot":
        base = str(pending.get("text") or "")
        intent = str(pending.get("intent") or "")
        if pending.get("slot") == "product" and not (_entities(reply, lex).get("product") or
                                                      re.search(r"\d", reply) or product_phrase(reply, lex)):
            return None
        if pending.get("slot") == "reference" and not _fits_reference(reply, low, lex):
            return None  # "how about this week at <warehouse>" after "which PO?": a new request, not the answer
        if pending.get("slot") == "warehouse":
            reply = correct_names(reply, lex)
            if not lex.warehouse(reply):
                return None
        merged = f"{base} {reply}" if pending.get("slot") != "warehouse" else f"{base} at {reply}"
        return from_intent(intent, merged, lex, history[:-1])
    if kind == "candidates":
        return _pick_candidate(reply, low, pending)
    return None


def _fits_reference(reply: str, low: str, lex: Lexicon) -> bool:
    """A reply that can be the PO or receipt asked for: a reference, a number, or 'the first one'."""
    from assistant.planner.intents import _ordinal

    ents = _entities(reply, lex)
    return bool(ents.get("reference") or ents.get("receipt") or re.search(r"\d", reply) or _ordinal(low) is not None
                or _choice_index(low) is not None)


def _pick_candidate(reply: str, low: str, pending: dict[str, Any]) -> Plan | None:
    """'FURN_6667', 'the white one', '2', 'yes' after a tool listed candidates: re-run it with that one."""
    choices: list[dict[str, str]] = list(pending.get("choices") or [])
    tool, slot = str(pending.get("tool") or ""), str(pending.get("slot") or "")
    if not choices or not tool or not slot:
        return None
    chosen: dict[str, str] | None = None
    idx = _choice_index(low)
    if idx is not None and -len(choices) <= idx < len(choices):
        chosen = choices[idx]
    elif _YES.match(low) and len(choices) == 1:
        chosen = choices[0]
    else:
        exact = [c for c in choices if c.get("code") and c["code"].lower() == reply.lower().strip(" .!")]
        words = {w for w in low.split() if w not in {"the", "one", "a", "an", "please", "that", "this"}}
        by_words = [c for c in choices if words and words <= set(norm(c.get("label", "")).split())]
        pool = exact or by_words
        chosen = pool[0] if len(pool) == 1 else None
    if chosen is None:
        return None
    args = dict(pending.get("args") or {})
    args[slot] = chosen.get("code") or chosen.get("label")
    return Plan(tool, tool, args, followup=True)


# -- what it can answer, with this Odoo's own names -------------------------------------------------
def help_for(lex: Lexicon) -> str:
    """The help text with examples built from the connected Odoo (its warehouses, codes, vendors and reference
    numbering). An example this Odoo gives nothing for is left out, never shown as an empty placeholder."""
    from assistant.planner.compose import help_text

    wh = lex.warehouses[0] if lex.warehouses else None
    wh2 = lex.warehouses[1] if len(lex.warehouses) > 1 else wh
    category = str(lex.categories[0]["name"]) if lex.categories else None
    values: dict[str, str | None] = {
              "warehouse": str(wh["name"]) if wh else None, "code": str(wh["code"]) if wh else None,
              "warehouse2": str(wh2["name"]) if wh2 else None, "code2": str(wh2["code"]) if wh2 else None,
              "product": lex.example_product(), "vendor": lex.example_vendor(0), "vendor2": lex.example_vendor(1),
              "category": category, "po": lex.example_po(), "receipt": lex.example_receipt(),
              "warehouses": ", ".join(f"{w['name']} ({w['code']})" for w in lex.warehouses) or None}
    return fill_examples(help_text(), values)


def fill_examples(text: str, values: dict[str, str | None]) -> str:
    """Fill {name} examples. A quoted example naming a value this Odoo has none of is left out, a line left with
    no example is dropped, and a plain sentence naming such a value is dropped."""
    def missing(piece: str) -> bool:
        return any(values.get(n) is None for n in re.findall(r"\{(\w+)\}", piece) if n in values)

    out: list[str] = []
    for line in text.splitlines():
        m = re.match(r'^(- [^"]*?: )(".*)$', line)
        if m:
            examples = re.findall(r'"[^"]*"', m.group(2))
            sep = " / " if " / " in m.group(2) else ", "
            kept = [e for e in examples if not missing(e)]
            if not kept:
                continue
            line = m.group(1) + sep.join(kept)
        else:
            line = " ".join(x for x in re.split(r"(?<=\.)\s+", line) if not missing(x))
        for key, value in values.items():
            if value is not None:
                line = line.replace("{" + key + "}", value)
        if line.strip():
            out.append(line)
    return "\n".join(out)


def not_understood(lex: Lexicon) -> str:
    return "I'm not sure what you are asking. " + help_for(lex)
