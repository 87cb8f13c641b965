"""remind_unconfirmed: one remind_supplier proposal per order the vendor has not acknowledged ("remind them all").

Each reminder is a normal remind_supplier proposal (sealed, its own approval, its own idempotency marker); they
are listed together so an approver can decide them in one batch. Orders that already have a pending reminder
come back as that reminder (no second one).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from tools.actions.remind import RemindSupplierArgs, remind_supplier
from tools.base import ToolContext, ToolError, ToolResult, tool
from tools.reads.confirmations import VendorConfirmationsArgs, unconfirmed

MAX_BATCH = 30


class RemindUnconfirmedArgs(BaseModel):
    older_than_days: int = Field(2, ge=0, le=365, description="Unacknowledged for at least this many days")
    supplier: str | None = Field(None, description="Vendor name")
    warehouse: str | None = Field(None, description="Warehouse code or name")
    notify_vendor: bool = Field(False, description="Send to the vendor, not an internal note")
    pos: list[str] | None = Field(None, max_length=MAX_BATCH,
                                  description="Only these order references (the ones the person was just shown)")


@tool(RemindUnconfirmedArgs, kind="propose")
def remind_unconfirmed(ctx: ToolContext, args: RemindUnconfirmedArgs) -> ToolResult:
    """Propose one reminder per order the vendor has not acknowledged."""
    only = [str(p).strip() for p in args.pos or [] if str(p).strip()] or None
    if only and "older_than_days" not in args.model_fields_set:
        args = args.model_copy(update={"older_than_days": 0})  # the orders named, however recent
    rows, scope = unconfirmed(ctx, VendorConfirmationsArgs(older_than_days=args.older_than_days,
                                                           supplier=args.supplier, warehouse=args.warehouse,
                                                           limit=MAX_BATCH), only=only)
    skipped = _not_waiting(ctx, only, {str(r["reference"]) for r in rows}) if only else []
    if not rows:
        if only:
            raise ToolError("None of those orders is waiting for the vendor's acknowledgement, so nothing was "
                            "proposed: " + "; ".join(skipped) + ".", code="nothing_to_do")
        raise ToolError(f"No order has waited {args.older_than_days}+ days for the vendor's acknowledgement; "
                        "nothing proposed.", code="nothing_to_do")
    made, problems = [], []
    for r in rows:
        message = (f"Please confirm that you received our order {r['reference']} and the delivery date "
                   f"{r['expected_date'] or 'we asked for'}.")
        try:
            res = remind_supplier.func(ctx, RemindSupplierArgs.model_validate(
                {"po": str(r["reference"]), "message": message, "notify_vendor": args.notify_vendor}))
        except ToolError as exc:
            problems.append(f"{r['reference']}: {exc.message}")
            continue
        made.append({"proposal": res.data.get("proposal"), "po": r["reference"], "vendor": r["vendor"],
                     "age_days": r["age_days"], "already_pending": bool(res.data.get("duplicate"))})
    if not made:
        raise ToolError("No reminder proposed: " + "; ".join(problems), code="nothing_proposed")
    pending = sum(1 for m in made if m["already_pending"])
    which = (f"of the {len(only)} you were shown that the vendor has not acknowledged" if only else
             "the vendor has not acknowledged" + (f" for {args.older_than_days}+ days" if args.older_than_days else ""))
    text = (f"{len(made)} reminder proposal(s), one per order {which}"
            + (f" ({pending} already pending)" if pending else "")
            + "; each is listed below with its order. Approve them together in the approvals list; nothing is "
              "posted until then.")
    if scope["count"] > len(rows):
        text += f" {scope['count'] - len(rows)} older order(s) beyond the first {MAX_BATCH} were left for later."
    if skipped:
        text += " Not reminded (not waiting for an acknowledgement): " + "; ".join(skipped) + "."
    if problems:
        text += " Not proposed: " + "; ".join(problems)
    return ToolResult(tool="remind_unconfirmed", text=text, data={"reminders": made, "problems": problems},
                      proposal_ids=[m["proposal"] for m in made if m["proposal"]])


_WHY_NOT = {"draft": "an RFQ not sent to the vendor yet", "to approve": "waiting for approval, not sent",
            "cancel": "cancelled", "done": "locked"}


def _not_waiting(ctx: ToolContext, only: list[str], waiting: set[str]) -> list[str]:
    """Why each of the orders asked about gets no reminder (one read of their states)."""
    rest = [p for p in only if p not in waiting]
    if not rest:
        return []
    found = {str(r["name"]): r for r in ctx.odoo.search_read("purchase.order", [("name", "in", rest)],
                                                             ["name", "state"], limit=len(rest))}
    out = []
    for ref in rest:
        row = found.get(ref)
        why = ("not found" if row is None else _WHY_NOT.get(str(row["state"]),
                                                            "already acknowledged by the vendor or fully received"))
        out.append(f"{ref} ({why})")
    return out
