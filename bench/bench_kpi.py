"""Benchmark of the control tower (issue #13): KPIs and exception queues for the whole company.

Prints, at the given sandbox scale: the KPI computation cold (from Odoo) with its round trips per KPI
family, then the control-tower page's data warm (KPIs from the per-period cache, the six exception
queues read live) as p50/p95 over `--repeat` runs, with the queues' round trips. Target: p95 <= 1.5 s warm
at scale 10. (The page itself also caches its whole data for 5 minutes; this measures below that cache.)

    .venv/bin/python bench/bench_kpi.py [--scale 10] [--repeat 20] [--business bluebonnet]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox.launch import start_sandbox  # noqa: E402
from tools.base import Identity, ToolContext  # noqa: E402
from tools.governance.policy import Policy  # noqa: E402
from tools.kpis import clear_cache, compute  # noqa: E402
from tools.kpis import queues as q  # noqa: E402
from tools.kpis.purchasing import purchasing_series  # noqa: E402
from tools.kpis.stock import stock_series  # noqa: E402
from tools.kpis.window import months  # noqa: E402
from tools.odoo.client import OdooClient  # noqa: E402

CACHE = ROOT / "var" / "cache" / "sandbox"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--business", default="bluebonnet")
    a = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; scale {a.scale}; business {a.business}")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        sb = start_sandbox(Path(tmp) / "sb", port=0, scale=a.scale, cache_dir=CACHE, business=a.business)
        print(f"sandbox ready in {time.perf_counter() - t0:.1f} s")
        try:
            odoo = OdooClient.connect(sb.url, sb.db, "admin", "admin", timeout=120)
            ctx = ToolContext(user=Identity("admin", "admin"), odoo=odoo,
                              policy=Policy.load(ROOT / "tools" / "governance" / "default_policy.yaml"))
            window = months(ctx, 6)
            for name, fn in (("purchasing (7 KPIs)", purchasing_series), ("stock (3 KPIs)", stock_series)):
                with odoo.measure() as m:
                    t = time.perf_counter()
                    fn(ctx, q.Filters(), window)
                print(f"cold {name}: {time.perf_counter() - t:.2f} s, {m.calls} Odoo round trips (reference lists "
                      f"cached after the first call)")
            clear_cache()
            t = time.perf_counter()
            with odoo.measure() as m:
                compute(ctx)
            print(f"cold all KPIs: {time.perf_counter() - t:.2f} s, {m.calls} round trips")
            times, calls = [], []
            for _ in range(a.repeat):
                t = time.perf_counter()
                with odoo.measure() as m:
                    compute(ctx)
                    for fn in (q.overdue_receipts, q.late_orders, q.unconfirmed_orders, q.stockout_risks,
                               q.three_way_exceptions, q.contracts_expiring):
                        fn(ctx)  # type: ignore[operator]
                times.append(time.perf_counter() - t)
                calls.append(m.calls)
            times.sort()
            p95 = times[max(0, int(len(times) * 0.95) - 1)]
            print(f"control tower warm (KPIs cached, queues live): p50 {statistics.median(times) * 1000:.0f} ms, "
                  f"p95 {p95 * 1000:.0f} ms, {statistics.median(calls):.0f} round trips (target p95 <= 1500 ms)")
        finally:
            sb.stop()


if __name__ == "__main__":
    main()
