"""Compose the offline planner's answers from tool results only (never from its own knowledge).

Why so strict: the planner has no model of the world; every number, date and reference it shows
must come from a ToolResult of this turn, and every answer says plainly it came from rules.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.agent import user_facing
from assistant.figures import Formatter, column_label, formatter_for, title_label, zoned
from assistant.people_text import tool_label
from assistant.planner.builders import stock_gap_note
from assistant.planner.intents import PROPOSAL_TOOLS, Plan
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
    "supplier_communications": "Supplier messages (Odoo and the mailbox), quoted as received:",
    "summarize_supplier": "",
    "replenishment_risk": "Replenishment risk from Odoo:",
    "three_way_match_exceptions": "Three-way match exceptions from Odoo:",
    "search_documents": "From our documents:",
    "supplier_risk": "Supplier risk ranking computed from Odoo (highest risk first):",
    "purchase_anomalies": "Unusual purchases found in Odoo, each with the reason:",
    "lead_time_forecast": "Lead time predicted from past receipts in Odoo:",
    "demand_forecast": "Demand forecast from past deliveries in Odoo:",
    "supply_options": "Ways to cover the shortage, from Odoo stock, pricelists and receipt history:",
    "kpi_report": "",  # the tool's own first line says what and for whom (one intro, not two)
    "create_rfq": "I drafted an RFQ proposal. Nothing changes in Odoo until it is approved:",
    "confirm_purchase_order": "I proposed confirming the purchase order. Nothing changes in Odoo until it is "
                              "approved:",
    "approve_purchase_order": "I proposed approving the purchase order in Odoo. Nothing changes in Odoo until it "
                              "is approved:",
    "cancel_purchase_order": "I proposed cancelling the purchase order. Nothing changes in Odoo until it is "
                             "approved:",
    "remind_supplier": "I proposed a reminder. Nothing is written or sent until it is approved:",
    "reschedule_receipt": "I proposed rescheduling the receipt. Nothing changes in Odoo until it is approved:",
    "order_suggestions": "I drafted RFQ proposals from the replenishment suggestions, one per vendor. Nothing "
                         "changes in Odoo until each is approved:",
    "request_purchase": "I raised a purchase request for the buyers. Nothing is written to Odoo until a buyer turns "
                        "it into an RFQ:",
    "requests_to_rfqs": "I turned the requests into RFQ proposals. Nothing changes in Odoo until each is approved:",
    "purchase_requests": "Purchase requests:",
    "transfer_stock": "I proposed a transfer between warehouses. Nothing changes in Odoo until it is approved:",
    "vendor_confirmations": "Orders the vendor has not acknowledged yet, from Odoo (oldest first):",
    "remind_unconfirmed": "I proposed one reminder per order. Nothing is written or sent until they are approved:",
}


@lru_cache(maxsize=1)
def _refusals() -> dict[str, str]:
    return dict(yaml.safe_load((PROMPTS / "refusals.yaml").read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def help_text() -> str:
    return (PROMPTS / "help.md").read_text(encoding="utf-8").strip()


def bare_help() -> str:
    """The help text when no Odoo names are at hand: examples needing one are left out, never shown as
    '{product}' or an empty placeholder."""
    import re

    from assistant.planner.route import fill_examples

    text = help_text()
    return fill_examples(text, dict.fromkeys(re.findall(r"\{(\w+)\}", text)))


def direct_reply(plan: Plan) -> str:
    """Answers that need no tool: help, refusals, questions back."""
    if plan.intent == "help":
        body = plan.reply if plan.reply and plan.reply != "help" else bare_help()
    elif plan.intent == "refuse":
        body = _refusals()[plan.reply or "forbidden"]
    elif plan.intent == "bad_quantity":
        body = plan.reply or "A quantity must be a positive number."
    elif plan.intent == "not_allowed":
        body = _refusals()["not_allowed"].format(tool=plan.reply or "that tool")
    elif plan.intent == "thanks":
        body = plan.reply or "You're welcome."
    elif plan.intent == "unknown":
        body = plan.reply if plan.reply and plan.reply != "unknown" else _refusals()["unknown"] + "\n\n" + bare_help()
    else:
        body = plan.reply or _refusals()["unknown"]
    return f"{body}\n\n{FOOTER}"


# sentences tools write for the model (how to treat their data); the user never needs them
_MODEL_ONLY = re.compile(r"[^.]*\b(?:untrusted|not instructions|citation_id|never follow|treat (?:them|it) as data)"
                         r"\b[^.]*\.\s*", re.I)


def for_people(text: str) -> str:
    """A tool's summary line without the instructions it carries for a language model."""
    text = re.sub(r"\s*\((?:quoted, )?untrusted\)", "", text)
    return _MODEL_ONLY.sub("", text).strip()


