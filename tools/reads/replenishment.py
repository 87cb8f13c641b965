"""replenishment_risk: which reordered products need buying now, how many, and from whom.

Two round trips for any scope, both aggregated on the server: stock.quant summed per product and
warehouse (on hand), and stock.move summed per product, operation type and state (open receipts
and deliveries for the forecast; done deliveries of the last 30 days for the outgoing rate). The
reorder rules (min/max), vendor pricelist rows and vendor on-time rates are configuration and
come from per-client caches (5 min).

Definitions (also in tools/README.md): forecast = on hand + open incoming - open outgoing in the
rule's warehouse (as stock_levels); a rule is at risk when its forecast < its min, or when it
runs out within the lead time of its cheapest vendor at the recent outgoing rate
(tools.kpi.runs_out_within_lead_time); the suggested quantity is tools.kpi.suggested_order_qty.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, Field

from tools import kpi
from tools.base import ToolContext, ToolResult, tool
from tools.odoo.resolve import pricelist, reorder_rules, vendor_list, warehouse_list
from tools.reads.common import (
    bulk_rows,
    code_or_name,
    compact,
    dt,
    fmt_qty,
    id_of,
    name_of,
    num,
    today,
    warehouse_or_none,
)
from tools.reads.supplier import index_prices

DEMAND_DAYS = 30
MAX_ROWS = 15
OPEN_MOVE_STATES = ["waiting", "confirmed", "partially_available", "assigned"]


class ReplenishmentArgs(BaseModel):
    warehouse: str | None = Field(None, description="Warehouse code or name; omit for all")


def _valid_sellers(rows: list[dict[str, Any]], product_id: int | None, on: Any) -> list[dict[str, Any]]:
    out = []
    for s in rows:
        variant = id_of(s.get("product_id"))
        if variant and variant != product_id:
            continue
        start, end = dt(s.get("date_start")), dt(s.get("date_end"))
        if (start and start.date() > on) or (end and end.date() < on):
            continue
        out.append(s)
    return out


def _rate(rates: dict[int, Any], seller: dict[str, Any]) -> float | None:
    """The vendor's Odoo on_time_rate, or None when Odoo has no measure (it reports -1 then)."""
    rate = rates.get(id_of(seller.get("partner_id")) or 0)
    return float(rate) if isinstance(rate, int | float) and not isinstance(rate, bool) and rate >= 0 else None


def _vendor(s: dict[str, Any], rates: dict[int, Any]) -> dict[str, Any]:
    rate = _rate(rates, s)
    min_qty = float(s.get("min_qty") or 0)
    return {"vendor": name_of(s.get("partner_id")), "price": num(s.get("price")), "lead_days": s.get("delay"),
            "min_qty": num(min_qty) if min_qty > 1 else None,
            "on_time_pct": num(rate, 1) if rate is not None else None}


@tool(ReplenishmentArgs)
def replenishment_risk(ctx: ToolContext, args: ReplenishmentArgs) -> ToolResult:
    """Products below reorder min or running out within lead time; suggested qty, vendors."""
    with bulk_rows():
        return _replenishment(ctx, args)


