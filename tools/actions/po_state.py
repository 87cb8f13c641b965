"""confirm_purchase_order and cancel_purchase_order: move a PO along Odoo's lifecycle, once.

Idempotency: the state change itself is the effect, followed by a chatter note carrying the
`QM-<proposal id>` marker. On a retry (crash after the write) a PO already in the target state
with our marker — or changed after our execution began — is recorded as done, never re-sent.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tools.actions.common import (
    PO_STATE_LABEL,
    approval_line,
    check_po_unchanged,
    done_receipts,
    find_marker_message,
    m2o_name,
    money,
    po_evidence,
    post_note,
    propose,
    read_po,
    require,
    retried,
    since_execution,
)
from tools.base import ToolContext, ToolError, ToolResult, tool
from tools.governance.proposals import Proposal
from tools.odoo.client import OdooClient
from tools.odoo.errors import OdooError
from tools.odoo.resolve import resolve_purchase_order

CONFIRMABLE = ("draft", "sent")
CANCELLABLE = ("draft", "sent", "to approve", "purchase")


def _resolve_po(ctx: ToolContext, text: str) -> dict[str, Any]:
    hit = resolve_purchase_order(ctx.odoo, text)
    po = read_po(ctx.odoo, int(hit["id"]))
    require(po is not None, f"{text} vanished while reading it; try again.", "not_found")
    assert po is not None
    return po


# -- confirm ---------------------------------------------------------------------------------------
class ConfirmPurchaseOrderArgs(BaseModel):
    po: str = Field(..., description="The RFQ's or vendor's reference",
                    min_length=1, max_length=64)


@tool(ConfirmPurchaseOrderArgs, kind="propose")
def confirm_purchase_order(ctx: ToolContext, args: ConfirmPurchaseOrderArgs) -> ToolResult:
    """Propose confirming an RFQ into a PO; another person approves.

    Nothing is written until approval; at approval the PO is re-checked (state, total, last update).
    """
    po = _resolve_po(ctx, args.po)
    state = po["state"]
    require(state in CONFIRMABLE,
            f"{po['name']} is '{PO_STATE_LABEL.get(state, state)}' ({state}); only RFQs in draft or sent can "
            "be confirmed. Nothing proposed.", "wrong_state")
    amount = float(po.get("amount_total") or 0)
    vendor = m2o_name(po.get("partner_id"))
    summary = f"confirm {po['name']} ({vendor}, {money(amount)}): {state} → purchase"
    return propose(ctx, "confirm_purchase_order",
                   args={"po_id": po["id"], "po": po["name"]}, summary=summary,
                   before_after={"state": [state, "purchase"], "po": po["name"], "vendor": vendor},
                   evidence=po_evidence(po), amount=amount, odoo_ref=f"purchase.order,{po['id']}")


class ConfirmExecutor:
    def reconcile(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any] | None:
        po_id = int(proposal.args["po_id"])
        po = read_po(odoo, po_id)
        if po is None or po["state"] not in ("purchase", "done"):
            return None
        note = find_marker_message(odoo, "purchase.order", po_id, proposal.id)
        if note is None and not (retried(proposal) and since_execution(proposal, po.get("date_approve"))):
            return None
        if note is None:
            post_note(odoo, "purchase.order", po_id, approval_line(proposal))
        return {"po": po["name"], "state": po["state"]}

    def revalidate(self, odoo: OdooClient, proposal: Proposal) -> str | None:
        check_po_unchanged(odoo, proposal)
        return None

    def execute(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any]:
        po_id = int(proposal.args["po_id"])
        odoo.call("purchase.order", "button_confirm", [[po_id]])
        po = read_po(odoo, po_id)
        if po is None or po["state"] not in ("purchase", "done", "to approve"):
            raise ToolError(f"{proposal.args['po']} did not confirm (state {po and po['state']})")
        post_note(odoo, "purchase.order", po_id, approval_line(proposal))
        return {"po": po["name"], "state": po["state"],
                "message": f"{po['name']} confirmed (now {po['state']})."}


# -- cancel ----------------------------------------------------------------------------------------
class CancelPurchaseOrderArgs(BaseModel):
    po: str = Field(..., description="The PO's or vendor's reference",
                    min_length=1, max_length=64)
    reason: str = Field(..., description="Why (goes into the PO's chatter)",
                        min_length=3, max_length=500)


@tool(CancelPurchaseOrderArgs, kind="propose")
def cancel_purchase_order(ctx: ToolContext, args: CancelPurchaseOrderArgs) -> ToolResult:
    """Propose cancelling a PO or RFQ with a reason (not once a receipt is done).

    A different person (approver or manager) must approve; nothing is written until then.
    """
    po = _resolve_po(ctx, args.po)
    state = po["state"]
    require(state in CANCELLABLE,
            f"{po['name']} is '{PO_STATE_LABEL.get(state, state)}' ({state}) and cannot be cancelled. "
            "Nothing proposed.", "wrong_state")
    done = done_receipts(ctx.odoo, list(po.get("picking_ids") or []))
    require(not done, f"{po['name']} has receipts already done ({', '.join(done)}); Odoo cannot cancel it. "
                      "Nothing proposed.", "wrong_state")
    amount = float(po.get("amount_total") or 0)
    vendor = m2o_name(po.get("partner_id"))
    summary = f"cancel {po['name']} ({vendor}, {money(amount)}): {state} → cancel — {args.reason.strip()}"
    return propose(ctx, "cancel_purchase_order",
                   args={"po_id": po["id"], "po": po["name"], "reason": args.reason.strip()}, summary=summary,
                   before_after={"state": [state, "cancel"], "po": po["name"], "vendor": vendor},
                   evidence=po_evidence(po), amount=amount, odoo_ref=f"purchase.order,{po['id']}")


class CancelExecutor:
    def reconcile(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any] | None:
        po_id = int(proposal.args["po_id"])
        po = read_po(odoo, po_id)
        if po is None or po["state"] != "cancel":
            return None
        note = find_marker_message(odoo, "purchase.order", po_id, proposal.id)
        if note is None and not (retried(proposal) and since_execution(proposal, po.get("write_date"))):
            return None
        if note is None:
            post_note(odoo, "purchase.order", po_id, self._note(proposal))
        return {"po": po["name"], "state": "cancel"}

    def revalidate(self, odoo: OdooClient, proposal: Proposal) -> str | None:
        po = check_po_unchanged(odoo, proposal)
        done = done_receipts(odoo, list(po.get("picking_ids") or []))
        return f"{po['name']} now has done receipts ({', '.join(done)})" if done else None

    @staticmethod
    def _note(proposal: Proposal) -> str:
        return f"Cancelled: {str(proposal.args.get('reason') or '').rstrip('. ')}. {approval_line(proposal)}"

    def execute(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any]:
        po_id = int(proposal.args["po_id"])
        try:
            odoo.call("purchase.order", "button_cancel", [[po_id]])  # JSON-RPC: null
        except OdooError as exc:
            if "marshal" not in exc.message:  # XML-RPC commits, then fails to marshal None (facts §7.3)
                raise
        po = read_po(odoo, po_id)
        if po is None or po["state"] != "cancel":
            raise ToolError(f"{proposal.args['po']} did not cancel (state {po and po['state']})")
        post_note(odoo, "purchase.order", po_id, self._note(proposal))
        return {"po": po["name"], "state": "cancel", "message": f"{po['name']} cancelled."}
