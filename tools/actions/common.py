"""What every proposal tool and executor shares: proposing, PO snapshots, chatter markers.

Why shared: the five actions must answer in one voice ("Proposed P-…: … needs approval by …"),
snapshot the same evidence fields, and find their idempotency marker the same way.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from tools.base import ToolContext, ToolError, ToolResult
from tools.governance.executor import StaleProposal, marker
from tools.governance.proposals import Proposal, service_for
from tools.odoo.client import OdooClient
from tools.odoo.errors import OdooError
from tools.odoo.values import m2o_id as m2o_id
from tools.odoo.values import m2o_name as m2o_name

PO_FIELDS = ["id", "name", "state", "partner_id", "amount_total", "write_date", "date_approve",
             "picking_ids", "receipt_status", "currency_id", "user_id"]
PO_STATE_LABEL = {"draft": "RFQ", "sent": "RFQ sent", "to approve": "to approve", "purchase": "purchase order",
                  "done": "locked", "cancel": "cancelled"}
SKEW = timedelta(seconds=5)






def odoo_dt(value: Any) -> datetime | None:
    if not value:
        return None
    s = str(value)
    try:
        return datetime.fromisoformat(s[:19]) if len(s) > 10 else datetime.fromisoformat(s + " 00:00:00")
    except ValueError:
        return None


def money(amount: float, currency: str = "USD") -> str:
    return f"{amount:,.2f} {currency}"


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


def post_note(odoo: OdooClient, model: str, res_id: int, text: str, *, subtype: str = "mail.mt_note",
              partner_ids: list[int] | None = None) -> int | None:
    """A chatter message (keyword-only arguments, facts §5). Plain text is escaped by Odoo."""
    kwargs: dict[str, Any] = {"body": text, "message_type": "comment", "subtype_xmlid": subtype}
    if partner_ids:
        kwargs["partner_ids"] = partner_ids
    try:
        result = odoo.call(model, "message_post", [[res_id]], kwargs)
    except OdooError as exc:
        if "marshal" not in exc.message:
            raise
        result = None  # XML-RPC "committed, then failed to marshal" (facts §7.3): re-read below
    if isinstance(result, int) and not isinstance(result, bool):
        return result
    return find_marker_message(odoo, model, res_id, _marker_in(text)) if _marker_in(text) else None


def _marker_in(text: str) -> str:
    m = re.search(r"QM-(P-[0-9a-f]+)", text)
    return m.group(1) if m else ""


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
    service = service_for(ctx)
    proposal = service.create(ctx, tool_name, args, summary, before_after, evidence, amount, odoo_ref,
                              metrics or {})
    rule = service.policy.rule_for(proposal.kind, proposal.amount, proposal.metrics.get("days_shift"))
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
            f"Nothing is written to Odoo until then; expires {proposal.expires_at:%Y-%m-%d %H:%M} UTC.")
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
