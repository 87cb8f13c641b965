"""Supplier KPIs as pure functions over plain records: the definitions live here, in one place.

Why pure: the scorecard must compute each KPI *exactly* as tools/README.md defines it, and that
is only checkable on a tiny hand-built dataset with no Odoo in the way. The read tools turn Odoo
rows into these records; this module does all the arithmetic.

Definitions (copied into tools/README.md; keep both in step):

Population. The *lines* are the product lines (no section/note rows) of the supplier's purchase
orders in state `purchase` or `done` whose confirmation date (`date_approve`) lies in the window
[as_of - months, as_of]. A line is *evaluable* when its promised date is on or before as_of, or when it
has been received in full before then (an early, complete delivery counts).

- ordered O        = line `product_uom_qty` (product unit of measure)
- promised date P  = calendar day (UTC) of the line's `date_planned`
- receipts         = the line's done stock moves in a receipt operation (picking type code
                     `incoming`), each with its day d_i and quantity q_i (product unit of measure)
- delivered D      = sum of q_i (gross; returns are not subtracted)
- returned R       = sum of the quantities of the line's done moves in an outgoing operation
                     (a return to the vendor, picking type code `outgoing`)
- tolerance tol    = IN_FULL_TOLERANCE (2 %)

KPIs, each a percentage over the evaluable lines (None when there are none):
- on_time_pct  = share of lines whose first receipt day min(d_i) <= P (a due line with no receipt is late)
- in_full_pct  = share of lines with O*(1-tol) <= D <= O*(1+tol) (short and over-deliveries both fail)
- otif_pct     = share of lines whose quantity received on or before P, sum(q_i for d_i <= P),
                 lies in [O*(1-tol), O*(1+tol)] and whose total D <= O*(1+tol)
Lead time (over lines with at least one receipt; days as decimals, from the datetimes):
- actual lead time     = first receipt datetime - the PO's `date_approve`
- promised lead time   = `delay` of the supplier's product.supplierinfo row for the product
                         (a row naming the variant beats a template row; then the smallest `min_qty`)
- lead_time_avg_days, lead_time_stdev_days = mean and *population* standard deviation of actual
- promised_lead_time_avg_days = mean promised over lines with a pricelist row
- lead_time_vs_promised_avg_days = mean of (actual - promised) over lines with both
Price (over lines with a pricelist row valid on the order date):
- list price   = `price` of the row with the largest `min_qty` <= the line's `product_qty` among the
                 supplier's rows for the product (variant rows first) whose date_start/date_end contain
                 the PO's order date; if none qualifies by quantity, the row with the smallest min_qty
- price_variance_pct   = 100 * sum((price_unit - list) * product_qty) / sum(list * product_qty)
- price_variance_amount = sum((price_unit - list) * product_qty)   (currency of the PO)
- lines_above_list     = count of lines with price_unit > list + 0.005
Quality:
- return_rate_pct = 100 * sum(R) / sum(D) over all lines in the population (None when D sums to 0)
Three-way match (over posted vendor bills' lines linked to a line of the population):
- a bill line is an *exception* when |bill price_unit - PO line price_unit| > PRICE_TOLERANCE (0.01),
  or when the posted billed quantity of its PO line (sum over posted bill lines, refunds negative)
  exceeds that line's received quantity (D - R) by more than 1e-6
- three_way_exceptions = count of such bill lines
Units and currencies: the read tools hand these functions O, D, R and billed quantities in the product's
UoM and prices per product UoM in the company currency (tools.reads.supplier.Conversions); a price row
whose price could not be converted carries NaN and is never the list price.

Open work (all of the supplier's POs, whatever their date) is counted by the scorecard with the rule of
open_purchase_orders (tools.reads.purchase.next_open_receipt): open = state `purchase` and Odoo's
`receipt_status` not full; late = its next open receipt is scheduled before today, company-local.
`open_and_late` below is the line-level view (a line short of full delivery, net of returns), kept for
callers that only have KPI lines.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

IN_FULL_TOLERANCE = 0.02
PRICE_TOLERANCE = 0.01
EPS = 1e-6


@dataclass(slots=True)
class Receipt:
    """One done stock move for a PO line: into stock (a receipt) or back to the vendor (a return)."""

    when: datetime
    qty: float
    is_return: bool = False


def _when(m: Receipt) -> datetime:
    return m.when


@dataclass(slots=True)
class BillLine:
    """One vendor-bill line linked to a PO line. `posted` False lines are ignored."""

    bill: str
    qty: float
    price_unit: float
    posted: bool = True
    refund: bool = False


@dataclass(slots=True)
class PriceRow:
    """One product.supplierinfo row of the supplier for the line's product."""

    price: float
    min_qty: float = 0.0
    delay: int = 0
    variant_specific: bool = False
    date_start: date | None = None
    date_end: date | None = None


