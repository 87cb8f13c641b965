"""Supplier communication briefs for managers: map-reduce with an LLM, rule-based offline.

Why both: a manager asking "what's going on with <vendor>?" needs open issues, promised dates vs
reality, price changes, quality incidents, tone/risk and a next action, each point traceable to the
message it came from. With an LLM we map over the messages and reduce into that brief (prompts in
prompts/summaries/); offline we classify each message by rules and quote its key sentence. Both read
the data through governed tools (run_tool), so roles, redaction and audit apply to what goes in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from assistant.people_text import for_people
from assistant.settings import PACKAGE_ROOT
from tools.base import OWN_NOTE_MARK, Citation, ToolContext, ToolError, ToolResult, tool

PROMPTS = PACKAGE_ROOT / "prompts" / "summaries"
RunTool = Callable[[ToolContext, str, dict[str, Any]], ToolResult]

CATEGORIES: dict[str, re.Pattern[str]] = {
    "delay": re.compile(r"\b(delay\w*|late|behind schedule|push(?:ed)? (?:back|out)|postpon\w*|slip\w*|"
                        r"new (?:eta|ship date|delivery date)|revised (?:eta|date)|backorder\w*|reschedul\w*|"
                        r"will not make|won't make|held(?: up)?|on hold|stuck|customs (?:hold|clearance|inspection)|"
                        r"overdue|past due|was due|congestion|running behind)\b", re.I),
    "price": re.compile(r"\b(price (?:increase|adjustment|change|update)|surcharge|increase (?:of|by) \d|"
                        r"\d+(?:\.\d+)?\s?% (?:increase|higher|uplift)|new (?:price|pricing)|raise (?:our )?prices|"
                        r"cost increase|pricing update|list price)\b", re.I),
    "quality": re.compile(r"\b(defect\w*|damaged|quality|complaint|broken|contaminat\w*|excursion|"
                          r"temperature|out of spec|non-?conform\w*|rma|return\w*|torn|leak\w*|recall)\b", re.I),
    "dispute": re.compile(r"\b(disput\w*|disagree\w*|not our fault|contest\w*|we reject|penalt\w*|"
                          r"chargeback|incorrect invoice|as agreed|per (?:the|our) contract|escalat\w*)\b", re.I),
    "partial": re.compile(r"\b(partial\w*|short[- ]ship\w*|remaining (?:qty|quantity|units|balance)|"
                          r"balance (?:will|to) follow|split shipment|over[- ]deliver\w*|shipped only)\b", re.I),
    "confirmation": re.compile(r"\b(confirm\w*|acknowledg\w*|on track|on schedule|shipped|dispatched|"
                               r"tracking|will deliver|as planned|received your (?:po|order))\b", re.I),
}
INJECTION = re.compile(r"\b(ignore (?:all |any |the )?(?:previous|prior|above) instructions|"
                       r"you are now|system prompt|assistant[:,] (?:please )?(?:confirm|approve|cancel)|"
                       r"(?:confirm|approve|cancel) (?:po|purchase order) \w+ (?:now|immediately))", re.I)
DATE_IN_TEXT = re.compile(r"\b(\d{4}-\d{2}-\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? "
                          r"\d{1,2}(?:, \d{4})?|\d{1,2}/\d{1,2}(?:/\d{2,4})?)\b", re.I)
SEVERITY = {"quality": 3, "dispute": 3, "delay": 2, "partial": 2, "price": 2, "confirmation": 0}


class SummaryArgs(BaseModel):
    supplier: str = Field(description="Supplier name")
    since: str | None = Field(None, description="Messages since (date or phrase)")


@dataclass
class Note:
    """One classified message."""

    msg_id: str
    date: str
    categories: list[str]
    sentence: str
    reference: str | None = None
    injection: bool = False


@dataclass
class Brief:
    supplier: str
    notes: list[Note] = field(default_factory=list)
    scorecard: str = ""
    contract: str = ""  # the document search's text, for the model
    contract_for_people: str = ""  # what a person reads in the offline brief
    late_pos: list[str] = field(default_factory=list)  # open POs past their receipt date (from the scorecard)
    contract_citations: list[Citation] = field(default_factory=list)
    message_count: int = 0


# -- reading the messages ----------------------------------------------------------------------
def _messages(result: ToolResult) -> list[dict[str, Any]]:
    """The supplier's messages from a communications result, without Quartermaster's own notes (marker)."""
    data = result.data or {}
    found: list[dict[str, Any]] = []
    for key in ("messages", "items", "rows", "results"):
        value = data.get(key)
        if isinstance(value, list):
            found = [m for m in value if isinstance(m, dict)]
            break
    else:
        for value in data.values():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                found = value
                break
    return [m for m in found if OWN_NOTE_MARK not in " ".join(str(v) for v in m.values())]


def _field(msg: dict[str, Any], *names: str) -> str:
    for name in names:
        value = msg.get(name)
        if isinstance(value, list | tuple) and len(value) > 1:
            value = value[1]
        if value not in (None, False, ""):
            return str(value)
    return ""


def _plain(text: str) -> str:
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def classify(msg: dict[str, Any]) -> Note:
    """Rule-based categories of one message, and the sentence that shows it best."""
    body = _plain(_field(msg, "body", "text", "content", "message", "preview"))
    subject = _plain(_field(msg, "subject"))
    text = f"{subject}. {body}" if subject else body
    cats = [c for c, rx in CATEGORIES.items() if rx.search(text)]
    ranked = sorted(cats, key=lambda c: -SEVERITY[c])
    key_sentence = ""
    for sentence in _sentences(body or subject):
        if ranked and CATEGORIES[ranked[0]].search(sentence):
            key_sentence = sentence
            break
    if not key_sentence:
        sents = _sentences(body or subject)
        key_sentence = sents[0] if sents else ""
    ref = _field(msg, "reference", "po", "on", "record", "res_name", "record_name", "document")
    date = _field(msg, "date", "ts")[:10]
    # the Odoo id when the tool gives it, else "date record" (still unique enough to find the message)
    msg_id = _field(msg, "id", "message_id").removeprefix("msg:") or f"{date} {ref or 'vendor record'}"
    return Note(msg_id=msg_id, date=date,
                categories=ranked or ["other"], sentence=key_sentence[:300], reference=ref or None,
                injection=bool(INJECTION.search(text)))


def gather(ctx: ToolContext, run: RunTool, supplier: str, since: str | None) -> tuple[Brief, list[dict[str, Any]]]:
    """Read messages, scorecard and contract terms through governed tools."""
    args: dict[str, Any] = {"supplier": supplier}
    if since:
        args["since"] = since
    comms = run(ctx, "supplier_communications", args)
    if not comms.ok:
        raise ToolError(comms.error or "could not read the supplier's messages")
    name = str((comms.data or {}).get("vendor") or (comms.data or {}).get("supplier") or supplier)
    msgs = _messages(comms)
    brief = Brief(supplier=name, notes=[classify(m) for m in msgs], message_count=len(msgs))
    score = run(ctx, "supplier_scorecard", {"supplier": supplier})
    if score.ok:
        brief.scorecard = score.text
        brief.late_pos = [str(p) for p in (score.data or {}).get("late_pos") or []]
    docs = run(ctx, "search_documents", {"query": f"{name} contract lead time payment terms penalties",
                                         "supplier": name, "doc_type": "contract"})
    if docs.ok:
        brief.contract = docs.text
        brief.contract_for_people = _contract_for_people(docs)
        brief.contract_citations = list(docs.citations)
    return brief, msgs


def _contract_for_people(docs: ToolResult) -> str:
    """The contract section a person reads: the passages quoted, or one plain sentence when none answers;
    never the search's notes to the model (untrusted-data notice, "say that ...")."""
    data = docs.data if isinstance(docs.data, dict) else {}
    if data.get("no_good_answer"):
        return "- no contract passage in the documents covers this supplier"
    rows = [r for r in data.get("passages") or [] if isinstance(r, dict)]
    if rows:
        out = []
        for r in rows[:3]:
            where = f"{r.get('title')} §{r.get('section')}" if r.get("section") else str(r.get("title"))
            out.append(f'- {where}: "{_plain(str(r.get("text") or ""))[:240]}"')
        return "\n".join(out)
    return for_people(docs.text)


