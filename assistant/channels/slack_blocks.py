"""Block Kit builders for the Slack channel: answers, approval cards, the reject modal.

Pure functions over plain data (no Slack client, no runtime) so they are cheap to test and
reuse from the App Home tab. Slack limits honoured here: section text <= 3,000 characters,
context blocks <= 10 elements, header text <= 150 characters, <= 50 blocks per message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

APPROVE_ACTION = "qm_approve"
REJECT_ACTION = "qm_reject"
CONFIRM_ACTION = "qm_confirm"  # the requester confirms a proposal the assistant suggested from untrusted content
BATCH_ACTION = "qm_batch"  # approve / reject every listed proposal (value "approve|P-1,P-2")
REJECT_MODAL = "qm_reject_modal"
COMMENT_BLOCK = "qm_comment"
COMMENT_INPUT = "comment"
SECTION_LIMIT = 2900  # a little under Slack's 3,000 so escaping never pushes us over
MAX_MESSAGE_BLOCKS = 50

WORKING_TEXT = ":hourglass_flowing_sand: Working on it…"

KIND_LABELS = {
    "create_rfq": "New request for quotation",
    "confirm_purchase_order": "Confirm purchase order",
    "cancel_purchase_order": "Cancel purchase order",
    "remind_supplier": "Remind supplier",
    "reschedule_receipt": "Reschedule receipt",
}

STATE_BADGES = {
    "pending": ":large_yellow_circle: pending",
    "approved": ":white_check_mark: approved",
    "executed": ":white_check_mark: executed",
    "rejected": ":x: rejected",
    "failed": ":warning: failed",
    "expired": ":hourglass: expired",
    "stale": ":warning: stale",
    "executing": ":gear: executing",
    "cancelled": ":heavy_minus_sign: cancelled",
}


# --------------------------------------------------------------------------------------------
# Markdown (what the brains write) -> Slack mrkdwn
# --------------------------------------------------------------------------------------------

def escape(text: str) -> str:
    """Slack's three control characters; everything else is literal."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+")


def _table_to_code(lines: list[str]) -> list[str]:
    """A markdown table becomes an aligned monospace block (Slack has no tables)."""
    rows: list[list[str]] = []
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
            continue
        rows.append([c.replace("**", "") for c in cells])
    if not rows:
        return []
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    sizes = [max(len(r[i]) for r in rows) for i in range(width)]
    out = ["```"]
    for r in rows:
        out.append("  ".join(c.ljust(sizes[i]) for i, c in enumerate(r)).rstrip())
    out.append("```")
    return out


def markdown_to_mrkdwn(text: str) -> str:
    """Convert the common markdown the brains emit (bold, links, headings, bullets, tables)."""
    lines = escape(text or "").splitlines()
    out: list[str] = []
    i = 0
    in_code = False
    while i < len(lines):
        line = lines[i]
        if line.strip().startswith("```"):
            in_code = not in_code
            out.append("```")
            i += 1
            continue
        if in_code:
            out.append(line)
            i += 1
            continue
        if line.lstrip().startswith("|"):
            block = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                block.append(lines[i])
                i += 1
            out.extend(_table_to_code(block))
            continue
        heading = _HEADING.match(line)
        if heading:
            line = f"**{heading.group(1).strip()}**"
        line = _BULLET.sub(lambda m: f"{m.group(1)}• ", line)
        line = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", line)
        bolds: list[str] = []

        def _hold(m: re.Match[str], bolds: list[str] = bolds) -> str:
            bolds.append(m.group(1))
            return f"\x00{len(bolds) - 1}\x00"

        line = _BOLD.sub(_hold, line)
        line = _ITALIC.sub(lambda m: f"_{m.group(1)}_", line)

        def _bold(m: re.Match[str], held: list[str] = bolds) -> str:
            return f"*{held[int(m.group(1))]}*"

        line = re.sub(r"\x00(\d+)\x00", _bold, line)
        out.append(line)
        i += 1
    return "\n".join(out)


