"""Deterministic intent and entity parsing for the offline planner.

Why rules: with no model to call, the assistant must still pick the right governed tool for the
questions people really ask, and do it the same way every time (so the eval can demand 100 %).
Only the user's own words are parsed here: tool output is never read for intents, so text planted
in a document or a supplier email can never become a proposal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from assistant.planner.lexicon import Lexicon, norm

PO_RE = re.compile(r"\b(?:po\s*#?\s*)?(P\d{3,6})\b", re.I)
PROPOSAL_RE = re.compile(r"\bP-[0-9a-f]{6,}\b", re.I)
PROPOSAL_TOOLS = {"create_rfq", "confirm_purchase_order", "approve_purchase_order", "cancel_purchase_order", "remind_supplier",
                  "reschedule_receipt", "order_suggestions",
                  "request_purchase", "requests_to_rfqs", "transfer_stock", "remind_unconfirmed"}  # issue #14
NUMBER = r"-?\d[\d,]*(?:\.\d+)?"
UNIT_WORDS = r"dozens?|doz|cases?|boxes|box|packs?|units?|pcs|pieces|each|ea|x"
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
RECEIPT_RE = re.compile(r"\b([A-Z]{2,5}/IN/\d{3,6})\b", re.I)
BILL_RE = re.compile(r"\b(BILL/\d{4}/\d{2}/\d{3,6})\b", re.I)
ISO_DATE = r"\d{4}-\d{2}-\d{2}"
DATE_WORDS = (r"(?:today|tomorrow|\btmrw\b|\btmr\b|\b2moro\b|yesterday|overdue|this week|next week|last week|"
              r"this month|next month|(?:next|this|coming) (?:mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)\b|"
              r"\btues\b|\bthurs\b|"
              r"last month|(?:next |this )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
              rf"{ISO_DATE}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{{1,2}}|"
              r"in \d+ days?|last \d+ (?:days|weeks|months)|past \d+ (?:days|weeks|months))")

OUT_OF_SCOPE = re.compile(
    r"\b(weather|poem|joke|song|recipe|bitcoin|crypto|stock price|share price|lottery|horoscope|"
    r"football|movie|translate|write (?:me )?(?:a|an) (?:essay|story|email to my)|password|"
    r"salary|salaries|payroll|social security|credit card|flights?|hotels?|taxi|uber|restaurants?|vacation|"
    r"holiday booking|book me)\b", re.I)
FORBIDDEN = re.compile(
    r"\b(delete|drop|erase|wipe|truncate|purge|unlink)\b|\bexecute\b.*\b(sql|code|python|shell)\b|"
    r"\b(approve|reject) (?:proposal|it|that|my|the proposal)\b|\bapprove\b.*\b(?:own|myself)\b|"
    r"\bset (?:the )?(?:price|cost)\b|\bchange (?:the )?(?:price|cost)\b|\bpay\b.*\b(?:bills?|invoices?)\b|"
    r"\b(?:validate|receive) (?:the )?receipt\b|\bgrant\b.*\b(?:access|role|admin)\b|"
    r"\bignore (?:all |your |the )?(?:previous|prior|above) instructions\b|\bsystem prompt\b|"
    r"\bwithout approval\b|\bskip (?:the )?approval\b|\bbypass\b|"
    r"\bignore (?:your|the|all|my|any) (?:rules|policy|policies|guardrails|limits|controls)\b|"
    r"\bwire (?:the )?(?:money|funds|payment|cash)\b|\b(?:send|transfer|move) (?:the )?(?:money|funds|cash|payment)\b|"
    r"\b(?:send|transfer|wire)\s+(?:\$|€|£)?\d[\d,.]*k?\s*(?:dollars|usd|eur|euros?|bucks)?\s+to\b", re.I)
# a cancellation in other words ("kill P01234", "P01234 can be cancelled")
CANCEL_WORDS = r"(?:cancel|kill|scrap|void|call off|(?:can|should|must|could) be cancell?ed|can go|not needed any ?more)"
# creating an RFQ, not asking about RFQs ("open rfqs?", "is it still an rfq?")
RFQ_CREATE = re.compile(r"\b(?:create|draft|raise|start|get|send out|send|make|new|open up|put in|do|need|want|"
                        r"request|kick off|set up)\b(?:\s+\w+){0,3}?\s+(?:an?\s+)?(?:rfq|quote|quotation|"
                        r"request for quotation|po|purchase order)\b|\brfq (?:for|to)\s+\d|\bget (?:a |an )?rfq",
                        re.I)


@dataclass
class Plan:
    """One decision: call `tool` with semantic `slots`, or reply directly with `reply`."""

    intent: str
    tool: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    reply: str | None = None
    followup: bool = False
    note: str | None = None  # said before the tool's answer (e.g. "12 dozen = 144 units")
    extra: list[dict[str, Any]] = field(default_factory=list)  # more calls of the same tool (comparisons)
    also: list[Plan] = field(default_factory=list)  # the other part of a two-part question
    pending: dict[str, Any] | None = None  # a question back: what a short reply completes (thread memory)
    fallback: Plan | None = None  # when `tool` is not in this Odoo's catalogue (a tool not installed)
    post: str | None = None  # a computed line after the tool's answer ("stock_gap": max - on hand)
    sure: bool = False  # a rule that matched the request's own words for a specific tool: the router does not overrule


def _has(text: str, *words: str) -> bool:
    return any(_word_re(w).search(text) for w in words)


@lru_cache(maxsize=8192)
def _word_re(word: str) -> re.Pattern[str]:
    """The compiled '\\bword\\b' (kept here: the rules use more patterns than the re module's own cache holds,
    which made every turn recompile hundreds of them)."""
    return re.compile(rf"\b{word}\b")


def _date_phrase(text: str) -> str | None:
    m = re.search(DATE_WORDS, text, re.I)
    return m.group(0).lower() if m else None


def _entities(text: str, lex: Lexicon) -> dict[str, Any]:
    slots: dict[str, Any] = dict(lex.references(PROPOSAL_RE.sub(" ", text)))
    if "reference" in slots:
        pass
    elif lex.uses_default_po_numbering() and (m := PO_RE.search(PROPOSAL_RE.sub(" ", text))):
        digits = m.group(1)[1:]
        slots["reference"] = "P" + digits.zfill(5)
    elif m := re.search(r"\b(?:po|purchase order)\s*(?:#|no\.?|number)?\s*(\d{1,6})\b(?!\s*(?:units?|x|pcs|of|"
                        r"dozens?|cases?|box(?:es)?|packs?)\b)(?![-\w])", text, re.I):
        names = lex.short_po_names(m.group(1))
        slots["reference"] = names[0] if names else "P" + m.group(1).zfill(5)
    if "receipt" not in slots and (m := RECEIPT_RE.search(text)):
        slots["receipt"] = m.group(1).upper()
    if m := BILL_RE.search(text):
        slots["bill"] = m.group(1).upper()
    if wh := lex.warehouse(text):
        slots["warehouse"] = wh
    elif (code := next((c for c in lex.codes_kept() if re.search(rf"(?<![\w/-]){re.escape(c)}(?![\w/-])", text, re.I)),
                       None)):
        slots["warehouse"] = next(str(w["code"]) for w in lex.warehouses if str(w["code"]).lower() == code)
    if sup := lex.supplier(text):
        slots["supplier"] = sup
    if prod := lex.product(text):
        slots["product"] = prod
    return slots


PER_WAREHOUSE = {"stock_levels", "inbound_schedule", "replenishment_risk", "open_purchase_orders"}
PER_SUPPLIER = {"supplier_scorecard", "supplier_history", "spend_analysis", "open_purchase_orders", "vendor_bills",
                "find_purchase_orders"}


def parse(text: str, lex: Lexicon, history: list[dict[str, Any]], router: Any = None) -> Plan:
    """Decide what to do with one user message, given the focus of earlier turns in the thread.

    A pending question back is completed first; a two-part question becomes two plans; otherwise the
    router (examples in MiniLM space) and the rules each read the message and `decide` arbitrates."""
    from assistant.planner.route import answer_pending, route_message, split_candidates

    if history and (pending := history[-1].get("pending")):
        done = answer_pending(text, lex, history, pending, router)
        if done is not None:
            return done
    whole = route_message(text, lex, history, router)
    if whole.extra or whole.tool == "create_rfq" or whole.intent in ("refuse", "bad_quantity", "not_allowed"):
        return whole  # comparisons, several warehouses or order lines are one request already
    if whole.tool == "spend_analysis" and whole.slots.get("compare_prices"):
        return whole  # "do A and B pay different prices for X": one comparison, not two questions
    if whole.tool == "stock_levels" and len(str(whole.slots.get("product") or "")) > 12 \
            and lex.product_info(str(whole.slots["product"])):
        return whole  # a long product name with commas ("Pads, 4 x 4 in (Case of 10)") is one request
    for left, right in split_candidates(text, lex):
        first = route_message(left, lex, history, router)
        second = route_message(right, lex, history, router, inherit={**first.slots, **_ref_of(first)})
        if not (first.tool and second.tool) or (first.tool, first.slots) == (second.tool, second.slots):
            continue
        if first.tool in PROPOSAL_TOOLS and second.tool in PROPOSAL_TOOLS:
            continue  # two actions in one message: each must be asked for on its own
        if first.extra or second.extra:
            continue
        if PROPOSAL_TOOLS & {first.tool, second.tool} and not _READ_CUE.search(
                left if second.tool in PROPOSAL_TOOLS else right):
            continue  # "chase X and email the supplier": one action with a detail, not a question and an action
        if (second.tool == "open_purchase_orders" and first.tool == "inbound_schedule" and second.slots.get("late_only")
                and not re.search(r"\b(?:pos?|orders?|purchase)\b", right, re.I)):
            # "what's due at X today and what's late there": the late *receipts* of the same place
            second = Plan("inbound_schedule", "inbound_schedule", {**first.slots, "when": "overdue"})
        if first.tool in PROPOSAL_TOOLS:  # the read first, then the action the user asked for
            first, second = second, first
        first.also = [second]
        return first
    return whole


_READ_CUE = re.compile(r"\?|\b(?:where|what|whats|status|check|how|show|list|when|is|are|any|which|who|tell)\b", re.I)


def _ref_of(plan: Plan) -> dict[str, Any]:
    ref = plan.slots.get("reference") or plan.slots.get("receipt")
    return {"reference": ref} if ref else {}


def rules(text: str, lex: Lexicon, history: list[dict[str, Any]]) -> Plan:
    """The rule reading of one message (references, verbs, known names), with per-warehouse extras."""
    plan = _parse(text, lex, history)
    if plan.tool in PER_WAREHOUSE and plan.slots.get("warehouse") and not plan.extra:
        more = [w for w in lex.warehouses_in(text) if w != plan.slots["warehouse"]]
        plan.extra = [{**plan.slots, "warehouse": w} for w in more[:4]]  # "ABC-1042 at WH and RTM"
    if plan.tool in PER_SUPPLIER and plan.slots.get("supplier") and not plan.extra:
        more = [n for n in suppliers_in(text, lex) if n != plan.slots["supplier"]]
        plan.extra = [{**plan.slots, "supplier": n} for n in more[:3]]  # "spend with A and B this year"
    return plan


def _parse(text: str, lex: Lexicon, history: list[dict[str, Any]]) -> Plan:
    raw = text.strip()
    low = norm(raw)
    ents = _entities(raw, lex)
    last = _merged_focus(history)

    if re.search(r"\b(approve|reject)\b", low) and (PROPOSAL_RE.search(raw) or _has(low, "proposals?", "rfq")):
        return Plan("refuse", reply="approvals")
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
    from assistant.planner.purchasing import purchasing_rule  # issue #14 (imports this module: lazily)

    if (flow := purchasing_rule(raw, low, ents, lex, history[-1] if history else None)) is not None:
        return flow
    if _has(low, "remind", "reminder", "chase", "nudge", "follow up with", "follow-up with", "ping"):
        ref = ents.get("reference") or _focus_po(last, low)
        if not ref:
            return _which_one(last, low, "pos", "chase") or Plan(
                "clarify", reply="Which purchase order should I chase? Give its reference.",
                pending={"kind": "slot", "slot": "reference", "intent": "remind_supplier", "text": "chase"})
        msg = _quoted(raw) or (f"Please confirm the delivery status and the expected delivery date for {ref}.")
        slots: dict[str, Any] = {"reference": ref, "message": msg}
        if _has(low, "email", "e-mail", "send (?:it |this |that )?to (?:the )?(?:supplier|vendor)",
                "tell (?:the )?(?:supplier|vendor|them)", "message (?:the )?(?:supplier|vendor)",
                "notify (?:the )?(?:supplier|vendor|them)", "write to (?:the )?(?:supplier|vendor|them)",
                "let (?:the )?(?:supplier|vendor|them) know", "ask (?:the )?(?:supplier|vendor|them)"):
            slots["notify_vendor"] = True
        return Plan("remind_supplier", "remind_supplier", slots, followup="reference" not in ents)
    if _has(low, "reschedule", "postpone", "push back", "push", "move", "shift") and (ents.get("receipt") or ents.get("reference")
                                                                   or _has(low, "receipt", "delivery")):
        target = _target_date(raw)
        receipt = ents.get("receipt") or ents.get("reference") or _focus_receipt(last, low) or _focus_po(last, low)
        if not receipt and target and (ask := _which_one(last, low, "receipts", "reschedule")):
            return ask
        if receipt and not target:
            late = re.search(r"\b(\d{1,2})\s+days?\s+(?:late|later|behind)\b", low)
            return Plan("clarify", reply=f"To which date should I move {receipt}?"
                        + (f" (You said it will be {late.group(1)} days late.)" if late else "")
                        + " Give the day, e.g. 2026-12-03 or 'next Monday'.",
                        pending={"kind": "slot", "slot": "date", "intent": "reschedule_receipt",
                                 "text": f"reschedule {receipt} to"})
        if not receipt or not target:
            return Plan("clarify", reply="Tell me the receipt (or its PO) and the new date, e.g. "
                                         f"'reschedule {_example_receipt(lex)} to next Monday'.")
        return Plan("reschedule_receipt", "reschedule_receipt", {"receipt": receipt, "date": target})
    for verb, tool in ((CANCEL_WORDS, "cancel_purchase_order"), ("confirm", "confirm_purchase_order"),
                       ("approve", "approve_purchase_order")):
        if not _has(low, verb) or (verb == "confirm" and _has(low, "confirmation", "confirmed")):
            continue
        ref = ents.get("reference") or _focus_po(last, low)
        if not ref:
            if ask := _which_one(last, low, "pos", "cancel" if verb == CANCEL_WORDS else verb):
                return ask
            if verb == CANCEL_WORDS and _has(low, "rfq", "rfqs", "po", "pos", "order", "purchase order", "quote"):
                # "cancel the draft RFQ for <vendor>": never read as a request to create one
                vendor = lex.example_vendor()
                return Plan("clarify", reply="Which RFQ or purchase order should I cancel? Give its reference "
                                             + (f"(ask 'open RFQs for {vendor}' to see them)." if vendor else
                                                "(ask 'open RFQs' to see them)."),
                            pending={"kind": "slot", "slot": "reference", "intent": tool, "text": raw})
            continue
        slots = {"reference": ref}
        if verb == CANCEL_WORDS:
            slots["reason"] = action_reason(raw, ref) or "Cancellation requested in chat by the buyer"
        return Plan(tool, tool, slots)
    if (bulk := _order_suggestions(raw, low, ents, last)) is not None:
        return bulk
    if _has(low, "rfqs?", "quotes?", "quotations?", "requests? for quotations?") and not _creates_rfq(raw, low, ents):
        # a question about RFQs ("open rfqs with <vendor>?", "is <PO> still an rfq?"), not a request for one
        if ents.get("reference"):
            return Plan("purchase_order_status", "purchase_order_status", {"reference": ents["reference"]})
        return routed("find_purchase_orders", raw, ents, lex)
    if (_has(low, "rfq", "request for quotation", "request a quote", "draft a po", "create a po",
             "raise a po", "new po", "purchase order for") or re.search(r"\b(order|buy|purchase)\s+-?\d", low)
            or (re.match(r"^(?:please\s+)?(?:order|buy|purchase)\b", low) and ents.get("product")
                and re.search(rf"(?:x|×|qty|quantity)\s*:?\s*{NUMBER}", raw, re.I))):
        return _rfq(raw, low, ents, lex, last)

    # -- narrowing the last answer ("which of them are overdue", "and last year?") ---------------------
    last_tool = last.get("tool")
    if last_tool and last_tool not in PROPOSAL_TOOLS and (refined := _refine(raw, low, ents, last, str(last_tool),
                                                                             local_today(lex.tz))):
        return refined

    # -- three-way match (before supplier words: "is <vendor> overbilling us") -------------------------
    if _has(low, "three[- ]way", "3[- ]way", "3 way", "match exceptions?", "mismatch(?:es)?", "discrepanc(?:y|ies)",
            "bills? (?:that )?(?:disagree|don t match|dont match|do not match)", "invoice exceptions?",
            "over ?bill(?:ing|ed)?", "over ?charg(?:ing|ed|e)", "charg(?:ing|ed|e) (?:us )?more than",
            "billed (?:us )?(?:more|for more)", "(?:bills?|invoices?) (?:that )?(?:are |were )?off",
            "(?:don t|dont|do not|doesn t|doesnt) line up", "(?:bills?|invoices?) (?:vs|versus|against) (?:the )?(?:po|receipts?)") \
            and not _has(low, "polic(?:y|ies)", "tolerances?", "sop", "rules?", "procedure", "process", "allowed",
                         "threshold", "how much can") \
            or ((ents.get("reference") or ents.get("bill"))
                and _has(low, "bills?", "invoices?", "po", "purchase order", "receipts?")
                and _has(low, "clean", "match(?:es|ing)?", "ok", "okay", "correct", "right", "fine", "agree")):
        if one := ents.get("reference") or ents.get("bill"):  # one PO or bill: yes/no for it, not every exception
            return Plan("three_way_match_exceptions", "three_way_match_exceptions", {"reference": one}, sure=True)
        return Plan("three_way_match_exceptions", "three_way_match_exceptions",
                    {"supplier": ents.get("supplier"), "since": since_phrase(raw)})

    # -- supplier communications and summaries ----------------------------------------------------
    supplier = ents.get("supplier")
    today = local_today(lex.tz)
    if not supplier and _has(low, "their", "them", "they") and last.get("supplier") \
            and _has(low, "messages?", "emails?", "communications?", "summar(?:y|ise|ize|ies)", "scorecard",
                     "spend", "spent", "history", "performance", "telling", "said", "otif", "kpis?", "on[- ]time",
                     "reliab\\w*", "lead times?", "bills?", "invoices?", "pos", "orders?", "rfqs?"):
        supplier = ents["supplier"] = last["supplier"]
    if supplier and (re.search(r"\bhow (?:has|have|is|are|was|were|did|do|does)\b.{0,60}?\b(?:done|doing|"
                               r"perform(?:ing|ed)?|been doing|been performing|deliver(?:ed|ing)?|fare[ds]?|"
                               r"faring|shap(?:e|ing) up|stack(?:ing)? up)\b", low)
                     or _has(low, "usually", "typically", "on average", "tend to", "track record", "how late is",
                             "how often (?:is|are|do|does)")) and not ents.get("reference"):
        return Plan("supplier_scorecard", "supplier_scorecard", {"supplier": supplier,
                                                                 "months": months_asked(low, today)}, sure=True)
    if not supplier and not ents.get("reference") and not ents.get("product") and _RANKING.search(low) \
            and not re.match(r"(?:please |ok |yes )?(?:order|buy|purchase|raise|create|draft|turn|send)\b", low):
        # "which vendor is most reliable?": the vendors ranked, the most reliable first; "riskiest/least reliable":
        # the riskiest first. Not one vendor's scorecard.
        worst = _has(low, "least reliable", "least dependable", "less reliable", "worst", "risk(?:y|iest|ier)",
                     "least trustworthy", "least on[- ]time", "lowest otif")
        slots = {"order": "riskiest" if worst else "most_reliable"}
        if ents.get("warehouse"):
            slots["warehouse"] = ents["warehouse"]
        return Plan("supplier_risk", "supplier_risk", slots, sure=True)
    supplier_words = _has(low, "scorecard", "otif", "kpis?", "performance", "perform(?:ed|s|ing)?", "doing", "reliable",
                          "reliability", "spend", "spent", "summar(?:y|ise|ize|ies)", "brief", "messages?",
                          "emails?", "communications?", "telling", "compare", "versus", "vs")
    if not supplier and supplier_words and not ents.get("product") and not ents.get("reference"):
        supplier = supplier_phrase(raw)  # unknown to the lexicon: the tool resolves it (typo, or candidates)
        if supplier and (lex.warehouse(supplier) or ents.get("warehouse") and norm(supplier) in {
                a for w in lex.warehouses for a in (*w.get("aliases", []), str(w["code"]).lower())}):
            supplier = None  # "spend for <warehouse>": a place, not a vendor
    if supplier and _has(low, "summar(?:y|ise|ize|ies)", "brief(?:ing)?", "overview", "tl;dr", "tldr",
                         "what(?: s| is|s)? going on with", "situation with", "recap", "sum up", "sum it up",
                         "latest (?:with|from|on)", "(?:anything|what s|whats|what is) new with", "any (?:issues|problems)",
                         "catch me up", "fill me in"):
        return Plan("summarize_supplier", "summarize_supplier", {"supplier": supplier,
                                                                 "since": since_phrase(raw)})
    if supplier and _has(low, "messages?", "emails?", "communications?", "chatter", "correspondence",
                         "what did .* (?:say|write)", "notes?", "telling", "told", "said", "saying", "lately",
                         "heard?", "written", "wrote"):
        comms: dict[str, Any] = {"supplier": supplier, "since": since_phrase(raw)}
        if ents.get("reference"):  # "what did <vendor> say about <PO>": only that order's messages
            comms["po"] = ents["reference"]
        return Plan("supplier_communications", "supplier_communications", comms)
    if _has(low, "compare", "versus", "vs", "comparison", "side by side", "next to each other", "against each other") \
            or (_has(low, "otif", "scorecards?", "kpis?", "on[- ]time", "performance") and len(suppliers_in(raw, lex)) >= 2):
        names = suppliers_in(raw, lex)
        if len(names) >= 2:
            months = months_asked(low, today)
            return Plan("supplier_scorecard", "supplier_scorecard", {"supplier": names[0], "months": months},
                        extra=[{"supplier": n, "months": months} for n in names[1:4]])

    # -- predictions and shortage options (forecasts.py) ----------------------------------------
    from assistant.planner.forecasts import rule as forecast_rule

    if (predicted := forecast_rule(raw, low, ents)) is not None:
        return predicted

    # -- documents -------------------------------------------------------------------------------
    if _has(low, "sop", "policy", "policies", "procedure", "contract", "agreement", "clause", "penalt(?:y|ies)",
            "payment terms", "incoterms?", "moq", "who (?:can |may |must |should )?approves?", "approval matrix",
            "what does .* say", "handbook", "playbook", "guideline", "terms", "onboarding", "how do we handle",
            "how should (?:we|i) handle", "rules? for", "appointments?", "process(?:es)?", "steps (?:to|for)",
            "what are the steps", "paperwork", "what docs", "which docs", "documents? (?:do we need|needed|required)",
            "sign[- ]off", "signs? off", "approval limits?", "escalation", "escalate", "how often do we",
            "how do (?:i|we) (?:book|return|send back|handle|deal|report|onboard|set up|escalate|get)",
            "what do (?:i|we) do (?:if|when|with|about)", "what (?:do|should) (?:i|we) do$",
            "what (?:checks|inspections?)", "where do(?:es)? .{3,40} go", "how (?:much|far|long) can", "tolerances?",
            "(?:are|am) (?:we|i) (?:allowed|supposed|required)", "what s the rule", "what is the rule",
            "requirements? for", "who (?:needs to|has to|must|should) (?:sign|approve|ok)",
            "how (?:far|long|many days|much time|much notice|early) (?:ahead|in advance|before|beforehand|notice)",
            "how far ahead", "how much notice", "(?:need|have|has|must|should) to book", "book(?:ing)? (?:a |the )?"
            "(?:dock|delivery|unloading|receiving) (?:slot|time|window|appointment)s?", "(?:lead|notice) period",
            "in advance", "how early (?:do|does|must|should|can|to)", "booking (?:window|slot|rules?|lead time)") \
            or (not supplier and _has(low, "what is the .*lead time", "what s the .*lead time")):
        return Plan("search_documents", "search_documents",
                    {"query": raw, "supplier": supplier,
                     "doc_type": "contract" if _has(low, "contract", "agreement", "clause", "penalt(?:y|ies)",
                                                    "payment terms", "incoterms?", "moq") else None})

    # -- reads -----------------------------------------------------------------------------------
    place = unknown_place(raw, lex, "at|in|into") if not ents.get("warehouse") else None
    if _has(low, "bills?", "invoices?", "unpaid", "payables?", "owe", "owing", "open balance", "balance (?:with|owed)") \
            and not _has(low, "stock", "on hand", "receipts? (?:due|expected)"):
        return routed("vendor_bills", raw, ents, lex)
    if ents.get("product") and _has(low, "do we need (?:to )?(?:order|buy|get) (?:any )?more", "should (?:we|i) "
                                    "(?:order|buy|reorder) (?:more|some)", "need more", "how many (?:more )?(?:to|should "
                                    "we) (?:order|buy)", "how much (?:more )?(?:to|should we) (?:order|buy)"):
        return Plan("stock_levels", "stock_levels", {"product": ents["product"], "warehouse": ents.get("warehouse")},
                    post="stock_gap")
    if ents.get("product") and _has(low, "who (?:sells|supplies|makes|carries|stocks|has)", "vendors?", "suppliers?",
                                    "buy (?:it|them|this) from", "sources?", "cheapest", "lowest price",
                                    "lead times?", "how long", "how many days", "price", "cost", "quote") \
            and not _has(low, "spend", "spent", "by (?:site|warehouse)", "per (?:site|warehouse)", "across",
                         "each (?:site|warehouse)", "everywhere", "same price", "pay the same", "pay different",
                         "different prices?", "variance", "sites"):
        return routed("product_vendors", raw, ents, lex)
    if ents.get("product") and _has(low, "by (?:site|warehouse)", "per (?:site|warehouse)", "across", "each (?:site|"
                                    "warehouse)", "everywhere", "same price", "pay the same", "pay different",
                                    "different prices?", "price variance", "sites", "other (?:sites|warehouses|"
                                    "locations|dcs|hubs)", "elsewhere") \
            and _has(low, "price", "prices", "pay", "pays", "paying", "paid", "cost", "costs", "variance",
                     "more expensive", "cheaper", "overpay\\w*"):
        return routed("spend_analysis", raw, ents, lex)
    if not supplier and not ents.get("product") and _has(
            low, "(?:most|least|more|less) reliable", "(?:most|least) dependable", "reliability ranking",
            "(?:best|worst|most on[- ]time|least on[- ]time) (?:vendors?|suppliers?)",
            "(?:vendors?|suppliers?) (?:is|are) (?:the )?(?:best|worst|most reliable|least reliable)",
            "rank(?:ed|ing)? (?:our |the )?(?:vendors?|suppliers?) by (?:reliability|on[- ]time|otif|delivery)",
            "(?:who|which (?:vendors?|suppliers?)) (?:delivers?|ships?) (?:most |best )?on time",
            "(?:highest|best|top|lowest|worst) otif"):
        worst = _has(low, "least reliable", "least dependable", "worst", "least on[- ]time", "lowest otif")
        return Plan("supplier_risk", "supplier_risk", {"order": "riskiest" if worst else "most_reliable"}, sure=True)
    if _has(low, "reorder", "replenish(?:ment)?", "below (?:their |the )?(?:reorder )?min(?:imum)?", "run out",
            "running out", "stockout risk", "what should (?:we|i) (?:order|buy)", "low stock", "at risk",
            "(?:are|is|running|getting|go|going|gone|run|ran|look|looking|stock|stocks|levels?) (?:dangerously |very |too |a bit |really )?low",
            "low on (?:stock|inventory|anything|what)", "what(?: s| is)? low", "low (?:items|products|ones|levels?|"
            "inventory|skus?)", "short on stock", "running short", "(?:items|products|skus) (?:we are |we re )?short on") \
            or (not ents.get("product") and _has(low, *STOCK_SHORT)):
        place = place or (unknown_place(raw, lex, "for") if not ents.get("warehouse") else None)
        place = place or (unknown_code(raw, lex) if not ents.get("warehouse") else None)
        if place:
            return _place_back(place, lex, "replenishment_risk", raw)
        return Plan("replenishment_risk", "replenishment_risk", {"warehouse": ents.get("warehouse")})
    if supplier and not ents.get("reference") and _has(low, "late on", "behind on", "late with", "anything late",
                                                       "running late", "any late", "overdue on"):
        return Plan("open_purchase_orders", "open_purchase_orders", {"supplier": supplier, "warehouse":
                                                                     ents.get("warehouse"), "late_only": True})
    if supplier and _has(low, "scorecard", "otif", "on[- ]time", "in[- ]full", "performance", "perform(?:ed|s|ing)?",
                         "reliable", "reliability", "lead times?", "defects?", "returns?", "rating", "kpis?",
                         "doing", "done", "how has", "how have", "track record"):
        return Plan("supplier_scorecard", "supplier_scorecard",
                    {"supplier": supplier, "months": months_asked(low, today)})
    if supplier and _has(low, "spend", "spent", "spending", "paid", "bought", "purchases") and _a_period(raw, lex) \
            and not _has(low, "purchase orders?", "pos", "orders", "how many"):
        from assistant.planner.slots import spans

        category = any(sp.kind == "category" for sp in spans(raw, lex))  # "spend on Safety & PPE": no vendor
        return routed("spend_analysis", raw, {**ents, "supplier": None if category and not ents.get("supplier")
                                              else supplier}, lex)  # spend in a named period
    if supplier and _has(low, "spend", "spent", "history", "bought", "buy from", "price trend", "prices?"):
        return Plan("supplier_history", "supplier_history", {"supplier": supplier, "months": months_asked(low, today)})
    if ents.get("reference") and not _has(low, "open pos?", "open purchase orders?"):
        return Plan("purchase_order_status", "purchase_order_status", {"reference": ents["reference"]})
    if ents.get("receipt") and _has(low, "status", "where", "what about", "tell me", "show", "about", "which (?:po|order|"
                                    "purchase order)", "what (?:po|order|purchase order)", "belongs?", "for which",
                                    "from which") \
            or (ents.get("receipt") and len(low.split()) <= 3):
        return Plan("purchase_order_status", "purchase_order_status", {"reference": ents["receipt"]})
    if ents.get("product") and _has(low, "on order", "pos?", "purchase orders?", "orders?", "ordered"):
        return routed("find_purchase_orders", raw, {**ents, "state": "open"}, lex)  # POs for one product
    if _has(low, "pos?", "purchase orders?", "orders?") and _has(low, "total", "value", "worth", "tied up", "sitting",
                                                                 "how much", "sum", "amount", "biggest", "largest",
                                                                 "highest", "most expensive", "how many", "count",
                                                                 "number of"):
        return routed("find_purchase_orders", raw, {**ents, "supplier": supplier}, lex)
    if _has(low, "open pos?", "open purchase orders?", "open orders?", "late pos?", "late purchase orders?",
            "(?:pos?|orders?|purchase orders?) (?:that are |which are |are |is )?(?:still )?(?:open|outstanding)",
            "late orders?", "overdue orders?", "overdue pos?", "orders? (?:from|with|for)", "suppliers? (?:are )?late",
            "late suppliers?", "who is late", "which vendors? (?:are )?late",
            "outstanding pos?", "outstanding orders?", "pos? (?:from|with|for)", "purchase orders? (?:from|with|for)",
            "(?:orders?|pos?|purchase orders?) (?:are |is |that are )?still open"):
        if place:
            return _place_back(place, lex, "open_purchase_orders", raw)
        if not supplier and not ents.get("warehouse") and (name := supplier_phrase(raw)) and name[0].isupper():
            supplier = name  # "open POs for Acme": the tool says whether such a vendor exists (never all POs)
        return Plan("open_purchase_orders", "open_purchase_orders",
                    {"supplier": supplier, "warehouse": ents.get("warehouse"),
                     "late_only": True if _has(low, "late", "overdue", "delayed") else None})
    if ents.get("product") and _stock_now(low):
        if place:
            return _place_back(place, lex, "stock_levels", raw)
        return Plan("stock_levels", "stock_levels", {"product": ents["product"], "warehouse": ents.get("warehouse")})
    if _has(low, "receipts?", "deliveries", "delivery", "inbound", "shipments?", "came in", "come in", "arrived",
            "received", "receive", "booked in", "got in", "get in") and _done(low):
        return routed("receipts_done", raw, {**ents, "supplier": supplier}, lex)  # what already arrived
    if _has(low, "inbound", "receipts?", "arriving", "arrivals?", "expected", "due", "overdue", "coming in",
            "landing", "lands?", "turning up", "showing up", "expecting",
            "deliveries",
            "delivery schedule", "dock", "what(?: s| is)? coming"):
        if place:
            return _place_back(place, lex, "inbound_schedule", raw)
        return Plan("inbound_schedule", "inbound_schedule",
                    {"warehouse": ents.get("warehouse"), "supplier": supplier, **_period_slots(raw)})
    if ents.get("product") and (_has(low, "stock", "on hand", "how many", "how much", "inventory", "available",
                                      "availability", "do we have", "left", "qty", "quantity", "forecast")
                                or (len(low.split()) <= 6 and not _ERRAND.match(low))):
        if place:
            return _place_back(place, lex, "stock_levels", raw)
        return Plan("stock_levels", "stock_levels", {"product": ents["product"], "warehouse": ents.get("warehouse")})
    if supplier and len(low.split()) <= 8:
        return Plan("supplier_scorecard", "supplier_scorecard",
                    {"supplier": supplier, "months": months_asked(low, today)})

    # -- follow-ups on the previous turn ------------------------------------------------------
    follow = _follow_up(raw, low, ents, last, lex)
    if follow:
        return follow
    latest_tool = (last.get("latest") or {}).get("tool")
    if latest_tool in PROPOSAL_TOOLS and re.match(r"^(and|what about|how about|same|also)\b", low) \
            and any(k in ents for k in ("warehouse", "supplier", "product", "reference")):
        return Plan("clarify", reply=("I don't repeat a proposal unless you ask for it. If you want another one, "
                                      f"say it in full, e.g. '{_example_order(lex)}'; for a figure, ask the "
                                      "question" + (f", e.g. 'stock of {lex.example_product()} at "
                                                    f"{lex.example_warehouse()}'." if lex.example_product()
                                                    and lex.example_warehouse() else ".")))
    phrase = product_phrase(raw, lex)
    stock_words = _has(low, "stock", "on hand", "how many", "how much", "inventory", "do we have")
    if phrase and (stock_words or (len(low.split()) <= 6 and not _ERRAND.match(low))):
        if place:
            return _place_back(place, lex, "stock_levels", raw)
        return Plan("stock_levels", "stock_levels", {"product": phrase, "warehouse": ents.get("warehouse")})
    if stock_words:
        phrase = _leftover(raw, lex)
        if phrase:  # let the tool resolve it: an exact hit, or "did you mean" candidates
            return Plan("stock_levels", "stock_levels", {"product": phrase, "warehouse": ents.get("warehouse")})
        return Plan("clarify", reply="Which product? Give its code or name.",
                    pending={"kind": "slot", "slot": "product", "intent": "stock_levels", "text": raw})
    return Plan("unknown", reply="unknown")


def _period_slots(raw: str) -> dict[str, Any]:
    rng = date_range_asked(raw)
    if rng:
        return {"date_from": rng[0], "date_to": rng[1]}
    when = _date_phrase(raw)
    if not when and re.search(r"\b(?:late|past[- ]due|behind(?: schedule)?|overdue|delayed)\b", raw, re.I):
        when = "overdue"
    return {"when": when}


_DONE = re.compile(r"\b(?:received|came in|come in|arrived|done|completed|complete|book(?:ed)? in|booked|validated|got in|"
                   r"delivered|receiving log|did (?:\w+ ){0,3}receive|did (?:we|i|u) get|have we received|we got)\b")
_NOT_YET = re.compile(r"\b(?:overdue|late|past due|due|expected|arriving|coming|incoming|scheduled|still open|"
                      r"not (?:yet )?(?:received|arrived)|next|tomorrow|open)\b")


_PAST = re.compile(r"\b(?:yesterday|last (?:week|month)|(?:last|past|previous) \d+ (?:days?|weeks?|months?)|"
                   r"so far (?:this|today)|this morning|earlier today)\b")


_HOLDING = re.compile(r"\b(?:h(?:o)?w many|how much|qty|quantity|count of)\b.*\b(?:we|i|you|u)\s+(?:got|have|hold|"
                      r"carry|keep)\b|\b(?:do|does|did)n?'?t?\s+(?:we|i|u)\s+(?:have|hold)\b")
_NOW = re.compile(r"\b(?:rn|right now|now|currently|atm|at the moment|at present|as of today|on hand|"
                  r"in stock|on the shelf|left)\b")
_ARRIVAL = re.compile(r"\b(?:did (?:we|i|u) (?:get|receive)|received|arrived|came in|come in|booked in|receipts?|"
                      r"deliver(?:y|ies|ed)|shipments?)\b")


def _stock_now(low: str) -> bool:
    """"how many X we got/have at <wh> (rn)": stock on hand, not receipts ("what did we get in" stays receipts;
    a quantity question with a past period or an arrival word is about receipts)."""
    if not _HOLDING.search(low) or _ARRIVAL.search(low):
        return False
    return bool(_NOW.search(low)) or not _PAST.search(low)


def _done(low: str) -> bool:
    """Receipts that already happened ("what came in yesterday"), not the ones still expected."""
    return bool(_DONE.search(low) or _PAST.search(low)) and not _NOT_YET.search(low)


def _a_period(raw: str, lex: Lexicon) -> bool:
    """A named calendar period (this year, Q3, last month, since March, last 30 days)."""
    from assistant.planner.builders import period

    if re.search(r"\b(?:last|past|previous|over the (?:last|past))\s+\d+\s*months?\b", raw, re.I) and not re.search(
            r"\b(?:this|last) (?:year|quarter|month|week)\b|\bytd\b|\bq[1-4]\b|\bsince\b", raw, re.I):
        return False  # "last 6 months" is the supplier history's own look-back
    return bool(period(raw, local_today(lex.tz)))


def routed(intent: str, raw: str, ents: dict[str, Any], lex: Lexicon) -> Plan:
    """A rule reading answered by one of the newer read tools, slots filled by its builder."""
    from assistant.planner.builders import QUESTION_FOR, build

    category = None
    if intent == "spend_analysis":
        from assistant.planner.slots import spans

        category = next((sp.value for sp in spans(raw, lex) if sp.kind == "category"), None)
    tool, built = build(intent, raw, ents, lex, local_today(lex.tz), category)
    if tool is None or not isinstance(built, dict):
        return Plan("clarify", reply=QUESTION_FOR.get(str(built), f"Which {built}?"),
                    pending={"kind": "slot", "slot": str(built), "intent": intent, "text": raw})
    return Plan(intent, tool, {k: v for k, v in built.items() if v is not None}, sure=True)


def _creates_rfq(raw: str, low: str, ents: dict[str, Any]) -> bool:
    """'draft an rfq for 200 X', 'rfq 50 X from Y': a request for a new RFQ (a verb or a quantity to buy)."""
    if RFQ_CREATE.search(low):
        return True
    qty = re.search(r"(?<![\w/.-])\d[\d,]*(?:\.\d+)?(?![\w/-])(?!\s*(?:days?|weeks?|months?|years?|%))", raw)
    return bool(qty and ents.get("product"))


def _follow_up(raw: str, low: str, ents: dict[str, Any], last: dict[str, Any], lex: Lexicon | None = None
               ) -> Plan | None:
    """'and at Dallas?', 'what about Redline?', 'how about this week at Houston' -> the last READ tool with
    the slots that changed. Proposals never carry over: they need the user's own action verb."""
    tool = last.get("tool")
    if tool and tool not in PROPOSAL_TOOLS and (refined := _refine(raw, low, ents, last, str(tool),
                                                                           local_today(lex.tz) if lex else date.today())):
        return refined
    if not tool or tool in PROPOSAL_TOOLS or not re.match(
            r"^(and|what about|how about|same|also|now|ok|and for|and at|and in)\b", low) and len(low.split()) > 5:
        return None
    changes: dict[str, Any] = {k: ents[k] for k in ("warehouse", "supplier", "product", "reference") if k in ents}
    slots = dict(last.get("args") or {})
    if not ents.get("warehouse") and slots.get("warehouse") and tool in PER_WAREHOUSE | _DATED and _has(
            low, "(?:the )?other (?:sites?|warehouses?|locations?|dcs?|hubs?|stores?|depots?)", "everywhere",
            "elsewhere", "all (?:the )?(?:sites|warehouses|locations)", "every (?:site|warehouse|location)",
            "the rest", "anywhere else"):
        slots.pop("warehouse")  # "and at the other sites?": the same question, every warehouse
        return Plan(str(tool), str(tool), slots, followup=True)
    if tool == "inbound_schedule" and (_date_phrase(raw) or date_range_asked(raw)):
        for key in ("when", "date_from", "date_to"):
            slots.pop(key, None)
        changes.update({k: v for k, v in _period_slots(raw).items() if v})
    if tool in ("supplier_scorecard", "supplier_history") and (n := months_asked(low, date.today())):
        changes["months"] = n
    if not changes:
        return None
    slots.update(changes)
    return Plan(tool, tool, slots, followup=True)