# a range with one open end reads as "up to"/"from", never with an ellipsis for the missing date
_OPEN_START = re.compile(r"…\s+to\s+(?=\S)")
_OPEN_END = re.compile(r"(\S+)\s+to\s+…")
_ZERO_PLUS_DAYS = re.compile(r"\s+for 0\+ days\b")
_REPEATED_LABEL = re.compile(r"(?<![\w.-])([\w./-]+): \1:\s")
_CAVEAT = re.compile(r"\bnothing (?:is written|changes|is sent|is posted)\b", re.I)
_NOT_FOUND_WORD = re.compile(r"^No \w+ matches '([a-z]+)'\.?$")
_ORPHAN = re.compile(r"^\*\*[^*\n]+\*\*$")


def tidy(text: str, tz: str | None = None) -> str:
    """A tool's sentence as people read it: open-ended ranges in words, no "for 0+ days", a label said once,
    times in the reader's zone with the zone named."""
    text = _OPEN_START.sub("up to ", text)
    text = _OPEN_END.sub(r"from \1", text)
    text = _ZERO_PLUS_DAYS.sub("", text)
    text = _REPEATED_LABEL.sub(r"\1: ", text)
    return zoned(text, tz) if tz else text


def _intro_for(intro: str, text: str) -> str:
    """The intro without its "nothing changes until approved" sentence when the tool's own text says it."""
    if not intro or not _CAVEAT.search(text):
        return intro
    sentences = re.split(r"(?<=\.)\s+", intro)
    kept = [x for x in sentences if not _CAVEAT.search(x)]
    if not kept or len(kept) == len(sentences):
        return intro
    return " ".join(kept)


_SUBJECT_KEYS = ("vendor", "supplier", "partner", "product", "warehouse", "po", "reference")
_PERIOD_KEYS = ("months", "since", "period", "start", "end", "date_from", "date_to", "weeks", "days")


def _subject(name: str, result: ToolResult) -> tuple[object, ...] | None:
    """What a read answered about (tool and its vendor/product/warehouse), to drop an earlier twin."""
    data = result.data or {}
    keys = tuple(repr(data.get(k)) for k in _SUBJECT_KEYS)
    if name in PROPOSAL_TOOLS or all(k == "None" for k in keys):
        return None
    return (name, *keys)


def _superseded(results: list[tuple[str, ToolResult | None, str]]) -> set[int]:
    """Indexes of reads repeated later in the turn on the same subject for another period (the question's own
    "last 6 months" after the default 12): the later one is the answer, the earlier is not printed."""
    last: dict[tuple[object, ...], int] = {}
    drop: set[int] = set()
    for i, (name, result, _content) in enumerate(results):
        if result is None or not result.ok:
            continue
        key = _subject(name, result)
        if key is None:
            continue
        if key in last:
            before = results[last[key]][1]
            period = [(before.data or {}).get(k) if before else None for k in _PERIOD_KEYS]
            if period != [(result.data or {}).get(k) for k in _PERIOD_KEYS]:
                drop.add(last[key])
        last[key] = i
    return drop


def _stray_miss(result: ToolResult, answered: bool) -> bool:
    """A lookup of one plain word that found nothing, in a turn that otherwise answered ("how much total")."""
    if not answered or (result.data or {}).get("code") != "not_found":
        return False
    return bool(_NOT_FOUND_WORD.match((result.error or "").strip()))


def _no_orphans(text: str) -> str:
    """A bold heading is printed only with content under it."""
    lines = text.split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        if _ORPHAN.match(line.strip()):
            rest = next((x for x in lines[i + 1:] if x.strip()), "")
            if not rest or _ORPHAN.match(rest.strip()) or rest.startswith(FOOTER):
                continue
        out.append(line)
    return "\n".join(out)


