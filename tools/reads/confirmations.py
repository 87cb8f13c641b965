"""vendor_confirmations: RFQs sent and POs confirmed that the vendor has not acknowledged yet, with their age.

Odoo 18's field: purchase.order `mail_reception_confirmed` ("Reception Confirmed"), set when the vendor confirms
receipt of the order (the link in Odoo's order/reminder e-mail); a newer Odoo's `acknowledged` is used where it
exists (tools.reads.amounts.ACK_FIELDS). `mail_reminder_confirmed` is the vendor confirming the *delivery date*
after the receipt reminder, and `receipt_reminder_email` only says whether that reminder is sent — neither says
the order was acknowledged, so they are shown, not filtered on.
Population: state `sent` (RFQ sent) or `purchase` not fully received, acknowledgement not set, older than
`older_than_days`. Age = days since the confirmation date (`date_approve`) for POs, since the order date
(`date_order`; Odoo stores no "sent on" date) for sent RFQs, in the company's calendar days.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tools.base import ToolContext, ToolError, ToolResult, tool
from tools.odoo.resolve import resolve_supplier
from tools.reads.amounts import odoo_facts
from tools.reads.common import compact, dt, local_day, name_of, to_local, today, warehouse_or_none

STATE_LABEL = {"sent": "RFQ sent", "purchase": "purchase order"}


class VendorConfirmationsArgs(BaseModel):
    older_than_days: int = Field(2, ge=0, le=365, description="Sent/confirmed at least this many days ago")
    supplier: str | None = Field(None, description="Vendor name")
    warehouse: str | None = Field(None, description="Warehouse code or name")
    limit: int = Field(30, ge=1, le=100, description="Rows shown")


def unconfirmed(ctx: ToolContext, args: VendorConfirmationsArgs, only: list[str] | None = None
                ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(rows oldest first, scope); `only` keeps these order references. One search_read (plus cached Odoo
    facts and resolutions)."""
    odoo = ctx.odoo
    ack = odoo_facts(ctx).ack_field
    if ack is None:
        raise ToolError("This Odoo does not record whether a vendor acknowledged an order.", code="unsupported")
    domain: list[Any] = [("state", "in", ["sent", "purchase"]), (ack, "=", False),
                         "|", ("state", "=", "sent"), ("receipt_status", "!=", "full")]
    scope: dict[str, Any] = {"acknowledged_by": ack, "older_than_days": args.older_than_days}
    if only is not None:
        domain.append(("name", "in", list(only)))
    if args.supplier:
        vendor = resolve_supplier(odoo, args.supplier)
        domain.append(("partner_id", "child_of", vendor["id"]))
        scope["vendor"] = vendor["name"]
    wh = warehouse_or_none(ctx, args.warehouse)
    if wh is not None:
        domain.append(("picking_type_id.warehouse_id", "=", wh["id"]))
        scope["warehouse"] = wh["code"]
    fields = ["name", "state", "partner_id", "date_order", "date_approve", "date_planned", "receipt_status",
              "mail_reminder_confirmed", "picking_type_id"]
    rows = odoo.search_read("purchase.order", domain, fields, limit=1000, order="date_order asc, id asc")
    now = today(ctx)
    out = []
    for po in rows:
        since = po.get("date_approve") if po["state"] == "purchase" else po.get("date_order")
        when = dt(since)
        age = (now - to_local(ctx, when).date()).days if when else None
        if age is None or age < args.older_than_days:
            continue
        out.append({"reference": po["name"], "vendor": name_of(po.get("partner_id")),
                    "state": STATE_LABEL.get(po["state"], po["state"]), "since": local_day(ctx, since),
                    "age_days": age, "expected_date": local_day(ctx, po.get("date_planned")),
                    "receipt_status": po.get("receipt_status") or None,
                    "delivery_date_confirmed": bool(po.get("mail_reminder_confirmed"))})
    out.sort(key=lambda r: -int(r["age_days"]))
    return out[:args.limit], {**scope, "count": len(out)}


@tool(VendorConfirmationsArgs)
def vendor_confirmations(ctx: ToolContext, args: VendorConfirmationsArgs) -> ToolResult:
    """Orders the vendor has not acknowledged, oldest first, with their age in days."""
    rows, scope = unconfirmed(ctx, args)
    count = scope["count"]
    text = (f"{count} order(s) not acknowledged by the vendor for {args.older_than_days}+ days"
            + (f" ({scope['vendor']})" if scope.get("vendor") else "")
            + (f" at {scope['warehouse']}" if scope.get("warehouse") else ""))
    if rows:
        text += ": " + "; ".join(f"{r['reference']} {r['vendor']} ({r['state']}, {r['age_days']} days since "
                                 f"{r['since']})" for r in rows[:10])
        text += ". Say \"remind them all\" to propose one reminder per order."
    return ToolResult(tool="vendor_confirmations", text=text,
                      data=compact({"count": count, "showing": f"{len(rows)} of {count}", "filters": scope,
                                    "rows": rows}))
