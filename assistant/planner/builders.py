"""From a routed intent to a Plan: fill the tool's slots from the message (rules for references, dates,
quantities and units; the lexicon for names). A builder never guesses a record: a missing required slot
becomes one question back, stored as the thread's pending request so a short reply completes it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from assistant.planner.lexicon import Lexicon, norm

# argument vocabularies of the new read tools (contract: /work/notes/new-read-tools-spec.md)
PO_STATES = (("to approve|waiting (?:for |on )?(?:my |your |an? |the )?approval|awaiting (?:my |your )?approval|"
              "need(?:s|ing)? (?:my |your )?approval|"
              "pending approval|for approval", "to_approve"),
             ("sent|send out|sent out|we sent|sent to (?:the )?vendors?", "sent"),
             ("rfqs?|quotes?|quotations?|requests? for quotation", "rfq"), ("drafts?", "draft"),
             ("cancell?ed|canceled|cancelled", "cancel"), ("done|closed|fully received|locked", "done"),
             ("confirmed", "purchase"), ("open|outstanding|running|active", "open"))
QUESTION_FOR = {
    "product": "Which product? Give its code or name.",
    "supplier": "Which vendor?",
    "reference": "Which purchase order or receipt? Give its reference.",
}


def period(raw: str, today: date) -> dict[str, str]:
    """date_from/date_to (ISO, company days) for the period named in the message, if any."""
    from tools.base import ToolError
    from tools.odoo.resolve import parse_date_phrase

    low = raw.lower()
    if m := re.search(r"\bq([1-4])(?:\s*(\d{4}))?\b", low):
        q, year = int(m.group(1)), int(m.group(2) or today.year)
        if not m.group(2) and date(year, 3 * q - 2, 1) > today:
            year -= 1
        start = date(year, 3 * q - 2, 1)
        end = (date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - timedelta(days=1))
        return {"date_from": start.isoformat(), "date_to": min(end, today).isoformat()}
    if re.search(r"\b(?:this year|ytd|year to date|so far this year)\b", low):
        return {"date_from": date(today.year, 1, 1).isoformat(), "date_to": today.isoformat()}
    if re.search(r"\blast year\b", low):
        return {"date_from": date(today.year - 1, 1, 1).isoformat(), "date_to": date(today.year - 1, 12, 31).isoformat()}
    if re.search(r"\b(?:this quarter)\b", low):
        q = (today.month - 1) // 3
        return {"date_from": date(today.year, 3 * q + 1, 1).isoformat(), "date_to": today.isoformat()}
    if m := re.search(r"\b(?:last|past|previous)\s+(\d+)\s+(days?|weeks?|months?)\b", low):
        n = int(m.group(1)) * {"d": 1, "w": 7, "m": 30}[m.group(2)[0]]
        return {"date_from": (today - timedelta(days=n)).isoformat(), "date_to": today.isoformat()}
    from assistant.planner.slots import DATE_RE

    for m in DATE_RE.finditer(raw):
        phrase = re.sub(r"^since\s+", "", m.group(0).lower())
        try:
            rng = parse_date_phrase(phrase, today)
        except ToolError:
            continue
        out: dict[str, str] = {}
        if rng.start:
            out["date_from"] = rng.start.isoformat()
        if rng.end and not m.group(0).lower().startswith("since"):
            out["date_to"] = rng.end.isoformat()
        elif m.group(0).lower().startswith("since"):
            out["date_to"] = today.isoformat()
        return out
    return {}


def _word(low: str, pattern: str) -> bool:
    return _pattern(pattern).search(low) is not None


@lru_cache(maxsize=2048)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b")


def po_state(low: str) -> str | None:
    for pattern, state in PO_STATES:
        if _word(low, pattern):
            return state
    return None


def build(intent: str, raw: str, ents: dict[str, Any], lex: Lexicon, today: date,
          category: str | None = None) -> tuple[str, dict[str, Any]] | tuple[None, str]:
    """(tool, slots) for a routed intent, or (None, the slot to ask for)."""
    low = norm(raw)
    wh, sup, prod = ents.get("warehouse"), ents.get("supplier"), ents.get("product")
    ref = ents.get("reference") or ents.get("receipt") or ents.get("bill")
    if intent == "find_purchase_orders":
        slots: dict[str, Any] = {"state": po_state(low) or ents.get("state"), "supplier": sup, "product": prod,
                                 "warehouse": wh}
        if _word(low, "late|overdue|delayed|behind|past due"):
            slots["late"] = True
            slots["state"] = slots["state"] if slots["state"] not in ("open",) else None
        if _word(low, "not acknowledged|unacknowledged|no acknowledg\\w*|not confirmed by (?:the )?vendor"):
            slots["unacknowledged"] = True
        if _word(low, "biggest|largest|most expensive|highest value|top|largest value"):
            slots["sort"] = "amount"
        if _word(low, "biggest|largest|most expensive|highest value") and not _word(low, "pos|orders|rfqs"):
            slots["limit"] = 1
        per = period(raw, today)
        if per:
            slots.update(per)
            if _word(low, "expected|arriving|due|delivery"):
                slots["date_field"] = "expected"
            elif _word(low, "confirmed|approved"):
                slots["date_field"] = "approve"
        return "find_purchase_orders", slots
    if intent == "product_vendors":
        if not prod:
            return None, "product"
        slots = {"product": prod, "supplier": sup}
        if _word(low, "cheapest|cheaper|lowest price|best price|price"):
            slots["sort"] = "price"
        elif _word(low, "fastest|quickest|shortest lead|lead time|soonest"):
            slots["sort"] = "lead_time"
        return "product_vendors", slots
    if intent == "receipts_done":
        slots = {"warehouse": wh, "supplier": sup, "product": prod, "reference": ref, **period(raw, today)}
        for pattern, grouping in (("per day|by day|daily|each day", "day"), ("per week|by week|weekly", "week"),
                               ("per vendor|by vendor|per supplier|by supplier", "vendor"),
                               ("per warehouse|by warehouse|per site|by site", "warehouse"),
                               ("per product|by product|per item|by item", "product")):
            if _word(low, pattern):
                slots["group_by"] = grouping
                break
        return "receipts_done", slots
    if intent == "vendor_bills":
        status = None
        if _word(low, "overdue|past due|late"):
            status = "overdue"
        elif _word(low, "unpaid|not (?:yet )?(?:been )?paid|haven t been paid|hasn t been paid|still to pay|to be paid"):
            status = "open"
        elif _word(low, "paid") and not _word(low, "unpaid|not paid"):
            status = "any" if ref else "paid"
        elif _word(low, "due"):
            status = "due"
        elif _word(low, "unpaid|not (?:yet )?paid|haven t been paid|open|outstanding|owe|owing|balance|pending"):
            status = "open"
        elif _word(low, "draft"):
            status = "draft"
        elif ref:
            status = "any"
        return "vendor_bills", {"status": status, "supplier": sup, "reference": ref, **period(raw, today)}
    if intent == "spend_analysis":
        group: str | None = None
        for pattern, g in (("by category|per category|categories|category", "category"),
                           ("by warehouse|per warehouse|by site|per site|sites|warehouses", "warehouse"),
                           ("by product|per product|per item|by item|products|items", "product"),
                           ("by month|per month|monthly|month by month", "month"),
                           ("by vendor|per vendor|vendors|suppliers|by supplier|who do we (?:spend|buy) (?:the )?most|"
                            "(?:spend|spent|buy|bought) (?:the )?most (?:with|from)|which (?:vendor|supplier) do we "
                            "(?:spend|buy)", "vendor")):
            if _word(low, pattern):
                group = g
                break
        slots = {"group_by": group, "supplier": sup, "category": category, "warehouse": wh, "product": prod,
                 **period(raw, today)}
        if _word(low, "vs|versus|compared? (?:to|with)|than last|previous|prior|period over period|"
                      "year over year|yoy|mom"):
            slots["compare_previous"] = True
        if m := re.search(r"\btop\s+(\d{1,2})\b", low):
            slots["top"] = int(m.group(1))
        if prod and _word(low, "different prices?|prices?|compare (?:the )?prices?|price (?:difference|spread)|"
                               "pay(?:ing)? different|pay(?:ing)? the same|same price|unit price|unit cost|costs?|"
                               "variance|cost comparison|pay(?:ing|s)? (?:more|less|extra)|more expensive|"
                               "cheaper|over ?pay(?:ing|s)?|charged (?:more|less)"):
            slots["compare_prices"] = True
        if (slots.get("compare_prices") or group == "warehouse") and _word(
                low, "other sites|other warehouses|other locations|everywhere|all sites|each site|every site|across|"
                     "the others|rest of|elsewhere|other dcs|other hubs"):
            slots["warehouse"] = None  # a site named as one side of the comparison, not a filter
        if slots.get("compare_prices") and len(lex.warehouses_in(raw)) >= 2:
            slots["warehouse"] = None  # "do WH and EIN pay different prices": both sides, never the first only
        return "spend_analysis", slots
    return None, "unknown"


def stock_gap_note(data: dict[str, Any]) -> str | None:
    """'back up to max': max minus on hand per warehouse row, computed from the tool's own figures."""
    rows = [r for r in data.get("warehouses") or data.get("rows") or [] if isinstance(r, dict)]
    parts = []
    for r in rows:
        mx, on_hand = r.get("reorder_max"), r.get("on_hand")
        if isinstance(mx, int | float) and isinstance(on_hand, int | float):
            need = max(0.0, float(mx) - float(on_hand))
            where = f" at {r.get('wh')}" if r.get("wh") else ""
            line = f"To get back up to max{where}: {_n(mx)} − {_n(on_hand)} on hand = {_n(need)}."
            if isinstance(r.get("odoo_to_order"), int | float):  # Odoo's own answer (forecast, open RFQs, multiples)
                line = (f"Odoo's reorder rule{where} says to order {_n(r['odoo_to_order'])}. "
                        f"(Max {_n(mx)} − {_n(on_hand)} on hand = {_n(need)}.)")
            elif r.get("reorder_min") is not None and not r.get("below_min"):
                line += " Odoo's reorder rule does not ask for more right now (not below its minimum)."
            fc = r.get("forecast")
            if isinstance(fc, int | float) and fc != on_hand:
                line += (f" Counting what is already incoming and outgoing (forecast {_n(fc)}), "
                         f"{_n(max(0.0, float(mx) - float(fc)))}.")
            parts.append(line)
    return " ".join(parts) or None


def _n(x: float) -> str:
    return f"{float(x):,.2f}".rstrip("0").rstrip(".")
