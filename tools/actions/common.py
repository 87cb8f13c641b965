"""What every proposal tool and executor shares: proposing, PO snapshots, chatter markers.

Why shared: the five actions must answer in one voice ("Proposed P-…: … needs approval by …"),
snapshot the same evidence fields, and find their idempotency marker the same way.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from typing import Any

from tools.base import ToolContext, ToolError, ToolResult
from tools.governance.executor import StaleProposal, explain_refusal, marker
from tools.governance.proposals import Proposal, service_for
from tools.odoo.client import OdooClient
from tools.odoo.errors import OdooError, OdooUnavailable
from tools.odoo.labels import identity_tz, label_for, local_time
from tools.odoo.values import m2o_id as m2o_id
from tools.odoo.values import m2o_name as m2o_name

PO_FIELDS = ["id", "name", "state", "partner_id", "amount_total", "write_date", "date_approve",
             "picking_ids", "receipt_status", "currency_id", "user_id", "company_id", "date_order", "priority"]
PO_STATE_LABEL = {"draft": "RFQ", "sent": "RFQ sent", "to approve": "to approve", "purchase": "purchase order",
                  "done": "locked", "cancel": "cancelled"}
SKEW = timedelta(seconds=5)


def po_state(odoo: OdooClient | None, state: str) -> str:
    """A PO state as the connected Odoo labels it ('to approve' → 'To Approve'); summaries people read."""
    return label_for(odoo, "purchase.order", "state", state) if odoo is not None else PO_STATE_LABEL.get(state, state)
#: Odoo's clock vs ours when looking for Odoo's tracking of our own change. Only changes by our Odoo user count,
#: and only on a retry or a failed proposal; a change by that same login within these minutes before the
#: execution would be taken for ours (an integration user should not be shared with people).
TRACKING_SKEW = timedelta(minutes=2)






def odoo_dt(value: Any) -> datetime | None:
    if not value:
        return None
    s = str(value)
    try:
        return datetime.fromisoformat(s[:19]) if len(s) > 10 else datetime.fromisoformat(s + " 00:00:00")
    except ValueError:
        return None


def money(amount: float, currency: str = "") -> str:
    return f"{amount:,.2f} {currency}".rstrip()


def po_money(po: dict[str, Any], company: tuple[float, str] | None = None) -> str:
    """The PO total with the PO's own currency code (read from Odoo, never assumed), plus the company-currency
    figure when it differs ("4,900.00 EUR ≈ 3,817.98 USD")."""
    text = money(float(po.get("amount_total") or 0), m2o_name(po.get("currency_id")))
    if company and company[1] and company[1] != m2o_name(po.get("currency_id")):
        text += f" ≈ {money(company[0], company[1])}"
    return text


def approval_settings(odoo: OdooClient, company_id: int | None) -> dict[str, Any]:
    """The company's purchase approval settings: two-step or not, its threshold and currency code.

    Read from res.company (Purchase > Settings > Purchase Order Approval); {} when unreadable."""
    if not company_id:
        return {}
    try:
        rows = odoo.read("res.company", [int(company_id)], ["po_double_validation", "po_double_validation_amount",
                                                           "currency_id"])
    except OdooError:
        return {}
    if not rows:
        return {}
    r = rows[0]
    return {"two_step": r.get("po_double_validation") == "two_step",
            "threshold": float(r.get("po_double_validation_amount") or 0),
            "currency": m2o_name(r.get("currency_id")), "currency_id": m2o_id(r.get("currency_id"))}


def has_field(odoo: OdooClient, model: str, field: str) -> bool:
    """Does this Odoo's model have the field (cached per connection)? For fields newer Odoo versions add."""
    def load() -> bool:
        try:
            return field in odoo.execute_kw(model, "fields_get", [[field]], {"attributes": ["type"]})
        except OdooError:
            return False
    return bool(odoo.cached(f"qm.has_field.{model}.{field}", load, ttl=3600))


