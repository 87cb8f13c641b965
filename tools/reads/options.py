"""supply_options: when a product is short at a warehouse, the ways to cover it, ranked by when they would land.

Read from Odoo at request time: the product's forecast stock (Odoo's `virtual_available`, which counts open
receipts and deliveries) at every warehouse with that warehouse's context, each warehouse's reorder rule
(min and Odoo's `qty_to_order`), the vendor pricelist rows (price, min qty, promised delay, validity), plus
Quartermaster's own lead-time prediction (tools.reads.leadtime) and supplier risk score (tools.reads.risk),
both cached per company day. Options (`option`: transfer | buy), each with `proposal` = {kind, args}: the proposal it can become:

- `transfer_stock`: a warehouse whose forecast stock is above its own minimum gives the surplus (up to the need);
  no purchase cost, TRANSFER_DAYS to move (Odoo has no inter-warehouse transit time to read).
- `create_rfq`: a vendor on the product's pricelist: quantity = the need rounded up to its min qty, cost at its
  price in the company currency, promised and predicted days, risk score and rank, price validity.

Need = Odoo's `qty_to_order` at the warehouse when its rule has one, else the shortfall of the rule's
`qty_forecast` below its minimum (0 when Odoo's rule is covered); without a rule, the next four weeks' forecast
demand (tools.reads.demand) not covered by forecast stock.
Options are sorted by likely arrival, then cost; the answer states the cost/time trade-off.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, Field

from tools.base import ToolContext, ToolError, ToolResult, tool
from tools.odoo.resolve import pricelist, reorder_rules, resolve_product, resolve_warehouse, warehouse_list
from tools.reads.common import compact, currency, dt, fmt_qty, id_of, money, name_of, num, today
from tools.reads.supplier import Conversions

TRANSFER_DAYS = 1
COVER_WEEKS = 4


class OptionsArgs(BaseModel):
    product: str = Field(..., description="Product code or name")
    warehouse: str | None = Field(None, description="Warehouse code or name")


def _stock_by_warehouse(ctx: ToolContext, pid: int) -> dict[int, tuple[float, float]]:
    """{warehouse id: (on hand, Odoo's forecast)} with each warehouse's context (one read per warehouse)."""
    out = {}
    for w in warehouse_list(ctx.odoo):
        rec = ctx.odoo.web_search_read("product.product", [("id", "=", pid)],
                                       {"qty_available": {}, "virtual_available": {}}, limit=1,
                                       context={"warehouse_id": w["id"]}).get("records", [])
        if rec:
            out[int(w["id"])] = (float(rec[0].get("qty_available") or 0), float(rec[0].get("virtual_available") or 0))
    return out


def _risk(ctx: ToolContext) -> dict[str, dict[str, Any]]:
    """Supplier risk rows by vendor name, from supplier_risk's per-day cache (computed once if cold)."""
    from tools.reads.risk import load_weights, rank_vendors

    minutes = float(load_weights().get("cache_minutes", 15))
    data = ctx.odoo.cached(f"supplier_risk:::{today(ctx)}", lambda: rank_vendors(ctx), ttl=minutes * 60)
    return {str(r["vendor"]): r for r in data.get("vendors", [])}


def _need(ctx: ToolContext, pid: int, wid: int, forecast: float, rule: dict[str, Any] | None) -> tuple[float, str]:
    if rule is not None:  # Odoo's reorder rule is the answer: its forecast counts open RFQs too
        full = ctx.odoo.search_read("stock.warehouse.orderpoint", [("id", "=", rule["id"])],
                                    ["qty_to_order", "qty_forecast"], limit=1)
        to_order = float(full[0].get("qty_to_order") or 0) if full else 0.0
        if to_order > 0:
            return to_order, "Odoo's quantity to order for the reorder rule"
        mn = float(rule.get("product_min_qty") or 0)
        rule_forecast = float(full[0].get("qty_forecast") or 0) if full else forecast
        if rule_forecast < mn:
            return mn - rule_forecast, "the shortfall below the reorder minimum"
        return 0.0, "Odoo's reorder rule forecast (which counts open orders and RFQs) covers its minimum"
    from tools.reads.demand import dense, week_start, weekly_deliveries
    from tools.reads.demand import forecast as demand_fc

    this_week = week_start(today(ctx))
    series = weekly_deliveries(ctx.odoo, this_week - timedelta(weeks=104), [pid], wid).get(pid, {})
    if series:
        _weeks, y = dense(series, min(series), this_week - timedelta(days=7))
        demand = float(sum(demand_fc(y, COVER_WEEKS).expected))
        if demand > forecast:
            return demand - forecast, f"the next {COVER_WEEKS} weeks' forecast demand not covered by forecast stock"
    return 0.0, "Odoo's forecast stock covers the next weeks' forecast demand"


@tool(OptionsArgs)
def supply_options(ctx: ToolContext, args: OptionsArgs) -> ToolResult:
    """Ranked options to cover a shortage: transfers or vendors, cost vs time."""
    odoo = ctx.odoo
    product = resolve_product(odoo, args.product, fields=["product_tmpl_id", "uom_id"])
    pid = int(product["id"])
    label = str(product.get("default_code") or product.get("display_name"))
    rules = {id_of(r.get("warehouse_id")): r for r in reorder_rules(odoo) if id_of(r.get("product_id")) == pid}
    stock = _stock_by_warehouse(ctx, pid)
    if args.warehouse:
        wh = resolve_warehouse(odoo, args.warehouse)
    else:  # the warehouse where Odoo's forecast is furthest below its own minimum
        worst = min(stock, key=lambda w: stock[w][1] - float((rules.get(w) or {}).get("product_min_qty") or 0),
                    default=None)
        if worst is None:
            raise ToolError(f"No warehouse stocks {label}; say which warehouse needs it.", code="no_warehouse")
        wh = next(w for w in warehouse_list(odoo) if int(w["id"]) == worst)
    wid = int(wh["id"])
    on_hand, fc = stock.get(wid, (0.0, 0.0))
    need, why = _need(ctx, pid, wid, fc, rules.get(wid))
    whs = {int(w["id"]): w for w in warehouse_list(odoo)}
    code = currency(ctx)
    options: list[dict[str, Any]] = []
    for other, (_oh, ofc) in sorted(stock.items()):
        if other == wid:
            continue
        mn = float((rules.get(other) or {}).get("product_min_qty") or 0)
        free = ofc - mn
        if free > 0 and need > 0:
            qty = min(free, need)
            options.append({"option": "transfer", "source": f"stock at {whs[other]['code']}", "from_warehouse": whs[other]["code"], "to_warehouse": wh["code"],
                            "qty": num(qty), "free_above_min": num(free), "their_min": num(mn),
                            "likely_days": TRANSFER_DAYS, "range_days": [TRANSFER_DAYS, TRANSFER_DAYS + 1],
                            "cost": 0, "covers_need": qty >= need - 1e-9,
                            "proposal": {"kind": "transfer_stock", "args": {
                                "product": label, "from_warehouse": whs[other]["code"],
                                "to_warehouse": wh["code"], "quantity": num(qty)}}})
    conv = Conversions.load(odoo)
    tmpl = id_of(product.get("product_tmpl_id"))
    now = today(ctx)
    rows = [r for r in pricelist(odoo)
            if (id_of(r.get("product_id")) == pid or (not id_of(r.get("product_id")) and id_of(r.get("product_tmpl_id")) == tmpl))
            and not ((s := dt(r.get("date_start"))) and s.date() > now) and not ((e := dt(r.get("date_end"))) and e.date() < now)]
    best: dict[int, dict[str, Any]] = {}
    for r in rows:  # a vendor's lowest valid price row
        vid = id_of(r.get("partner_id"))
        if vid is not None and (vid not in best or float(r.get("price") or 0) < float(best[vid].get("price") or 0)):
            best[vid] = r
    if best and need > 0:
        from tools.reads.leadtime import history_and_model

        _hist, model = history_and_model(ctx)
        risk = _risk(ctx)
        for vid, r in sorted(best.items()):
            vendor = name_of(r.get("partner_id")) or str(vid)
            min_qty = float(r.get("min_qty") or 0)
            unit = conv.unit_price(float(r.get("price") or 0), r.get("product_uom"), product.get("uom_id"),
                                   conv.rate(r.get("currency_id")))
            qty = max(need, min_qty)
            qty = float(math.ceil(qty - 1e-9))
            promised = float(r.get("delay") or 0)
            p = model.predict(vid, promised, product_id=pid, warehouse=str(wh["code"]), approved=ctx.now(), qty=qty)
            rk = risk.get(vendor) or {}
            end = dt(r.get("date_end"))
            options.append({"option": "buy", "source": vendor, "vendor": vendor, "qty": num(qty),
                            "unit_price": num(unit) if unit is not None else None,
                            "cost": num(unit * qty) if unit is not None else None,
                            "promised_days": num(promised, 1), "likely_days": num(p.mid, 1),
                            "range_days": [num(p.low, 1), num(p.high, 1)], "based_on_receipts": p.based_on,
                            "risk_score": rk.get("score"), "risk_rank": rk.get("rank"),
                            "price_valid_until": end.date().isoformat() if end else "open-ended",
                            "min_qty": num(min_qty) if min_qty > 1 else None,
                            "proposal": {"kind": "create_rfq", "args": {
                                "supplier": vendor, "warehouse": wh["code"],
                                "lines": [{"product": label, "quantity": num(qty)}]}}})
    options.sort(key=lambda o: (float(o["likely_days"]), float(o["cost"]) if o.get("cost") is not None else 1e18))
    for i, o in enumerate(options, 1):
        o["rank"] = i
    data: dict[str, Any] = {"product": label, "warehouse": wh["code"], "on_hand": num(on_hand),
                            "odoo_forecast_qty": num(fc), "need": num(need), "need_from": why,
                            "currency": code, "options": options,
                            "readings": "transfer days are an assumption (Odoo holds no transit time between "
                                        "warehouses); likely days for vendors are Quartermaster's prediction from "
                                        "past receipts; risk is the supplier risk score (0-100, higher = riskier)"}
    if need <= 0:
        return ToolResult(tool="supply_options", data=compact(data),
                          text=f"{label} at {wh['code']} is not short: {why}.")
    if not options:
        return ToolResult(tool="supply_options", data=compact(data),
                          text=f"{label} at {wh['code']} needs {fmt_qty(need)} ({why}), but no other warehouse has "
                               "stock above its minimum and no vendor sells it in Odoo.")
    fastest = options[0]
    priced = [o for o in options if o.get("cost") is not None]
    cheapest = min(priced, key=lambda o: (float(o["cost"]), float(o["likely_days"]))) if priced else None

    def say(o: dict[str, Any]) -> str:
        if o["option"] == "transfer":
            return f"transfer {fmt_qty(o['qty'])} from {o['from_warehouse']} (about {o['likely_days']} d, no purchase)"
        risk = f", risk {o['risk_score']}" if o.get("risk_score") is not None else ""
        cost = f", {money(o['cost'], code)}" if o.get("cost") is not None else ""
        return (f"buy {fmt_qty(o['qty'])} from {o['vendor']} (likely {o['likely_days']} d, range "
                f"{o['range_days'][0]}-{o['range_days'][1]} d{cost}{risk})")

    text = f"{label} at {wh['code']} needs {fmt_qty(need)} ({why}). {len(options)} option(s), soonest first: " + \
        "; ".join(f"{o['rank']}. {say(o)}" for o in options[:4])
    if cheapest is not None and cheapest is not fastest:
        extra = float(fastest.get("cost") or 0) - float(cheapest["cost"])
        slower = float(cheapest["likely_days"]) - float(fastest["likely_days"])
        text += (f". Trade-off: option {fastest['rank']} is {num(slower, 1)} d sooner"
                 + (f" and costs {money(extra, code)} more" if extra > 0 else "")
                 + f" than the cheapest, option {cheapest['rank']}")
    return ToolResult(tool="supply_options", data=compact(data), text=text + ".")
