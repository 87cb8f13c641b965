"""confirm_purchase_order and cancel_purchase_order: move a PO along Odoo's lifecycle, once.

Idempotency: the state change itself is the effect, followed by a chatter note carrying the
`QM-<proposal id>` marker. On a retry (crash after the write) a PO already in the target state
with our marker — or changed after our execution began — is recorded as done, never re-sent.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tools.actions import checks
from tools.actions.common import (
    PO_STATE_LABEL,
    approval_line,
    approval_settings,
    check_po_unchanged,
    company_total,
    done_receipts,
    find_marker_message,
    m2o_id,
    m2o_name,
    money,
    po_evidence,
    po_money,
    po_state,
    propose,
    read_po,
    require,
    retried,
    state_change_by_us,
    try_note,
)
from tools.actions.routing import routing_metrics
from tools.base import ToolContext, ToolError, ToolResult, tool
from tools.governance.executor import StaleProposal
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

    Nothing is written until approval; at approval the PO is re-checked (state, total, last update). Where
    Odoo has two-step approval the confirmation may land in 'to approve' — the outcome says so.
    """
    po = _resolve_po(ctx, args.po)
    state = po["state"]
    require(state in CONFIRMABLE,
            f"{po['name']} is '{PO_STATE_LABEL.get(state, state)}' ({state}); only RFQs in draft or sent can "
            "be confirmed." + (" It waits for approval in Odoo: propose approving it instead."
                               if state == "to approve" else "") + " Nothing proposed.", "wrong_state")
    amount, code = company_total(ctx.odoo, po)
    vendor = m2o_name(po.get("partner_id"))
    after, note = _expected_after_confirm(ctx.odoo, po, amount)
    summary = (f"confirm {po['name']} ({vendor}, {po_money(po, (amount, code))}): "
               f"{po_state(ctx.odoo, state)} → {po_state(ctx.odoo, after)}{note}")
    summary, evidence, metrics = _checked(ctx, po, summary)
    return propose(ctx, "confirm_purchase_order",
                   args={"po_id": po["id"], "po": po["name"]}, summary=summary,
                   before_after={"state": [state, "purchase"], "po": po["name"], "vendor": vendor},
                   evidence=evidence, amount=amount, odoo_ref=f"purchase.order,{po['id']}", metrics=metrics)