def _replenishment(ctx: ToolContext, args: ReplenishmentArgs) -> ToolResult:
    odoo = ctx.odoo
    wh = warehouse_or_none(ctx, args.warehouse)
    whs = {w["id"]: w for w in warehouse_list(odoo)}
    rules = [r for r in reorder_rules(odoo) if wh is None or id_of(r.get("warehouse_id")) == wh["id"]]
    scope = [w for wid, w in whs.items() if wh is None or wid == wh["id"]]
    in_types = {id_of(w.get("in_type_id")): w["id"] for w in scope}
    out_types = {id_of(w.get("out_type_id")): w["id"] for w in scope}
    quant_domain: list[Any] = [("location_id.usage", "=", "internal")]
    if wh is not None:
        quant_domain.append(("warehouse_id", "=", wh["id"]))
    on_hand: dict[tuple[int | None, int | None], float] = {}
    for g in odoo.read_group("stock.quant", quant_domain, ["quantity:sum"], ["product_id", "warehouse_id"],
                             lazy=False):
        on_hand[(id_of(g.get("product_id")), id_of(g.get("warehouse_id")))] = float(g.get("quantity") or 0)
    since = (ctx.now() - timedelta(days=DEMAND_DAYS)).strftime("%Y-%m-%d %H:%M:%S")
    move_domain: list[Any] = [("picking_type_id", "in", [*in_types, *out_types]), "|",
                              ("state", "in", OPEN_MOVE_STATES), "&", ("state", "=", "done"), ("date", ">=", since)]
    incoming: dict[tuple[int | None, int | None], float] = defaultdict(float)
    outgoing: dict[tuple[int | None, int | None], float] = defaultdict(float)
    demand: dict[tuple[int | None, int | None], float] = defaultdict(float)
    for g in odoo.read_group("stock.move", move_domain, ["product_qty:sum"],
                             ["product_id", "picking_type_id", "state"], lazy=False):
        pid, ptype, qty = id_of(g.get("product_id")), id_of(g.get("picking_type_id")), float(g.get("product_qty") or 0)
        if g.get("state") == "done":
            if ptype in out_types:
                demand[(pid, out_types[ptype])] += qty
        elif ptype in in_types:
            incoming[(pid, in_types[ptype])] += qty
        elif ptype in out_types:
            outgoing[(pid, out_types[ptype])] += qty
    now = today(ctx)
    prices = index_prices(pricelist(odoo))
    rates = {v["id"]: v.get("on_time_rate") for v in vendor_list(odoo)}
    by_tmpl: dict[int | None, list[dict[str, Any]]] = {}
    for (_vendor_id, tmpl), plist in prices.items():
        by_tmpl.setdefault(tmpl, []).extend(plist)
    rows = []
    for r in rules:
        pid = id_of(r.get("product_id"))
        product = {"id": pid, "display_name": name_of(r.get("product_id"))}
        wid = id_of(r.get("warehouse_id"))
        stock = on_hand.get((pid, wid), 0.0)
        forecast = stock + incoming[(pid, wid)] - outgoing[(pid, wid)]
        mn, mx = float(r.get("product_min_qty") or 0), float(r.get("product_max_qty") or 0)
        daily = demand.get((pid, wid), 0.0) / DEMAND_DAYS
        sellers = _valid_sellers(by_tmpl.get(id_of(r.get("product_tmpl_id")), []), pid, now)
        cheapest = min(sellers, key=lambda s: float(s.get("price") or 0), default=None)
        lead = float(cheapest.get("delay") or 0) if cheapest else 0.0
        below = forecast < mn - kpi.EPS
        runs_out = kpi.runs_out_within_lead_time(forecast, daily, lead)
        if not (below or runs_out):
            continue
        qty = kpi.suggested_order_qty(forecast, mn, mx, float(r.get("qty_multiple") or 0),
                                      float(cheapest.get("min_qty") or 0) if cheapest else 0.0, daily * lead)
        reliable = max((s for s in sellers if _rate(rates, s) is not None),
                       key=lambda s: _rate(rates, s) or 0.0, default=None)
        rows.append({
            "product": product.get("display_name") or code_or_name(product),
            "wh": whs.get(wid, {}).get("code") if wid and wh is None else None,
            "on_hand": num(stock), "forecast": num(forecast), "min": num(mn), "max": num(mx),
            "below_min": below, "runs_out_in_lead_time": runs_out,
            "daily_out": num(daily, 2), "days_cover": num(max(forecast, 0.0) / daily, 1) if daily > 0 else None,
            "suggested_qty": num(qty),
            "cheapest": _vendor(cheapest, rates) if cheapest else None,
            "most_reliable": _vendor(reliable, rates) if reliable and reliable is not cheapest else None,
        })
    rows.sort(key=lambda x: (not x["below_min"], x["days_cover"] if x["days_cover"] is not None else 1e9,
                             float(x["forecast"]) - float(x["min"])))
    below_n = sum(1 for x in rows if x["below_min"])
    data: dict[str, Any] = {"at_risk": rows[:MAX_ROWS], "count": len(rows), "below_min": below_n,
                            "rules_checked": len(rules)}
    if len(rows) > MAX_ROWS:
        data["note"] = f"showing {MAX_ROWS} most urgent of {len(rows)}"
    where = f" at {wh['code']}" if wh else ""
    text = (f"{len(rows)} product(s){where} need replenishment: {below_n} below reorder minimum, "
            f"{len(rows) - below_n} more would run out within vendor lead time")
    if rows:
        top = rows[0]
        text += (f"; most urgent {top['product']}{' at ' + top['wh'] if top.get('wh') and not wh else ''} "
                 f"(forecast {fmt_qty(top['forecast'])} vs min {fmt_qty(top['min'])}, order {fmt_qty(top['suggested_qty'])})")
    return ToolResult(tool="replenishment_risk", data=compact(data), text=text)