_BACK = re.compile(r"\b(?:those|these|them|of them|which ones?|that list|the list|any of them|it|its|this one|"
                   r"that one)\b|^(?:and|what about|how about|same|also|now|ok)\b")
_DATED = {"find_purchase_orders", "receipts_done", "vendor_bills", "spend_analysis"}


def _refine(raw: str, low: str, ents: dict[str, Any], last: dict[str, Any], tool: str, today: date) -> Plan | None:
    """'how many of those are late?', 'which ones are with <vendor>?', 'which of them are overdue', 'and last
    year?', 'which one's cheapest?': the last read narrowed (or its period changed), never a new request."""
    if not _BACK.search(low) or len(low.split()) > 9 or ents.get("reference"):
        return None
    if tool not in _DATED and re.match(r"^(?:and|what about|how about|same|also|now|ok)\b", low) \
            and not re.search(r"\b(?:those|these|them|of them|which ones?)\b", low):
        return None  # "how about this week at <warehouse>": the plain follow-up (_follow_up) changes the slots
    args = dict(last.get("args") or {})
    product = ents.get("product") or last.get("product")
    if product and _has(low, "cheapest", "lowest price", "fastest", "quickest", "who sells", "who supplies",
                        "vendors?", "suppliers?"):
        sort = "price" if _has(low, "cheapest", "lowest price") else "lead_time" if _has(low, "fastest", "quickest") \
            else None
        return Plan("product_vendors", "product_vendors", {k: v for k, v in {"product": product, "sort": sort}.items()
                                                           if v}, followup=True)
    changed: dict[str, Any] = {}
    if tool in ("find_purchase_orders", "open_purchase_orders") and _has(low, "late", "overdue", "delayed", "behind"):
        changed["late" if tool == "find_purchase_orders" else "late_only"] = True
    if tool == "vendor_bills":
        for word, status in (("overdue|past due|late", "overdue"), ("due", "due"), ("unpaid|open", "open"),
                             ("paid", "paid")):
            if _has(low, word):
                changed["status"] = status
                break
    if ents.get("supplier") and tool in PER_SUPPLIER | {"receipts_done", "inbound_schedule"}:
        changed["supplier"] = ents["supplier"]
    if ents.get("warehouse") and tool in PER_WAREHOUSE | {"receipts_done", "find_purchase_orders", "spend_analysis"}:
        changed["warehouse"] = ents["warehouse"]
    if tool in _DATED:
        from assistant.planner.builders import period

        if per := period(raw, today):
            args.pop("date_from", None)
            args.pop("date_to", None)
            changed.update(per)
    if not changed:
        return None
    args.update(changed)
    if tool == "open_purchase_orders" and _has(low, "how many", "count", "number of", "total", "how much"):
        # a count or a total of the list just shown: the tool that counts and sums
        args = {k: v for k, v in {"state": "open", "supplier": args.get("supplier"), "warehouse": args.get("warehouse"),
                                  "late": args.get("late_only")}.items() if v}
        tool = "find_purchase_orders"
    return Plan(tool, tool, args, followup=True)


