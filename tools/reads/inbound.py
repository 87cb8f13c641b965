"""inbound_schedule: the receipts a dock expects, what the warehouse asks every morning.

One round trip: receipts, their vendor and their move lines come back nested from
web_search_read, and its `length` gives the total even when the list is cut.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, Field

from tools.base import ToolContext, ToolResult, tool
from tools.kpi import days_late
from tools.odoo.resolve import resolve_supplier, warehouse_list
from tools.reads.common import (
    code_or_name,
    compact,
    date_range,
    day_end_utc,
    day_start_utc,
    dt,
    fmt_qty,
    id_of,
    local_day,
    name_of,
    to_local,
    today,
    warehouse_or_none,
)

log = logging.getLogger(__name__)
MAX_ROWS = 30
RECEIPT_SPEC: dict[str, Any] = {
    "name": {}, "state": {}, "scheduled_date": {}, "origin": {},
    "partner_id": {"fields": {"display_name": {}}},
    "picking_type_id": {},
    "purchase_id": {"fields": {"date_approve": {}}},
    "move_ids": {"fields": {"product_id": {"fields": {"default_code": {}, "display_name": {}}},
                            "product_uom_qty": {}, "state": {}}},
}


class InboundArgs(BaseModel):
    warehouse: str | None = Field(None, description="Warehouse code or name; omit for all")
    supplier: str | None = Field(None, description="Vendor name or reference")
    when: str | None = Field(None, description="today, this week, overdue, next 7 days or a date")
    date_from: str | None = Field(None, description="Scheduled on or after")
    date_to: str | None = Field(None, description="Scheduled on or before, e.g. today = due and overdue")


def lines_summary(moves: list[dict[str, Any]], limit: int = 4) -> str:
    """'<code> x200, <code> x50 (+3 more)': product codes as Odoo spells them."""
    live = [m for m in moves if m.get("state") != "cancel"]
    parts = [f"{code_or_name(m.get('product_id'))} x{fmt_qty(m.get('product_uom_qty'))}" for m in live[:limit]]
    extra = len(live) - limit
    return ", ".join(parts) + (f" (+{extra} more)" if extra > 0 else "")


@tool(InboundArgs)
def inbound_schedule(ctx: ToolContext, args: InboundArgs) -> ToolResult:
    """Expected receipts not yet done: PO, vendor, scheduled date, days late, lines.

    Days and date windows are company-local (the Odoo user's or company's timezone), not UTC."""
    odoo = ctx.odoo
    wh = warehouse_or_none(ctx, args.warehouse)
    domain: list[Any] = [("picking_type_code", "=", "incoming"), ("state", "not in", ["done", "cancel"])]
    if wh is not None:
        domain.append(("picking_type_id", "=", id_of(wh.get("in_type_id"))))
    vendor = resolve_supplier(odoo, args.supplier) if args.supplier else None
    if vendor is not None:
        domain.append(("partner_id", "child_of", vendor["id"]))
    lo, hi = date_range(ctx, args.date_from, args.date_to, args.when)
    domain_base = list(domain)
    if lo:
        domain.append(("scheduled_date", ">=", day_start_utc(ctx, lo)))
    if hi:
        domain.append(("scheduled_date", "<=", day_end_utc(ctx, hi)))
    res = odoo.web_search_read("stock.picking", domain, RECEIPT_SPEC, limit=MAX_ROWS,
                               order="scheduled_date asc, id asc")
    records, total = res.get("records", []), int(res.get("length") or 0)
    wh_code = {id_of(w.get("in_type_id")): w["code"] for w in warehouse_list(odoo)} if wh is None else {}
    now = today(ctx)
    rows = []
    for r in records:
        sched = dt(r.get("scheduled_date"))
        rows.append({
            "ref": r.get("name"), "po": r.get("origin"), "supplier": name_of(r.get("partner_id")),
            "wh": wh_code.get(id_of(r.get("picking_type_id"))),
            "scheduled": local_day(ctx, r.get("scheduled_date")),
            "days_late": days_late(to_local(ctx, sched), now) if sched else None,
            "state": r.get("state"), "lines": lines_summary(r.get("move_ids") or []),
        })
    slipping = _likely(ctx, records, rows)
    late = [r for r in rows if r.get("days_late")]
    data: dict[str, Any] = {"receipts": rows, "total": total, "overdue_shown": len(late)}
    before = _overdue_before_window(ctx, domain_base, lo, hi, now)
    if total > len(rows):
        data["note"] = f"showing the {len(rows)} earliest of {total}; narrow by warehouse, supplier or dates"
    scope = " ".join(x for x in (
        f"at {wh['code']}" if wh else "", f"from {vendor['name']}" if vendor else "",
        f"scheduled {lo or '…'} to {hi or '…'}" if (lo or hi) else "") if x)
    text = f"{total} open receipt(s){' ' + scope if scope else ''}; {len(late)} overdue"
    if before is not None:
        # a window that runs through today: what is already late still has to come in, so it is counted
        # (the same rule as the inbound page's Overdue list), though scheduled before the window
        data["overdue_total"] = before["count"] + len(late)
        text = (f"{total} open receipt(s){' ' + scope if scope else ''}; {before['count'] + len(late)} overdue"
                + (f", {before['count']} of them scheduled before this period" if before["count"] else ""))
    if late or (before and before["count"]):
        cands = list(late) + ([before["worst"]] if before and before.get("worst") else [])
        worst = max(cands, key=lambda r: r["days_late"] or 0)
        text += f" (most late: {worst['ref']} {worst['po'] or ''} {worst['days_late']} d)"
    if slipping:
        text += (f"; {slipping} likely to arrive 2+ days after the scheduled date, by the vendor's past receipts "
                 "(likely dates in each row)")
    return ToolResult(tool="inbound_schedule", data=compact(data), text=text)


def _overdue_before_window(ctx: ToolContext, domain: list[Any], lo: date | None, hi: date | None,
                           now: date) -> dict[str, Any] | None:
    """Open receipts already late and scheduled before a window that runs through today, else None.

    "What's coming in this week?" must not hide the receipt that was due last Tuesday: it is still
    expected, and later than anything in the window. One bounded round trip (count + the earliest)."""
    if lo is None or lo > now or (hi is not None and hi < now):
        return None
    cut = min(lo, now)
    res = ctx.odoo.web_search_read("stock.picking", [*domain, ("scheduled_date", "<", day_start_utc(ctx, cut))],
                                   {"name": {}, "origin": {}, "scheduled_date": {}}, limit=1,
                                   order="scheduled_date asc, id asc")
    recs, count = res.get("records", []), int(res.get("length") or 0)
    worst = None
    if recs:
        sched = dt(recs[0].get("scheduled_date"))
        worst = {"ref": recs[0].get("name"), "po": recs[0].get("origin"),
                 "days_late": days_late(to_local(ctx, sched), now) if sched else None}
    return {"count": count, "worst": worst}


def _likely(ctx: ToolContext, records: list[dict[str, Any]], rows: list[dict[str, Any]]) -> int:
    """Add each PO receipt's likely arrival window (tools.reads.leadtime, 80 % range) to its row: additive, and
    an answer without it rather than none when the prediction cannot be made. Returns how many slip 2+ days."""
    if not any((rec.get("purchase_id") or {}).get("date_approve") for rec in records):
        return 0  # no PO receipts shown: nothing to predict, no history to read
    try:
        from tools.reads.leadtime import arrival_window, history_and_model

        _hist, model = history_and_model(ctx)
    except Exception:  # noqa: BLE001 - the schedule is the answer; the prediction is extra
        log.warning("inbound_schedule: lead-time prediction unavailable", exc_info=True)
        return 0
    slipping = 0
    for rec, row in zip(records, rows, strict=True):
        approved = dt((rec.get("purchase_id") or {}).get("date_approve"))
        sched = dt(rec.get("scheduled_date"))
        vid = id_of(rec.get("partner_id"))
        if not (approved and sched and vid) or not model.counts.get(vid):
            continue
        p = model.predict(vid, max(0.0, (sched - approved).total_seconds() / 86400), approved=approved,
                          warehouse=str(row.get("wh") or ""))
        low, likely, high = arrival_window(ctx, approved, p)
        row["likely"] = f"{low}..{high}" if low != high else low
        row["likely_basis_receipts"] = model.counts[vid]
        if row.get("scheduled") and date.fromisoformat(likely) >= date.fromisoformat(row["scheduled"]) + timedelta(2):
            slipping += 1
    return slipping
