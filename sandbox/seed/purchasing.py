"""Eighteen months of purchasing: POs, receipts (on time, late, partial, over-delivered), returns, vendor bills.

Every outcome is drawn from the vendor's `Profile`, so a scorecard computed from the rows tells each vendor's
story. Today's state is forced on top: open POs due today, this week and overdue at every site, and RFQs
sized around the approval thresholds (5,000 and 25,000 USD).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from sandbox.seed.catalog import VENDORS
from sandbox.seed.master import Supply, World
from sandbox.seed.tables import Tables, d, ts

PO_PER_MONTH = {"DAL": 30, "HOU": 21, "AUS": 18, "SAT": 15, "OKC": 8}
ORDER_BOOST = {"Gemini Furniture": 3.0}  # enough Gemini POs for its lead-time story to be measurable
BUYER = {"DAL": "ava.buyer", "AUS": "ava.buyer", "SAT": "ava.buyer", "HOU": "ben.buyer", "OKC": "ben.buyer"}
RFQ_TARGETS = (("DAL", 1850.0, "draft"), ("SAT", 3400.0, "sent"), ("OKC", 4300.0, "draft"),
               ("HOU", 2600.0, "sent"), ("AUS", 7200.0, "sent"), ("DAL", 12800.0, "draft"),
               ("HOU", 18400.0, "sent"), ("SAT", 9600.0, "draft"), ("OKC", 22900.0, "sent"),
               ("AUS", 38600.0, "draft"))


@dataclass
class Event:
    """Something that happened to a PO that a supplier or a colleague would write about."""

    kind: str
    when: dt.datetime
    po: int
    vendor: int
    site: int
    picking: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    site: int
    vendor: int
    order: dt.datetime
    lines: list[tuple[int, float]]  # product id, quantity in the product's UoM
    mode: str = "history"  # history | open | draft | sent | cancel
    planned: dt.datetime | None = None
    origin: str | None = None
    target: float = 0.0  # RFQs: the amount they are sized to (approval-threshold tests)
    approve_hours: float | None = None  # planted anomalies: approved this long after ordering (else drawn)
    price_factor: float = 1.0  # planted anomalies: unit price times this (a spot buy above the usual price)
    short_pid: int | None = None  # today's stockout item appended to this open PO (same quantity each time)
    big: tuple[int, ...] = ()  # products whose quantity here is 4+ times the most the site ordinarily orders


@dataclass
class Flags:
    """Today's stock story per (site index, product id), decided before history so POs can match it."""

    stockout: set[tuple[int, int]] = field(default_factory=set)
    excess: set[tuple[int, int]] = field(default_factory=set)
    zero: set[tuple[int, int]] = field(default_factory=set)  # OKC items with no stock at all
    dropped: dict[tuple[int, int], dt.date] = field(default_factory=dict)  # no longer sold there since


def at(day: dt.date, hour: float) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hour)