_FILLER = re.compile(
    r"\b(how|many|much|do|does|did|we|i|you|have|has|got|any|is|are|there|what|whats|what's|s|the|a|an|of|in|at|for|on|"
    r"stock|stocks|on hand|hand|left|inventory|available|availability|level|levels|qty|quantity|units?|our|us|"
    r"please|right|now|currently|today|warehouse|dc|hub|site|can|tell|me|show|check|to|from)\b", re.I)


def _leftover(text: str, lex: Lexicon) -> str | None:
    """The words left once question words and known places are removed: probably a product name."""
    low = f" {norm(text)} "
    aliases = {a for w in lex.warehouses for a in (*w.get("aliases", []), norm(str(w["name"])), str(w["code"]).lower())}
    for alias in sorted(aliases, key=len, reverse=True):  # "austin healthcare hub" before "austin"
        if alias:
            low = low.replace(f" {alias} ", " ")
    rest = re.sub(r"\s+", " ", _FILLER.sub(" ", low)).strip(" ?.!,")
    return rest if len(rest) >= 3 else None


_ORDINAL = re.compile(r"\bthe (first|second|third|1st|2nd|3rd|last)(?= one\b| po\b| order\b| receipt\b| of them\b|$)"
                      r"|\bthe (first|second|third|1st|2nd|3rd)\b")
