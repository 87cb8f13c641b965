"""Rules and slots for the prediction questions (issue #15): lead-time prediction, demand forecast and the options
when a product is short. Read by the rules (intents._parse, before the documents and reads) and by the router's
builders (route.from_intent) so both readings fill the same slots.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.planner.intents import Plan, _has
from assistant.planner.lexicon import norm

INTENTS = ("lead_time_forecast", "demand_forecast", "supply_options")
_REALISTIC = ("realistic(?:ally)?", "likely", "really", "actually", "predict(?:ed|ion)?", "forecast")  # else: PO status


def weeks_asked(low: str) -> int | None:
    """'next 8 weeks' -> 8, 'next month' -> 4, 'next quarter' -> 13 (at most 26)."""
    if m := re.search(r"\b(?:next|coming|following)\s+(\d+)\s+weeks?\b", low):
        return max(1, min(26, int(m.group(1))))
    if m := re.search(r"\b(?:next|coming|following)\s+(\d+)\s+months?\b", low):
        return max(1, min(26, round(int(m.group(1)) * 4.35)))
    if re.search(r"\b(?:next|coming|following) month\b", low):
        return 4
    if re.search(r"\b(?:next|coming|following) quarter\b", low):
        return 13
    if re.search(r"\b(?:next|coming|following) (?:week|7 days)\b", low):
        return 1
    return None


def slots_for(intent: str, ents: dict[str, Any], low: str) -> dict[str, Any]:
    if intent == "lead_time_forecast":
        ref = ents.get("reference") or ents.get("receipt")
        if ref:
            return {"po": ref}
        return {k: v for k, v in {"vendor": ents.get("supplier"), "product": ents.get("product"),
                                  "warehouse": ents.get("warehouse")}.items() if v}
    if intent == "demand_forecast":
        return {k: v for k, v in {"product": ents.get("product"), "warehouse": ents.get("warehouse"),
                                  "weeks": weeks_asked(low)}.items() if v}
    return {k: v for k, v in {"product": ents.get("product"), "warehouse": ents.get("warehouse")}.items() if v}


def missing(intent: str, slots: dict[str, Any]) -> str | None:
    """The slot to ask for, if the question cannot be answered without it."""
    if intent == "lead_time_forecast" and not (slots.get("po") or slots.get("vendor") or slots.get("product")):
        return "supplier"
    if intent in ("demand_forecast", "supply_options") and not slots.get("product"):
        return "product"
    return None


def plan(intent: str, raw: str, ents: dict[str, Any]) -> Plan:
    """The plan for one of INTENTS, or the question for its missing slot."""
    slots = slots_for(intent, ents, norm(raw))
    need = missing(intent, slots)
    if need:
        from assistant.planner.builders import QUESTION_FOR

        return Plan("clarify", reply=QUESTION_FOR.get(need, f"Which {need}?"),
                    pending={"kind": "slot", "slot": need, "intent": intent, "text": raw})
    return Plan(intent, intent, slots)


def rule(raw: str, low: str, ents: dict[str, Any]) -> Plan | None:
    """The rule reading for a prediction or options question, or None."""
    ref = ents.get("reference") or ents.get("receipt")
    if ref and _has(low, "when will", "when is", "when does", "arriv(?:e|al|ing)", "eta", "land") \
            and _has(low, *_REALISTIC):
        return plan("lead_time_forecast", raw, ents)
    if _has(low, "lead ?times?") and _has(low, "predict(?:ed|ion)?", "forecast", "realistic(?:ally)?", "likely",
                                          "expected", "estimate[ds]?", "really", "actual(?:ly)?", "typical(?:ly)?"):
        return plan("lead_time_forecast", raw, ents)
    if ents.get("supplier") and _has(low, "how long (?:does|will|do) .* take", "how many days (?:does|will) .* take") \
            and _has(low, *_REALISTIC):
        return plan("lead_time_forecast", raw, ents)
    if _has(low, "demand", "consumption", "usage", "how many will we (?:sell|ship|need|use)") \
            and _has(low, "forecast", "predict(?:ed|ion)?", "projected?", "expected?", "next", "coming", "outlook"):
        return plan("demand_forecast", raw, ents)
    if ents.get("product") and _has(low, "forecast", "predict") and weeks_asked(low) is not None \
            and not _has(low, "stock", "on hand", "qty", "quantity"):
        return plan("demand_forecast", raw, ents)
    if _has(low, "options? for", "alternatives? (?:for|to)", "alternative (?:vendors?|suppliers?|sources?)",
            "where else can we (?:get|buy|source)", "how (?:can|do|could) we cover", "shortage (?:of|for)",
            "other sources? for") and (ents.get("product") or _has(low, "options? for")):
        return plan("supply_options", raw, ents)
    return None