@dataclass(slots=True)
class POLine:
    """A purchase order line with everything the KPIs need (slots: thousands are built per scorecard)."""

    po: str
    product: str
    ordered: float  # product_uom_qty
    product_qty: float  # in the purchase UoM (prices are per this unit)
    price_unit: float
    promised: datetime  # date_planned
    approved: datetime | None  # PO date_approve
    order_date: datetime | None = None  # PO date_order
    po_state: str = "purchase"
    moves: list[Receipt] = field(default_factory=list)
    bills: list[BillLine] = field(default_factory=list)
    price_rows: list[PriceRow] = field(default_factory=list)

    # derived from `moves` once, at construction (moves are not changed afterwards)
    receipts: list[Receipt] = field(init=False, repr=False)
    delivered: float = field(init=False, repr=False)
    returned: float = field(init=False, repr=False)
    first_receipt: datetime | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # plain loops: this runs once per PO line (thousands per scorecard) and most lines have 0-2 moves
        receipts: list[Receipt] = []
        delivered = returned = 0.0
        for m in self.moves:
            if m.is_return:
                returned += m.qty
            else:
                receipts.append(m)
                delivered += m.qty
        if len(receipts) > 1:
            receipts.sort(key=_when)
            delivered = 0.0
            for m in receipts:  # summed in time order, as before
                delivered += m.qty
        self.receipts, self.delivered, self.returned = receipts, delivered, returned
        self.first_receipt = receipts[0].when if receipts else None

    def delivered_by(self, day: date) -> float:
        return sum(m.qty for m in self.moves if not m.is_return and m.when.date() <= day)

    def in_range(self, qty: float) -> bool:
        return self.ordered * (1 - IN_FULL_TOLERANCE) - EPS <= qty <= self.ordered * (1 + IN_FULL_TOLERANCE) + EPS

    def fully_delivered(self) -> bool:
        return self.delivered >= self.ordered * (1 - IN_FULL_TOLERANCE) - EPS

    def evaluable(self, as_of: date) -> bool:
        return self.promised.date() <= as_of or self.fully_delivered()

    def on_time(self) -> bool:
        first = self.first_receipt
        return first is not None and first.date() <= self.promised.date()

    def in_full(self) -> bool:
        return self.in_range(self.delivered)

    def otif(self) -> bool:
        if self.delivered > self.ordered * (1 + IN_FULL_TOLERANCE) + EPS:
            return False
        due = self.promised.date()
        # receipts are sorted by time: the ones on or before the promised day are a prefix
        by_due = 0.0
        for m in self.receipts:
            if m.when.date() > due:
                break
            by_due += m.qty
        return self.in_range(by_due)

    def promised_row(self) -> PriceRow | None:
        """The supplierinfo row whose `delay` is the promise: variant rows first, then smallest min_qty."""
        if not self.price_rows:
            return None
        return sorted(self.price_rows, key=lambda r: (not r.variant_specific, r.min_qty))[0]

    def list_price(self) -> float | None:
        """The pricelist price that applied to this line (see the module docstring)."""
        day = (self.order_date or self.approved or self.promised).date()
        valid = [r for r in self.price_rows if r.price == r.price  # NaN: a price that could not be converted
                 and (r.date_start is None or r.date_start <= day) and (r.date_end is None or day <= r.date_end)]
        if not valid:
            return None
        if any(r.variant_specific for r in valid):
            valid = [r for r in valid if r.variant_specific]
        fitting = [r for r in valid if r.min_qty <= self.product_qty + EPS]
        row = max(fitting, key=lambda r: r.min_qty) if fitting else min(valid, key=lambda r: r.min_qty)
        return row.price

    def billed_posted(self) -> float:
        return sum((-b.qty if b.refund else b.qty) for b in self.bills if b.posted)

    def bill_exceptions(self) -> list[BillLine]:
        over_billed = self.billed_posted() > (self.delivered - self.returned) + EPS
        return [b for b in self.bills if b.posted and not b.refund and (
            over_billed or abs(b.price_unit - self.price_unit) > PRICE_TOLERANCE)]