_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "last": -1}


def _ordinal(low: str) -> int | None:
    m = _ORDINAL.search(low)
    return _ORDINALS[m.group(1) or m.group(2)] if m else None


def _pick(last: dict[str, Any], low: str, key: str) -> tuple[str | None, list[str]]:
    """The PO ('pos') or receipt ('receipts') the user points at, from the MOST RECENT turn that showed
    any: named by an ordinal ("the first one"), the one that turn was about, or the only one it showed.
    Several and no ordinal -> (None, the choices). Questions back and turns that showed none are skipped."""
    idx = _ordinal(low)
    history = last.get("history") or []
    for focus in reversed(history):
        shown = [str(x) for x in focus.get(key) or []]
        ref = focus.get("reference") if key == "pos" and focus.get("tool") else None
        if idx is not None and shown and -len(shown) <= idx < len(shown):
            return shown[idx], []
        if ref and not re.search(r"/[A-Za-z]{2,5}/\d", str(ref)):
            return str(ref), []  # the PO that turn was about (any numbering; a receipt reference is not one)
        if len(shown) == 1:
            return shown[0], []
        if len(shown) > 1:
            return None, shown[:8]
    return None, []


def _focus_po(last: dict[str, Any], low: str = "") -> str | None:
    return _pick(last, low, "pos")[0]


