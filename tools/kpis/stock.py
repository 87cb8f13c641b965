"""The stock and service KPIs, from three read_group calls (Odoo sums; we only walk the days back).

Per calendar month, per warehouse (a location belongs to the warehouse Odoo says: `stock.location.warehouse_id`):

- **Fill rate %** (customer deliveries): Σ quantity delivered by done delivery moves / Σ quantity ordered on
  delivery moves that are done or cancelled (a delivery validated short leaves the rest as a cancelled move,
  or in a backorder counted when it is done or cancelled), by the move's date.
- **Inventory turns** (per month): cost of goods issued (done delivery quantities × the product's cost,
  Odoo's `standard_price`) / average inventory value ((on hand at the start + at the end of the month) / 2
  × cost). On hand on a past day is Odoo's own rule for `qty_available` with `to_date`: today's quants minus
  the done moves since (negative history counts as zero).
- **Stockout rate %**: product-warehouse-days with nothing on hand at the end of the day / all
  product-warehouse-days, over the products with demand (a delivery move, any state but draft) at that
  warehouse that month. Odoo keeps no history of reservations, so "free" stock in the past is on hand.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from tools.base import ToolContext
from tools.kpis.queues import Filters, _main_vendor
from tools.kpis.window import Month, Point, Series, ratio, utc_bound
from tools.reads.common import id_of


def location_warehouses(ctx: ToolContext) -> dict[int, int]:
    """{internal location id: warehouse id} (cached)."""
    return ctx.odoo.cached("kpi_locations", lambda: {
        int(r["id"]): int(id_of(r.get("warehouse_id")) or 0)
        for r in ctx.odoo.search_read("stock.location", [("usage", "=", "internal")], ["warehouse_id"],
                                      limit=100000, context={"active_test": False})}, ttl=600)


def product_facts(ctx: ToolContext) -> dict[int, tuple[float, int]]:
    """{product id: (cost, category id)} for every product, archived ones too (cached)."""
    return ctx.odoo.cached("kpi_products", lambda: {
        int(r["id"]): (float(r.get("standard_price") or 0.0), int(id_of(r.get("categ_id")) or 0))
        for r in ctx.odoo.search_read("product.product", [], ["standard_price", "categ_id"], limit=100000,
                                      context={"active_test": False})}, ttl=600)


def _range_day(g: dict[str, Any], spec: str) -> str | None:
    rng = (g.get("__range") or {}).get(spec)
    return str(rng["from"])[:10] if rng else None


class StockFacts:
    """The raw sums, keyed (product, warehouse): today's on hand, net done moves per day, deliveries per month."""

    def __init__(self, ctx: ToolContext, flt: Filters, window: list[Month]) -> None:
        self.ctx, self.flt, self.window = ctx, flt, window
        loc_wh = location_warehouses(ctx)
        facts = product_facts(ctx)
        keep = self._product_filter(facts)
        start = utc_bound(ctx, window[0].first)
        wh_ok = (lambda w: w == flt.warehouse_id) if flt.warehouse_id else (lambda w: w != 0)
        odoo = ctx.odoo
        self.on_hand: dict[tuple[int, int], float] = defaultdict(float)
        for g in odoo.read_group("stock.quant", [("location_id.usage", "=", "internal")], ["quantity:sum"],
                                 ["product_id", "location_id"], lazy=False):
            p, w = id_of(g.get("product_id")), loc_wh.get(id_of(g.get("location_id")) or 0, 0)
            if p and wh_ok(w) and keep(p):
                self.on_hand[(p, w)] += float(g.get("quantity") or 0)
        self.net: dict[tuple[int, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for g in odoo.read_group("stock.move", [("state", "=", "done"), ("date", ">=", start)], ["product_qty:sum"],
                                 ["product_id", "location_id", "location_dest_id", "date:day"], lazy=False):
            p = id_of(g.get("product_id"))
            day = _range_day(g, "date:day")
            if not p or not day or not keep(p):
                continue
            src, dst = loc_wh.get(id_of(g.get("location_id")) or 0, 0), loc_wh.get(id_of(g.get("location_dest_id")) or 0, 0)
            if src == dst:
                continue  # inside one warehouse (or between two outside locations)
            qty = float(g.get("product_qty") or 0)
            if src and wh_ok(src):
                self.net[(p, src)][day] -= qty
            if dst and wh_ok(dst):
                self.net[(p, dst)][day] += qty
        self.ordered: dict[str, float] = defaultdict(float)
        self.delivered: dict[str, float] = defaultdict(float)
        self.cogs: dict[str, float] = defaultdict(float)
        self.demand: dict[str, set[tuple[int, int]]] = defaultdict(set)
        for g in odoo.read_group("stock.move", [("location_dest_id.usage", "=", "customer"), ("state", "!=", "draft"),
                                                ("date", ">=", start)],
                                 ["product_uom_qty:sum", "quantity:sum", "product_qty:sum"],
                                 ["product_id", "location_id", "state", "date:month"], lazy=False):
            p, w = id_of(g.get("product_id")), loc_wh.get(id_of(g.get("location_id")) or 0, 0)
            month = (_range_day(g, "date:month") or "")[:7]
            if not p or not wh_ok(w) or not keep(p) or not month:
                continue
            state = g.get("state")
            self.demand[month].add((p, w))
            if state == "done":
                self.ordered[month] += float(g.get("product_uom_qty") or 0)
                self.delivered[month] += float(g.get("quantity") or 0)
                self.cogs[month] += float(g.get("product_qty") or 0) * facts.get(p, (0.0, 0))[0]
            elif state == "cancel":
                self.ordered[month] += float(g.get("product_uom_qty") or 0)
        self.cost = {p: c for p, (c, _cat) in facts.items()}

    def _product_filter(self, facts: dict[int, tuple[float, int]]) -> Any:
        flt = self.flt
        allowed: set[int] | None = None
        if flt.category_id:
            from tools.kpis.purchasing import category_ids

            cats = category_ids(self.ctx, flt.category_id)
            allowed = {p for p, (_c, cat) in facts.items() if cat in cats}
        if flt.vendor_id:
            main = _main_vendor(self.ctx)
            by_vendor = {p for p, (vid, _n) in main.items() if vid == flt.vendor_id}
            allowed = by_vendor if allowed is None else allowed & by_vendor
        return (lambda p: p in allowed) if allowed is not None else (lambda p: True)

    def level_at_end_of(self, key: tuple[int, int], day: date) -> float:
        """On hand at the end of `day`: today's quantity minus the net done moves on later days."""
        later = sum(q for d, q in self.net.get(key, {}).items() if d > day.isoformat())
        return self.on_hand.get(key, 0.0) - later

    def levels(self, key: tuple[int, int], first: date, last: date) -> dict[date, float]:
        """End-of-day on hand for every day first..last (one backward walk)."""
        moves = self.net.get(key, {})
        level = self.on_hand.get(key, 0.0) - sum(q for d, q in moves.items() if d > last.isoformat())
        out: dict[date, float] = {}
        day = last
        while day >= first:
            out[day] = level
            level -= moves.get(day.isoformat(), 0.0)
            day -= timedelta(days=1)
        return out


def stock_series(ctx: ToolContext, flt: Filters, window: list[Month]) -> list[Series]:
    f = StockFacts(ctx, flt, window)
    fill, turns, stockout = [], [], []
    keys = set(f.on_hand) | set(f.net)
    for m in window:
        fill.append(Point(m.key, ratio(f.delivered[m.key], f.ordered[m.key]), round(f.delivered[m.key], 3),
                          round(f.ordered[m.key], 3)))
        value = 0.0
        before = m.first - timedelta(days=1)
        for key in keys:
            cost = f.cost.get(key[0], 0.0)
            if cost:
                opening = max(0.0, f.level_at_end_of(key, before))
                closing = max(0.0, f.level_at_end_of(key, m.last))
                value += (opening + closing) / 2 * cost
        turns.append(Point(m.key, ratio(f.cogs[m.key], value, scale=1.0, nd=2), round(f.cogs[m.key], 2), round(value, 2)))
        out_days = total_days = 0
        for key in sorted(f.demand.get(m.key, ())):
            for level in f.levels(key, m.first, m.last).values():
                total_days += 1
                out_days += level <= 1e-9
        stockout.append(Point(m.key, ratio(out_days, total_days), out_days, total_days))
    return [
        Series("fill_rate", "Fill rate (customer deliveries)", "%", "up", fill),
        Series("inventory_turns", "Inventory turns (per month)", "x", "up", turns),
        Series("stockout_rate", "Stockout rate", "%", "down", stockout),
    ]
