"""remind_supplier: a chatter message on the PO plus a follow-up To-Do activity for the requester.

Idempotency: the activity summary and an internal note carry `QM-<proposal id>`; a retry finds what is
already there and only adds what is missing. The text sent to the vendor is the requester's message alone:
never internal user names nor proposal ids (those stay in the internal note). A vendor message already sent
is found again by its text, author (our Odoo user) and date.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, Field

from tools.actions.common import (
    PO_STATE_LABEL,
    SKEW,
    find_marker_message,
    m2o_id,
    m2o_name,
    own_partner,
    post_note,
    post_vendor_message,
    propose,
    read_po,
    require,
    retried,
    try_note,
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

    @staticmethod
    def _note_text(proposal: Proposal) -> str:
        a = proposal.args
        sent = "Reminder sent to the vendor" if a.get("notify_vendor") and a.get("vendor_id") else "Supplier reminder"
        return (f"{sent}: {a['message']}\n\n— by Quartermaster on behalf of {proposal.requester}, approved by "
                f"{proposal.decided_by} [{marker(proposal.id)}]")

    @staticmethod
    def _to_vendor(proposal: Proposal) -> bool:
        return bool(proposal.args.get("notify_vendor") and proposal.args.get("vendor_id"))

    def _post(self, odoo: OdooClient, proposal: Proposal) -> int | None:
        """The vendor message (only the requester's words), or the internal note when not sent to the vendor."""
        a = proposal.args
        if self._to_vendor(proposal):
            return post_vendor_message(odoo, "purchase.order", int(a["po_id"]), str(a["message"]),
                                       [int(a["vendor_id"])])
        return post_note(odoo, "purchase.order", int(a["po_id"]), self._note_text(proposal))

    def _vendor_message(self, odoo: OdooClient, proposal: Proposal) -> int | None:
        """The vendor message this proposal already sent (same text, our Odoo user, since execution began)."""
        since = proposal.executing_since or proposal.decided_at
        partner = own_partner(odoo)
        if since is None or partner is None:
            return None
        text = str(proposal.args["message"])[:80]
        rows = odoo.search_read("mail.message", [("model", "=", "purchase.order"),
                                                 ("res_id", "=", int(proposal.args["po_id"])),
                                                 ("message_type", "=", "comment"), ("author_id", "=", partner),
                                                 ("body", "ilike", text),
                                                 ("date", ">=", (since - SKEW).strftime("%Y-%m-%d %H:%M:%S"))],
                                ["id"], limit=1)
        return int(rows[0]["id"]) if rows else None

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
        note = find_marker_message(odoo, "purchase.order", po_id, proposal.id)
        act = self._activity(odoo, proposal)
        sent = self._vendor_message(odoo, proposal) if self._to_vendor(proposal) and retried(proposal) else None
        if note is None and act is None and sent is None:
            return None
        return self._finish(odoo, proposal, note, act, sent)

    def _finish(self, odoo: OdooClient, proposal: Proposal, note: int | None, act: int | None,
                sent: int | None) -> dict[str, Any]:
        """Add what is missing: vendor message, internal note (marker), To-Do. Failures after the first
        write are reported in the outcome, never hidden."""
        problems: list[str] = []
        po_id = int(proposal.args["po_id"])
        if self._to_vendor(proposal):
            if sent is None and note is None:
                sent = self._post(odoo, proposal)  # a refusal here means nothing reached the vendor
            if note is None:
                note, problem = try_note(odoo, "purchase.order", po_id, self._note_text(proposal))
                if problem:
                    problems.append(problem)
        elif note is None:
            note = self._post(odoo, proposal)
        if act is None:
            try:
                act = self._schedule(odoo, proposal)
            except (OdooError, ToolError) as exc:
                problems.append(f"the follow-up To-Do was not created: {exc.message}")
        where = "sent to the vendor" if self._to_vendor(proposal) else "posted as an internal note"
        message = (f"Reminder {where} on {proposal.args['po']}"
                   + (f"; follow-up To-Do due {proposal.args['deadline']}." if act else "."))
        result: dict[str, Any] = {"po": proposal.args["po"], "message_id": sent or note, "note_id": note,
                                  "activity_id": act}
        if problems:
            result["problems"] = problems
            message += " But: " + "; ".join(problems)
        result["message"] = message
        return result

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
        return self._finish(odoo, proposal, None, None, None)
