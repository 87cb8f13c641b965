"""remind_supplier: a chatter message on the PO plus a follow-up To-Do activity for the requester.

Idempotency: both the message body and the activity summary carry `QM-<proposal id>`; a retry
finds what is already there and only adds what is missing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, Field

from tools.actions.common import (
    PO_STATE_LABEL,
    find_marker_message,
    m2o_id,
    m2o_name,
    post_note,
    propose,
    read_po,
    require,
)
from tools.base import ToolContext, ToolError, ToolResult, tool
from tools.governance.executor import StaleProposal, marker
from tools.governance.proposals import Proposal
from tools.odoo.client import OdooClient
from tools.odoo.errors import OdooError
from tools.odoo.resolve import resolve_purchase_order


class RemindSupplierArgs(BaseModel):
    po: str = Field(..., description="The PO it is about", min_length=1,
                    max_length=64)
    message: str = Field(..., description="What to tell the vendor.", min_length=3, max_length=2000)
    follow_up_days: int = Field(3, description="Days to your follow-up To-Do", ge=1, le=60)
    notify_vendor: bool = Field(False, description="Send to the vendor, not an internal note")


@tool(RemindSupplierArgs, kind="propose")
def remind_supplier(ctx: ToolContext, args: RemindSupplierArgs) -> ToolResult:
    """Propose a supplier reminder on a PO: a chatter message and a follow-up To-Do.

    No spend, so the requester may approve it themselves. Refused for cancelled or fully received POs.
    """
    hit = resolve_purchase_order(ctx.odoo, args.po)
    po = read_po(ctx.odoo, int(hit["id"]))
    require(po is not None, f"{args.po} vanished while reading it.", "not_found")
    assert po is not None
    require(po["state"] != "cancel", f"{po['name']} is cancelled; no reminder needed. Nothing proposed.",
            "wrong_state")
    require(po.get("receipt_status") != "full",
            f"{po['name']} is fully received; no reminder needed. Nothing proposed.", "wrong_state")
    users = ctx.odoo.search_read("res.users", [("login", "=", ctx.user.odoo_login or ctx.user.username)],
                                 ["id"], limit=1) if (ctx.user.odoo_login or ctx.user.username) else []
    deadline = (ctx.now() + timedelta(days=args.follow_up_days)).date().isoformat()
    vendor = m2o_name(po.get("partner_id"))
    how = "message to the vendor" if args.notify_vendor else "internal note"
    summary = (f"remind {vendor} about {po['name']} ({PO_STATE_LABEL.get(po['state'], po['state'])}): "
               f"{how} \"{args.message.strip()[:120]}\" + To-Do due {deadline}")
    return propose(ctx, "remind_supplier",
                   args={"po_id": po["id"], "po": po["name"], "vendor_id": m2o_id(po.get("partner_id")),
                         "vendor": vendor, "message": args.message.strip(), "deadline": deadline,
                         "notify_vendor": args.notify_vendor,
                         "activity_user_id": users[0]["id"] if users else None},
                   summary=summary,
                   before_after={"chatter": [None, how], "activity": [None, f"To-Do due {deadline}"]},
                   evidence={"po_id": po["id"], "po": po["name"], "state": po["state"],
                             "receipt_status": po.get("receipt_status") or None},
                   odoo_ref=f"purchase.order,{po['id']}", show_amount=False)


class RemindExecutor:
    def _activity(self, odoo: OdooClient, proposal: Proposal) -> int | None:
        rows = odoo.search_read("mail.activity", [("res_model", "=", "purchase.order"),
                                                  ("res_id", "=", int(proposal.args["po_id"])),
                                                  ("summary", "ilike", marker(proposal.id))], ["id"], limit=1)
        return int(rows[0]["id"]) if rows else None

    def _post(self, odoo: OdooClient, proposal: Proposal) -> int | None:
        a = proposal.args
        body = (f"{a['message']}\n\n— reminder from Quartermaster on behalf of {proposal.requester}, "
                f"approved by {proposal.decided_by} [{marker(proposal.id)}]")
        if a.get("notify_vendor") and a.get("vendor_id"):
            return post_note(odoo, "purchase.order", int(a["po_id"]), body, subtype="mail.mt_comment",
                             partner_ids=[int(a["vendor_id"])])
        return post_note(odoo, "purchase.order", int(a["po_id"]), body)

    @staticmethod
    def _todo_type(odoo: OdooClient) -> list[dict[str, Any]]:
        """The To-Do activity type: by its XML id (language-proof), else by its English name."""
        try:
            refs = odoo.search_read("ir.model.data", [("module", "=", "mail"),
                                                      ("name", "=", "mail_activity_data_todo")], ["res_id"], limit=1)
        except OdooError:  # a server without ir.model.data access: fall back to the name
            refs = []
        if refs:
            return [{"id": refs[0]["res_id"]}]
        return odoo.search_read("mail.activity.type", [("name", "=", "To-Do")], ["id"], limit=1)

    def _schedule(self, odoo: OdooClient, proposal: Proposal) -> int:
        a = proposal.args
        models = odoo.search_read("ir.model", [("model", "=", "purchase.order")], ["id"], limit=1)
        if not models:
            raise ToolError("Odoo has no ir.model row for purchase.order; cannot schedule the follow-up.")
        types = self._todo_type(odoo)
        vals: dict[str, Any] = {
            "res_model_id": models[0]["id"], "res_id": int(a["po_id"]),
            "summary": f"Follow up supplier reminder on {a['po']} [{marker(proposal.id)}]",
            "note": a["message"], "date_deadline": a["deadline"],
            "user_id": a.get("activity_user_id") or odoo.uid}
        if types:
            vals["activity_type_id"] = types[0]["id"]
        new_id = odoo.call("mail.activity", "create", [vals])
        return int(new_id[0] if isinstance(new_id, list) else new_id)

    def reconcile(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any] | None:
        po_id = int(proposal.args["po_id"])
        msg = find_marker_message(odoo, "purchase.order", po_id, proposal.id)
        act = self._activity(odoo, proposal)
        if msg is None and act is None:
            return None
        if msg is None:
            msg = self._post(odoo, proposal)
        if act is None:
            act = self._schedule(odoo, proposal)
        return {"po": proposal.args["po"], "message_id": msg, "activity_id": act}

    def revalidate(self, odoo: OdooClient, proposal: Proposal) -> str | None:
        po = read_po(odoo, int(proposal.args["po_id"]))
        if po is None:
            raise StaleProposal(f"{proposal.args['po']} no longer exists in Odoo")
        if po["state"] == "cancel":
            return f"{po['name']} was cancelled since the reminder was proposed"
        if po.get("receipt_status") == "full":
            return f"{po['name']} was fully received since the reminder was proposed"
        return None

    def execute(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any]:
        msg = self._post(odoo, proposal)
        act = self._schedule(odoo, proposal)
        return {"po": proposal.args["po"], "message_id": msg, "activity_id": act,
                "message": f"Reminder posted on {proposal.args['po']}; follow-up To-Do due "
                           f"{proposal.args['deadline']}."}