def _pct(num: int | float, den: int | float) -> float | None:
    return round(100.0 * num / den, 1) if den else None


def _days(a: datetime, b: datetime) -> float:
    return (a - b).total_seconds() / 86400.0


def _r(x: float | None, nd: int = 2) -> float | None:
    return None if x is None else round(x, nd)


def scorecard(lines: Iterable[POLine], as_of: date) -> dict[str, float | int | None]:
    """All KPIs of the module docstring for one supplier's population of lines (one pass)."""
    n = n_ev = n_otif = n_on_time = n_in_full = above = exceptions = 0
    actual: list[float] = []
    promised: list[float] = []
    gap: list[float] = []
    list_value = var_amount = delivered = returned = 0.0
    priced = False
    # Lines of one product share one price_rows list (tools.reads.supplier builds it once per product),
    # so the promise row and the list price are looked up once per (rows, order day, quantity).
    # The memo keeps each list alive (`held`), so an id is never reused for another list meanwhile.
    held: dict[int, list[PriceRow]] = {}
    promise_memo: dict[int, PriceRow | None] = {}
    # the order day only matters when a row of the list is dated (date_start/date_end): else it is left
    # out of the key, so lines of one product and quantity share one lookup whatever their PO's day
    dated_memo: dict[int, bool] = {}
    price_memo: dict[tuple[int, date | None, float], float | None] = {}
    # the rates below are PO-line methods (on_time, in_full, otif, evaluable) inlined: this loop runs once
    # per line of the population (thousands per scorecard); tests/tools/test_tools_kpi.py checks both agree
    lo_factor, hi_factor = 1 - IN_FULL_TOLERANCE, 1 + IN_FULL_TOLERANCE
    for ln in lines:
        if ln.po_state not in ("purchase", "done"):
            continue
        n += 1
        ordered, got = ln.ordered, ln.delivered
        lo, hi = ordered * lo_factor - EPS, ordered * hi_factor + EPS
        due = ln.promised.date()
        first = ln.first_receipt
        if due <= as_of or got >= lo:  # evaluable
            n_ev += 1
            if first is not None and first.date() <= due:
                n_on_time += 1
            if lo <= got <= hi:
                n_in_full += 1
            if got <= hi:  # otif: receipts are sorted by time, so those on or before the due day are a prefix
                by_due = 0.0
                for m in ln.receipts:
                    if m.when.date() > due:
                        break
                    by_due += m.qty
                if lo <= by_due <= hi:
                    n_otif += 1
        rows = ln.price_rows
        rows_key = id(rows)
        if rows_key in promise_memo:
            row = promise_memo[rows_key]
        else:
            held[rows_key] = rows
            row = promise_memo[rows_key] = ln.promised_row()
            dated_memo[rows_key] = any(r.date_start is not None or r.date_end is not None for r in rows)
        if row is not None:
            promised.append(float(row.delay))
        if first is not None and ln.approved is not None:
            days = _days(first, ln.approved)
            actual.append(days)
            if row is not None:
                gap.append(days - row.delay)
        if rows:
            order_day = (ln.order_date or ln.approved or ln.promised).date() if dated_memo[rows_key] else None
            pkey = (rows_key, order_day, ln.product_qty)
            if pkey in price_memo:
                lp = price_memo[pkey]
            else:
                lp = price_memo[pkey] = ln.list_price()
        else:
            lp = None
        if lp is not None:
            priced = True
            list_value += lp * ln.product_qty
            var_amount += (ln.price_unit - lp) * ln.product_qty
            above += ln.price_unit > lp + 0.005
        delivered += got
        returned += ln.returned
        bills = ln.bills
        if bills:  # bill_exceptions() inlined, counted without building the list
            billed = 0.0
            for b in bills:
                if b.posted:
                    billed += -b.qty if b.refund else b.qty
            over_billed = billed > (got - ln.returned) + EPS
            price_unit = ln.price_unit
            for b in bills:
                if b.posted and not b.refund and (over_billed or abs(b.price_unit - price_unit) > PRICE_TOLERANCE):
                    exceptions += 1
    return {
        "lines": n,
        "lines_evaluated": n_ev,
        "otif_pct": _pct(n_otif, n_ev),
        "on_time_pct": _pct(n_on_time, n_ev),
        "in_full_pct": _pct(n_in_full, n_ev),
        "lead_time_avg_days": _r(statistics.fmean(actual)) if actual else None,
        "lead_time_stdev_days": _r(statistics.pstdev(actual)) if actual else None,
        "promised_lead_time_avg_days": _r(statistics.fmean(promised)) if promised else None,
        "lead_time_vs_promised_avg_days": _r(statistics.fmean(gap)) if gap else None,
        "price_variance_pct": _r(100.0 * var_amount / list_value) if list_value else None,
        "price_variance_amount": round(var_amount, 2) if priced else None,
        "lines_above_list": above,
        "return_rate_pct": _r(100.0 * returned / delivered) if delivered else None,
        "three_way_exceptions": exceptions,
    }


