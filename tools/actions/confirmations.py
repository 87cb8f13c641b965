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


@tool(RemindUnconfirmedArgs, kind="propose")
def remind_unconfirmed(ctx: ToolContext, args: RemindUnconfirmedArgs) -> ToolResult:
    """Propose one reminder per order the vendor has not acknowledged."""
    rows, scope = unconfirmed(ctx, VendorConfirmationsArgs(older_than_days=args.older_than_days,
                                                           supplier=args.supplier, warehouse=args.warehouse,
                                                           limit=MAX_BATCH))
    if not rows:
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
    text = (f"{len(made)} reminder proposal(s), one per order not acknowledged for {args.older_than_days}+ days: "
            + "; ".join(f"{m['proposal']} {m['po']} ({m['vendor']}, {m['age_days']} days)"
                        + (" — already pending" if m["already_pending"] else "") for m in made)
            + ". Approve them together in the approvals list; nothing is posted until then.")
    if scope["count"] > len(rows):
        text += f" {scope['count'] - len(rows)} older order(s) beyond the first {MAX_BATCH} were left for later."
    if problems:
        text += " Not proposed: " + "; ".join(problems)
    return ToolResult(tool="remind_unconfirmed", text=text, data={"reminders": made, "problems": problems},
                      proposal_ids=[m["proposal"] for m in made if m["proposal"]])