def compose(plan: Plan, results: list[tuple[str, ToolResult | None, str]], more: list[Plan] | None = None) -> str:
    parts: list[str] = [p.note for p in (plan, *(more or [])) if p.note]
    cites: dict[str, str] = {}
    try:
        tz: str | None = _fmt().tz
    except Exception:  # noqa: BLE001 - no connected Odoo: times stay as the tool wrote them
        tz = None
    drop = _superseded(results)
    answered = any(r is not None and r.ok for _n, r, _c in results)
    for index, (name, result, content) in enumerate(results):
        if index in drop:
            continue
        if result is None:  # guard and budget notes come back as plain text written for a model
            parts.append(user_facing(content))
            continue
        if not result.ok:
            if not _stray_miss(result, answered):
                parts.append(_failure(name, result))
            continue
        intro = INTROS.get(name, f"{tool_label(name)} from Odoo:")  # never a tool name (people read it)
        if name == "supplier_risk" and (result.data or {}).get("order") == "most_reliable":
            intro = "Vendor reliability computed from Odoo (most reliable first):"
        if name == "three_way_match_exceptions" and (result.data or {}).get("verdict"):
            intro = ""  # the answer itself comes first: yes or no, then why
        if (result.data or {}).get("duplicate") is True and name in PROPOSAL_TOOLS:
            intro = "Nothing new was proposed: the same action on this record is already waiting for approval."
        if (result.data or {}).get("needs_confirmation") is True and name in PROPOSAL_TOOLS:
            intro = ""  # parked for the person's own confirmation: the note says so (never "until approved" too)
        text = tidy(for_people(result.text), tz) or "(no rows)"
        intro = _intro_for(intro, text)
        if name == "remind_supplier":
            text += "\n" + _reminder_effect(result)
        detail = "" if name in NO_ROWS else render_data(name, result.data or {})
        part = (f"{intro}\n" if intro else "") + text + (f"\n\n{detail}" if detail else "")
        if part in parts:  # the same answer twice (a question asked twice in one message) is printed once
            continue
        parts.append(part)
        if plan.post == "stock_gap" and name == "stock_levels" and (gap := stock_gap_note(result.data or {})):
            parts.append(gap)
        if unseen := [pid for pid in result.proposal_ids if pid not in text and pid not in detail]:
            parts.append("Proposal: " + ", ".join(unseen) + " (pending approval).")  # each id printed once
        for c in result.citations:
            label = c.title + (f" § {c.section}" if c.section else "") + (f", p. {c.page}" if c.page else "")
            cites.setdefault(c.id, label)
    if cites:
        parts.append("Sources:\n" + "\n".join(f"[{i}] {label}" for i, label in enumerate(cites.values(), 1)))
    parts.append(FOOTER)
    return _no_orphans("\n\n".join(parts))


def _reminder_effect(result: ToolResult) -> str:
    """What approving the reminder will do, in plain words (the vendor is emailed only with notify_vendor)."""
    blob = (result.text + " " + str(result.data or {})).lower()
    if "internal note" in blob:
        return ("Once approved it is posted on the PO as an internal note with a follow-up To-Do; the vendor is "
                "not contacted. Say \"email the supplier\" if the vendor should receive it.")
    return "Once approved it is posted on the PO and sent to the vendor, with a follow-up To-Do."


def _failure(name: str, result: ToolResult) -> str:
    msg = (result.error or "unknown error").strip()
    cands = (result.data or {}).get("candidates") or []
    if (result.data or {}).get("code") in ("ambiguous", "not_found"):  # the resolver's words are for people
        labels = [str(c.get("display_name") or c.get("name") or c) for c in cands[:8]]
        extra = "" if all(label in msg for label in labels) else f"\nDid you mean: {', '.join(labels)}?"
        return msg + extra
    if cands:
        labels = [str(c.get("display_name") or c.get("name") or c) for c in cands[:8]]
        if not any(label in msg for label in labels):
            return f"I couldn't run {name}: {msg}\nDid you mean: {', '.join(labels)}?"
    return f"I couldn't run {name}: {msg}"


# -- rendering a tool's rows (every value shown comes from the tool's data) -----------------------
MAX_ROWS = 15
SKIP_KEYS = {"untrusted", "notice", "definitions", "query", "id", "ids"}
MAX_COLS = 9


def _fmt() -> Formatter:
    """The formatter of the turn being answered (its Odoo, the person's zone, the company currency)."""
    from assistant.agent import current_context

    return formatter_for(current_context())


def _label(key: str) -> str:
    return column_label(key)


def _cell(value: object, key: str = "", fmt: Formatter | None = None) -> str | None:
    shown = (fmt or Formatter()).cell(key, value)
    return shown.replace("|", "/") if shown is not None else None


# the columns people need first, per tool (the rest follow while there is room)
PREFERRED = {"replenishment_risk": ["product", "on_hand", "forecast", "min", "suggested_qty", "cheapest",
                                    "most_reliable", "days_cover"],
             "supply_options": ["rank", "option", "source", "qty", "likely_days", "cost", "risk_score"],
             "lead_time_forecast": ["vendor", "promised_days", "likely_days", "history_mean_days",
                                    "based_on_receipts"]}


def _table(rows: list[dict[str, object]], prefer: list[str] | None = None, currency: str | None = None,
           *, tool: str = "", section: str = "", fmt: Formatter | None = None, unit: str | None = None) -> list[str]:
    """A Markdown table through the one table renderer (assistant/figures.py): business headers, money with
    its currency and two decimals, states as Odoo labels them, times in the reader's zone."""
    heads, body = (fmt or Formatter()).table(rows, tool=tool, section=section, prefer=prefer,  # type: ignore[arg-type]
                                             skip=SKIP_KEYS, currency=currency, limit=MAX_COLS, unit=unit)
    out = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for cells in body:
        out.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return out