def company_total(odoo: OdooClient, po: dict[str, Any]) -> tuple[float, str]:
    """The PO total in its company's currency, with that currency's code — what approval thresholds compare.

    Odoo's own `amount_total_cc` (Odoo 17+) where it exists, else the total converted with Odoo's rates at the
    order date; the PO total itself when the PO is in the company currency."""
    total = float(po.get("amount_total") or 0)
    settings = approval_settings(odoo, m2o_id(po.get("company_id")))
    code = str(settings.get("currency") or m2o_name(po.get("currency_id")))
    po_cur, co_cur = m2o_id(po.get("currency_id")), settings.get("currency_id")
    if not co_cur or not po_cur or po_cur == co_cur:
        return total, code
    if has_field(odoo, "purchase.order", "amount_total_cc"):
        rows = odoo.read("purchase.order", [int(po["id"])], ["amount_total_cc"])
        if rows:
            return float(rows[0].get("amount_total_cc") or 0), code
    ctx: dict[str, Any] = {"date": str(po.get("date_order") or "")[:10] or None,
                           "allowed_company_ids": [m2o_id(po.get("company_id"))]}
    rates = {int(r["id"]): float(r.get("rate") or 1.0) or 1.0 for r in odoo.execute_kw(
        "res.currency", "read", [[po_cur, co_cur], ["rate"]], {"context": {k: v for k, v in ctx.items() if v}})}
    return round(total * rates.get(co_cur, 1.0) / rates.get(po_cur, 1.0), 2), code


# -- purchase orders ----------------------------------------------------------------------------
def read_po(odoo: OdooClient, po_id: int) -> dict[str, Any] | None:
    rows = odoo.read("purchase.order", [po_id], PO_FIELDS)
    return rows[0] if rows else None


def po_evidence(po: dict[str, Any]) -> dict[str, Any]:
    """The facts a PO proposal rests on; any change makes it stale."""
    return {"po_id": po["id"], "po": po["name"], "state": po["state"],
            "write_date": str(po.get("write_date") or ""), "amount_total": float(po.get("amount_total") or 0)}


def check_po_unchanged(odoo: OdooClient, proposal: Proposal) -> dict[str, Any]:
    """Re-read the PO; raise StaleProposal naming what moved. Returns the fresh PO."""
    ev = proposal.evidence
    po = read_po(odoo, int(ev["po_id"]))
    if po is None:
        raise StaleProposal(f"{ev['po']} no longer exists in Odoo")
    if po["state"] != ev["state"]:
        raise StaleProposal(f"{ev['po']} is now '{po['state']}' (was '{ev['state']}' when proposed)")
    if abs(float(po.get("amount_total") or 0) - float(ev["amount_total"])) > 0.005:
        raise StaleProposal(f"{ev['po']} total moved from {ev['amount_total']:,.2f} to "
                            f"{float(po.get('amount_total') or 0):,.2f}")
    if str(po.get("write_date") or "") != ev["write_date"]:
        raise StaleProposal(f"{ev['po']} was modified in Odoo since it was proposed "
                            f"(last update {po.get('write_date')})")
    return po


def done_receipts(odoo: OdooClient, picking_ids: list[int]) -> list[str]:
    if not picking_ids:
        return []
    rows = odoo.read("stock.picking", picking_ids, ["name", "state"])
    return [r["name"] for r in rows if r["state"] == "done"]


# -- chatter markers ------------------------------------------------------------------------------
def find_marker_message(odoo: OdooClient, model: str, res_id: int, proposal_id: str) -> int | None:
    rows = odoo.search_read("mail.message", [("model", "=", model), ("res_id", "=", res_id),
                                             ("body", "ilike", marker(proposal_id))], ["id"], limit=1)
    return int(rows[0]["id"]) if rows else None


def _message_post(odoo: OdooClient, model: str, res_id: int, kwargs: dict[str, Any], text: str) -> int | None:
    try:
        result = odoo.call(model, "message_post", [[res_id]], kwargs)
    except OdooError as exc:
        if "marshal" not in exc.message:
            raise
        result = None  # XML-RPC "committed, then failed to marshal" (facts §7.3): re-read below
    if isinstance(result, int) and not isinstance(result, bool):
        return result
    return find_marker_message(odoo, model, res_id, _marker_in(text)) if _marker_in(text) else None