def _focus_receipt(last: dict[str, Any], low: str = "") -> str | None:
    return _pick(last, low, "receipts")[0]


def _which_one(last: dict[str, Any], low: str, key: str, verb: str) -> Plan | None:
    """A question back when the thread showed several POs/receipts and the user did not say which."""
    ref, choices = _pick(last, low, key)
    if ref is None and choices:
        return Plan("clarify", reply=f"Which one should I {verb}? The last answer listed {', '.join(choices)}. "
                                     f"Say e.g. '{verb} the first one' or give the reference.")
    if ref is None and _ordinal(low) is not None and last.get("history"):  # "chase the first one" of an empty list
        what = "purchase orders" if key == "pos" else "receipts"
        return Plan("clarify", reply=f"The last answers listed no {what}, so there is no first one to {verb}. "
                                     "Give its reference.",
                    pending={"kind": "slot", "slot": "reference", "intent": _VERB_INTENT.get(verb, ""),
                             "text": verb})
    return None


_VERB_INTENT = {"chase": "remind_supplier", "reschedule": "reschedule_receipt", "cancel": "cancel_purchase_order",
                "confirm": "confirm_purchase_order", "approve": "approve_purchase_order"}


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


_REASON_FILLER = re.compile(r"\b(?:pls|plz|please|thanks?|thx|ty|asap|now|right away|in odoo|for me|it|this|that|the|"
                     r"rfq|po|order|purchase order|ok|okay)\b", re.I)


