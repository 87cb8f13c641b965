"""receipts_done: what arrived — done incoming transfers, listed or grouped by day, week, vendor, warehouse
or product, with what was ordered against what was received.

One round trip: the done receipts in the window with their moves (product, units, PO line) nested;
`length` gives the true count. Groups are folded here from those rows so days and weeks are the
company's local calendar days (bounded: the newest MAX_FOLD receipts; a note says when cut).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from tools.base import ToolContext, ToolResult, tool
from tools.odoo.resolve import normalize_po_name, resolve_product, resolve_supplier, warehouse_list
from tools.reads.amounts import convert_qty
from tools.reads.common import (
    code_or_name,
    compact,
    date_range,
    day_end_utc,
    day_start_utc,
    dt,
    id_of,
    local_day,
    name_of,
    num,
    to_local,
    today,
    warehouse_or_none,
)

UOM: dict[str, Any] = {"fields": {"display_name": {}, "factor": {}}}
SPEC: dict[str, Any] = {
    "name": {}, "origin": {}, "date_done": {}, "partner_id": {"fields": {"display_name": {}}},
    "picking_type_id": {"fields": {"warehouse_id": {"fields": {"code": {}}}}},
    "move_ids": {"fields": {
        "state": {}, "quantity": {}, "product_uom_qty": {}, "product_uom": UOM,
        "product_id": {"fields": {"default_code": {}, "display_name": {}, "uom_id": UOM}},
        "purchase_line_id": {"fields": {"product_uom_qty": {}, "order_id": {"fields": {"name": {}}}}}}},
}
DEFAULT_DAYS = 7
MAX_FOLD = 1000
MAX_LIMIT = 100
MAX_LINES = 5  # per listed receipt (the model pays for every byte)


class ReceiptsDoneArgs(BaseModel):
    warehouse: str | None = Field(None, description="Warehouse")
    supplier: str | None = Field(None, description="Vendor")
    product: str | None = Field(None, description="Product")
    reference: str | None = Field(None, description="PO or receipt")
    date_from: str | None = Field(None, description="YYYY-MM-DD, default 7 days ago")
    date_to: str | None = Field(None, description="YYYY-MM-DD")
    group_by: Literal["none", "day", "week", "vendor", "warehouse", "product"] = Field(
        "none", description="none=list")
    limit: int = Field(15, ge=1, le=MAX_LIMIT, description="Rows")


def _lines(moves: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per product of one receipt: ordered on the PO line and received here, both in the product's unit."""
    out: dict[int, dict[str, Any]] = {}
    for m in moves:
        if m.get("state") != "done":
            continue
        prod = m.get("product_id") or {}
        unit = prod.get("uom_id")
        row = out.setdefault(int(prod.get("id") or 0), {"product": code_or_name(prod), "ordered": 0.0,
                                                        "received": 0.0, "uom": name_of(unit)})
        row["received"] += convert_qty(float(m.get("quantity") or 0), m.get("product_uom"), unit)
        pol = m.get("purchase_line_id")
        row["ordered"] += float(pol.get("product_uom_qty") or 0) if isinstance(pol, dict) and pol.get("id") else \
            convert_qty(float(m.get("product_uom_qty") or 0), m.get("product_uom"), unit)
    return [{**r, "ordered": num(r["ordered"]), "received": num(r["received"])} for r in out.values()]


def _po_names(p: dict[str, Any]) -> str | None:
    names = sorted({str(((m.get("purchase_line_id") or {}).get("order_id") or {}).get("name") or "")
                    for m in p.get("move_ids") or [] if isinstance(m.get("purchase_line_id"), dict)} - {""})
    return ", ".join(names) or p.get("origin") or None


def _group_key(ctx: ToolContext, how: str, p: dict[str, Any], wh_code: str | None) -> str:
    if how == "vendor":
        return name_of(p.get("partner_id")) or "(no vendor)"
    if how == "warehouse":
        return wh_code or "(no warehouse)"
    done = dt(p.get("date_done"))
    d = to_local(ctx, done).date() if done else date.min
    if how == "week":
        monday = d - timedelta(days=d.weekday())
        return f"week of {monday.isoformat()}"
    return d.isoformat()


