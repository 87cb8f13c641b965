"""stock_levels: how much of one product is where, scoped per warehouse the way Odoo 18 scopes it.

Why it is careful: Odoo 18 scopes product quantities by the `warehouse_id` context key; the old
`warehouse` key is silently ignored and yields company-wide totals (facts §3). One warehouse is one
round trip (the quantities and the reorder rules come back in the product lookup itself); the
all-warehouse view groups stock.quant and open stock.move on the server (three trips in all).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tools.base import ToolContext, ToolResult, tool
from tools.odoo.resolve import resolve_product, warehouse_list
from tools.reads.common import compact, fmt_qty, id_of, name_of, num, warehouse_or_none

QTY_SPEC: dict[str, Any] = {
    "uom_id": {"fields": {"display_name": {}}},
    "qty_available": {}, "free_qty": {}, "incoming_qty": {}, "outgoing_qty": {}, "virtual_available": {},
    "orderpoint_ids": {"fields": {"warehouse_id": {}, "product_min_qty": {}, "product_max_qty": {},
                                  "active": {}, "qty_forecast": {}, "qty_to_order": {}}},
}
OPEN_MOVE_STATES = ["waiting", "confirmed", "partially_available", "assigned"]


class StockLevelsArgs(BaseModel):
    product: str = Field(description="Product code exactly as in Odoo, barcode or name")
    warehouse: str | None = Field(None, description="Warehouse code or name; omit for all")


def _rule(product: dict[str, Any], wh_id: int) -> dict[str, Any]:
    for op in product.get("orderpoint_ids") or []:
        if id_of(op.get("warehouse_id")) == wh_id and op.get("active", True) is not False:
            return {"min": num(op.get("product_min_qty")), "max": num(op.get("product_max_qty")),
                    "odoo_forecast": op.get("qty_forecast"), "to_order": op.get("qty_to_order")}
    return {}


def _row(code: str, on_hand: float, reserved: float, incoming: float, outgoing: float,
         rule: dict[str, Any]) -> dict[str, Any]:
    row = {"wh": code, "on_hand": num(on_hand), "reserved": num(reserved), "free": num(on_hand - reserved),
           "incoming": num(incoming), "outgoing": num(outgoing),
           "forecast": num(on_hand + incoming - outgoing)}
    if rule:
        row["reorder_min"], row["reorder_max"] = rule["min"], rule["max"]
        # Odoo's reorder-rule forecast (it also counts open RFQs) decides "below min", as replenishment_risk
        forecast = rule["odoo_forecast"] if isinstance(rule.get("odoo_forecast"), int | float) \
            else on_hand + incoming - outgoing
        row["reorder_forecast"] = num(float(forecast))
        row["below_min"] = float(forecast) < rule["min"]
        if isinstance(rule.get("to_order"), int | float) and rule["to_order"]:
            row["odoo_to_order"] = num(float(rule["to_order"]))
    return row


def _summary(name: str, rows: list[dict[str, Any]], uom: str) -> str:
    if len(rows) == 1:
        r = rows[0]
        s = (f"{name} at {r['wh']}: on hand {fmt_qty(r['on_hand'])} {uom}, free {fmt_qty(r['free'])}, "
             f"forecast {fmt_qty(r['forecast'])}")
        if "reorder_min" in r:
            s += f"; reorder min {fmt_qty(r['reorder_min'])}"
            if r.get("reorder_forecast") is not None and r["reorder_forecast"] != r["forecast"]:
                s += f" (Odoo's reorder forecast {fmt_qty(r['reorder_forecast'])}, open RFQs included)"
            s += " (below min)" if r.get("below_min") else ""
        return s
    on_hand = sum(float(r["on_hand"]) for r in rows)
    held = [r["wh"] for r in rows if float(r["on_hand"]) > 0]
    low = [r["wh"] for r in rows if r.get("below_min")]
    s = f"{name}: {fmt_qty(on_hand)} {uom} on hand in {len(held)} of {len(rows)} warehouses"
    return s + (f"; below reorder min at {', '.join(low)}" if low else "")


@tool(StockLevelsArgs)
def stock_levels(ctx: ToolContext, args: StockLevelsArgs) -> ToolResult:
    """Stock per warehouse: on hand, reserved, free, incoming, outgoing, forecast, min/max."""
    wh = warehouse_or_none(ctx, args.warehouse)
    odoo = ctx.odoo
    if wh is not None:
        p = resolve_product(odoo, args.product, specification=QTY_SPEC, context={"warehouse_id": wh["id"]})
        on_hand = float(p.get("qty_available") or 0)
        rows = [_row(wh["code"], on_hand, on_hand - float(p.get("free_qty") or 0),
                     float(p.get("incoming_qty") or 0), float(p.get("outgoing_qty") or 0), _rule(p, wh["id"]))]
    else:
        p = resolve_product(odoo, args.product, specification={
            "uom_id": QTY_SPEC["uom_id"], "orderpoint_ids": QTY_SPEC["orderpoint_ids"]})
        quants = odoo.read_group("stock.quant", [("product_id", "=", p["id"]), ("location_id.usage", "=", "internal")],
                                 ["quantity:sum", "reserved_quantity:sum"], ["warehouse_id"])
        moves = odoo.read_group("stock.move", [("product_id", "=", p["id"]), ("state", "in", OPEN_MOVE_STATES)],
                                ["product_qty:sum"], ["picking_type_id"])
        by_wh = {id_of(g.get("warehouse_id")): g for g in quants}
        by_type = {id_of(g.get("picking_type_id")): float(g.get("product_qty") or 0) for g in moves}
        rows = []
        for w in warehouse_list(odoo):
            q = by_wh.get(w["id"], {})
            rows.append(_row(w["code"], float(q.get("quantity") or 0), float(q.get("reserved_quantity") or 0),
                             by_type.get(id_of(w.get("in_type_id")), 0.0),
                             by_type.get(id_of(w.get("out_type_id")), 0.0), _rule(p, w["id"])))
    uom = name_of(p.get("uom_id")) or "units"
    data: dict[str, Any] = {"product": p.get("display_name"), "uom": uom, "warehouses": rows}
    if p.get("matched_by") == "fuzzy":
        data["matched"] = f"fuzzy match for '{args.product}'"
    elif p.get("matched_by") == "code_loose":
        data["matched"] = f"no code '{args.product}' in Odoo; {p.get('default_code')} has the same letters and digits"
    if len(rows) > 1:
        keys = ("on_hand", "reserved", "free", "incoming", "outgoing", "forecast")
        data["total"] = {k: num(sum(float(r[k]) for r in rows)) for k in keys}
    text = _summary(str(p.get("display_name")), rows, uom)
    if len(rows) > 1 and (offers := transfer_offers(rows, warehouse_list(odoo))):
        data["transfer_instead"] = offers
        text += "; transfer instead of buying: " + "; ".join(
            f"{o['from']} has {fmt_qty(o['spare'])} free above its own minimum for {o['to']}" for o in offers[:3])
    return ToolResult(tool="stock_levels", data=compact(data), text=text)


def transfer_offers(rows: list[dict[str, Any]], warehouses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Issue #14 "transfer instead of buying": for each warehouse that is short (below its reorder minimum by
    Odoo's forecast, or a negative forecast), the warehouses of the same company that are not short and have free
    stock above their own reorder minimum (spare = free − min; min 0 without a rule), most spare first."""
    company = {str(w.get("code")): id_of(w.get("company_id")) for w in warehouses}
    short = [r for r in rows if r.get("below_min") or float(r.get("forecast") or 0) < 0]
    spare = {r["wh"]: float(r["free"]) - float(r.get("reorder_min") or 0) for r in rows
             if not (r.get("below_min") or float(r.get("forecast") or 0) < 0)}
    offers = []
    for r in short:
        donors = sorted(((wh, n) for wh, n in spare.items() if n > 0 and company.get(wh) == company.get(r["wh"])),
                        key=lambda x: -x[1])
        if donors:
            wh, n = donors[0]
            offers.append({"to": r["wh"], "from": wh, "spare": num(n)})
    return offers