def action_reason(text: str, ref: str | None, verb: str = CANCEL_WORDS) -> str | None:
    """The person's own reason beside the command ("cancel P00042 pls, wrong vendor" -> "wrong vendor";
    "duplicate order - kill P01680"), so the proposal records their words, not a stock phrase."""
    if found := _reason(text):
        return found
    m = re.search(re.escape(ref), text, re.I) if ref else None
    m = m or re.search(rf"\b{verb}\b", text, re.I)
    if m is None:
        return None
    for part in (text[m.end():], text[:m.start()]):
        part = re.sub(rf"\b{verb}\b", " ", part, flags=re.I)
        rest = part.strip(" ,;:.!?-\u2013\u2014")
        rest = re.sub(r"^(?:(?:pls|plz|please|thanks?|thx|asap|now|in odoo|for me|it|them|this one|that one|this|"
                      r"that)\b[\s,;:.!-]*)+", "", rest, flags=re.I)  # "cancel it, ..." : the pronoun is no reason
        rest = re.sub(r"^(?:as|coz|cos|cuz|bc|b/c)\s+", "", rest.strip(" ,;:.!?-\u2013\u2014"), flags=re.I)
        rest = rest.strip(" ,;:.!?-\u2013\u2014")
        if len(re.findall(r"[a-z]{2,}", _REASON_FILLER.sub(" ", rest), re.I)) >= 2 or re.fullmatch(r"[a-z]{6,}", rest, re.I):
            return rest[:200]
    return None


# -- thread focus ---------------------------------------------------------------------------------
def _merged_focus(history: list[dict[str, Any]]) -> dict[str, Any]:
    """The newest value of each remembered slot across the thread, and the newest READ tool and its args.

    A follow-up inherits the last read intent only: a proposal never carries over to a question that does
    not ask for an action ("chase the first one" -> "how about this week at Houston" is a read)."""
    merged: dict[str, Any] = {}
    for focus in history:
        for key in ("product", "supplier", "warehouse", "reference", "receipt", "pos", "receipts"):
            if focus.get(key):
                merged[key] = focus[key]
        tool = focus.get("tool")
        if tool and tool not in PROPOSAL_TOOLS:
            merged["tool"] = tool
            merged["args"] = dict(focus.get("args") or {})
    if history:
        merged["latest"] = history[-1]  # "the first one", "it": what the last answer showed
        merged["history"] = history
    return merged