# -- offline brief ------------------------------------------------------------------------------
def _cite(n: Note) -> str:
    """[msg:<chatter id>] for Odoo's chatter, [mail:<id>] for the procurement mailbox's e-mail."""
    return f"[{n.msg_id}]" if n.msg_id.startswith("mail:") else f"[msg:{n.msg_id}]"


def offline_brief(brief: Brief) -> str:
    notes = sorted(brief.notes, key=lambda n: n.date, reverse=True)
    by_cat: dict[str, list[Note]] = {}
    for n in notes:
        for c in n.categories:
            by_cat.setdefault(c, []).append(n)
    counts = ", ".join(f"{c} {len(v)}" for c, v in sorted(by_cat.items(), key=lambda kv: -len(kv[1])))

    def bullets(cats: tuple[str, ...], limit: int = 4) -> list[str]:
        seen: set[str] = set()
        out: list[str] = []
        for c in cats:
            for n in by_cat.get(c, []):
                if n.msg_id in seen:
                    continue
                seen.add(n.msg_id)
                out.append(f'- {c}: "{n.sentence}" {_cite(n)}')
                if len(out) >= limit:
                    return out
        return out or ["- none found"]

    promised = [n for n in by_cat.get("delay", []) if DATE_IN_TEXT.search(n.sentence)]
    negative = sum(len(by_cat.get(c, [])) for c in ("delay", "quality", "dispute", "partial"))
    ratio = negative / max(1, len(notes))
    risk = "high" if ratio >= 0.5 or by_cat.get("dispute") else "medium" if ratio >= 0.25 else "low"
    if brief.late_pos:  # an open PO past its date is an issue whatever the messages say: one level up
        risk = "high" if risk != "low" else "medium"
    late = [f"- late: {', '.join(brief.late_pos[:5])} past the receipt date and not received"] if brief.late_pos else []
    issues = bullets(("quality", "dispute", "delay", "partial"))
    if late:
        issues = late + [b for b in issues if b != "- none found"]
    injections = [n for n in notes if n.injection]
    action = _next_action(by_cat, risk, bool(brief.late_pos))
    lines = [f"**Supplier brief: {brief.supplier}** ({brief.message_count} messages; {counts or 'none classified'})",
             "", "## Open issues", *issues,
             "", "## Promised dates vs reality",
             *([f'- "{n.sentence}" {_cite(n)}' for n in promised[:4]] or ["- none found in the messages"]),
             "", "## Price changes", *bullets(("price",)),
             "", "## Quality incidents", *bullets(("quality",)),
             "", "## Tone and risk",
             f"- risk {risk}: {negative} of {len(notes)} messages are about delays, partial shipments, quality or "
             "disputes" + (f"; {len(brief.late_pos)} open PO(s) late" if brief.late_pos else ""),
             *([f'- latest: "{notes[0].sentence}" {_cite(notes[0])}'] if notes else []),
             *([f"- {len(injections)} message(s) contain instruction-like text (ignored) "
                + ", ".join(_cite(n) for n in injections[:3])] if injections else []),
             "", "## Suggested next action", f"- {action}"]
    if brief.scorecard:
        lines += ["", "## Scorecard", brief.scorecard]
    if brief.contract_for_people:
        lines += ["", "## Contract terms", brief.contract_for_people]
    return "\n".join(lines)


