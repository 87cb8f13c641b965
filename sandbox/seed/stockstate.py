"""Stock today and the sales side: the stockout/excess story, customer deliveries (consumption history and
today's outgoing), on-hand quants and reorder rules (some stale).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math

from sandbox.seed.demand import factor
from sandbox.seed.master import World
from sandbox.seed.purchasing import Flags, Purchasing, at, work_moment
from sandbox.seed.tables import Tables, ts

DELIVERIES_PER_WEEK = {"DAL": 12, "HOU": 8, "AUS": 7, "SAT": 7, "OKC": 3}
LINES_PER_DELIVERY = 4
HEROES = {"DAL": "PPE-1042", "AUS": "MED-2210", "HOU": "FST-4410", "SAT": "JAN-8030"}  # out of stock today


def plan_flags(w: World) -> Flags:
    """Decide today's story per site before any history is generated."""
    rng = w.rng
    flags = Flags()
    for (n, pid), _demand in sorted(w.stocked.items()):
        item = w.items[pid - 1]
        code = w.sites[n].site.code
        roll = rng.random()
        if item.velocity == "F" and roll < 0.14:
            flags.stockout.add((n, pid))
        elif (item.velocity == "S" and roll < 0.3) or (item.velocity == "M" and roll < 0.06):
            flags.excess.add((n, pid))
        if code == "OKC" and item.velocity != "F" and rng.random() < 0.12:
            flags.zero.add((n, pid))
        if item.velocity in ("S", "M") and rng.random() < 0.025:
            flags.dropped[(n, pid)] = w.today - dt.timedelta(days=rng.randint(190, 400))
    for n, s in enumerate(w.sites):
        hero = HEROES.get(s.site.code)
        hero_id = next((i + 1 for i, it in enumerate(w.items) if it.code == hero), None)
        if hero_id and (n, hero_id) in w.stocked:
            flags.stockout.add((n, hero_id))
            flags.excess.discard((n, hero_id))
    return flags


