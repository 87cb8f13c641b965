"""Benchmark of the predictions (issue #15 points 3-5): lead-time and demand backtests, tool timings.

Prints per sandbox business (scale 1):
- lead time: train on receipts of POs approved before a cut-off (the 75th and 60th percentile of approval
  dates), test on the rest: MAE (days) of the model, of the promised lead time and of the vendor's historical
  mean; share of test receipts inside the 80 % range (target: model MAE < vendor mean; coverage 75-85 %);
- demand: per product x warehouse series with 68+ weeks of history, the last 8 weeks held out: MASE against
  seasonal naive (MAE of the forecast / MAE of the same weeks a year earlier), median and pooled per
  category (target < 1 on the seasonal categories); at most --per-category series per category (the busiest);
- the tools' time cold (fitted from Odoo) and warm (the per-day cache).
With --scale10 also supplier_risk (warm) and purchase_anomalies (90 days) at scale 10 (targets <= 1 s).

    .venv/bin/python bench/bench_forecast.py [--business bluebonnet,hollander] [--scale10]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox.launch import start_sandbox  # noqa: E402
from tools.base import Identity, ToolContext  # noqa: E402
from tools.odoo.client import OdooClient  # noqa: E402
from tools.odoo.resolve import warehouse_list  # noqa: E402
from tools.reads.common import today  # noqa: E402
from tools.reads.demand import dense, holdout, week_start, weekly_deliveries  # noqa: E402
from tools.reads.leadtime import HISTORY_MONTHS, backtest, receipt_history  # noqa: E402
from tools.registry import run_tool  # noqa: E402

CACHE = ROOT / "var" / "cache" / "sandbox"
ADMIN = Identity(username="admin", role="admin", display_name="Bench")
SEASONAL = {"Janitorial & Sanitation", "Food Service Disposables", "Packaging", "Chemicals (Hazmat)", "Glassware",
            "Disposables"}
EXAMPLES = {"bluebonnet": {"vendor": "Gemini Furniture", "product": "JAN-8030", "warehouse": "SAT"},
            "hollander": {"vendor": "Van Dijk", "product": "cup 12oz", "warehouse": "WH"}}


def timed(ctx: ToolContext, name: str, args: dict[str, Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    res = run_tool(ctx, name, args)
    ms = (time.perf_counter() - t0) * 1000
    if not res.ok:
        raise SystemExit(f"{name}({args}) failed: {res.error}")
    return res, ms


def lead_time(ctx: ToolContext) -> None:
    rows = receipt_history(ctx.odoo, ctx.now() - timedelta(days=int(HISTORY_MONTHS * 30.44)), limit=500000)
    print(f"lead time: {len(rows)} first receipts (PO lines) from {len({r.vendor_id for r in rows})} vendors")
    for share in (0.75, 0.6):
        if len(rows) < 20:
            print("  too little history for a backtest")
            return
        cut = rows[int(len(rows) * share)].approved
        t0 = time.perf_counter()
        b = backtest(rows, cut)
        print(f"  cut-off {b['cutoff']} (train {b['train']}, test {b['test']}, {b['method']}, "
              f"{(time.perf_counter() - t0):.1f} s): MAE model {b['mae_model']} d, promised {b['mae_promised']} d, "
              f"vendor mean {b['mae_vendor_mean']} d; inside the 80% range {b['coverage_pct']}%")


def demand(ctx: ToolContext, per_category: int) -> None:
    odoo = ctx.odoo
    this_week = week_start(today(ctx))
    since = this_week - timedelta(weeks=104)
    cats = {p["id"]: (p["categ_id"][1].split(" / ")[-1] if p.get("categ_id") else "?")
            for p in odoo.search_read("product.product", ["|", ("active", "=", True), ("active", "=", False)],
                                      ["categ_id"], limit=100000)}
    series: list[tuple[str, np.ndarray, float]] = []
    for w in warehouse_list(odoo):
        for pid, s in weekly_deliveries(odoo, since, None, int(w["id"])).items():
            weeks, y = dense(s, min(s), this_week - timedelta(days=7))
            if len(y) >= 68 and float(np.sum(y[-8:])) > 0:
                series.append((cats.get(pid, "?"), y, float((weeks[0] - weeks[0].replace(month=1, day=1)).days) / 7))
    by_cat: dict[str, list[tuple[str, np.ndarray, float]]] = defaultdict(list)
    for s in series:
        by_cat[s[0]].append(s)
    print(f"demand: {len(series)} product x warehouse series with 68+ weeks; up to {per_category} busiest per "
          "category, last 8 weeks held out")
    print(f"  {'category':28} {'series':>6} {'median MASE':>12} {'pooled MASE':>12} {'in 80% range':>13}")
    t0 = time.perf_counter()
    fitted = 0
    for cat in sorted(by_cat):
        chosen = sorted(by_cat[cat], key=lambda s: -float(np.sum(s[1])))[:per_category]
        res = [h for _c, y, ph in chosen if (h := holdout(y, 8, ph)) is not None]
        fitted += len(res)
        finite = [h["mase"] for h in res if math.isfinite(h["mase"])]
        pooled = sum(h["mae"] for h in res) / max(1e-9, sum(h["mae_seasonal_naive"] for h in res))
        inside = 100.0 * sum(h["inside"] for h in res) / max(1, sum(h["weeks"] for h in res))
        mark = " (seasonal)" if cat in SEASONAL else ""
        print(f"  {cat + mark:28} {len(res):6d} {statistics.median(finite) if finite else float('nan'):12.2f} "
              f"{pooled:12.2f} {inside:12.1f}%")
    print(f"  ({fitted} fits in {time.perf_counter() - t0:.1f} s)")


def tools(ctx: ToolContext, business: str) -> None:
    ex = EXAMPLES[business]
    for name, args in (("lead_time_forecast", {"vendor": ex["vendor"]}),
                       ("demand_forecast", {"product": ex["product"], "warehouse": ex["warehouse"], "weeks": 8}),
                       ("supply_options", {"product": ex["product"], "warehouse": ex["warehouse"]})):
        _res, cold = timed(ctx, name, args)
        res, warm = timed(ctx, name, args)
        print(f"{name}({args}): first call {cold:.0f} ms, again {warm:.0f} ms, {res.rpc_calls} round trips")
        print(f"  {res.text[:300]}")


def bench_business(business: str, per_category: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        running = start_sandbox(Path(tmp), port=0, scale=1, cache_dir=CACHE, business=business)
        try:
            odoo = OdooClient.connect(running.url, running.db, "admin", "admin")
            ctx = ToolContext(user=ADMIN, odoo=odoo)
            print(f"\n== {business} scale 1: load average {os.getloadavg()[0]:.1f}")
            lead_time(ctx)
            demand(ctx, per_category)
            tools(ctx, business)
        finally:
            running.stop()


def scale10() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        running = start_sandbox(Path(tmp), port=0, scale=10, cache_dir=CACHE, timeout=1200)
        print(f"\n== bluebonnet scale 10 (sandbox up in {time.perf_counter() - t0:.0f} s): load average "
              f"{os.getloadavg()[0]:.1f}")
        try:
            ctx = ToolContext(user=ADMIN, odoo=OdooClient.connect(running.url, running.db, "admin", "admin"))
            for name, args in (("supplier_risk", {}), ("purchase_anomalies", {}),
                               ("lead_time_forecast", {"vendor": "Gemini Furniture"})):
                _r, cold = timed(ctx, name, args)
                warm = statistics.median(timed(ctx, name, args)[1] for _ in range(3))
                print(f"{name}: cold {cold:.0f} ms, warm {warm:.1f} ms (target <= 1000 ms warm)")
        finally:
            running.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--business", default="bluebonnet,hollander")
    ap.add_argument("--per-category", type=int, default=12)
    ap.add_argument("--scale10", action="store_true")
    a = ap.parse_args()
    for business in filter(None, a.business.split(",")):
        bench_business(business, a.per_category)
    if a.scale10:
        scale10()


if __name__ == "__main__":
    main()