def work_moment(w: World, day: dt.date) -> dt.datetime:
    """A moment in Texas business hours (14:00–23:00 UTC) on `day`, moved off weekends."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return at(day, w.rng.uniform(14.0, 23.0)).replace(microsecond=0)


def weekday(moment: dt.datetime, back: bool = False) -> dt.datetime:
    """Trucks arrive on weekdays: move a weekend moment to Friday (back) or Monday."""
    while moment.weekday() >= 5:
        moment += dt.timedelta(days=-1 if back else 1)
    return moment


class Purchasing:
    """Builds POs, receipts, returns and bills into the tables, and records events for the chatter."""

    def __init__(self, t: Tables, w: World, flags: Flags) -> None:
        self.t, self.w, self.flags = t, w, flags
        self.events: list[Event] = []
        # (kind, PO name, product code, order day): the anomalies this generator planted knowingly, for
        # measuring purchase_anomalies (sandbox/seed/labels.py); recording them draws no random number
        self.labels: list[tuple[str, str, str, dt.date]] = []
        # (site, product id, PO name, approved, quantity): today's stockout item put on several open POs
        self.shortfills: list[tuple[int, int, str, dt.datetime, float]] = []
        self.seq = 0
        self.partner_ref = 0

    # -- planning ---------------------------------------------------------------------------------
    def plans(self) -> list[Plan]:
        w, rng = self.w, self.w.rng
        days = (w.today - w.start).days
        plans: list[Plan] = []
        for n, s in enumerate(w.sites):
            by_vendor: dict[int, list[int]] = {}
            for (sn, pid), v in sorted(w.primary.items()):
                if sn == n:
                    by_vendor.setdefault(v, []).append(pid)
            vendors = sorted(by_vendor)
            weights = [sum(w.stocked[(n, p)] * w.items[p - 1].cost for p in by_vendor[v]) ** 0.5
                       * ORDER_BOOST.get(VENDORS[v].name, 1.0) for v in vendors]
            count = round(PO_PER_MONTH[s.site.code] * days / 30.4 * w.scale)
            for _ in range(count):
                v = rng.choices(vendors, weights)[0]
                day = w.start + dt.timedelta(days=rng.randrange(days - 2))
                order = work_moment(w, day)
                if order >= w.now - dt.timedelta(hours=2):
                    continue
                lines = self._lines(n, v, by_vendor[v], order.date())
                origin = f"OP/{rng.randint(1, 900):05d}" if rng.random() < 0.3 else None
                plans.append(Plan(n, v, order, lines, "cancel" if rng.random() < 0.03 else "history",
                                  origin=origin))
            plans += self._today(n, by_vendor)
        for code, target, state in RFQ_TARGETS:
            n = next(i for i, s in enumerate(w.sites) if s.site.code == code)
            plans.append(self._rfq(n, target, state))
        plans.sort(key=lambda p: (p.order, p.site, p.vendor))
        return plans

    def _lines(self, n: int, v: int, pids: list[int], day: dt.date, k: int | None = None) -> list[tuple[int, float]]:
        w, rng = self.w, self.w.rng
        live = [p for p in pids if (n, p) not in self.flags.dropped or self.flags.dropped[(n, p)] > day]
        live = live or pids
        k = min(len(live), k or rng.choice((1, 1, 2, 2, 3, 3, 4, 5, 6, 8)))
        chosen: list[int] = []
        weights = [w.stocked[(n, p)] ** 0.5 + 0.05 for p in live]
        while len(chosen) < k:
            p = rng.choices(live, weights)[0]
            if p not in chosen:
                chosen.append(p)
        out = []
        for p in chosen:
            qty = w.stocked[(n, p)] * rng.uniform(10, 30) / w.scale
            out.append((p, qty))
        return out

    def _today(self, n: int, by_vendor: dict[int, list[int]]) -> list[Plan]:
        """Open POs at one site: due today, due this week, overdue (bad vendors first)."""
        w, rng = self.w, self.w.rng
        vendors = sorted(by_vendor)
        bad = [v for v in vendors if VENDORS[v].name in ("Northgate Medical Supply", "Redline Fasteners",
                                                          "Gemini Furniture", "Cardinal Gloves & PPE")]
        out_items = sorted(p for (sn, p) in self.flags.stockout if sn == n)
        plans = []
        slots = [("today", 0), ("today", 0), ("week", 1), ("week", 3), ("week", 5), ("late", -1), ("late", -4),
                 ("late", -9), ("partial", -4), ("partial", -8)]
        for kind, offset in slots:
            pool = bad if kind in ("late", "partial") and bad and rng.random() < 0.75 else vendors
            v = rng.choice(pool)
            delay = max(o.delay for p in by_vendor[v] for o in w.supply[p] if o.vendor == v)
            planned_day = w.today + dt.timedelta(days=offset)
            planned = at(planned_day, rng.choice((15.0, 17.0, 19.5, 21.0)))
            order = work_moment(w, planned_day - dt.timedelta(days=delay + rng.randint(0, 2)))
            if order >= w.now:
                order = w.now - dt.timedelta(hours=rng.randint(3, 30))
            lines = self._lines(n, v, by_vendor[v], order.date())
            if kind == "partial":  # at least a few purchase units per line, so something can be short
                lines = [(p, max(q, 4.0 * (12 if w.items[p - 1].po_uom == "Dozens" else 1))) for p, q in lines]
            short = [p for p in out_items if p in by_vendor[v] and all(p != q for q, _ in lines)]
            if short and kind != "today":
                lines.append((short[0], w.stocked[(n, short[0])] * 25))
            # at large scales ordinary orders shrink (30 / scale days of demand at most) while these stay: the
            # generator knows such a line is a quantity anomaly (labels only; no random number drawn)
            big = tuple(p for p, q in lines
                        if self._rounded(v, p, q) >= 5 * self._rounded(v, p, w.stocked[(n, p)] * 30 / w.scale))
            plans.append(Plan(n, v, order, lines, "partial" if kind == "partial" else "open", planned=planned,
                              short_pid=short[0] if short and kind != "today" else None, big=big))
        return plans

    def _rounded(self, v: int, pid: int, units: float) -> float:
        """`units` as _po puts them on a line: purchase units, rounded up to the vendor's minimum step."""
        item = self.w.items[pid - 1]
        if item.uom in ("kg", "L"):
            return float(max(5, round(units / 5) * 5))
        step = next(o.min_qty for o in self.w.supply[pid] if o.vendor == v)
        step = step if step > 1 else 1.0
        return max(step, math.ceil(units / (12.0 if item.po_uom == "Dozens" else 1.0) / step) * step)

    def _rfq(self, n: int, target: float, state: str) -> Plan:
        w, rng = self.w, self.w.rng
        cands = sorted({v for (sn, _p), v in w.primary.items() if sn == n})
        v = rng.choice(cands)
        pids = sorted(p for (sn, p), pv in w.primary.items() if sn == n and pv == v)
        lines = self._lines(n, v, pids, w.today, k=min(len(pids), rng.randint(2, 5)))
        value = sum(q * self._offer(n, v, p).price for p, q in lines)
        factor = target / value if value else 1.0
        lines = [(p, q * factor) for p, q in lines]
        order = w.now - dt.timedelta(minutes=rng.randint(120, 7200))
        return Plan(n, v, order, lines, state, target=target)

    # -- building -----------------------------------------------------------------------------------
    def _offer(self, n: int, v: int, pid: int) -> Supply:
        return next(o for o in self.w.supply[pid] if o.vendor == v)

    def build(self) -> None:
        for plan in self.plans():
            self._po(plan)

    def _po(self, plan: Plan) -> None:
        t, w, rng = self.t, self.w, self.w.rng
        site = w.sites[plan.site]
        prof = w.profiles[plan.vendor]
        self.seq += 1
        name = f"P{self.seq:05d}"
        confirmed = plan.mode in ("history", "open", "partial") or (plan.mode == "cancel" and rng.random() < 0.5)
        approve = None
        if confirmed:
            hours = rng.uniform(0.3, 26) if plan.approve_hours is None else plan.approve_hours
            approve = min(plan.order + dt.timedelta(hours=hours), w.now - dt.timedelta(minutes=30))
        state = {"history": "purchase", "open": "purchase", "partial": "purchase", "draft": "draft", "sent": "sent",
                 "cancel": "cancel"}
        buyer = BUYER[site.site.code]
        if plan.mode in ("draft", "sent") and len(plan.lines) > 0 and plan.site == 2 and rng.random() < 0.5:
            buyer = "maria.manager"
        self.partner_ref += 1
        po = t.add("purchase.order", name=name, partner_id=w.vendor_ids[plan.vendor],
                   partner_ref=(f"{VENDORS[plan.vendor].name[:3].upper()}-SO{40000 + self.partner_ref * 7}"
                                if confirmed and rng.random() < 0.6 else None),
                   origin=plan.origin, date_order=ts(plan.order), date_approve=ts(approve) if approve else None,
                   state=state[plan.mode], picking_type_id=site.in_type, company_id=1, currency_id=1,
                   user_id=w.users[buyer], notes=None, priority="1" if plan.mode == "open" and rng.random() < 0.2
                   else "0", dest_address_id=None, fiscal_position_id=None, payment_term_id=None,
                   mail_reminder_confirmed=False, mail_reception_confirmed=bool(confirmed and rng.random() < 0.3),
                   mail_reception_declined=False)
        base = approve or plan.order
        lines = []
        for seq, (pid, units) in enumerate(plan.lines, start=1):
            item = w.items[pid - 1]
            offer = self._offer(plan.site, plan.vendor, pid)
            price, _info = offer.price_on(plan.order.date())
            if prof.steps and rng.random() < 0.4:
                price = round(price * rng.uniform(1.01, 1.06), 2)  # Cardinal: PO above its own pricelist
            elif VENDORS[plan.vendor].profile is None and rng.random() < 0.05:
                price = round(price * rng.uniform(0.97, 1.04), 2)
            if plan.price_factor != 1.0:
                price = round(price * plan.price_factor, 2)
            if confirmed and plan.mode != "cancel" and price > offer.price_on(plan.order.date())[0] + 0.005:
                self.labels.append(("price_above_list", name, item.code, plan.order.date()))
            per = 12.0 if item.po_uom == "Dozens" else 1.0
            step = offer.min_qty if offer.min_qty > 1 else 1.0
            qty = max(step, math.ceil(units / per / step) * step)
            if item.uom in ("kg", "L"):
                qty = float(max(5, round(units / 5) * 5))
            planned = plan.planned or weekday(base + dt.timedelta(days=offer.delay))
            line = t.add("purchase.order.line", order_id=po, sequence=seq * 10, product_id=pid,
                         name=f"[{item.code}] {item.name}", product_qty=float(qty),
                         product_uom=w.uom[item.po_uom], product_uom_qty=float(qty * per), price_unit=price,
                         discount=0.0, taxes_id=[], date_planned=ts(planned), qty_received_method="stock_moves",
                         qty_received_manual=0.0, display_type=None, company_id=1,
                         partner_id=w.vendor_ids[plan.vendor], currency_id=1, state=state[plan.mode])
            lines.append((line, pid, float(qty), price, per, planned))
            if pid in plan.big and approve is not None:
                self.labels.append(("quantity", name, item.code, plan.order.date()))
            if pid == plan.short_pid and approve is not None:
                self.shortfills.append((plan.site, pid, name, approve, float(qty)))
        if plan.target:
            self._fit(lines, plan.target)
        if plan.mode in ("draft", "sent"):
            self.events.append(Event("rfq_" + plan.mode, plan.order, po, plan.vendor, plan.site))
            return
        if approve is None:
            return
        self.events.append(Event("confirmed", approve, po, plan.vendor, plan.site))
        if rng.random() < prof.chatty:
            self.events.append(Event("ack", approve + dt.timedelta(hours=rng.uniform(1, 30)), po, plan.vendor,
                                     plan.site, data={"planned": lines[0][5]}))
        self._receive(po, plan, approve, lines)

    def _fit(self, lines: list[tuple[int, int, float, float, float, dt.datetime]], target: float) -> None:
        """Keep an RFQ's amount in the approval band its target names (<5k, 5k-25k, >25k)."""
        low, high = (0.0, 4999.0) if target < 5000 else (5001.0, 24999.0) if target <= 25000 else (25001.0, 1e12)
        rows = [self.t.get("purchase.order.line", line[0]) for line in lines]
        cheapest = min(rows, key=lambda r: r["price_unit"])
        for _ in range(10000):
            amount = sum(r["product_qty"] * r["price_unit"] for r in rows)
            if low <= amount <= high:
                return
            step = 1.0 if amount < low else -1.0
            if cheapest["product_qty"] + step < 1:
                return
            cheapest["product_qty"] += step
            cheapest["product_uom_qty"] = cheapest["product_qty"] * (12.0 if cheapest["product_uom"] == self.w.uom[
                "Dozens"] else 1.0)

    def _picking(self, po: int, plan: Plan, created: dt.datetime, scheduled: dt.datetime, state: str,
                 done: dt.datetime | None, backorder: int | None = None) -> int:
        w = self.w
        site = w.sites[plan.site]
        return self.t.add("stock.picking", name=None, partner_id=w.vendor_ids[plan.vendor],
                          picking_type_id=site.in_type, location_id=w.vendor_locations, location_dest_id=site.stock,
                          origin=self.t.get("purchase.order", po)["name"], purchase_id=po, state=state,
                          scheduled_date=ts(scheduled), date_deadline=ts(scheduled),
                          date_done=ts(done) if done else None, date=ts(created), backorder_id=backorder,
                          return_id=None, company_id=1, user_id=None, priority="0", note=None, move_type="direct")

    def _move(self, picking: int, plan: Plan, line: tuple[int, int, float, float, float, dt.datetime],
              demand: float, quantity: float, state: str, when: dt.datetime, deadline: dt.datetime) -> int:
        w = self.w
        site = w.sites[plan.site]
        line_id, pid, _qty, price, per, _planned = line
        item = w.items[pid - 1]
        return self.t.add("stock.move", name=f"[{item.code}] {item.name}", reference=None, product_id=pid,
                          product_uom_qty=demand, product_qty=demand * per, quantity=quantity,
                          product_uom=w.uom[item.po_uom], picking_id=picking, picking_type_id=site.in_type,
                          location_id=w.vendor_locations, location_dest_id=self.location_for(plan.site, pid),
                          location_final_id=None, state=state, date=ts(when), date_deadline=ts(deadline),
                          purchase_line_id=line_id, picked=state == "done", origin_returned_move_id=None,
                          to_refund=False, origin=self.t.get("purchase.order", self.t.get(
                              "purchase.order.line", line_id)["order_id"])["name"],
                          partner_id=None, warehouse_id=site.warehouse, price_unit=price,
                          procure_method="make_to_stock", company_id=1)

    def location_for(self, n: int, pid: int) -> int:
        """Cold chain at AUS lives in the cold room, chemicals at HOU in the hazmat cage, DAL's big kit in racking."""
        site = self.w.sites[n]
        prefix = self.w.items[pid - 1].prefix
        wanted = {"CCP": "Cold Room (2-8 °C)", "CHM": "Hazmat Cage", "MHE": "Bulk Racking"}.get(prefix)
        return site.special.get(wanted or "", site.stock)

    def _arrival(self, plan: Plan, planned: dt.datetime, approve: dt.datetime) -> dt.datetime:
        rng = self.w.rng
        prof = self.w.profiles[plan.vendor]
        if rng.random() < prof.on_time:
            moment = planned - dt.timedelta(hours=rng.uniform(0, 14) if rng.random() < 0.8 else rng.uniform(14, 40))
            moment = max(moment, approve + dt.timedelta(hours=20))
            return weekday(moment, back=True)
        return weekday(planned + dt.timedelta(days=rng.randint(*prof.late), hours=rng.uniform(-4, 4)))

    def _receive(self, po: int, plan: Plan, approve: dt.datetime,
                 lines: list[tuple[int, int, float, float, float, dt.datetime]]) -> None:
        w, rng = self.w, self.w.rng
        prof = w.profiles[plan.vendor]
        planned = min(line[5] for line in lines)
        if plan.mode == "cancel":
            pick = self._picking(po, plan, approve, planned, "cancel", None)
            for line in lines:
                self._move(pick, plan, line, line[2], 0.0, "cancel", planned, planned)
            self.events.append(Event("cancelled", approve + dt.timedelta(hours=rng.uniform(2, 60)), po, plan.vendor,
                                     plan.site))
            return
        arrival = None if plan.mode == "open" else self._arrival(plan, planned, approve)
        if plan.mode == "partial":  # today's story: came in short a few days ago, the rest is still open
            arrival = min(weekday(planned + dt.timedelta(hours=rng.uniform(-6, 30))), w.now - dt.timedelta(days=1))
        if arrival is None or arrival > w.now:
            pick = self._picking(po, plan, approve, planned, "assigned", None)
            for line in lines:
                self._move(pick, plan, line, line[2], line[2], "assigned", planned, planned)
            if planned < w.now - dt.timedelta(days=1):
                self.events.append(Event("overdue", w.now - dt.timedelta(hours=rng.uniform(4, 40)), po, plan.vendor,
                                         plan.site, pick, {"planned": planned}))
            if arrival is not None and arrival > planned + dt.timedelta(days=1) and rng.random() < 0.7:
                self.events.append(Event("delay", max(approve, planned - dt.timedelta(days=rng.uniform(0.5, 3))),
                                         po, plan.vendor, plan.site, pick, {"planned": planned, "new": arrival}))
            return
        late = arrival > planned + dt.timedelta(hours=12)
        if late and rng.random() < 0.55:
            notice = max(approve + dt.timedelta(hours=2), planned - dt.timedelta(days=rng.uniform(0.3, 2.5)))
            self.events.append(Event("delay", min(notice, arrival), po, plan.vendor, plan.site, None,
                                     {"planned": planned, "new": arrival}))
        partial = (plan.mode == "partial" or rng.random() < prof.partial) and any(line[2] >= 2 for line in lines)
        over = rng.random() < prof.over
        pick = self._picking(po, plan, approve, planned, "done", arrival)
        received: dict[int, float] = {}
        rest: list[tuple[tuple[int, int, float, float, float, dt.datetime], float]] = []
        done_moves: list[tuple[int, tuple[int, int, float, float, float, dt.datetime], float]] = []
        over_line = rng.randrange(len(lines)) if over else -1
        for k, line in enumerate(lines):
            qty = line[2]
            got = qty
            if partial and qty >= 2 and k != over_line and (k == 0 or rng.random() < 0.5):
                got = float(max(1, math.floor(qty * rng.uniform(0.35, 0.85))))
                rest.append((line, qty - got))
            if k == over_line:
                got = float(math.ceil(qty * rng.uniform(1.05, 1.25)))
                if got == qty:
                    got += 1.0
                self.events.append(Event("over", arrival + dt.timedelta(hours=1), po, plan.vendor, plan.site, pick,
                                         {"pid": line[1], "ordered": qty, "got": got}))
                self.labels.append(("over_received", str(self.t.get("purchase.order", po)["name"]),
                                    w.items[line[1] - 1].code, plan.order.date()))
            demand = got if got < qty else qty
            mid = self._move(pick, plan, line, demand, got, "done", arrival, planned)
            received[line[0]] = got
            done_moves.append((mid, line, got))
        if rest:
            self._backorder(po, plan, pick, arrival, planned, rest, received, still_open=plan.mode == "partial")
        self._returns(po, plan, pick, done_moves, arrival, received)
        self._bill(po, plan, lines, received, arrival, partial_open=bool(rest))

    def _backorder(self, po: int, plan: Plan, first: int, arrival: dt.datetime, planned: dt.datetime,
                   rest: list[tuple[tuple[int, int, float, float, float, dt.datetime], float]],
                   received: dict[int, float], still_open: bool = False) -> None:
        w, rng = self.w, self.w.rng
        prof = w.profiles[plan.vendor]
        second = weekday(arrival + dt.timedelta(days=rng.randint(3, 16), hours=rng.uniform(-3, 3)))
        promised = arrival + dt.timedelta(days=rng.randint(2, 9))
        if still_open:
            promised = at(w.today + dt.timedelta(days=rng.randint(-3, 5)), rng.choice((15.0, 18.0, 20.5)))
        done = second <= w.now and not still_open
        pick = self._picking(po, plan, arrival + dt.timedelta(minutes=5), promised if not done else planned,
                             "done" if done else "assigned", second if done else None, backorder=first)
        for line, qty in rest:
            if done:
                got = qty if rng.random() > prof.partial / 2 else float(max(1, math.floor(qty * 0.8)))
                self._move(pick, plan, line, got, got, "done", second, planned)
                received[line[0]] += got
            else:
                self._move(pick, plan, line, qty, qty, "assigned", promised, planned)
        self.events.append(Event("partial", arrival + dt.timedelta(hours=rng.uniform(-20, 2)), po, plan.vendor,
                                 plan.site, first, {"rest": [(line[1], qty) for line, qty in rest],
                                                    "promised": promised, "backorder": pick}))

    def _returns(self, po: int, plan: Plan, receipt: int,
                 done_moves: list[tuple[int, tuple[int, int, float, float, float, dt.datetime], float]],
                 arrival: dt.datetime, received: dict[int, float]) -> None:
        w, rng = self.w, self.w.rng
        prof = w.profiles[plan.vendor]
        bad = [(mid, line, got) for mid, line, got in done_moves if rng.random() < prof.defect]
        if not bad:
            return
        when = arrival + dt.timedelta(days=rng.uniform(1, 6))
        if when > w.now:
            return
        site = w.sites[plan.site]
        pick = self.t.add("stock.picking", name=None, partner_id=w.vendor_ids[plan.vendor],
                          picking_type_id=site.out_type, location_id=site.stock,
                          location_dest_id=w.vendor_locations, origin=None, purchase_id=None, state="done",
                          scheduled_date=ts(when), date_deadline=None, date_done=ts(when),
                          date=ts(when - dt.timedelta(hours=3)), backorder_id=None, return_id=receipt,
                          company_id=1, user_id=w.users["wes.warehouse"] if plan.site == 1 else None,
                          priority="0", note=None, move_type="direct")
        returned = []
        for mid, line, got in bad:
            qty = got if rng.random() < 0.3 else float(max(1, math.floor(got * rng.uniform(0.1, 0.5))))
            item = w.items[line[1] - 1]
            self.t.add("stock.move", name=f"[{item.code}] {item.name}", reference=None, product_id=line[1],
                       product_uom_qty=qty, product_qty=qty * line[4], quantity=qty, product_uom=w.uom[item.po_uom],
                       picking_id=pick, picking_type_id=site.out_type, location_id=self.location_for(plan.site,
                                                                                                    line[1]),
                       location_dest_id=w.vendor_locations, location_final_id=None, state="done", date=ts(when),
                       date_deadline=None, purchase_line_id=line[0], picked=True, origin_returned_move_id=mid,
                       to_refund=True, origin=None, partner_id=w.vendor_ids[plan.vendor], warehouse_id=site.warehouse,
                       price_unit=line[3], procure_method="make_to_stock", company_id=1)
            received[line[0]] -= qty
            returned.append((line, qty))
        self.events.append(Event("quality", when - dt.timedelta(hours=rng.uniform(4, 30)), po, plan.vendor, plan.site,
                                 receipt, {"items": [(line[1], q) for line, q in returned], "return": pick}))
        refund_day = (when + dt.timedelta(days=rng.uniform(3, 20))).date()
        if refund_day <= w.today and rng.random() < 0.75:
            self._account_move("in_refund", po, plan, refund_day,
                               [(line, qty, line[3]) for line, qty in returned], exception=False)

    def _bill(self, po: int, plan: Plan, lines: list[tuple[int, int, float, float, float, dt.datetime]],
              received: dict[int, float], arrival: dt.datetime, partial_open: bool) -> None:
        w, rng = self.w, self.w.rng
        prof = w.profiles[plan.vendor]
        day = (arrival + dt.timedelta(days=rng.uniform(0.5, 12))).date()
        if day > w.today:
            return
        bill_lines = []
        exception = False
        for line in lines:
            got = received.get(line[0], 0.0)
            qty, price = got, line[3]
            if rng.random() < prof.bill_price:
                price = round(price * rng.uniform(1.03, 1.12), 2)
                exception = True
            if rng.random() < prof.bill_qty:
                qty = max(line[2], got + max(1.0, math.ceil(got * rng.uniform(0.05, 0.2))))
                exception = True
            if qty > 0:
                bill_lines.append((line, qty, price))
        if bill_lines:
            bill = self._account_move("in_invoice", po, plan, day, bill_lines, exception)
            if exception:
                self.events.append(Event("bill_mismatch", at(day, rng.uniform(15, 22)) + dt.timedelta(days=1), po,
                                         plan.vendor, plan.site, None, {"bill": bill}))
        if not partial_open:
            row = self.t.get("purchase.order", po)
            if (w.today - day).days > 40 and rng.random() < 0.7 and not exception:
                row["state"] = "done"

    def _account_move(self, kind: str, po: int, plan: Plan, day: dt.date,
                      lines: list[tuple[tuple[int, int, float, float, float, dt.datetime], float, float]],
                      exception: bool) -> int:
        w, rng = self.w, self.w.rng
        age = (w.today - day).days
        draft = (age < 12 and rng.random() < 0.4) or (exception and age < 45 and rng.random() < 0.6)
        due = day + dt.timedelta(days=30)
        if draft:
            pay = "not_paid"
        elif due < w.today - dt.timedelta(days=3):
            pay = "paid" if not exception or rng.random() < 0.7 else "not_paid"
            if rng.random() < 0.03:
                pay = "partial"
        else:
            pay = "in_payment" if rng.random() < 0.1 else "not_paid"
        po_row = self.t.get("purchase.order", po)
        prefix = VENDORS[plan.vendor].name[:2].upper()
        move = self.t.add("account.move", move_type=kind, name="/", partner_id=w.vendor_ids[plan.vendor],
                          commercial_partner_id=w.vendor_ids[plan.vendor], invoice_date=d(day),
                          invoice_date_due=d(due), date=d(day), state="draft" if draft else "posted",
                          payment_state=pay, invoice_origin=po_row["name"],
                          ref=f"{'CM' if kind == 'in_refund' else 'INV'}-{prefix}{rng.randint(100000, 999999)}",
                          payment_reference=None, currency_id=1, company_id=1, invoice_user_id=po_row["user_id"],
                          narration=None, checked=False, reversed_entry_id=None, journal_id=None)
        for line, qty, price in lines:
            item = w.items[line[1] - 1]
            self.t.add("account.move.line", move_id=move, product_id=line[1], name=f"{po_row['name']}: [{item.code}] "
                       f"{item.name}", quantity=qty, price_unit=price, discount=0.0, product_uom_id=w.uom[item.po_uom],
                       purchase_line_id=line[0], display_type="product", account_id=None,
                       partner_id=w.vendor_ids[plan.vendor], currency_id=1, company_id=1, tax_ids=[],
                       date_maturity=None)
        return move