def _checked(ctx: ToolContext, po: dict[str, Any], summary: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The checks before approval (tools/actions/checks.py) and the routing facts, for a PO proposal."""
    found, categories = checks.po_checks(ctx, po)
    checks.refuse_if_blocked(found)
    urgent = str(po.get("priority") or "0") == "1"
    if urgent:
        summary = "URGENT: " + summary
    if found.warnings:
        summary += ". Check before approving: " + " ".join(found.warnings)
    metrics = routing_metrics(ctx, urgent=urgent, categories=categories, vendor=m2o_name(po.get("partner_id")))
    evidence = {**po_evidence(po), **found.evidence()}
    flags = _anomaly_flags(ctx, str(po["name"]))
    if flags:  # the anomaly checks on this order's lines, as checkable reasons for the approver
        evidence["anomalies"] = flags
        summary += ". Unusual: " + "; ".join(f"{f['label']} ({f['product']}): {f['reason']}" for f in flags[:2])
    return summary, evidence, metrics


def _anomaly_flags(ctx: ToolContext, name: str) -> list[dict[str, Any]]:
    """purchase_anomalies' flags for this PO, checked whatever its state; none if the check cannot run."""
    from tools.reads.anomalies import flags_for_po

    try:
        return flags_for_po(ctx, name, draft=True)
    except Exception:  # noqa: BLE001 - a proposal is never blocked by the anomaly check itself
        return []


def _expected_after_confirm(odoo: OdooClient, po: dict[str, Any], company_amount: float) -> tuple[str, str]:
    """What Odoo's button_confirm will do with this PO: ('purchase' | 'to approve' | both, why).

    Odoo 18 (_approval_allowed): one-step company, or total below the company's threshold, or the confirming
    user is a purchase manager -> purchase; else 'to approve'. The outcome reported is read back anyway."""
    settings = approval_settings(odoo, m2o_id(po.get("company_id")))
    if not settings.get("two_step"):
        return "purchase", ""
    limit = money(settings["threshold"], settings["currency"])
    if odoo_user_can_approve(odoo):
        return "purchase", ""
    if company_amount < settings["threshold"]:
        return "purchase", ""
    who = f"Quartermaster's Odoo user '{odoo.login_name}' is not one"
    return "to approve", f" (Odoo's two-step approval: from {limit} a purchase manager must approve; {who})"


def _waiting_sentence(odoo: OdooClient, po: dict[str, Any]) -> str:
    settings = approval_settings(odoo, m2o_id(po.get("company_id")))
    if settings.get("two_step"):
        why = (f"two-step approval: orders of {money(settings['threshold'], settings['currency'])} or more need a "
               "purchase manager")
    else:
        why = "Odoo's approval rules"
    return (f"Sent for approval in Odoo: {po['name']} ({po_money(po)}) is 'to approve', waiting for a manager "
            f"({why}). Propose approving it, or approve it in Odoo.")


def _state_outcome(odoo: OdooClient, po: dict[str, Any], verb: str) -> str:
    if po["state"] == "cancel":
        return f"{po['name']} cancelled in Odoo."
    if po["state"] == "to approve":
        return _waiting_sentence(odoo, po)
    if po["state"] == "done":
        return f"{po['name']} {verb} in Odoo and locked (Odoo locks confirmed orders in this company)."
    return f"{po['name']} {verb} in Odoo: now a purchase order ({po_money(po)})."


def _with_note(odoo: OdooClient, proposal: Proposal, po: dict[str, Any], message: str,
               note: str | None = None) -> dict[str, Any]:
    """Post the audit note AFTER the state change; its failure is reported, never hides the change."""
    note_id, problem = try_note(odoo, "purchase.order", int(po["id"]), note or approval_line(proposal))
    result: dict[str, Any] = {"po": po["name"], "po_id": po["id"], "state": po["state"],
                              "odoo_state": PO_STATE_LABEL.get(po["state"], po["state"]), "note_id": note_id}
    if problem:
        result["note_error"] = problem
        message += f" The write happened, but the audit note was not posted — {problem}"
    result["message"] = message
    return result


def _reconcile_po(odoo: OdooClient, proposal: Proposal, targets: tuple[str, ...], verb: str,
                  note_text: str | None = None) -> dict[str, Any] | None:
    """Our state change already in Odoo? Found by our marker note, or — when the note is missing (it failed,
    or we crashed in between) — by Odoo's own tracking of a change made by our Odoo user since execution
    began. Not on the first attempt (nothing can be ours yet) unless the proposal was recorded as failed."""
    po_id = int(proposal.args["po_id"])
    po = read_po(odoo, po_id)
    if po is None or po["state"] not in targets:
        return None
    note = find_marker_message(odoo, "purchase.order", po_id, proposal.id)
    if note is None:
        if not (retried(proposal) or proposal.state == "failed"):
            return None
        if not state_change_by_us(odoo, po_id, proposal.executing_since or proposal.decided_at):
            return None
        return _with_note(odoo, proposal, po, _state_outcome(odoo, po, verb), note_text)
    return {"po": po["name"], "po_id": po_id, "state": po["state"],
            "odoo_state": PO_STATE_LABEL.get(po["state"], po["state"]), "note_id": note,
            "message": _state_outcome(odoo, po, verb)}


class ConfirmExecutor:
    def reconcile(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any] | None:
        return _reconcile_po(odoo, proposal, ("to approve", "purchase", "done"), "confirmed")

    def revalidate(self, odoo: OdooClient, proposal: Proposal) -> str | None:
        check_po_unchanged(odoo, proposal)
        return None

    def execute(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any]:
        po_id = int(proposal.args["po_id"])
        odoo.call("purchase.order", "button_confirm", [[po_id]])
        po = read_po(odoo, po_id)  # what Odoo says now is the outcome
        if po is None or po["state"] not in ("purchase", "done", "to approve"):
            state = po and po["state"]
            raise ToolError(f"Odoo did not confirm {proposal.args['po']}: it is still "
                            f"'{PO_STATE_LABEL.get(str(state), state)}'. Nothing changed.")
        return _with_note(odoo, proposal, po, _state_outcome(odoo, po, "confirmed"))


# -- approve (two-step approval) -----------------------------------------------------------------
class ApprovePurchaseOrderArgs(BaseModel):
    po: str = Field(..., description="The purchase order waiting for approval in Odoo ('to approve').",
                    min_length=1, max_length=64)


def odoo_user_can_approve(odoo: OdooClient) -> bool | None:
    """Is Quartermaster's Odoo user a purchase manager (whom Odoo lets approve any amount)? None: unknown."""
    try:
        return bool(odoo.call("res.users", "has_group", [[int(odoo.uid or 0)], "purchase.group_purchase_manager"]))
    except OdooError:
        return None


@tool(ApprovePurchaseOrderArgs, kind="propose")
def approve_purchase_order(ctx: ToolContext, args: ApprovePurchaseOrderArgs) -> ToolResult:
    """Propose approving, in Odoo, a purchase order waiting in 'to approve' (Odoo's two-step approval).

    Executed with Odoo's Approve button by Quartermaster's Odoo user, which Odoo must allow (a purchase
    manager). Refused when the order is not waiting for approval or that user may not approve in Odoo.
    """
    po = _resolve_po(ctx, args.po)
    state = po["state"]
    if state in ("purchase", "done"):
        raise ToolError(f"{po['name']} is already approved in Odoo ('{PO_STATE_LABEL.get(state, state)}'). "
                        "Nothing proposed.", code="wrong_state")
    require(state == "to approve",
            f"{po['name']} is '{PO_STATE_LABEL.get(state, state)}' ({state}); only orders waiting for approval "
            "('to approve') can be approved." + (" Propose confirming it first." if state in CONFIRMABLE else "")
            + " Nothing proposed.", "wrong_state")
    if odoo_user_can_approve(ctx.odoo) is False:
        raise ToolError(f"Odoo would not let Quartermaster's Odoo user '{ctx.odoo.login_name}' approve "
                        f"{po['name']}: it is not a purchase manager. Approve it in Odoo, or give that user "
                        "Purchase: Administrator. Nothing proposed.", code="odoo_rights")
    amount, code = company_total(ctx.odoo, po)
    vendor = m2o_name(po.get("partner_id"))
    summary = (f"approve {po['name']} in Odoo ({vendor}, {po_money(po, (amount, code))}): "
               f"{po_state(ctx.odoo, 'to approve')} → {po_state(ctx.odoo, 'purchase')}")
    summary, evidence, metrics = _checked(ctx, po, summary)
    return propose(ctx, "approve_purchase_order",
                   args={"po_id": po["id"], "po": po["name"]}, summary=summary,
                   before_after={"state": [state, "purchase"], "po": po["name"], "vendor": vendor},
                   evidence=evidence, amount=amount, odoo_ref=f"purchase.order,{po['id']}", metrics=metrics)


class ApproveExecutor:
    def reconcile(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any] | None:
        return _reconcile_po(odoo, proposal, ("purchase", "done"), "approved")

    def revalidate(self, odoo: OdooClient, proposal: Proposal) -> str | None:
        po = read_po(odoo, int(proposal.evidence["po_id"]))
        if po is not None and po["state"] in ("purchase", "done"):
            raise StaleProposal(f"{po['name']} is already approved in Odoo (now "
                                f"'{PO_STATE_LABEL.get(po['state'], po['state'])}', not by this proposal); "
                                "nothing to do")
        check_po_unchanged(odoo, proposal)
        return None

    def execute(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any]:
        po_id = int(proposal.args["po_id"])
        odoo.call("purchase.order", "button_approve", [[po_id]])
        po = read_po(odoo, po_id)  # Odoo skips, silently, an order its user may not approve: read back
        if po is None:
            raise StaleProposal(f"{proposal.args['po']} vanished in Odoo")
        if po["state"] not in ("purchase", "done"):
            raise ToolError(f"Odoo did not approve {po['name']}: it is still "
                            f"'{PO_STATE_LABEL.get(po['state'], po['state'])}'. Odoo lets only a purchase manager "
                            f"approve it, and the Odoo user '{odoo.login_name}' Quartermaster signs in as is not "
                            "one: approve it in Odoo, or give that user Purchase: Administrator. Nothing changed.")
        return _with_note(odoo, proposal, po, _state_outcome(odoo, po, "approved"))


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
    amount, code = company_total(ctx.odoo, po)
    vendor = m2o_name(po.get("partner_id"))
    summary = (f"cancel {po['name']} ({vendor}, {po_money(po, (amount, code))}): "
               f"{po_state(ctx.odoo, state)} → {po_state(ctx.odoo, 'cancel')} — "
               f"{args.reason.strip()}")
    return propose(ctx, "cancel_purchase_order",
                   args={"po_id": po["id"], "po": po["name"], "reason": args.reason.strip()}, summary=summary,
                   before_after={"state": [state, "cancel"], "po": po["name"], "vendor": vendor},
                   evidence=po_evidence(po), amount=amount, odoo_ref=f"purchase.order,{po['id']}")


class CancelExecutor:
    def reconcile(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any] | None:
        return _reconcile_po(odoo, proposal, ("cancel",), "cancelled", self._note(proposal))

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
            state = po and po["state"]
            raise ToolError(f"Odoo did not cancel {proposal.args['po']}: it is still "
                            f"'{PO_STATE_LABEL.get(str(state), state)}'. Nothing changed.")
        return _with_note(odoo, proposal, po, _state_outcome(odoo, po, "cancelled"), self._note(proposal))