def post_note(odoo: OdooClient, model: str, res_id: int, text: str) -> int | None:
    """An internal chatter note (subtype Note, seen by employees only, nobody notified).

    Odoo 18's message_post wants an e-mail address on its author even for a note; an integration user
    without one gets "Unable to send message, please configure the sender's email address.". A note needs
    no e-mail, so then the note is created as the mail.message it would have been (Odoo allows that to
    anyone who may write the document) — same author, subtype and marker."""
    try:
        return _message_post(odoo, model, res_id, {"body": text, "message_type": "comment",
                                                     "subtype_xmlid": "mail.mt_note"}, text)
    except OdooError as exc:
        if not is_missing_email(exc):
            raise
    vals: dict[str, Any] = {"model": model, "res_id": res_id, "body": f"<p>{html.escape(text, quote=False)}</p>",
                            "message_type": "comment", "is_internal": True}
    subtype = _note_subtype(odoo)
    if subtype:
        vals["subtype_id"] = subtype
    partner = own_partner(odoo)
    if partner:
        vals["author_id"] = partner
    new_id = odoo.call("mail.message", "create", [vals])
    return int(new_id[0] if isinstance(new_id, list) else new_id)


def post_vendor_message(odoo: OdooClient, model: str, res_id: int, text: str, partner_ids: list[int]) -> int | None:
    """A chatter message sent to the vendor (subtype Discussions): this one is an e-mail and needs the
    sender's address, so Odoo's refusal is passed on (the executor turns it into what to fix)."""
    return _message_post(odoo, model, res_id, {"body": text, "message_type": "comment",
                                               "subtype_xmlid": "mail.mt_comment", "partner_ids": partner_ids},
                         text)


def try_note(odoo: OdooClient, model: str, res_id: int, text: str) -> tuple[int | None, str | None]:
    """post_note that never raises: (message id, None) or (None, what went wrong and what to fix).

    Used AFTER a state change: the change happened and must be reported as such even when the note fails."""
    try:
        return post_note(odoo, model, res_id, text), None
    except OdooError as exc:
        return None, explain_refusal(exc, odoo.login_name, "post the audit note")
    except OdooUnavailable as exc:
        return None, f"Odoo did not answer while posting the audit note ({exc}); reconcile posts it later"


def is_missing_email(exc: OdooError) -> bool:
    return "configure the sender's email address" in exc.message


def own_partner(odoo: OdooClient) -> int | None:
    """The res.partner of the Odoo user Quartermaster signs in as (cached per connection)."""
    def load() -> int | None:
        rows = odoo.read("res.users", [int(odoo.uid or 0)], ["partner_id"])
        return m2o_id(rows[0].get("partner_id")) if rows else None
    return odoo.cached("qm.own_partner", load, ttl=3600)


def _note_subtype(odoo: OdooClient) -> int | None:
    """mail.mt_note's id, found by its English name (ir.model.data is not readable by plain users)."""
    def load() -> int | None:
        rows = odoo.search_read("mail.message.subtype", [("name", "=", "Note"), ("res_model", "=", False)],
                                ["id"], limit=1, context={"lang": "en_US"})
        return int(rows[0]["id"]) if rows else None
    return odoo.cached("qm.mt_note", load, ttl=3600)


def _marker_in(text: str) -> str:
    m = re.search(r"QM-(P-[0-9a-f]+)", text)
    return m.group(1) if m else ""


