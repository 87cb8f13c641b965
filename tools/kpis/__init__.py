"""The control tower's KPIs, defined once (README "KPIs" has the definitions; each module's docstring too).

`compute(ctx, flt, months)` returns every KPI as a monthly `Series` for the scope `flt` (warehouse,
category, vendor; None = the whole company), cached per company day and scope for CACHE_TTL seconds.
`queues` holds the exception queues (typed rows) the page and the alert rules share.
"""

from __future__ import annotations

import time
from typing import Any

from tools.base import ToolContext
from tools.kpis.purchasing import purchasing_series
from tools.kpis.queues import Filters
from tools.kpis.stock import stock_series
from tools.kpis.window import Series, months
from tools.reads.common import today

CACHE_TTL = 900.0  # seconds; the page and the tool share it (invalidated by time)
DEFAULT_MONTHS = 6

#: key -> (family, what a person may call it); the order is the page's order
KPIS: dict[str, tuple[str, tuple[str, ...]]] = {
    "rfq_to_po_days": ("purchasing", ("purchase cycle time", "cycle time", "rfq to po", "time to confirm")),
    "po_to_receipt_days": ("purchasing", ("po to receipt", "receipt cycle time", "time to receive")),
    "otif": ("purchasing", ("otif", "on time in full", "supplier otif")),
    "fill_rate": ("stock", ("fill rate", "service level", "customer fill rate")),
    "inventory_turns": ("stock", ("inventory turns", "stock turns", "turnover", "turns")),
    "stockout_rate": ("stock", ("stockout rate", "stock-out rate", "stockouts", "out of stock rate")),
    "three_way_exception_rate": ("purchasing", ("three-way exception rate", "3-way match rate", "match exception rate")),
    "supplier_defect_rate": ("purchasing", ("defect rate", "return rate", "supplier defects", "quality rate")),
    "emergency_purchase_ratio": ("purchasing", ("emergency purchase ratio", "urgent purchases", "emergency purchases",
                                                "rush orders")),
    "procurement_savings": ("purchasing", ("procurement savings", "savings", "savings realisation",
                                           "savings realization")),
}
#: the cycle time is one KPI with two legs
ALIASES = {"purchase_cycle_time": ("rfq_to_po_days", "po_to_receipt_days")}

_cache: dict[tuple[Any, ...], tuple[float, list[Series]]] = {}


def pick(text: str | None) -> list[str]:
    """KPI keys named by `text` (a key, or words a person uses); [] = unknown; None/'' = all."""
    if not text:
        return list(KPIS)
    t = text.strip().lower().replace("_", " ").replace("-", " ")
    key = t.replace(" ", "_")
    if key in KPIS:
        return [key]
    if key in ALIASES:
        return list(ALIASES[key])
    if "cycle" in t:
        return list(ALIASES["purchase_cycle_time"])
    best = [k for k, (_f, words) in KPIS.items() if any(w.replace("-", " ") in t or t in w.replace("-", " ")
                                                         for w in words)]
    return best


def compute(ctx: ToolContext, flt: Filters = Filters(), n_months: int = DEFAULT_MONTHS,
            families: tuple[str, ...] = ("purchasing", "stock"), ttl: float = CACHE_TTL) -> list[Series]:
    """Every KPI of `families` per month for the last `n_months` months (running month last)."""
    key = (getattr(ctx.odoo, "url", None), getattr(ctx.odoo, "db", None), today(ctx).isoformat(), flt.warehouse_id,
           flt.category_id, flt.vendor_id, n_months, families)
    hit = _cache.get(key)
    now = time.monotonic()
    if hit and now - hit[0] < ttl:
        return hit[1]
    window = months(ctx, n_months)
    series: list[Series] = []
    if "purchasing" in families:
        series += purchasing_series(ctx, flt, window)
    if "stock" in families:
        series += stock_series(ctx, flt, window)
    order = list(KPIS)
    series.sort(key=lambda s: order.index(s.key) if s.key in order else len(order))
    if len(_cache) > 256:
        _cache.clear()
    _cache[key] = (now, series)
    return series


def clear_cache() -> None:
    _cache.clear()