@tool(ReceiptsDoneArgs)
def receipts_done(ctx: ToolContext, args: ReceiptsDoneArgs) -> ToolResult:
    """Done receipts (default last 7 days): ordered vs received."""
    odoo = ctx.odoo
    domain: list[Any] = [("picking_type_code", "=", "incoming"), ("state", "=", "done")]
    scope: dict[str, Any] = {}
    wh = warehouse_or_none(ctx, args.warehouse)
    if wh is not None:
        domain.append(("picking_type_id.warehouse_id", "=", wh["id"]))
        scope["warehouse"] = wh["code"]
    if args.supplier:
        vendor = resolve_supplier(odoo, args.supplier)
        domain.append(("partner_id", "child_of", vendor["id"]))
        scope["vendor"] = vendor["name"]
    product = None
    if args.product:
        product = resolve_product(odoo, args.product)
        domain.append(("move_ids.product_id", "=", product["id"]))
        scope["product"] = product.get("display_name")
    if args.reference:
        ref = args.reference.strip()
        names = list(dict.fromkeys([ref, normalize_po_name(ref) or ref]))
        domain += ["|", "|", ("name", "=ilike", ref), ("origin", "in", names),
                   ("move_ids.purchase_line_id.order_id.name", "=ilike", ref)]
        scope["reference"] = ref
    now = today(ctx)
    lo, hi = date_range(ctx, args.date_from, args.date_to)
    if not args.reference:  # a reference alone means "whenever it arrived"
        lo = lo or (now - timedelta(days=DEFAULT_DAYS) if not hi else hi - timedelta(days=DEFAULT_DAYS))
        hi = hi or now
    if lo:
        domain.append(("date_done", ">=", day_start_utc(ctx, lo)))
    if hi:
        domain.append(("date_done", "<=", day_end_utc(ctx, hi)))
    bound = args.limit if args.group_by == "none" else MAX_FOLD
    res = odoo.web_search_read("stock.picking", domain, SPEC, limit=bound, order="date_done desc, id desc")
    pickings = res.get("records", [])
    count = int(res.get("length") or len(pickings))
    codes = {id_of(w.get("in_type_id")): w["code"] for w in warehouse_list(odoo)}
    rows: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = defaultdict(lambda: {"receipts": 0, "received": 0.0, "lines": 0})
    for p in pickings:
        ptype = p.get("picking_type_id") or {}
        wh_obj = ptype.get("warehouse_id") if isinstance(ptype, dict) else None
        wh_code = wh_obj.get("code") if isinstance(wh_obj, dict) else codes.get(id_of(ptype))
        lines = _lines(p.get("move_ids") or [])
        if product is not None:
            lines = [ln for ln in lines if ln["product"] == code_or_name(product)]
        if args.group_by == "product":
            for ln in lines:
                g = groups[f"{ln['product']}|{ln.get('uom') or ''}"]
                g["receipts"] += 1
                g["received"] += float(ln["received"])
                g["ordered"] = float(g.get("ordered", 0.0)) + float(ln["ordered"])
            continue
        if args.group_by != "none":
            g = groups[_group_key(ctx, args.group_by, p, wh_code)]
            g["receipts"] += 1
            g["lines"] += len(lines)
            continue
        rows.append({"reference": p.get("name"), "po": _po_names(p), "vendor": name_of(p.get("partner_id")),
                     "warehouse": wh_code, "date_done": local_day(ctx, p.get("date_done")),
                     "short": any(float(ln["received"]) < float(ln["ordered"]) for ln in lines) or None,
                     # short lines first; a long receipt shows MAX_LINES of them and how many more it has
                     "lines": sorted(lines, key=lambda ln: float(ln["received"]) >= float(ln["ordered"]))[:MAX_LINES],
                     "more_lines": len(lines) - MAX_LINES if len(lines) > MAX_LINES else None})
    data: dict[str, Any] = {"count": count, "date_from": lo and lo.isoformat(), "date_to": hi and hi.isoformat(),
                            "filters": scope}
    if args.group_by == "none":
        data["rows"] = rows
        data["showing"] = f"{len(rows)} of {count}"
    else:
        data["group_by"] = args.group_by
        out = []
        for k, g in groups.items():
            if args.group_by == "product":
                prod, _, uom = k.partition("|")
                out.append({"product": prod, "uom": uom, "receipts": g["receipts"],
                            "ordered": num(g.get("ordered", 0.0)), "received": num(g["received"])})
            else:
                out.append({"key": k, "receipts": g["receipts"], "lines": g["lines"]})
        order_key = (lambda r: r["key"]) if args.group_by in ("day", "week") else (lambda r: -r["receipts"])
        data["groups"] = sorted(out, key=order_key)  # type: ignore[arg-type]
        if count > len(pickings):
            data["note"] = f"groups cover the newest {len(pickings)} of {count} receipts"
    span = f" {lo} to {hi}" if lo and hi else f" since {lo}" if lo else f" until {hi}" if hi else ""
    text = f"{count} receipt(s) done{span}" + "".join(f", {k} {v}" for k, v in scope.items())
    if args.group_by != "none" and data.get("groups"):
        text += f"; {len(data['groups'])} {args.group_by} group(s)"
    return ToolResult(tool="receipts_done", data=compact(data), text=text)