def open_and_late(lines: Iterable[POLine], as_of: date) -> tuple[list[str], list[str]]:
    """(open PO names, late PO names) per the docstring: open = a line short of full delivery."""
    open_pos: dict[str, bool] = {}
    for ln in lines:
        if ln.po_state != "purchase":
            continue
        net = ln.delivered - ln.returned
        if net < ln.ordered * (1 - IN_FULL_TOLERANCE) - EPS:
            late = ln.promised.date() < as_of
            open_pos[ln.po] = open_pos.get(ln.po, False) or late
    return sorted(open_pos), sorted(po for po, late in open_pos.items() if late)


def price_trend(points: Iterable[tuple[datetime, float, float]]) -> dict[str, float | int]:
    """Per product: (order datetime, unit price, qty) -> first/last/min/max price and change %."""
    pts = sorted(points, key=lambda p: p[0])
    first, last = pts[0][1], pts[-1][1]
    qty = sum(p[2] for p in pts)
    out: dict[str, float | int] = {
        "orders": len(pts), "qty": round(qty, 3), "first_price": round(first, 4), "last_price": round(last, 4),
        "avg_price": round(sum(p[1] * p[2] for p in pts) / qty, 4) if qty else round(last, 4),
    }
    if first:
        out["change_pct"] = round(100.0 * (last - first) / first, 1)
    return out


def shown_trend(trend: dict[str, Any], decimals: int = 2) -> dict[str, Any]:
    """A price_trend as people read it: unit prices in money (two decimals) and the change computed from
    the two prices shown, so "first 3.18, last 3.18" never comes with "change -0.1 %"."""
    out = dict(trend)
    for key in ("first_price", "last_price", "avg_price"):
        if isinstance(out.get(key), int | float):
            out[key] = round(float(out[key]), decimals)
    first, last = out.get("first_price"), out.get("last_price")
    if isinstance(first, int | float) and isinstance(last, int | float) and first:
        out["change_pct"] = round(100.0 * (last - first) / first, 1) + 0.0  # no "-0.0"
    else:
        out.pop("change_pct", None)
    return out


def days_late(scheduled: datetime, today: date) -> int:
    """Whole days a not-yet-done receipt is past its scheduled day (0 when not late)."""
    return max(0, (today - scheduled.date()).days)


def suggested_order_qty(forecast: float, min_qty: float, max_qty: float, multiple: float = 0.0,
                        vendor_min: float = 0.0, lead_demand: float = 0.0) -> float:
    """How much to order for one reorder rule (0 when nothing is needed).

    Needed when forecast < min, or when forecast - lead_demand < 0 (it runs out before a new order
    can arrive). Then order up to max(max, min + lead_demand) - forecast, rounded up to the rule's
    multiple, and at least the vendor's minimum order quantity. With lead_demand 0 this is Odoo's
    min/max rule.
    """
    if forecast >= min_qty - EPS and forecast - lead_demand >= -EPS:
        return 0.0
    need = max(max_qty, min_qty + lead_demand) - forecast
    if multiple and multiple > 0:
        need = math.ceil(need / multiple - EPS) * multiple
    return float(max(need, vendor_min))


def runs_out_within_lead_time(forecast: float, daily_outgoing: float, lead_days: float) -> bool:
    """Projected stock at the end of the vendor lead time, forecast - daily_outgoing * lead_days, is < 0."""
    return daily_outgoing > 0 and forecast - daily_outgoing * lead_days < -EPS