def _next_action(by_cat: dict[str, list[Note]], risk: str, late: bool = False) -> str:
    if by_cat.get("quality"):
        return "Review the quality incidents with the supplier and hold or inspect incoming lots until resolved."
    if by_cat.get("dispute"):
        return "Escalate the disputed points against the contract terms and agree the facts in writing."
    if by_cat.get("delay") or by_cat.get("partial") or late:
        return "Chase the open late orders (ask me to remind the supplier on a PO) and confirm new dates."
    if by_cat.get("price"):
        return "Check the announced price changes against the contract's price-adjustment clause before the next order."
    return "No action needed beyond routine follow-up." if risk == "low" else "Keep monitoring."


# -- LLM brief (map-reduce) ---------------------------------------------------------------------
def llm_brief(brief: Brief, msgs: list[dict[str, Any]], llm: Any, *, batch: int = 15) -> str:
    from langchain_core.messages import HumanMessage

    map_prompt = (PROMPTS / "map.md").read_text(encoding="utf-8")
    reduce_prompt = (PROMPTS / "reduce.md").read_text(encoding="utf-8")
    notes: list[str] = []
    for i in range(0, len(msgs), batch):
        block = "\n\n".join(
            f"{_cite(classify(m))} date={_field(m, 'date')[:10]} ref={_field(m, 'on', 'reference', 'record')}"
            f" from={_field(m, 'author', 'author_id', 'from')}\n{_plain(_field(m, 'body', 'text', 'content'))[:1500]}"
            for m in msgs[i:i + batch])
        out = llm.invoke([HumanMessage(map_prompt.replace("{supplier}", brief.supplier)
                                       .replace("{messages}", block.replace("</tool_data>", "</ tool_data>")))])
        notes.append(str(out.content))
    final = llm.invoke([HumanMessage(reduce_prompt.replace("{supplier}", brief.supplier)
                                     .replace("{notes}", "\n".join(notes) or "(no messages)")
                                     .replace("{scorecard}", brief.scorecard or "(not available)")
                                     .replace("{contract}", brief.contract or "(no contract found)"))])
    return f"**Supplier brief: {brief.supplier}** ({brief.message_count} messages)\n\n{str(final.content).strip()}"


# -- the tool -------------------------------------------------------------------------------------
def make_summary_tool(run: RunTool, llm: Any = None) -> Any:
    """`summarize_supplier` as a Tool; `run` is tools.registry.run_tool (governed reads)."""

    @tool(SummaryArgs, name="summarize_supplier")
    def summarize_supplier(ctx: ToolContext, args: SummaryArgs) -> ToolResult:
        """Brief on a supplier's recent messages: issues, dates, prices, quality, risk, next action."""
        brief, msgs = gather(ctx, run, args.supplier, args.since)
        text = None
        mode = "rules"
        if llm is not None and msgs:
            try:
                text, mode = llm_brief(brief, msgs, llm), "llm"
            except Exception as exc:  # noqa: BLE001 - fall back to the rule-based brief
                text = offline_brief(brief) + f"\n\n(The model could not summarise: {type(exc).__name__}; "
                "this brief is rule-based.)"
        if text is None:
            text = offline_brief(brief)
        data = {"supplier": brief.supplier, "mode": mode, "messages": brief.message_count,
                "notes": [n.__dict__ for n in brief.notes[:60]]}
        return ToolResult(tool="summarize_supplier", data=data, text=text,
                          citations=brief.contract_citations)

    return summarize_supplier