def state_change_by_us(odoo: OdooClient, po_id: int, since: datetime | None) -> bool:
    """Did Odoo's own tracking record a change on this PO by our Odoo user since `since`?

    Every state change of a purchase order is logged by Odoo as a tracking notification authored by the
    user who made it; finding ours proves the write happened even when our marker note is missing."""
    partner = own_partner(odoo)
    if since is None or partner is None:
        return False
    rows = odoo.search_read("mail.message", [("model", "=", "purchase.order"), ("res_id", "=", po_id),
                                             ("message_type", "=", "notification"), ("author_id", "=", partner),
                                             ("date", ">=", (since - TRACKING_SKEW).strftime("%Y-%m-%d %H:%M:%S"))],
                            ["id"], limit=1)
    return bool(rows)


def approval_line(proposal: Proposal) -> str:
    who = proposal.decided_by or "?"
    return f"Approved in Quartermaster by {who}, requested by {proposal.requester} [{marker(proposal.id)}]"


def retried(proposal: Proposal) -> bool:
    """True when this is not the first execution attempt (so effects may already be in Odoo)."""
    return proposal.attempts > 1


def since_execution(proposal: Proposal, odoo_value: Any) -> bool:
    """Did Odoo record this change after our execution began (clock skew allowed)?"""
    when = odoo_dt(odoo_value)
    start = proposal.executing_since
    return bool(when and start and when >= start - SKEW)


# -- proposing -------------------------------------------------------------------------------------
def propose(ctx: ToolContext, tool_name: str, *, args: dict[str, Any], summary: str,
            before_after: dict[str, Any], evidence: dict[str, Any], amount: float = 0.0,
            odoo_ref: str | None = None, metrics: dict[str, Any] | None = None,
            show_amount: bool = True) -> ToolResult:
    """Create the proposal and phrase the answer: what, who must approve, nothing written yet."""
    summary = summary.strip().rstrip(".").rstrip()  # the answer adds its own full stop
    if ctx.proposal_links:  # made for purchase requests: the link and the vendor choice are sealed with it
        args, evidence = {**args, "links": ctx.proposal_links}, {**evidence, "links": ctx.proposal_links}
        summary += f" (for request {', '.join(ctx.proposal_links.get('requests') or [])})"
    service = service_for(ctx)
    proposal = service.create(ctx, tool_name, args, summary, before_after, evidence, amount, odoo_ref,
                              metrics or {})
    rule = service.policy.rule_for(proposal.kind, proposal.amount, proposal.metrics.get("days_shift"),
                                   proposal.metrics)
    names = [service.directory.get(u) for u in proposal.eligible_approvers]
    labels = ", ".join(n.label for n in names if n) or "nobody in the users file (ask an admin)"
    if proposal.duplicate_of_request:
        text = (f"Already proposed: {proposal.id} ({proposal.summary}) by {proposal.requester} is still pending; "
                f"no second proposal was created. It needs approval by {rule.describe()} — eligible: {labels}. "
                "Reject it first if it should be replaced.")
        return ToolResult(tool=tool_name, text=text, proposal_ids=[proposal.id],
                          data={"proposal": proposal.id, "kind": proposal.kind, "summary": proposal.summary,
                                "state": proposal.state, "duplicate": True, "rule": proposal.policy_rule,
                                "approvers": proposal.eligible_approvers,
                                "expires_at": proposal.expires_at.isoformat(timespec="minutes")})
    text = (f"Proposed {proposal.id}: {summary}. Needs approval by {rule.describe()} — eligible: {labels}. "
            f"Nothing is written to Odoo until then; expires {local_time(proposal.expires_at, identity_tz(ctx.odoo, ctx.user))}.")
    data: dict[str, Any] = {"proposal": proposal.id, "kind": proposal.kind, "summary": summary,
                            "before_after": before_after, "rule": proposal.policy_rule,
                            "approvers": proposal.eligible_approvers, "state": proposal.state,
                            "expires_at": proposal.expires_at.isoformat(timespec="minutes")}
    if show_amount:
        data["amount"] = round(proposal.amount, 2)
    return ToolResult(tool=tool_name, data=data, text=text, proposal_ids=[proposal.id])


def require(condition: bool, message: str, code: str = "refused") -> None:
    if not condition:
        raise ToolError(message, code=code)
