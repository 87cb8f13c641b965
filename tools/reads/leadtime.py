"""lead_time_forecast: how many days a vendor (and product) really takes, with an 80 % range, from receipt history.

Data: every purchase line's first done receipt (one web_search_read on stock.move: moves from a vendor location
with a purchase line), giving per line the promised days (line date_planned - PO approval) and the actual days
(first receipt - PO approval), the vendor, product, warehouse, month and ordered quantity.

Method: linear quantile regression (statsmodels QuantReg) of the slip (actual - promised days) at the 10th, 50th
and 90th percentiles on vendor, warehouse, month (sine/cosine) and log quantity; a product's own median residual
is added where that vendor delivered it at least PRODUCT_MIN times. Prediction = promised + slip. Why QuantReg:
the quantiles are the answer (a median minimises absolute error, the 10/90 % pair is the range), it is
interpretable (a vendor's coefficient is its typical slip), needs no tuning, fits in well under a second at
sandbox scale, and statsmodels also carries the demand forecast's ETS, so one library serves both. The fitted
model is cached per company day; nothing is read from anywhere but Odoo.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from tools.base import ToolContext, ToolError, ToolResult, tool
from tools.odoo.client import OdooClient
from tools.odoo.resolve import (
    pricelist,
    resolve_product,
    resolve_purchase_order,
    resolve_supplier,
    resolve_warehouse,
    vendor_list,
)
from tools.reads.common import bulk_rows, compact, dt, id_of, local_day, name_of, num, today

QUANTILES = (0.1, 0.5, 0.9)  # the range is 80 % nominal
MIN_GROUP = 5  # pseudo-receipts pulling a vendor's own quantiles toward all vendors'
PRODUCT_MIN = 8  # receipts of one product from one vendor before its own adjustment
MIN_FIT = 30  # receipts before the regression is used (below: each vendor's own quantiles)
HISTORY_MONTHS = 24
MAX_RECEIPTS = 12000  # newest receipt moves read and fitted (a large Odoo: the last months, not all of them)
CACHE_SECONDS = 6 * 3600


@dataclass(frozen=True)
class Receipt:
    """One purchase line's first arrival."""

    po: str
    vendor_id: int
    vendor: str
    product_id: int
    product: str
    warehouse: str
    approved: datetime
    promised: float  # days from approval to the line's planned date
    actual: float  # days from approval to the first done receipt
    qty: float

    @property
    def slip(self) -> float:
        return self.actual - self.promised


MOVE_SPEC: dict[str, Any] = {
    "date": {}, "product_uom_qty": {},
    "product_id": {"fields": {"display_name": {}, "default_code": {}}},
    "picking_type_id": {"fields": {"warehouse_id": {"fields": {"code": {}}}}},
    "purchase_line_id": {"fields": {"date_planned": {}, "order_id": {"fields": {
        "name": {}, "date_approve": {}, "partner_id": {"fields": {"display_name": {}}}}}}},
}


