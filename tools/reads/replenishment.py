"""replenishment_risk: which reordered products need buying now, how many, and from whom.

Odoo computes it, so Odoo's figures come first: each active reorder rule (stock.warehouse.orderpoint)
is read live with Odoo's own `qty_on_hand`, `qty_forecast` (Odoo's forecast, which counts open RFQs)
and `qty_to_order`. A rule is **below minimum** when Odoo's forecast is under its min, and the
quantity to order is Odoo's. Quartermaster adds one rule of its own, said as such in the answer:
a product **runs out within lead time** when Odoo's forecast minus the last 30 days' done deliveries
per day x the cheapest vendor's lead time (its likely
lead time from past receipts, tools.reads.leadtime, when longer than promised) is below zero (tools.kpi.runs_out_within_lead_time); for
those rows the suggested quantity is tools.kpi.suggested_order_qty. Two round trips: the rules with
Odoo's figures, and done deliveries of the last 30 days summed per product and operation type.
Vendor pricelist rows and on-time rates come from per-client caches (5 min).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, Field

from tools import kpi
from tools.base import ToolContext, ToolResult, tool
from tools.odoo.resolve import model_fields, pricelist, vendor_list, warehouse_list
from tools.reads.common import (
    bulk_rows,
    compact,
    dt,
    fmt_qty,
    id_of,
    name_of,
    num,
    today,
    warehouse_or_none,
)
from tools.reads.supplier import Conversions, index_prices
from tools.reads.transfers import best_donor, spare_from_rules

log = logging.getLogger(__name__)
DEMAND_DAYS = 30
MAX_ROWS = 15
OPEN_MOVE_STATES = ["waiting", "confirmed", "partially_available", "assigned"]


SHOWN_TTL = 600.0  # seconds a shown suggestion list stays what "order the top 3" refers to


def shown_key(ctx: ToolContext, warehouse_code: str) -> str:
    return f"qm.replenishment.shown:{ctx.user.username}:{warehouse_code}"


def remember_shown(ctx: ToolContext, warehouse_code: str, rows: list[dict[str, Any]]) -> None:
    """Keep the rows this person was just shown (per client, SHOWN_TTL), for order_suggestions (tools/actions/bulk.py):
    "order the top 3" orders what the answer said, without reading it all again."""
    key = shown_key(ctx, warehouse_code)
    ctx.odoo.invalidate(key)
    ctx.odoo.cached(key, lambda: list(rows), ttl=SHOWN_TTL)


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


def _vendor(s: dict[str, Any], rates: dict[int, Any], cc_price: float | None, code: str,
            product_uom: Any) -> dict[str, Any]:
    """A vendor row as the answer shows it: its own price, with its currency and UoM only where they are not
    the company's / the product's, plus the compared price then."""
    rate = _rate(rates, s)
    min_qty = float(s.get("min_qty") or 0)
    row_currency = name_of(s.get("currency_id"))
    other_uom = id_of(product_uom) is not None and id_of(s.get("product_uom")) not in (None, id_of(product_uom))
    foreign = bool(row_currency) and row_currency != code
    return {"vendor": name_of(s.get("partner_id")), "price": num(s.get("price")),
            "currency": row_currency if foreign else None,
            "per": name_of(s.get("product_uom")) if other_uom else None,
            "price_company_per_unit": num(cc_price) if cc_price is not None and (foreign or other_uom) else None,
            "lead_days": s.get("delay"), "min_qty": num(min_qty) if min_qty > 1 else None,
            "on_time_pct": num(rate, 1) if rate is not None else None}


@tool(ReplenishmentArgs)
def replenishment_risk(ctx: ToolContext, args: ReplenishmentArgs) -> ToolResult:
    """Products below reorder min or running out within lead time; suggested qty, vendors."""
    with bulk_rows():
        return _replenishment(ctx, args)


ORDERPOINT_FIELDS = ["product_id", "product_tmpl_id", "warehouse_id", "product_min_qty", "product_max_qty",
                     "qty_multiple", "qty_on_hand", "qty_forecast", "qty_to_order"]


def _lead_model(ctx: ToolContext) -> Any:
    """The lead-time model (tools.reads.leadtime, cached per company day), or None: the run-out check then uses
    the promised lead time alone."""
    try:
        from tools.reads.leadtime import history_and_model

        return history_and_model(ctx)[1]
    except Exception:  # noqa: BLE001 - Odoo's figures are the answer; the prediction is extra
        log.warning("replenishment_risk: lead-time prediction unavailable", exc_info=True)
        return None


def _replenishment(ctx: ToolContext, args: ReplenishmentArgs) -> ToolResult:
    odoo = ctx.odoo
    wh = warehouse_or_none(ctx, args.warehouse)
    whs = {w["id"]: w for w in warehouse_list(odoo)}
    domain: list[Any] = [("active", "=", True), ("product_id.active", "=", True)]
    fields = ORDERPOINT_FIELDS + (["product_uom"] if "product_uom" in model_fields(odoo, "stock.warehouse.orderpoint")
                                  else [])
    # every warehouse's rules (one read): the other warehouses' ones say where stock could be transferred from
    all_rules = odoo.search_read("stock.warehouse.orderpoint", domain, fields, limit=100000, order="id")
    rules = [r for r in all_rules if wh is None or id_of(r.get("warehouse_id")) == wh["id"]]
    conv = Conversions.load(odoo)
    scope = [w for wid, w in whs.items() if wh is None or wid == wh["id"]]
    out_types = {id_of(w.get("out_type_id")): w["id"] for w in scope}
    since = (ctx.now() - timedelta(days=DEMAND_DAYS)).strftime("%Y-%m-%d %H:%M:%S")
    demand: dict[tuple[int | None, int | None], float] = defaultdict(float)
    if rules:
        move_domain: list[Any] = [("picking_type_id", "in", list(out_types)), ("state", "=", "done"), ("date", ">=", since)]
        for g in odoo.read_group("stock.move", move_domain, ["product_qty:sum"], ["product_id", "picking_type_id"],
                                 lazy=False):
            ptype = id_of(g.get("picking_type_id"))
            if ptype in out_types:
                demand[(id_of(g.get("product_id")), out_types[ptype])] += float(g.get("product_qty") or 0)
    now = today(ctx)
    prices = index_prices(pricelist(odoo))
    rates = {v["id"]: v.get("on_time_rate") for v in vendor_list(odoo)}
    by_tmpl: dict[int | None, list[dict[str, Any]]] = {}
    for (_vendor_id, tmpl), plist in prices.items():
        by_tmpl.setdefault(tmpl, []).extend(plist)
    model = _lead_model(ctx)
    rows: list[dict[str, Any]] = []
    covered: list[dict[str, Any]] = []  # on hand below the minimum, Odoo's forecast not: incoming covers it
    for r in rules:
        pid = id_of(r.get("product_id"))
        wid = id_of(r.get("warehouse_id"))
        stock = float(r.get("qty_on_hand") or 0)
        forecast = float(r.get("qty_forecast") or 0)
        to_order = float(r.get("qty_to_order") or 0)
        mn, mx = float(r.get("product_min_qty") or 0), float(r.get("product_max_qty") or 0)
        daily = demand.get((pid, wid), 0.0) / DEMAND_DAYS
        sellers = _valid_sellers(by_tmpl.get(id_of(r.get("product_tmpl_id")), []), pid, now)
        # compared per product UoM in the company currency (a per-Dozen EUR row vs a per-Unit USD row)
        cc = {id(s): conv.unit_price(float(s.get("price") or 0), s.get("product_uom"), r.get("product_uom"),
                                     conv.rate(s.get("currency_id"))) for s in sellers}
        priced = [s for s in sellers if cc[id(s)] is not None]
        cheapest = min(priced, key=lambda s: cc[id(s)] or 0.0, default=None)
        lead = float(cheapest.get("delay") or 0) if cheapest else 0.0
        likely = None
        if model is not None and cheapest is not None and id_of(cheapest.get("partner_id")):
            likely = model.predict(int(id_of(cheapest.get("partner_id")) or 0), lead, product_id=pid,
                                   warehouse=str(whs.get(wid, {}).get("code") or ""), approved=ctx.now()).mid
            lead = max(lead, likely)  # the vendor's likely lead time from its receipts, never shorter than promised
        below = forecast < mn - kpi.EPS
        runs_out = kpi.runs_out_within_lead_time(forecast, daily, lead)
        if not (below or to_order > kpi.EPS or runs_out):
            if stock < mn - kpi.EPS:  # under its minimum today, but what is on order covers it
                covered.append({"product": name_of(r.get("product_id")) or "?",
                                "wh": whs.get(wid, {}).get("code") if wid and wh is None else None,
                                "on_hand": num(stock), "min": num(mn), "forecast": num(forecast)})
            continue
        odoo_says = below or to_order > kpi.EPS
        qty = to_order if odoo_says else kpi.suggested_order_qty(
            forecast, mn, mx, float(r.get("qty_multiple") or 0),
            float(cheapest.get("min_qty") or 0) if cheapest else 0.0, daily * lead)
        reliable = max((s for s in sellers if _rate(rates, s) is not None),
                       key=lambda s: _rate(rates, s) or 0.0, default=None)
        rows.append({
            "_pid": pid, "_wid": wid,
            "product": name_of(r.get("product_id")) or "?",
            "wh": whs.get(wid, {}).get("code") if wid and wh is None else None,
            "on_hand": num(stock), "forecast": num(forecast), "min": num(mn), "max": num(mx),
            "below_min": below, "runs_out_in_lead_time": runs_out,
            "daily_out": num(daily, 2), "days_cover": num(max(forecast, 0.0) / daily, 1) if daily > 0 else None,
            "suggested_qty": num(qty), "lead_days_likely": num(likely, 1) if likely is not None else None,
            "suggested_by": "Odoo" if odoo_says else "Quartermaster",
            "cheapest": _vendor(cheapest, rates, cc[id(cheapest)], conv.currency, r.get("product_uom"))
            if cheapest else None,
            "most_reliable": _vendor(reliable, rates, cc[id(reliable)], conv.currency, r.get("product_uom"))
            if reliable and reliable is not cheapest else None,
        })
    rows.sort(key=lambda x: (not x["below_min"], x["days_cover"] if x["days_cover"] is not None else 1e9,
                             float(x["forecast"]) - float(x["min"])))
    spare = spare_from_rules(all_rules) if rows else {}
    for x in rows:  # issue #14: "transfer instead of buying" where a sister warehouse has spare stock
        pid_, wid_ = x.pop("_pid", None), x.pop("_wid", None)
        donor = best_donor(spare, int(pid_), int(wid_), whs) if pid_ and wid_ and spare else None
        if donor:
            x["transfer_from"] = {"wh": whs[donor[0]].get("code"), "spare": num(donor[1])}
    below_n = sum(1 for x in rows if x["below_min"])
    odoo_n = sum(1 for x in rows if x["suggested_by"] == "Odoo")
    data: dict[str, Any] = {"at_risk": rows[:MAX_ROWS], "count": len(rows), "below_min": below_n,
                            "rules_checked": len(rules),
                            "readings": "forecast, below_min and suggested_by=Odoo quantities are Odoo's reorder-rule "
                                        "figures (qty_forecast counts open RFQs, qty_to_order); runs_out_in_lead_time "
                                        "and suggested_by=Quartermaster are Quartermaster's rule (last "
                                        f"{DEMAND_DAYS} days' deliveries x the cheapest vendor's lead time: its "
                                        "likely lead time from past receipts, never shorter than promised)"}
    if len(rows) > MAX_ROWS:
        data["note"] = f"showing {MAX_ROWS} most urgent of {len(rows)}"
    if covered:
        covered.sort(key=lambda x: float(x["on_hand"]) - float(x["min"]))
        data["below_min_covered_by_orders"] = covered[:MAX_ROWS]
        data["covered_count"] = len(covered)
    remember_shown(ctx, wh["code"] if wh else "", rows[:MAX_ROWS])
    where = f" at {wh['code']}" if wh else ""
    if not rules:
        return ToolResult(tool="replenishment_risk", data=compact(data),
                          text=f"No active reorder rules{where} in Odoo, so nothing to check.")
    if not rows:
        text = (f"Nothing needs replenishment{where}: Odoo's forecast is at or above the minimum for all {len(rules)} "
                "reorder rules, and none runs out within vendor lead time.")
        return ToolResult(tool="replenishment_risk", data=compact(data), text=text + _covered_text(covered))
    text = (f"{len(rows)} product(s){where} need replenishment: {below_n} below the reorder minimum by Odoo's "
            f"forecast (which counts open RFQs); {len(rows) - odoo_n} more would run out within vendor lead time by "
            f"Quartermaster's own rule (Odoo suggests 0 for those)")
    top = rows[0]
    text += (f"; most urgent {top['product']}{' at ' + top['wh'] if top.get('wh') and not wh else ''} "
             f"(Odoo forecast {fmt_qty(top['forecast'])} vs min {fmt_qty(top['min'])}, "
             f"order {fmt_qty(top['suggested_qty'])} per "
             f"{'Odoo' if top['suggested_by'] == 'Odoo' else 'Quartermaster'}'s figure)")
    movable = [x for x in rows[:MAX_ROWS] if x.get("transfer_from")]
    if movable:
        text += ("; transfer instead of buying: " + "; ".join(
            f"{x['product']}{' at ' + x['wh'] if x.get('wh') else ''} — {x['transfer_from']['wh']} has "
            f"{fmt_qty(x['transfer_from']['spare'])} free above its own minimum" for x in movable[:3])
            + (f" (+{len(movable) - 3} more)" if len(movable) > 3 else ""))
    return ToolResult(tool="replenishment_risk", data=compact(data), text=text + _covered_text(covered))


def _covered_text(covered: list[dict[str, Any]]) -> str:
    """The products under their minimum on hand that open orders already cover (Odoo orders nothing for
    them), so "what is below its minimum?" is answered in both readings."""
    if not covered:
        return ""
    shown = "; ".join(f"{c['product']}{' at ' + c['wh'] if c.get('wh') else ''} (on hand {fmt_qty(c['on_hand'])}, "
                      f"min {fmt_qty(c['min'])}, Odoo forecast {fmt_qty(c['forecast'])})" for c in covered[:5])
    more = f" and {len(covered) - 5} more" if len(covered) > 5 else ""
    return (f" {len(covered)} product(s) are below their minimum on hand but covered by what is on order: "
            f"{shown}{more}.")