# -- places, quantities and periods ------------------------------------------------------------------
_NOT_PLACES = {"odoo", "the", "stock", "total", "all", "my", "our", "units", "slack", "cli", "transit", "full", "time", "company", "general",
               "quartermaster", "today", "tomorrow", *MONTHS,
               "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}


def unknown_place(text: str, lex: Lexicon, preps: str = "at|in|for|to|into") -> str | None:
    """A capitalised place after one of `preps` that is no warehouse, vendor or product ("for Tulsa")."""
    vocab = _product_vocab(lex)
    for m in re.finditer(rf"\b(?:{preps})\s+(?:the\s+)?([A-Z][a-z]+(?:\s+[A-Z][a-z]+){{0,2}})\b", text):
        phrase = m.group(1)
        words = norm(phrase).split()
        if words[0] in _NOT_PLACES or lex.warehouse(phrase) or lex.supplier(phrase):
            continue
        if any(_stem(w) in vocab for w in words):
            continue
        return phrase
    return None


# "which products are short / out of stock / under the minimum quantity at <warehouse>": what needs reordering there
STOCK_SHORT = ("below[- ]min(?:imum)?", "under (?:the |their )?(?:reorder )?min(?:imum)?(?: (?:qty|quantity|level))?",
               "below (?:the |their )?safety stock", "(?:products?|items?|skus?|what|which) (?:is |are |s )?short",
               "(?:products?|items?|skus?|what s|what is|which) (?:are |is )?out of stock")


def unknown_code(text: str, lex: Lexicon) -> str | None:
    """A code-like token ("XYZ", "WH9") after at/in/for that is no warehouse, product or reference of this Odoo:
    a warehouse asked for by a code Odoo does not have (named back, never widened to every warehouse)."""
    if not lex.warehouses:
        return None
    for m in re.finditer(r"\b(?:at|in|for)\s+(?:the\s+)?(?:warehouse\s+)?([A-Z][A-Z0-9_-]{1,9})\b", text):
        tok = m.group(1)
        if lex.warehouse(tok) or lex.product(tok) or lex.supplier(tok) or tok.lower() in lex._codes() \
                or any(norm(tok) in c.get("aliases", ()) for c in lex.categories):
            continue
        return tok
    return None


def _place_back(place: str, lex: Lexicon, intent: str, raw: str) -> Plan:
    """A place that is no warehouse: named back with the list; the reply naming a warehouse completes the request."""
    rest = re.sub(rf"\s*\b(?:at|in|into|for|to)\s+(?:the\s+)?{re.escape(place)}\b", "", raw)
    return Plan("clarify", reply=unknown_place_reply(place, lex),
                pending={"kind": "slot", "slot": "warehouse", "intent": intent, "text": rest})


def unknown_place_reply(place: str, lex: Lexicon) -> str:
    return (f"There is no warehouse called '{place}'. Our warehouses are: {lex.warehouse_names()}. "
            "Which one do you mean?")


_VOCAB: dict[int, set[str]] = {}


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _product_vocab(lex: Lexicon) -> set[str]:
    key = id(lex)
    if key not in _VOCAB:
        _VOCAB[key] = {_stem(w) for p in lex.products for w in str(p.get("norm") or "").split() if len(w) >= 3}
    return _VOCAB[key]


def product_phrase(text: str, lex: Lexicon) -> str | None:
    """Leftover words that all occur in product names ('nitrile gloves', 'gloves'): a product to look up."""
    rest = _leftover(text, lex)
    if not rest:
        return None
    words = [w for w in rest.split() if len(w) >= 3]
    vocab = _product_vocab(lex)
    return rest if words and all(_stem(w) in vocab for w in words) else None


def _order_lines(raw: str, lex: Lexicon) -> tuple[list[dict[str, Any]], list[str], str | None, bool]:
    """[(product, quantity)] exactly as asked, notes (unit conversions), a question back, and whether the
    question is a refusal (negative quantity). Never rounds, never guesses a unit."""
    cleaned = re.sub(ISO_DATE, " ", raw)
    hits = lex.products_in(cleaned)
    lines: list[dict[str, Any]] = []
    notes: list[str] = []
    if not hits:  # "50 nitrile exam gloves from Cardinal": the words go to the tool, which never guesses
        m = re.search(rf"({NUMBER})\s*(?:({UNIT_WORDS})\s+)?(?:of\s+)?([A-Za-z][\w ,/-]*?)\s+(?:from|for|at|to|by)\b",
                      cleaned, re.I)
        vocab = _product_vocab(lex)
        words = [w for w in norm(m.group(3)).split() if len(w) >= 3] if m else []
        if not m or not words or not all(_stem(w) in vocab for w in words):
            return lines, notes, None, False
        hits = [(m.start(3), m.group(3).strip())]
    codes = [h for h in hits if h[0] >= 0 and (lex.product_info(h[1]) or re.search(r"\d", h[1]))
             and cleaned[h[0]:h[0] + 1].isalnum()]
    spans: list[tuple[str, str]] = []
    if codes:
        start = 0
        for pos, code in codes:  # positions in the text, codes as Odoo spells them (FURN_6667, ABC-1042)
            end = lex.code_end(cleaned, pos)
            m = _CODE_AT.match(cleaned, pos)
            spans.append((code, cleaned[start:pos]))
            start = end or (m.end() if m else pos + len(code))
    else:
        name = hits[0][1]
        pos = norm(cleaned).find(norm(name))
        spans.append((name, norm(cleaned)[:pos] if pos >= 0 else cleaned))
    for product, before in spans:
        m = re.search(rf"({NUMBER})\s*({UNIT_WORDS})?\s*(?:more\s+|extra\s+|additional\s+)?(?:of\s+)?(?:the\s+)?\W*$",
                      before, re.I)
        if not m:
            m2 = re.search(rf"(?:qty|quantity|\bx|×)\s*:?\s*(?:of\s*)?({NUMBER})", raw, re.I)
            if not m2:
                return [], notes, f"How many {product} should I order?", False
            value, unit = float(m2.group(1).replace(",", "")), ""
        else:
            value, unit = float(m.group(1).replace(",", "")), (m.group(2) or "").lower()
        if value <= 0:
            shown = m.group(1) if m else f"{value:g}"
            return [], notes, f"I can't order {shown} {product}: a quantity must be a positive number.", True
        info = lex.product_info(product) or {}
        uom = str(info.get("uom") or "Units")
        pname = str(info.get("name") or product)
        if unit.startswith(("dozen", "doz")):
            notes.append(f"{value:g} dozen {product} = {value * 12:g} units.")
            value *= 12
        elif unit.startswith(("case", "box", "pack")):
            word = {"c": "case", "b": "box", "p": "pack"}[unit[0]]
            if word not in pname.lower() and word not in uom.lower():
                return [], notes, (f"{product} ({pname}) is bought in {uom}, not by the {word}. How many units "
                                   f"should I order? Tell me the quantity in {uom.lower()}."), False
            notes.append(f"{product} is bought by the {word} ({pname}), so {value:g} {unit} = {value:g} "
                         f"{uom.lower()}.")
        if value != int(value) and _whole_units(uom):
            return [], notes, (f"{product} is ordered in whole {uom.lower()}; {value:g} is not a whole number. "
                               f"How many should I order ({int(value)} or {int(value) + 1})?"), False
        lines.append({"product": product, "quantity": value})
    return lines, notes, None, False


_CODE_AT = re.compile(r"[A-Za-z0-9_.\-/]+(?: \d{3,5}\b)?")


def _whole_units(uom: str) -> bool:
    return not re.search(r"\b(kg|g|lb|lbs|oz|l|liters?|litres?|ml|m|meters?|metres?|ft|gal|gallons?)\b", uom.lower())


_WORD_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
             "ten": 10}
_BULK = re.compile(r"^(?:please\s+|ok\s+|yes\s+)?(?:order|buy|purchase|raise rfqs? for|rfq)\b.*?\b(?:top|first|all|them|"
                   r"these|those|everything|suggest(?:ed|ions?)|critical|urgent|the list|that list)\b")


def _order_suggestions(raw: str, low: str, ents: dict[str, Any], last: dict[str, Any]) -> Plan | None:
    """"order the top 3", "order all of X's critical items from the best vendors", "order the suggested
    quantity of the first one from the most reliable vendor": RFQs from the last replenishment answer (its
    suggestion list, kept in the thread's memory) — one proposal per vendor, only from the user's own verb."""
    if not _BULK.search(low) or re.search(rf"\b(?:order|buy|purchase)\s+{NUMBER}", low):
        return None
    shown = [s for s in (last.get("latest") or {}).get("suggestions") or [] if isinstance(s, dict)]
    if not shown:
        shown = next((list(f.get("suggestions") or []) for f in reversed(last.get("history") or [])
                      if f.get("suggestions")), [])
    critical = _has(low, "critical", "urgent", "below (?:the )?min(?:imum)?")
    if not shown and not critical and not ents.get("warehouse") and last.get("tool") != "replenishment_risk":
        return None  # nothing suggested in this thread: an ordinary order request (after a replenishment answer
        # that suggested nothing, "order the top 3" still goes to the suggestions, which say there is none)
    slots: dict[str, Any] = {"vendor": "most_reliable" if _has(low, "most reliable", "reliable", "on time")
                             else "cheapest" if _has(low, "cheapest", "lowest price", "cheaper") else "best"}
    wh = ents.get("warehouse")
    if not wh and last.get("tool") == "replenishment_risk":
        wh = (last.get("args") or {}).get("warehouse")
    slots["warehouse"] = wh
    m = re.search(r"\b(?:top|first)\s+(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)\b", low)
    n = (int(m.group(1)) if m.group(1).isdigit() else _WORD_NUM[m.group(1)]) if m else (
        1 if _has(low, "the first(?: one)?", "first item", "top one", "the top") else None)
    if critical:
        slots["critical_only"] = True
    if n and shown:
        picked = [s for s in shown if not slots.get("critical_only") or s.get("below_min")][:n]
        slots["items"] = [f"{s['product']}@{s['wh']}" if s.get("wh") else str(s["product"]) for s in picked]
    elif n:
        slots["top"] = n
    return Plan("order_suggestions", "order_suggestions", slots)