def receipt_history(odoo: OdooClient, since: datetime, extra: list[Any] | None = None,
                    limit: int = MAX_RECEIPTS) -> list[Receipt]:
    """Each purchase line's first done receipt since `since`, from the newest `limit` receipt moves (one round
    trip)."""
    domain: list[Any] = [("state", "=", "done"), ("purchase_line_id", "!=", False),
                         ("location_id.usage", "=", "supplier"), ("date", ">=", since.strftime("%Y-%m-%d %H:%M:%S")),
                         *(extra or [])]
    res = odoo.web_search_read("stock.move", domain, MOVE_SPEC, limit=limit, order="date desc, id desc")
    first: dict[int, Receipt] = {}
    for m in reversed(res.get("records", [])):
        line = m.get("purchase_line_id") or {}
        order = line.get("order_id") or {}
        approved, planned, arrived = dt(order.get("date_approve")), dt(line.get("date_planned")), dt(m.get("date"))
        lid, vid, pid = id_of(line), id_of(order.get("partner_id")), id_of(m.get("product_id"))
        if not (approved and planned and arrived and lid and vid and pid) or lid in first:
            continue
        wh = (m.get("picking_type_id") or {}).get("warehouse_id") or {}
        product = m.get("product_id") or {}
        first[lid] = Receipt(po=str(order.get("name") or ""), vendor_id=vid, vendor=name_of(order.get("partner_id"))
                             or str(vid), product_id=pid,
                             product=str(product.get("default_code") or product.get("display_name") or pid),
                             warehouse=str(wh.get("code") or name_of(wh) or ""), approved=approved,
                             promised=max(0.0, (planned - approved).total_seconds() / 86400),
                             actual=max(0.0, (arrived - approved).total_seconds() / 86400),
                             qty=float(m.get("product_uom_qty") or 0))
    out = sorted(first.values(), key=lambda r: r.approved)
    records = res.get("records", [])
    if len(records) >= limit and records:  # cut by the limit: a line approved before the oldest move read may
        oldest = dt(records[-1].get("date"))  # have had its first receipt before it too: left out
        out = [r for r in out if oldest is None or r.approved >= oldest]
    return out


@dataclass
class Prediction:
    promised: float
    low: float
    mid: float
    high: float
    based_on: int  # past receipts of this vendor (of this product when product_level)
    product_level: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"promised_days": num(self.promised, 1), "likely_days": num(self.mid, 1),
                "range_days": [num(self.low, 1), num(self.high, 1)], "based_on_receipts": self.based_on,
                "product_level": self.product_level or None}