def _heading(row: dict[str, object]) -> str | None:
    """One readable line for a quoted row: a passage's document and section, a message's date and sender."""
    if row.get("title"):
        where = f" § {row['section']}" if row.get("section") and row["section"] != row["title"] else ""
        page = f", p. {row['page']}" if row.get("page") else ""
        eff = f" (effective {row['effective']})" if row.get("effective") else ""
        return f"- **{row['title']}**{where}{page}{eff}"
    if row.get("date") and (row.get("from") or row.get("author")):
        about = f" on {row['on']}" if row.get("on") else ""
        subject = f" — {row['subject']}" if row.get("subject") else ""
        return f"- {row['date']}, {_cell(row.get('from') or row.get('author'), 'from')}{about}{subject}"
    return None


def _row(row: dict[str, object], *, quote: str | None = None, limit: int = 240, fmt: Formatter | None = None,
         tool: str = "", section: str = "") -> str:
    heading = _heading(row) if quote else None
    if heading is not None:
        text = str(row.get(quote) or "").replace("\n", " ")  # type: ignore[arg-type]
        more = "…" if len(text) > limit else ""
        return heading + (f'\n  > "{text[:limit]}{more}"' if text else "")
    cells = []
    for key, value in row.items():
        if key in SKIP_KEYS or key == quote or key in ("source", "confidence", "untrusted", "citation_id"):
            continue
        shown = (fmt or Formatter()).cell(key, value, row, tool=tool, section=section)  # type: ignore[arg-type]
        if shown is not None:
            cells.append(f"{_label(key)}: {shown}")
    line = "- " + "; ".join(cells)
    if quote and row.get(quote):
        text = str(row[quote]).replace("\n", " ")
        more = "…" if len(text) > limit else ""
        line += f'\n  > "{text[:limit]}{more}"'
    return line


def _total(data: dict[str, object], listed: int, key: str = "") -> int:
    """How many rows there are in all: the tool's own count when it lists one kind of row (it may have sent
    fewer than it counted), else the rows it sent."""
    count = data.get("count")
    if not isinstance(count, int):  # {"flags": [...25], "flag_count": 147}
        count = next((v for k, v in data.items() if key and k in (f"{key}_count", f"{key.removesuffix('s')}_count")
                      and isinstance(v, int) and not isinstance(v, bool)), None)
    lists = sum(1 for v in data.values() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v))
    if lists == 1 and isinstance(count, int) and not isinstance(count, bool) and count >= listed:
        return count
    return listed


def render_data(tool: str, data: dict[str, object], fmt: Formatter | None = None) -> str:
    """Header facts and the lists of rows in a tool's data, as Markdown tables (quoted texts as bullets)."""
    fmt = fmt or _fmt()
    lines: list[str] = []
    currency = data.get("currency") if isinstance(data.get("currency"), str) else None
    unit = str(data["uom"]) if isinstance(data.get("uom"), str) and data.get("uom") else None  # one product's unit
    quote = {"supplier_communications": "text", "search_documents": "text",
             "purchase_order_status": "text"}.get(tool)
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            rows: list[dict[str, object]] = value  # type: ignore[assignment]
            if lines:
                lines.append("")
            lines.append(f"**{title_label(tool_label(tool), key)}**")
            if quote and any(quote in r for r in rows):
                lines += [_row(r, quote=quote, fmt=fmt, tool=tool, section=key) for r in rows[:MAX_ROWS]]
            else:
                lines += _table(rows[:MAX_ROWS], PREFERRED.get(tool), currency,  # type: ignore[arg-type]
                                tool=tool, section=key, fmt=fmt, unit=unit)
            total = _total(data, len(rows), key)
            if total > min(len(rows), MAX_ROWS):  # counts that add up: what is shown of how many there are
                lines += ["", f"Showing {min(len(rows), MAX_ROWS)} of {total:,}. Name a vendor, a warehouse or a "
                             "period to narrow the list."]
        elif isinstance(value, dict):  # nested reports ({"by_warehouse": {"rows": [...], "spread_pct": 4.8}})
            for sub, part in value.items():
                inner = part.get("rows") if isinstance(part, dict) else None
                if isinstance(inner, list) and inner and all(isinstance(v, dict) for v in inner):
                    title = f"**{_label(key)} {_label(sub)[:1].lower() + _label(sub)[1:]}**"
                    lines += ["", title] if lines else [title]
                    lines += _table(inner[:MAX_ROWS], PREFERRED.get(tool), currency,  # type: ignore[arg-type]
                                    tool=tool, section=sub, fmt=fmt)
                    if isinstance(part.get("spread_pct"), int | float):
                        lines += ["", f"Spread between lowest and highest: {part['spread_pct']:.1f} %"]
    return "\n".join(lines)