def _rfq(raw: str, low: str, ents: dict[str, Any], lex: Lexicon, last: dict[str, Any]) -> Plan:
    """create_rfq for exactly what was asked: every line, the unit converted or asked back, a known
    warehouse or a question back; never a substitute."""
    lines, notes, problem, refuse = _order_lines(raw, lex)
    if problem:
        return Plan("bad_quantity" if refuse else "clarify", reply=problem)
    if not lines and last.get("product"):  # "order 300 from Apex for Houston": the product discussed
        m = re.search(rf"\b(?:order|buy|purchase|rfq for)\s+({NUMBER})\b", re.sub(ISO_DATE, " ", raw), re.I)
        if m:
            value = float(m.group(1).replace(",", ""))
            if value <= 0:
                return Plan("bad_quantity", reply=f"I can't order {m.group(1)}: a quantity must be a positive number.")
            lines = [{"product": str(last["product"]), "quantity": value}]
    supplier = ents.get("supplier")
    if not supplier and (m := re.search(r"\bfrom\s+([A-Z][\w&.'-]*(?:\s+[A-Z][\w&.'-]*){0,3})", raw)) \
            and not lex.warehouse(m.group(1)):
        supplier = m.group(1)  # a vendor the lexicon does not know: the tool resolves it or suggests names
    if not (lines and supplier):
        missing = [n for n, v in (("product and quantity", lines), ("supplier", supplier)) if not v]
        pending = ({"kind": "slot", "slot": "supplier", "intent": "create_rfq", "text": raw + " from"}
                   if lines and not supplier else None)
        return Plan("clarify", reply="To draft an RFQ I need the " + " and the ".join(missing) +
                    f", e.g. '{_example_order(lex)}'." + (" Which vendor should I ask?" if pending else ""),
                    pending=pending)
    place = unknown_place(raw, lex)
    if place and not ents.get("warehouse"):
        return _place_back(place, lex, "create_rfq", raw)
    slots: dict[str, Any] = {"supplier": supplier, "warehouse": ents.get("warehouse")}
    if len(lines) == 1:
        slots.update(product=lines[0]["product"], quantity=lines[0]["quantity"])
    else:
        slots["lines"] = lines
    return Plan("create_rfq", "create_rfq", slots, note=" ".join(notes) or None)


def _example_order(lex: Lexicon) -> str:
    """An order sentence built from this Odoo's own names (help texts never name a demo business)."""
    product = lex.example_product() or "a product code"
    vendor = lex.example_vendor() or "a vendor"
    wh = f" for {lex.example_warehouse()}" if lex.warehouses else ""
    return f"order 200 {product} from {vendor}{wh}"


def _example_receipt(lex: Lexicon) -> str:
    """A receipt reference in this Odoo's numbering (its incoming operation's sequence)."""
    return lex.example_receipt() or (f"{lex.warehouses[0]['code']}/IN/00012" if lex.warehouses else "WH/IN/00012")


def local_today(tz: str, now: datetime | None = None) -> date:
    """Today in the company's timezone (from Odoo), not UTC."""
    from tools.odoo.resolve import company_today

    return company_today(tz, now)


def months_asked(low: str, today: date) -> int | None:
    """'last 6 months', '18 months', 'past year', 'since June', 'since 2026-03-01' -> a look-back in months."""
    if m := re.search(r"\b(\d{1,3})[\s-]*months?\b", low):
        n = int(m.group(1))
    elif m := re.search(r"\b(\d{1,2})[\s-]*years?\b", low):
        n = 12 * int(m.group(1))
    elif re.search(r"\bthis year\b|\byear to date\b|\bytd\b", low):
        n = today.month
    elif re.search(r"\b(?:last|past) (?:year|12 months)\b|\ba year\b", low):
        n = 12
    elif re.search(r"\b(?:last|past) quarter\b", low):
        n = 3
    elif m := re.search(r"\bsince (" + "|".join(MONTHS) + r"|" + "|".join(x[:3] for x in MONTHS) + r")\b", low):
        month = next(i for i, name in enumerate(MONTHS, 1) if name.startswith(m.group(1)[:3]))
        year = today.year if month <= today.month else today.year - 1
        n = (today.year - year) * 12 + today.month - month + 1
    elif m := re.search(r"\bsince (\d{4})-(\d{2})-\d{2}\b", low):
        n = (today.year - int(m.group(1))) * 12 + today.month - int(m.group(2)) + 1
    else:
        return None
    return max(1, min(60, n))


def since_phrase(raw: str) -> str | None:
    """'since June', 'since 2026-09-01', 'last 30 days', 'lately' -> the `since` of a messages read."""
    m = re.search(rf"\bsince\s+((?:{'|'.join(MONTHS)})(?:\s+\d{{4}})?|{ISO_DATE}|{DATE_WORDS})", raw, re.I)
    if m:
        return m.group(1).lower()
    if m := re.search(r"\b(?:last|past|over the last|over the past)\s+(\d+)\s+(days?|weeks?|months?)\b", raw, re.I):
        n, unit = int(m.group(1)), m.group(2).lower().rstrip("s")
        return f"last {n * 30 if unit == 'month' else n} {'days' if unit == 'month' else unit + 's'}"
    return _date_phrase(raw)


def date_range_asked(raw: str) -> tuple[str, str] | None:
    """'between 2026-11-20 and 2026-12-05', 'from Dec 1 to Dec 5' -> (date_from, date_to) phrases."""
    m = re.search(rf"\b(?:between|from)\s+({DATE_WORDS})\s+(?:and|to|until|till|-)\s+({DATE_WORDS})", raw, re.I)
    return (m.group(1).lower(), m.group(2).lower()) if m else None


def suppliers_in(text: str, lex: Lexicon) -> list[str]:
    """Every vendor named in the text, in order ('compare Apex and Summit')."""
    low = f" {norm(text)} "
    found: list[tuple[int, str]] = []
    for s in lex.suppliers:
        best = max((a for a in s["aliases"] if f" {a} " in low), key=len, default=None)
        if best:
            found.append((low.find(f" {best} "), s["name"]))
    return [name for _, name in sorted(found)]


# an errand nobody here runs ("book me a hotel", "call the driver"): a short message like this that happens to
# share a word with a product ("Hotel Accommodation") is not a stock question
_ERRAND = re.compile(r"^(?:(?:pls|please|plz|can you|could you|would you|hey|hi|quick|ok)\s+)*(?:book|reserve|call|phone|"
                     r"ring|text|tweet|translate|play|sing|drive|fly|cook|clean|tell me a joke)\b")
_PERIOD_START = {"this", "next", "previous", "current", "today", "tomorrow", "yesterday", "ytd", "mtd", "year", "month",
                 "week", "quarter", "q1", "q2", "q3", "q4", "now", "all", "every", "each", *MONTHS}
# a question for the vendors' ranking by reliability, not one vendor's figures
_RANKING = re.compile(r"\b(?:which|who|what)\b.{0,40}\b(?:most|least|more|less)\s+(?:reliable|dependable|risky|"
                      r"trustworthy)\b|\b(?:most|least)\s+(?:reliable|dependable|risky)\s+(?:vendors?|suppliers?)\b|"
                      r"\b(?:best|worst)[- ](?:performing|delivering)\s+(?:vendors?|suppliers?)\b|"
                      r"\brank\w*\s+(?:our\s+|the\s+)?(?:vendors?|suppliers?)\s+by\s+(?:reliability|on[- ]time)")
# words after "with", "for", "from" … that name a period or point back, never a vendor ("spend the most with this year")
_NOT_A_NAME = {"the", "last", "past", "over", "since", "months", "this", "that", "these", "those", "next", "year",
               "years", "quarter", "month", "week", "weeks", "today", "yesterday", "our", "us", "them", "it", "all",
               "each", "every", "any", "which", "whom", "who", "what"}


def supplier_phrase(raw: str) -> str | None:
    """The words naming a vendor the lexicon does not know ('scorecard for Gemni', 'how is Medical doing')."""
    m = re.search(r"\b(?:for|of|with|from|on|about)\s+([A-Za-z][\w&.'-]*(?:\s+[A-Z][\w&.'-]*){0,3})", raw)
    if not m:
        m = re.search(r"\bhow is\s+([A-Za-z][\w&.'-]*(?:\s+[A-Z][\w&.'-]*){0,3})\s+(?:doing|performing)", raw, re.I)
    if not m:
        m = re.search(r"^([A-Z][\w&.'-]*(?:\s+[A-Z][\w&.'-]*){0,3})\s+(?:scorecard|kpis?|otif|spend)\b", raw.strip())
    if not m:
        return None
    words = [w for w in m.group(1).split() if norm(w) not in {"the", "last", "past", "over", "since", "months"}]
    if words and norm(words[0]) in _PERIOD_START:
        return None  # "with this year", "for next week": a period, not a vendor
    words = [w for w in m.group(1).split() if norm(w) not in _NOT_A_NAME]
    phrase = " ".join(words).strip(" ?.!,")
    return phrase if len(phrase) >= 3 and not re.fullmatch(r"\d+", phrase) else None