@dataclass
class LeadTimeModel:
    """Gradient-boosted quantiles of the slip (actual - promised days); see the module docstring."""

    boosters: dict[float, Any] = field(default_factory=dict)
    warehouses: dict[str, int] = field(default_factory=dict)
    vendor_q: dict[int, tuple[float, float, float]] = field(default_factory=dict)  # shrunk own quantiles
    overall_q: tuple[float, float, float] = (0.0, 0.0, 0.0)
    product_adj: dict[tuple[int, int], float] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)  # receipt lines per vendor
    po_counts: dict[int, int] = field(default_factory=dict)  # distinct received POs per vendor
    product_counts: dict[tuple[int, int], int] = field(default_factory=dict)
    method: str = "none"
    widen: float = 0.0  # days added on both sides of the boosted range (conformal calibration)

    def _x(self, vendor_id: int, warehouse: str, approved: datetime, qty: float, promised: float) -> list[float]:
        angle = 2 * math.pi * (approved.timetuple().tm_yday / 365.25)
        vq = self.vendor_q.get(vendor_id, self.overall_q)
        return [*vq, float(self.counts.get(vendor_id, 0)), promised, math.sin(angle), math.cos(angle),
                math.log1p(max(qty, 0.0)), float(self.warehouses.get(warehouse, -1))]

    @classmethod
    def fit(cls, rows: list[Receipt]) -> LeadTimeModel:
        m = cls()
        by_vendor: dict[int, list[float]] = defaultdict(list)
        for r in rows:
            by_vendor[r.vendor_id].append(r.slip)
            m.product_counts[(r.vendor_id, r.product_id)] = m.product_counts.get((r.vendor_id, r.product_id), 0) + 1
        m.counts = {v: len(s) for v, s in by_vendor.items()}
        pos: dict[int, set[str]] = defaultdict(set)
        for r in rows:
            pos[r.vendor_id].add(r.po)
        m.po_counts = {v: len(p) for v, p in pos.items()}
        if not rows:
            return m
        m.overall_q = _quantiles([r.slip for r in rows])
        # a vendor's own quantiles, pulled toward everyone's when it has few receipts (MIN_GROUP pseudo-receipts)
        m.vendor_q = {v: tuple((len(s) * a + MIN_GROUP * b) / (len(s) + MIN_GROUP)  # type: ignore[misc]
                               for a, b in zip(_quantiles(s), m.overall_q, strict=True))
                      for v, s in by_vendor.items()}
        m.method = "vendor quantiles"
        if len(rows) >= MIN_FIT:
            m.warehouses = {w: i for i, w in enumerate(sorted({r.warehouse for r in rows}))}
            try:
                # conformal widening: boost on the older 80 %, measure how far the newer 20 % fall outside the
                # range, widen by that much (so the range holds its 80 % on receipts it has not seen), refit on all
                split = int(len(rows) * 0.8)
                m._boost(rows[:split])
                slips = m._slips(rows[split:])
                y = np.array([r.slip for r in rows[split:]])
                scores = np.maximum(slips[:, 0] - y, y - slips[:, 2])
                level = min(1.0, math.ceil((len(y) + 1) * (QUANTILES[2] - QUANTILES[0])) / len(y))
                m.widen = max(0.0, float(np.quantile(scores, level)))
                m._boost(rows)
                m.method = "gradient-boosted quantiles"
            except Exception:  # noqa: BLE001 - a degenerate history falls back to each vendor's own quantiles
                m.boosters, m.widen = {}, 0.0
        # a product's own typical deviation from its vendor's prediction
        resid: dict[tuple[int, int], list[float]] = defaultdict(list)
        many = [r for r in rows if m.product_counts[(r.vendor_id, r.product_id)] >= PRODUCT_MIN]
        mids: list[float] = [float(x) for x in m._slips(many)[:, 1]] if many else []
        for r, mid in zip(many, mids, strict=True):
            resid[(r.vendor_id, r.product_id)].append(r.slip - mid)
        m.product_adj = {k: float(np.median(v)) for k, v in resid.items()}
        return m

    def _boost(self, rows: list[Receipt]) -> None:
        import lightgbm as lgb

        x = np.array([self._x(r.vendor_id, r.warehouse, r.approved, r.qty, r.promised) for r in rows])
        y = np.array([r.slip for r in rows])
        self.boosters = {q: lgb.train(
            {"objective": "quantile", "alpha": q, "learning_rate": 0.05, "num_leaves": 8,
             "min_data_in_leaf": max(MIN_GROUP, len(rows) // 200), "verbose": -1, "num_threads": 1, "seed": 7,
             "deterministic": True, "force_row_wise": True},
            lgb.Dataset(x, y, categorical_feature=[9], free_raw_data=True), num_boost_round=150) for q in QUANTILES}

    def _slips(self, rows: list[Receipt]) -> np.ndarray:
        """Slip quantiles (n x 3, sorted per row) for many receipts at once: the boosted model where it was
        fitted, else each vendor's own (shrunk) quantiles."""
        if self.boosters:
            x = np.array([self._x(r.vendor_id, r.warehouse, r.approved, r.qty, r.promised) for r in rows])
            out = np.column_stack([self.boosters[q].predict(x) for q in QUANTILES])
            out[:, 0] -= self.widen
            out[:, 2] += self.widen
        else:
            out = np.array([self.vendor_q.get(r.vendor_id, self.overall_q) for r in rows], dtype=float)
        return np.sort(out, axis=1)

    def _slip(self, vendor_id: int, warehouse: str, approved: datetime, qty: float,
              promised: float) -> tuple[float, float, float]:
        r = Receipt("", vendor_id, "", 0, "", warehouse, approved, promised, promised, qty)
        lo, mid, hi = self._slips([r])[0]
        return float(lo), float(mid), float(hi)

    def predict(self, vendor_id: int, promised: float, *, product_id: int | None = None, warehouse: str = "",
                approved: datetime | None = None, qty: float = 1.0) -> Prediction:
        when = approved or datetime(2000, 1, 1)
        lo, mid, hi = self._slip(vendor_id, warehouse, when, qty, promised)
        adj = self.product_adj.get((vendor_id, product_id or 0))
        if adj is not None:
            lo, mid, hi = lo + adj, mid + adj, hi + adj
        days = [max(0.0, promised + s) for s in (lo, mid, hi)]
        n = self.product_counts.get((vendor_id, product_id or 0), 0) if adj is not None else self.counts.get(
            vendor_id, 0)
        return Prediction(promised=promised, low=days[0], mid=days[1], high=days[2], based_on=n,
                          product_level=adj is not None)


def _quantiles(values: list[float]) -> tuple[float, float, float]:
    a = np.array(values, dtype=float)
    return tuple(float(np.quantile(a, q)) for q in QUANTILES)  # type: ignore[return-value]


def backtest(rows: list[Receipt], cutoff: datetime) -> dict[str, Any]:
    """Fit on receipts of POs approved before `cutoff`, score those approved after: MAE of the model, of the
    promised lead time and of the vendor's historical mean (days), and the share inside the 80 % range."""
    train = [r for r in rows if r.approved < cutoff]
    test = [r for r in rows if r.approved >= cutoff]
    if not train or not test:
        return {"train": len(train), "test": len(test)}
    model = LeadTimeModel.fit(train)
    means: dict[int, list[float]] = defaultdict(list)
    for r in train:
        means[r.vendor_id].append(r.actual)
    overall = float(np.mean([r.actual for r in train]))
    err_m, err_p, err_v, inside = [], [], [], 0
    for r in test:
        p = model.predict(r.vendor_id, r.promised, product_id=r.product_id, warehouse=r.warehouse,
                          approved=r.approved, qty=r.qty)
        err_m.append(abs(p.mid - r.actual))
        err_p.append(abs(r.promised - r.actual))
        vm = means.get(r.vendor_id)
        err_v.append(abs((float(np.mean(vm)) if vm else overall) - r.actual))
        inside += p.low - 1e-9 <= r.actual <= p.high + 1e-9
    return {"train": len(train), "test": len(test), "cutoff": cutoff.date().isoformat(), "method": model.method,
            "mae_model": round(float(np.mean(err_m)), 2), "mae_promised": round(float(np.mean(err_p)), 2),
            "mae_vendor_mean": round(float(np.mean(err_v)), 2),
            "coverage_pct": round(100.0 * inside / len(test), 1), "nominal_pct": 80.0}


def history_and_model(ctx: ToolContext) -> tuple[list[Receipt], LeadTimeModel]:
    """The company's receipt history and the model fitted on it, cached per company day."""
    def load() -> tuple[list[Receipt], LeadTimeModel]:
        since = ctx.now() - timedelta(days=int(HISTORY_MONTHS * 30.44))
        with bulk_rows():
            rows = receipt_history(ctx.odoo, since)
        return rows, LeadTimeModel.fit(rows)

    return ctx.odoo.cached(f"lead_time_model:{today(ctx)}", load, ttl=CACHE_SECONDS)


class LeadTimeArgs(BaseModel):
    vendor: str | None = Field(None, description="Vendor name")
    product: str | None = Field(None, description="Product code or name")
    warehouse: str | None = Field(None, description="Warehouse code or name")
    po: str | None = Field(None, description="PO or receipt reference")


def _promised_of(ctx: ToolContext, vendor_id: int, product: dict[str, Any] | None) -> float | None:
    """The vendor's promised lead time (supplierinfo `delay`) for the product, or its most common one."""
    rows = [r for r in pricelist(ctx.odoo) if id_of(r.get("partner_id")) == vendor_id]
    if product is not None:
        tmpl = id_of(product.get("product_tmpl_id"))
        own = [r for r in rows if id_of(r.get("product_id")) == product["id"] or (
            not id_of(r.get("product_id")) and tmpl is not None and id_of(r.get("product_tmpl_id")) == tmpl)]
        rows = own or rows
    delays = [float(r.get("delay") or 0) for r in rows]
    return max(set(delays), key=delays.count) if delays else None


def _day(d: datetime) -> str:
    return d.date().isoformat()


def arrival_window(ctx: ToolContext, approved: datetime, p: Prediction) -> tuple[str, str, str]:
    """(low, likely, high) arrival days, company-local, never before today for what has not arrived."""
    now = today(ctx)
    days = []
    for d in (p.low, p.mid, p.high):
        local = local_day(ctx, (approved + timedelta(days=d)).strftime("%Y-%m-%d %H:%M:%S"))
        days.append(max(date.fromisoformat(local or now.isoformat()), now).isoformat())
    return days[0], days[1], days[2]


def po_forecast(ctx: ToolContext, ref: str) -> ToolResult:
    spec = {"name": {}, "state": {}, "date_approve": {}, "receipt_status": {},
            "partner_id": {"fields": {"display_name": {}}},
            "picking_type_id": {"fields": {"warehouse_id": {"fields": {"code": {}}}}},
            "order_line": {"fields": {"product_id": {"fields": {"default_code": {}}}, "product_qty": {},
                                      "date_planned": {}}},
            "picking_ids": {"fields": {"state": {}, "scheduled_date": {}, "date_done": {}}}}
    po = resolve_purchase_order(ctx.odoo, ref, specification=spec)
    name, vendor = po.get("name"), name_of(po.get("partner_id"))
    approved = dt(po.get("date_approve"))
    if po.get("state") not in ("purchase", "done") or approved is None:
        raise ToolError(f"{name} is not confirmed yet, so it has no delivery to predict.", code="not_confirmed")
    done = sorted(filter(None, (dt(p.get("date_done")) for p in po.get("picking_ids") or ()
                                if p.get("state") == "done")))
    if po.get("receipt_status") == "full" and done:
        return ToolResult(tool="lead_time_forecast", data={"po": name, "vendor": vendor, "received": _day(done[-1])},
                          text=f"{name} from {vendor} has been received in full (last receipt {local_day(ctx, str(done[-1]))}).")
    rows, model = history_and_model(ctx)
    vid = id_of(po.get("partner_id")) or 0
    wh = ((po.get("picking_type_id") or {}).get("warehouse_id") or {}).get("code") or ""
    open_picks = sorted(filter(None, (dt(pk.get("scheduled_date")) for pk in po.get("picking_ids") or ()
                                      if pk.get("state") not in ("done", "cancel"))))
    preds = []
    for ln in po.get("order_line") or ():
        planned = dt(ln.get("date_planned"))
        if planned is None:
            continue
        if open_picks and open_picks[0] > planned:  # rescheduled: the receipt's date is the promise now
            planned = open_picks[0]
        preds.append(model.predict(vid, max(0.0, (planned - approved).total_seconds() / 86400),
                                   product_id=id_of(ln.get("product_id")), warehouse=str(wh), approved=approved,
                                   qty=float(ln.get("product_qty") or 0)))
    if not preds:
        raise ToolError(f"{name} has no lines with a planned date.", code="no_lines")
    p = max(preds, key=lambda x: x.mid)
    low, likely, high = arrival_window(ctx, approved, p)
    scheduled = local_day(ctx, str(open_picks[0])) if open_picks else None
    n = model.po_counts.get(vid, 0)
    overdue = p.high < (ctx.now() - approved).total_seconds() / 86400
    data = {"po": name, "vendor": vendor, "warehouse": wh or None, "approved": local_day(ctx, str(approved)),
            "scheduled": scheduled, "likely": likely, "range": [low, high], **p.as_dict(),
            "partly_received": bool(done) or None, "method": model.method, "interval": "80%"}
    basis = f"based on {n} past received POs from {vendor}" if n else \
        "no receipts from this vendor yet: all vendors' history"
    if overdue:
        data["later_than_usual"] = True
        text = (f"{name} from {vendor}: scheduled {scheduled or 'n/a'} and still not received, which is already later "
                f"than 9 in 10 of this vendor's deliveries ({basis}); its usual lead time is {num(p.mid, 1)} d "
                f"(80% range {num(p.low, 1)}-{num(p.high, 1)} d). Worth chasing.")
    else:
        text = (f"{name} from {vendor}: scheduled {scheduled or 'n/a'}, likely {likely} "
                f"(80% range {low} to {high}), {basis}.")
    return ToolResult(tool="lead_time_forecast", data=compact(data), text=text)


@tool(LeadTimeArgs)
def lead_time_forecast(ctx: ToolContext, args: LeadTimeArgs) -> ToolResult:
    """Likely lead time (80% range) of a vendor/product, or when a PO will likely arrive."""
    if args.po:
        return po_forecast(ctx, args.po)
    if not args.vendor and not args.product:
        raise ToolError("Say which vendor, product or purchase order to predict the lead time for.",
                        code="missing_args")
    odoo = ctx.odoo
    product = resolve_product(odoo, args.product, fields=["product_tmpl_id"]) if args.product else None
    wh = resolve_warehouse(odoo, args.warehouse) if args.warehouse else None
    if args.vendor:
        vendors = [resolve_supplier(odoo, args.vendor)]
    else:
        assert product is not None
        tmpl = id_of(product.get("product_tmpl_id"))
        ids = {id_of(r.get("partner_id")) for r in pricelist(odoo)
               if id_of(r.get("product_id")) == product["id"] or (tmpl and id_of(r.get("product_tmpl_id")) == tmpl)}
        known = {v["id"]: v["name"] for v in vendor_list(odoo)}
        vendors = [{"id": i, "name": known.get(i, str(i))} for i in sorted(x for x in ids if x)]
        if not vendors:
            raise ToolError(f"No vendor sells {product.get('default_code') or product.get('display_name')} in Odoo.",
                            code="no_vendor")
    rows, model = history_and_model(ctx)
    names = {r.vendor_id: r.vendor for r in rows}
    now = ctx.now()
    out = []
    for v in vendors:
        vid = int(v["id"])
        promised = _promised_of(ctx, vid, product)
        past = [r for r in rows if r.vendor_id == vid]
        if promised is None:
            promised = float(np.median([r.promised for r in past])) if past else 0.0
        p = model.predict(vid, promised, product_id=product["id"] if product else None,
                          warehouse=str(wh["code"]) if wh else "", approved=now, qty=float(
                              np.median([r.qty for r in past])) if past else 1.0)
        recent = past[-5:]
        out.append({"vendor": v.get("name") or names.get(vid) or str(vid), **p.as_dict(),
                    "received_pos": model.po_counts.get(vid, 0),
                    "history_mean_days": num(float(np.mean([r.actual for r in past])), 1) if past else None,
                    "on_or_before_promise_pct": num(100.0 * sum(r.actual <= r.promised + 0.5 for r in past)
                                                    / len(past), 1) if past else None,
                    "recent_pos": [r.po for r in recent]})
    out.sort(key=lambda r: r["likely_days"])
    data: dict[str, Any] = {"forecasts": out, "interval": "80%", "method": model.method,
                            "product": product.get("default_code") or product.get("display_name") if product else None,
                            "warehouse": wh["code"] if wh else None}
    first = out[0]
    what = f" for {data['product']}" if product else ""
    text = "; ".join(
        f"{r['vendor']}{what}: promised {r['promised_days']} d, likely {r['likely_days']} d (80% range "
        f"{r['range_days'][0]}-{r['range_days'][1]} d), based on {r['based_on_receipts']} received lines of "
        f"{r['received_pos']} POs"
        for r in out[:5])
    if not first.get("based_on_receipts"):
        text += " (no receipts from this vendor yet: the range is all vendors' spread)"
    return ToolResult(tool="lead_time_forecast", data=compact(data), text=text + ".")
