"""Known purchase anomalies planted into Bluebonnet's history, with their labels (ground truth for the bench).

After the ordinary history is built, a separate random stream (so every other row stays as it was) adds, in
the last 80 days, a few received-and-billed POs of each kind issue #15 names:
- quantity: a product-vendor line at 4-7 times the most that site ever orders of it;
- duplicate_open: the same product, quantity and warehouse ordered again a few hours after the first order,
  before anything of it arrived (a double entry);
- duplicate_sites: the same multi-line order from the same vendor placed from two warehouses the same day;
- price_spread (and price_above_list): a spot buy at one site 20-35 % above the vendor's own price row while
  the other sites pay the row.
Labels: (kind, PO name, product code, order day). The generator's other knowing anomalies are labelled where
they are made (purchasing.py: price_above_list, over_received; today's stockout item put on several open
POs at one site, `shortfills`). None of this reaches the served database or the tools: only
sandbox/seed/labels.py and the bench read it.
"""

from __future__ import annotations

import datetime as dt
import random

from sandbox.seed.purchasing import Plan, Purchasing, work_moment
from sandbox.seed.tables import ts

PER_KIND = 8  # planted anomalies of each kind (any scale)
SPREAD_MIN_PCT = 10.0  # "materially different" unit prices across sites or vendors (the detector's default)


def plant(p: Purchasing, seed: int) -> tuple[set[int], set[int]]:
    """Add the planted POs (after everything else, the KPI facts included, so no other row changes); returns
    the (picking ids, bill ids) they created, to be named after all others. The chatter does not hear about
    them (its random stream is kept)."""
    w, t = p.w, p.t
    main_rng, events = w.rng, len(p.events)
    picks0, bills0 = len(t.table("stock.picking")), len(t.table("account.move"))
    w.rng = rng = random.Random(seed * 7919 + 15)
    try:
        plans: list[tuple[str, Plan, list[str]]] = []
        by_site_vendor: dict[tuple[int, int], list[int]] = {}
        for (n, pid), v in sorted(w.primary.items()):
            by_site_vendor.setdefault((n, v), []).append(pid)
        counts: dict[tuple[int, int], int] = {}
        year_ago = (w.now - dt.timedelta(days=365)).strftime("%Y-%m-%d")
        pos = {r["id"]: r for r in t.table("purchase.order")}
        site_of = {s.in_type: n for n, s in enumerate(w.sites)}
        for ln in t.table("purchase.order.line"):
            po = pos[ln["order_id"]]
            if po["state"] in ("purchase", "done") and po["date_order"] >= year_ago:
                key = (site_of[po["picking_type_id"]], ln["product_id"])
                counts[key] = counts.get(key, 0) + 1
        keys = sorted(k for k in w.primary if counts.get(k, 0) >= 8)
        rng.shuffle(keys)
        used: set[int] = set()

        def pick() -> tuple[int, int, int] | None:  # None once the well-ordered products run out (small data)
            while keys:
                n, pid = keys.pop()
                if pid not in used:
                    used.add(pid)
                    return n, pid, w.primary[(n, pid)]
            return None

        def pick_shared() -> tuple[int, int, int] | None:  # a product other sites buy too (a spread needs two)
            while (got := pick()) is not None:
                if any(counts.get((m, got[1]), 0) >= 8 for m in range(len(w.sites)) if m != got[0]):
                    return got
            return None

        def moment(lo: int, hi: int) -> dt.datetime:
            return work_moment(w, w.today - dt.timedelta(days=rng.randint(lo, hi)))

        def usual(n: int, pid: int) -> float:  # a quantity in that site's ordinary range
            return w.stocked[(n, pid)] * rng.uniform(10, 30) / w.scale

        for _ in range(PER_KIND):  # quantity far above that site's range (10-30 days of its demand)
            if (got := pick()) is None:
                break
            n, pid, v = got
            units = w.stocked[(n, pid)] * 30 / w.scale * rng.uniform(4, 7)
            plans.append(("quantity", Plan(n, v, moment(25, 80), [(pid, units)], approve_hours=1.0), []))
        for _ in range(PER_KIND):  # the same line keyed twice a few hours apart
            if (got := pick()) is None:
                break
            n, pid, v = got
            first = moment(25, 80)
            lines = [(pid, usual(n, pid))]
            plans.append(("", Plan(n, v, first, lines, approve_hours=0.5), []))
            plans.append(("duplicate_open", Plan(n, v, first + dt.timedelta(hours=rng.uniform(1, 5)), lines,
                                                 approve_hours=0.5), []))
        pairs = []
        for (n1, v), pids in sorted(by_site_vendor.items()):
            for n2 in range(n1 + 1, len(w.sites)):
                both = sorted(set(pids) & set(by_site_vendor.get((n2, v), [])) - used)
                close = [x for x in both if 0.6 <= w.stocked[(n1, x)] / w.stocked[(n2, x)] <= 1.6]
                if len(close) >= 2:
                    pairs.append((n1, n2, v, close))
        rng.shuffle(pairs)
        for n1, n2, v, close in pairs[:PER_KIND]:  # one order placed from two sites
            chosen = rng.sample(close, min(len(close), rng.randint(2, 3)))
            used.update(chosen)
            lines = [(x, (w.stocked[(n1, x)] + w.stocked[(n2, x)]) / 2 * rng.uniform(12, 25) / w.scale)
                     for x in chosen]
            first = moment(25, 80)
            plans.append(("", Plan(n1, v, first, lines, approve_hours=0.5), []))
            plans.append(("duplicate_sites", Plan(n2, v, first + dt.timedelta(hours=rng.uniform(0.5, 4)), lines,
                                                  approve_hours=0.5), []))
        for _ in range(PER_KIND):  # one site pays well above the row the others pay
            if (got := pick_shared()) is None:
                break
            n, pid, v = got
            plans.append(("price_spread", Plan(n, v, moment(20, 80), [(pid, usual(n, pid))], approve_hours=1.0,
                                               price_factor=rng.uniform(1.2, 1.35)), []))
        for kind, plan, _ in sorted(plans, key=lambda x: x[1].order):
            before = len(t.table("purchase.order"))
            p._po(plan)
            po = t.table("purchase.order")[before]
            po["create_date"] = ts(plan.order - dt.timedelta(hours=2))  # drafted a little before ordering
            if kind:
                for pid, _u in plan.lines:
                    p.labels.append((kind, str(po["name"]), w.items[pid - 1].code, plan.order.date()))
    finally:
        w.rng = main_rng
        del p.events[events:]
    picks = {r["id"] for r in t.table("stock.picking")[picks0:]}
    bills = {r["id"] for r in t.table("account.move")[bills0:]}
    return picks, bills


def shortfill_labels(p: Purchasing) -> list[tuple[str, str, str, dt.date]]:
    """Today's stockout item that the generator put, with the same quantity, on more than one open PO at a
    site: every one after the first approved is a duplicate of an order still open."""
    out = []
    by: dict[tuple[int, int], list[tuple[dt.datetime, str, float]]] = {}
    for site, pid, name, approved, qty in p.shortfills:
        by.setdefault((site, pid), []).append((approved, name, qty))
    for (_site, pid), rows in by.items():
        rows.sort()
        for approved, name, _qty in rows[1:]:
            out.append(("duplicate_open", name, p.w.items[pid - 1].code, approved.date()))
    return out