class Stock:
    """Deliveries, quants and orderpoints; needs the purchasing result for receipt-based in_date."""

    def __init__(self, t: Tables, w: World, flags: Flags, purchasing: Purchasing) -> None:
        self.t, self.w, self.flags, self.p = t, w, flags, purchasing
        self.open_out: dict[tuple[int, int], list[int]] = {}  # (site, pid) -> open outgoing move ids
        self.so = 0

    def deliveries(self) -> None:
        w, rng = self.w, self.w.rng
        days = (w.today - w.start).days
        for n, s in enumerate(w.sites):
            pids = sorted(p for (sn, p) in w.stocked if sn == n)
            weights = [w.stocked[(n, p)] ** 0.5 for p in pids]
            cumulative = list(itertools.accumulate(weights))
            total_w = sum(weights)
            per_week = DELIVERIES_PER_WEEK[s.site.code] * w.scale
            lines_week = per_week * LINES_PER_DELIVERY
            count = round(per_week * (days + 7) / 7)
            customers = w.customers[s.site.code]
            for _ in range(count):
                day = w.start + dt.timedelta(days=rng.randrange(days + 7))
                moment = work_moment(w, day)
                k = rng.randint(2, 2 * LINES_PER_DELIVERY - 2)
                chosen: list[int] = []
                while len(chosen) < min(k, len(pids)):
                    p = rng.choices(pids, cum_weights=cumulative)[0]
                    if p not in chosen:
                        chosen.append(p)
                lines = []
                for p in chosen:
                    stop = self.flags.dropped.get((n, p))
                    if stop and day >= stop:
                        continue
                    share = lines_week * (w.stocked[(n, p)] ** 0.5) / total_w
                    item = w.items[p - 1]
                    qty = w.stocked[(n, p)] * 7 / max(share, 0.05) * rng.uniform(0.6, 1.4)
                    qty *= factor(item.prefix, item.code, day, w.today)
                    unit = item.uom
                    qty = round(qty, 1) if unit in ("kg", "L") else float(max(1, round(qty)))
                    lines.append((p, qty))
                if lines:
                    self._delivery(n, rng.choice(customers), moment, lines)

    def _delivery(self, n: int, customer: int, moment: dt.datetime, lines: list[tuple[int, float]]) -> None:
        w, rng = self.w, self.w.rng
        site = w.sites[n]
        self.so += 1
        future = moment + dt.timedelta(hours=1) > w.now
        created = min(moment - dt.timedelta(days=rng.uniform(0.5, 3)), w.now - dt.timedelta(hours=1))
        pick = self.t.add("stock.picking", name=None, partner_id=customer, picking_type_id=site.out_type,
                          location_id=site.stock, location_dest_id=w.customer_location, origin=f"S{self.so:05d}",
                          purchase_id=None, state="assigned" if future else "done", scheduled_date=ts(moment),
                          date_deadline=None, date_done=None if future else ts(moment + dt.timedelta(hours=1)),
                          date=ts(created), backorder_id=None, return_id=None, company_id=1,
                          user_id=None, priority="0", note=None, move_type="direct")
        for pid, qty in lines:
            item = w.items[pid - 1]
            mid = self.t.add("stock.move", name=f"[{item.code}] {item.name}", reference=None, product_id=pid,
                             product_uom_qty=qty, product_qty=qty, quantity=0.0 if future else qty,
                             product_uom=w.uom[item.uom], picking_id=pick, picking_type_id=site.out_type,
                             location_id=self.p.location_for(n, pid), location_dest_id=w.customer_location,
                             location_final_id=None, state="assigned" if future else "done", date=ts(moment),
                             date_deadline=None, purchase_line_id=None, picked=not future,
                             origin_returned_move_id=None, to_refund=False, origin=f"S{self.so:05d}",
                             partner_id=customer, warehouse_id=site.warehouse, price_unit=0.0,
                             procure_method="make_to_stock", company_id=1)
            if future:
                self.open_out.setdefault((n, pid), []).append(mid)

    def quants(self) -> dict[tuple[int, int], float]:
        """On hand per (site, product) today; returns the totals for the reorder rules."""
        w, rng = self.w, self.w.rng
        last_in: dict[tuple[int, int], str] = {}
        for mv in self.t.table("stock.move"):
            if mv["state"] == "done" and mv["location_id"] == w.vendor_locations:
                wh = mv["warehouse_id"]
                key = (wh - 1, mv["product_id"])
                if mv["date"] > last_in.get(key, ""):
                    last_in[key] = mv["date"]
        onhand: dict[tuple[int, int], float] = {}
        for (n, pid), demand in sorted(w.stocked.items()):
            item = w.items[pid - 1]
            key = (n, pid)
            if key in self.flags.zero:
                qty = 0.0
            elif key in self.flags.stockout:
                hero = HEROES.get(w.sites[n].site.code) == item.code
                qty = 0.0 if hero or rng.random() < 0.6 else math.floor(demand * rng.uniform(0.1, 0.8))
            elif key in self.flags.excess or key in self.flags.dropped:
                qty = demand * rng.uniform(160, 420) + rng.randint(5, 40)
            else:
                cover = {"F": (6, 30), "M": (10, 45), "S": (20, 120)}[item.velocity]
                qty = demand * rng.uniform(*cover)
            if not self.t.get("product.product", pid)["active"]:
                qty = qty * 0.3 if rng.random() < 0.5 else 0.0
            qty = round(qty, 1) if item.uom in ("kg", "L") else float(math.floor(qty))
            onhand[key] = qty
            if qty <= 0:
                continue
            reserve = 0.0
            for mid in self.open_out.get(key, []):
                mv = self.t.get("stock.move", mid)
                take = min(mv["product_uom_qty"], qty - reserve)
                if take > 0:
                    mv["quantity"] = take
                    reserve += take
            in_date = last_in.get(key) or ts(at(w.today - dt.timedelta(days=rng.randint(20, 300)), 15.0))
            self._place(n, pid, qty, reserve, in_date)
        for _key, mids in sorted(self.open_out.items()):
            for mid in mids:
                mv = self.t.get("stock.move", mid)
                if mv["quantity"] <= 0:
                    mv["state"] = "confirmed"
                elif mv["quantity"] < mv["product_uom_qty"]:
                    mv["state"] = "partially_available"
        states: dict[int, set[str]] = {}
        for key in sorted(self.open_out):
            for mid in self.open_out[key]:
                mv = self.t.get("stock.move", mid)
                states.setdefault(mv["picking_id"], set()).add(mv["state"])
        for pick_id, seen in sorted(states.items()):
            if seen == {"confirmed"}:
                self.t.get("stock.picking", pick_id)["state"] = "confirmed"
        return onhand

    def _place(self, n: int, pid: int, qty: float, reserve: float, in_date: str) -> None:
        """One quant at scale 1; at scale N the units are spread over N bins (N quants)."""
        w, rng = self.w, self.w.rng
        site = w.sites[n]
        loc = self.p.location_for(n, pid)
        places = [loc]
        if loc == site.stock and site.bins and qty >= 2:
            places = rng.sample(site.bins, min(len(site.bins), int(qty)))
        share = qty / len(places)
        rest, left = qty, reserve
        for k, place in enumerate(places):
            part = rest if k == len(places) - 1 else float(math.floor(share))
            rest -= part
            res = min(part, left)
            left -= res
            self.t.add("stock.quant", product_id=pid, location_id=place, quantity=part, reserved_quantity=res,
                       in_date=in_date, inventory_quantity=0.0, inventory_date=None, lot_id=None, company_id=1)

    def orderpoints(self, onhand: dict[tuple[int, int], float]) -> None:
        w, rng = self.w, self.w.rng
        count = 0
        for (n, pid), demand in sorted(w.stocked.items()):
            item = w.items[pid - 1]
            key = (n, pid)
            active_product = self.t.get("product.product", pid)["active"]
            wanted = item.velocity in ("F", "M") or rng.random() < 0.35 or key in self.flags.zero \
                or not active_product
            if not wanted and key not in self.flags.dropped:
                continue
            vendor = w.primary[key]
            offer = next(o for o in w.supply[pid] if o.vendor == vendor)
            lo = math.ceil(demand * (offer.delay + 4))
            hi = lo + math.ceil(demand * rng.uniform(14, 30))
            stale = key in self.flags.dropped or not active_product or rng.random() < 0.07
            if stale and key not in self.flags.dropped and active_product:
                lo, hi = lo * rng.randint(4, 10), hi * rng.randint(4, 10)
            if key in self.flags.stockout and onhand.get(key, 0) >= lo:
                lo = math.ceil(onhand[key] + demand * 5)
                hi = max(hi, lo * 2)
            count += 1
            self.t.add("stock.warehouse.orderpoint", name=f"OP/{count:05d}", product_id=pid,
                       location_id=w.sites[n].stock, warehouse_id=w.sites[n].warehouse,
                       product_min_qty=float(max(1, lo)), product_max_qty=float(max(2, hi, lo + 1)),
                       qty_multiple=float(offer.min_qty if offer.min_qty > 1 else 1),
                       trigger="manual" if rng.random() < 0.2 else "auto", active=True, company_id=1,
                       route_id=None, supplier_id=offer.info_id if rng.random() < 0.5 else None,
                       snoozed_until=None, qty_to_order_manual=0.0)