def split_sections(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Cut long text on line boundaries into pieces a section block accepts; code fences stay balanced."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    in_code = False
    for raw in text.splitlines() or [""]:
        for line in [raw[j:j + limit] for j in range(0, max(len(raw), 1), limit)]:
            if size + len(line) + 1 > limit - 4 and current:
                if in_code:
                    current.append("```")
                pieces.append("\n".join(current))
                current, size = (["```"], 4) if in_code else ([], 0)
            current.append(line)
            size += len(line) + 1
            if line.strip().startswith("```"):
                in_code = not in_code
    if current:
        pieces.append("\n".join(current))
    return [p for p in pieces if p.strip()] or [" "]


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000] or " "}}


def context(*texts: str) -> dict[str, Any]:
    return {"type": "context",
            "elements": [{"type": "mrkdwn", "text": t[:2000]} for t in texts if t][:10]}


def plain(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": (text or " ")[:limit], "emoji": True}


# --------------------------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------------------------

def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def citation_text(citation: Any) -> str:
    """One citation as mrkdwn: a link when the source is a URL, else title § section (p. n)."""
    title = escape(str(_get(citation, "title") or _get(citation, "id") or "source"))
    sect = _get(citation, "section")
    page = _get(citation, "page")
    label = title + (f" § {escape(str(sect))}" if sect else "") + (f" (p. {page})" if page else "")
    source = str(_get(citation, "source") or "")
    if source.startswith(("http://", "https://")):
        return f"<{source}|{label}>"
    return label


def answer_blocks(answer: str, *, citations: Sequence[Any] = (), proposals: Sequence[Any] = (),
                  footer: str = "", policy: Any = None, role: str | None = None) -> list[dict[str, Any]]:
    """The reply that replaces the "working…" message, in words for people (no tool names, no model framing)."""
    from assistant.people_text import for_people

    blocks = [section(piece) for piece in split_sections(markdown_to_mrkdwn(for_people(answer, policy, role)))]
    if proposals:
        ids = ", ".join(f"`{escape(str(_get(p, 'id', p)))}`" for p in proposals)
        blocks.append(section(f":inbox_tray: Proposal {ids} is waiting for approval. "
                              "I'll tell you in this thread once it is decided."))
    if citations:
        seen: list[str] = []
        for c in citations:
            t = citation_text(c)
            if t not in seen:
                seen.append(t)
        blocks.append(context(":books: *Sources:* " + " · ".join(seen[:15])))
    if footer:
        blocks.append(context(footer))
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        blocks = blocks[:MAX_MESSAGE_BLOCKS - 1] + [context("_(answer truncated for Slack)_")]
    return blocks


def fallback_text(answer: str, limit: int = 3000) -> str:
    """The notification / screen-reader text of a message (plain, bounded)."""
    from assistant.people_text import for_people

    text = for_people(answer or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------------------------
# Proposals
# --------------------------------------------------------------------------------------------

@dataclass
class ProposalCard:
    """What an approval card shows, read tolerantly from whatever the ProposalService returns."""

    id: str
    kind: str
    summary: str
    state: str
    amount: float | None = None
    currency: str = "USD"
    requester: str = ""
    requester_name: str = ""
    rule: str = ""
    evidence: list[str] = field(default_factory=list)
    citations: list[Any] = field(default_factory=list)
    record_url: str | None = None
    record_label: str | None = None
    expires_at: str | None = None
    decided_by: str | None = None
    decided_by_label: str | None = None
    decided_by_slack: str | None = None
    decided_at: str | None = None
    comment: str | None = None
    result: str | None = None
    error: str | None = None
    #: the same facts the web card shows (assistant.channels.present.approval_facts), when known
    facts: dict[str, Any] | None = None

    @property
    def title(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind.replace("_", " ").capitalize())

    @property
    def render_key(self) -> str:
        """Changes exactly when the card would look different (used to skip duplicate updates)."""
        return json.dumps([self.state, self.decided_by, self.comment, self.result, self.error],
                          default=str)


def _fmt_when(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def _short(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _evidence_lines(evidence: Any) -> list[str]:
    if evidence is None or evidence == "":
        return []
    if isinstance(evidence, str):
        return [evidence]
    if isinstance(evidence, Mapping):
        return [f"{str(k).replace('_', ' ')}: {_short(v)}" for k, v in evidence.items()]
    if isinstance(evidence, Iterable):
        return [str(_get(e, "text", e)) if isinstance(e, Mapping) else str(e) for e in evidence]
    return [str(evidence)]


def _result_text(result: Any) -> str | None:
    if result is None or result == "" or result == {}:
        return None
    if isinstance(result, str):
        return result
    if isinstance(result, Mapping):
        for key in ("text", "message", "summary"):
            if result.get(key):
                return str(result[key])
        return ", ".join(f"{k}={v}" for k, v in result.items())[:500]
    return str(_get(result, "text", result))


def odoo_record_url(base_url: str | None, model: str | None, res_id: Any) -> str | None:
    """The form view of a record; the /web# form redirects correctly on Odoo 17 and 18."""
    if not base_url or not model or not res_id:
        return None
    return f"{base_url.rstrip('/')}/web#id={res_id}&model={model}&view_type=form"


def card_from_proposal(proposal: Any, *, odoo_url: str | None = None,
                       names: Mapping[str, str] | None = None,
                       slack_ids: Mapping[str, str] | None = None) -> ProposalCard:
    """Read a proposal object (attributes or mapping) into a ProposalCard; missing fields stay empty.

    `names` maps usernames to display names, `slack_ids` usernames to Slack member ids (for mentions).
    """
    names = names or {}
    slack_ids = slack_ids or {}
    pid = str(_get(proposal, "id"))
    state = str(_get(proposal, "state", "pending") or "pending")
    requester = _get(proposal, "requester", "") or ""
    if not isinstance(requester, str):
        requester = _get(requester, "username", str(requester))
    decided_by = _get(proposal, "decided_by") or _get(proposal, "approver")
    if decided_by is not None and not isinstance(decided_by, str):
        decided_by = _get(decided_by, "username", str(decided_by))
    rule = _get(proposal, "rule") or _get(proposal, "policy_rule") or ""
    if rule and not isinstance(rule, str):
        rule = str(_get(rule, "text") or _get(rule, "description") or rule)
    url = _get(proposal, "record_url") or _get(proposal, "odoo_url")
    model = _get(proposal, "res_model") or _get(proposal, "odoo_model")
    res_id = _get(proposal, "res_id") or _get(proposal, "odoo_id")
    ref = _get(proposal, "odoo_ref")
    if ref and not model and isinstance(ref, str) and "," in ref:  # "purchase.order,42"
        model, _, res_id = ref.partition(",")
    if not url:
        url = odoo_record_url(odoo_url, model, res_id)
    label = _get(proposal, "record_name") or (f"{model} #{res_id}" if model and res_id else None)
    amount = _get(proposal, "amount")
    return ProposalCard(
        id=pid, kind=str(_get(proposal, "kind", "proposal")),
        summary=str(_get(proposal, "summary", "") or ""), state=state,
        amount=float(amount) if isinstance(amount, int | float) else None,
        currency=str(_get(proposal, "currency", "USD") or "USD"),
        requester=requester, requester_name=names.get(requester, requester),
        rule=str(rule or ""), evidence=_evidence_lines(_get(proposal, "evidence")),
        citations=list(_get(proposal, "citations", None) or []),
        record_url=url, record_label=str(label) if label else None,
        expires_at=_fmt_when(_get(proposal, "expires_at")),
        decided_by=decided_by, decided_by_label=names.get(decided_by or "", decided_by),
        decided_by_slack=slack_ids.get(decided_by or ""), decided_at=_fmt_when(_get(proposal, "decided_at")),
        comment=_get(proposal, "comment") or _get(proposal, "decision_comment"),
        result=_result_text(_get(proposal, "result")), error=_get(proposal, "error"),
    )


def _money(amount: float | None, currency: str) -> str:
    return "—" if not amount else f"{amount:,.2f} {currency}"


def _grid(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A small aligned table in a code block (Slack has no tables)."""
    cells = [list(header), *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "```" + "\n".join(lines) + "```"


def facts_blocks(card: ProposalCard, facts: Mapping[str, Any], approvers: Sequence[str] = ()
                 ) -> list[dict[str, Any]]:
    """The approval card from the shared facts: the same content as the web card."""
    title = f"{facts.get('title') or card.title}" + (f" · {facts['amount']}" if facts.get("amount") else "")
    blocks: list[dict[str, Any]] = [{"type": "header", "text": plain(title, 150)},
                                    section(escape(str(facts.get("what") or card.summary)) or "_(no summary)_")]
    warnings = facts.get("warnings") or []
    if warnings:
        lines = "\n".join((":no_entry: *Blocked by policy:* " if w.get("severity") == "block" else ":warning: ")
                          + escape(str(w.get("text"))) for w in warnings[:8])
        blocks.append(section(f"*Check before approving*\n{lines}"[:SECTION_LIMIT]))
    if facts.get("awaiting_confirm"):
        blocks.append(context(":mag: Suggested by the assistant after reading content from outside (e-mails, "
                              "chatter or documents); it reaches approvers only when the requester confirms it."))
    fields = []
    if facts.get("record"):
        href = facts.get("record_href")
        label = escape(str(facts["record"]))
        fields.append(f"*Record*\n<{href}|{label}>" if href and str(href).startswith("http") else f"*Record*\n{label}")
    asked = escape(str(facts.get("requester") or card.requester or "—"))
    if facts.get("requested_at"):
        asked += f" · {escape(str(facts['requested_at']))}"
    fields.append(f"*Asked by*\n{asked}")
    if facts.get("reason"):
        fields.append(f"*Why*\n{escape(str(facts['reason']))}")
    if facts.get("approvers"):
        rule = f" (rule {escape(str(facts['rule']))})" if facts.get("rule") else ""
        fields.append(f"*Who may approve*\n{escape(str(facts['approvers']))}{rule}")
    if facts.get("expires"):
        fields.append(f"*Expires*\n{escape(str(facts['expires']))}")
    if facts.get("result"):
        fields.append(f"*Result*\n{escape(str(facts['result']))}")
    blocks.append({"type": "section", "fields": [{"type": "mrkdwn", "text": f[:2000]} for f in fields[:10]]})
    if facts.get("lines"):
        blocks.append(section(_grid(("Product", "Quantity", "Unit price", "Subtotal"), facts["lines"][:12])
                              [:SECTION_LIMIT]))
    if facts.get("changes"):
        blocks.append(section(_grid(("What changes", "Now", "After approval"), facts["changes"][:12])[:SECTION_LIMIT]))
    if facts.get("evidence"):
        lines = "\n".join(f"• {escape(k)}: {escape(v)}" if k else f"• {escape(v)}" for k, v in facts["evidence"][:12])
        blocks.append(section(f"*Evidence*\n{lines}"[:SECTION_LIMIT]))
    if card.citations:
        blocks.append(context(":books: " + " · ".join(citation_text(c) for c in card.citations[:10])))
    if approvers and card.state == "pending":
        blocks.append(context("Can approve: " + ", ".join(approvers)))
    blocks.append(context(f"Reference {escape(card.id)}"))
    return blocks


def proposal_body_blocks(card: ProposalCard, *, approvers: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Summary, facts, evidence and sources of a proposal (no buttons, no outcome)."""
    if card.facts:
        return facts_blocks(card, card.facts, approvers)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain(f"{card.title} · {card.id}", 150)},
        section(escape(card.summary) or "_(no summary)_"),
    ]
    fields = [
        f"*Amount*\n{_money(card.amount, card.currency)}",
        f"*Requested by*\n{escape(card.requester_name or card.requester or '—')}",
        f"*Policy rule*\n{escape(card.rule) or '—'}",
        f"*Expires*\n{escape(card.expires_at or '—')}",
    ]
    if card.record_url:
        fields.append(f"*Odoo record*\n<{card.record_url}|{escape(card.record_label or 'open in Odoo')}>")
    blocks.append({"type": "section", "fields": [{"type": "mrkdwn", "text": f[:2000]} for f in fields]})
    if card.evidence:
        lines = "\n".join(f"• {escape(e)}" for e in card.evidence[:12])
        blocks.append(section(f"*Evidence*\n{lines}"[:SECTION_LIMIT]))
    if card.citations:
        blocks.append(context(":books: " + " · ".join(citation_text(c) for c in card.citations[:10])))
    if approvers and card.state == "pending":
        blocks.append(context("Can approve: " + ", ".join(approvers)))
    return blocks


def approval_buttons(proposal_id: str, *, amount_text: str = "") -> dict[str, Any]:
    """Approve (with a confirm dialog) and Reject (opens a comment modal)."""
    return {
        "type": "actions",
        "block_id": f"qm_decide:{proposal_id}"[:255],
        "elements": [
            {"type": "button", "action_id": APPROVE_ACTION, "style": "primary", "value": proposal_id,
             "text": plain("Approve"),
             "confirm": {"title": plain("Approve this proposal?"),
                         "text": {"type": "mrkdwn",
                                  "text": f"Approving *{escape(proposal_id)}* {amount_text}executes it in Odoo."},
                         "confirm": plain("Approve"), "deny": plain("Cancel")}},
            {"type": "button", "action_id": REJECT_ACTION, "style": "danger", "value": proposal_id,
             "text": plain("Reject")},
        ],
    }


def confirm_buttons(proposal_id: str) -> dict[str, Any]:
    """The requester's buttons on a proposal the assistant suggested: Confirm (then approvers see it) or Discard."""
    return {
        "type": "actions",
        "block_id": f"qm_confirm:{proposal_id}"[:255],
        "elements": [
            {"type": "button", "action_id": CONFIRM_ACTION, "style": "primary", "value": proposal_id,
             "text": plain("Confirm — I want this")},
            {"type": "button", "action_id": REJECT_ACTION, "style": "danger", "value": proposal_id,
             "text": plain("Discard")},
        ],
    }


def suggestion_blocks(card: ProposalCard) -> list[dict[str, Any]]:
    """What the requester gets for a model-suggested proposal: the card, why it waits for them, two buttons."""
    blocks = proposal_body_blocks(card)
    blocks.append(section(":raised_hand: Nobody sees this until you confirm you want it; you cannot approve it "
                          "yourself."))
    blocks.append(confirm_buttons(card.id))
    return blocks


def batch_blocks(items: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """A list of pending proposals (id, one line) with Approve all / Reject all: each is decided on its own."""
    ids = ",".join(pid for pid, _ in items)
    lines = "\n".join(f"• `{escape(pid)}` {escape(line)}" for pid, line in items[:20])
    return [section(f"*{len(items)} proposals waiting for you*\n{lines}"[:SECTION_LIMIT]),
            context("Each is still its own decision: checked, recorded and executed on its own."),
            {"type": "actions", "block_id": "qm_batch",
             "elements": [{"type": "button", "action_id": BATCH_ACTION, "style": "primary",
                           "value": f"approve|{ids}"[:2000], "text": plain(f"Approve all {len(items)}"),
                           "confirm": {"title": plain("Approve them all?"),
                                       "text": {"type": "mrkdwn", "text": f"Approving {len(items)} proposals "
                                                                          "executes each in Odoo."},
                                       "confirm": plain("Approve all"), "deny": plain("Cancel")}},
                          {"type": "button", "action_id": BATCH_ACTION, "style": "danger",
                           "value": f"reject|{ids}"[:2000], "text": plain(f"Reject all {len(items)}")}]}]


def outcome_text(card: ProposalCard) -> str:
    """One line saying who decided and what happened in Odoo."""
    who = (f"<@{card.decided_by_slack}>" if card.decided_by_slack
           else escape(card.decided_by_label or card.decided_by or "someone"))
    when = f" at {escape(card.decided_at)}" if card.decided_at else ""
    comment = f" — “{escape(card.comment)}”" if card.comment else ""
    if card.state == "executed":
        result = f"\n:gear: Executed in Odoo: {escape(card.result)}" if card.result else "\n:gear: Executed in Odoo."
        return f":white_check_mark: *Approved* by {who}{when}{comment}{result}"
    if card.state == "approved":
        return f":white_check_mark: *Approved* by {who}{when}{comment}"
    if card.state == "failed":
        reason = escape(card.error or card.result or "unknown error")
        return f":warning: *Approved* by {who}{when}{comment}, but execution *failed*: {reason}"
    if card.state == "rejected":
        return f":x: *Rejected* by {who}{when}{comment}"
    if card.state == "expired":
        return ":hourglass: *Expired* before anyone decided; nothing was done."
    if card.state == "stale":
        reason = f" ({escape(card.error)})" if card.error else ""
        return (f":warning: *Approved* by {who}{when}{comment}, but the Odoo record changed since it was "
                f"proposed{reason}; *nothing was written*.")
    if card.state == "executing":
        return f":gear: *Approved* by {who}{when}{comment}; executing in Odoo…"
    return STATE_BADGES.get(card.state, escape(card.state))


def proposal_message_blocks(card: ProposalCard, *, approvers: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The approval card: buttons while pending, the outcome line once decided."""
    blocks = proposal_body_blocks(card, approvers=approvers)
    if card.state == "pending" and (card.facts or {}).get("awaiting_confirm"):
        blocks.append(context("Waiting for the requester to confirm it."))
    elif card.state == "pending":
        amount = f"({_money(card.amount, card.currency)}) " if card.amount else ""
        blocks.append(approval_buttons(card.id, amount_text=amount))
    else:
        blocks.append(section(outcome_text(card)))
    return blocks


def proposal_fallback(card: ProposalCard) -> str:
    base = f"{card.title} {card.id}: {card.summary}"
    if card.state == "pending":
        return f"Approval needed — {base}"
    return f"{base} — {card.state}"


def reject_modal(card: ProposalCard, metadata: Mapping[str, Any]) -> dict[str, Any]:
    """A modal asking for an optional rejection comment; metadata rides along in private_metadata."""
    return {
        "type": "modal",
        "callback_id": REJECT_MODAL,
        "private_metadata": json.dumps(dict(metadata))[:3000],
        "title": plain("Reject proposal", 24),
        "submit": plain("Reject", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            section(f"*{escape(card.title)} · {escape(card.id)}*\n{escape(card.summary)}"),
            {"type": "input", "block_id": COMMENT_BLOCK, "optional": True,
             "label": plain("Why? (optional, the requester sees it)", 2000),
             "element": {"type": "plain_text_input", "action_id": COMMENT_INPUT, "multiline": True,
                         "max_length": 1000}},
        ],
    }


def requester_notice(card: ProposalCard) -> str:
    """What the requester reads in their thread once a proposal is settled."""
    return f"Update on proposal `{escape(card.id)}` ({escape(card.summary)}):\n{outcome_text(card)}"
