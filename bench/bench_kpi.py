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


def page_bench(sb: object, tmp: Path, repeat: int) -> None:
    """GET / as a manager through the real app (TestClient): cold, then warm (the page's per-period cache)."""
    import re

    from fastapi.testclient import TestClient

    from assistant.runtime import Runtime
    from assistant.settings import load_settings
    from server import create_app

    settings = load_settings(QM_DATA_DIR=str(tmp / "data"), ODOO_URL=sb.url, ODOO_DB=sb.db,  # type: ignore[attr-defined]
                             QM_BRAIN="offline", QM_CORPUS_DIR=str(tmp / "no-corpus"))
    runtime = Runtime.build(settings, ingest_corpus=False)
    try:
        with TestClient(create_app(runtime=runtime, settings=settings)) as c:
            token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)  # type: ignore[union-attr]
            c.post("/login", data={"username": "maria.manager", "password": "maria.manager", "csrf_token": token,
                                   "next": "/"}, follow_redirects=False)
            t = time.perf_counter()
            assert c.get("/").status_code == 200
            cold = time.perf_counter() - t
            warm = []
            for _ in range(repeat):
                t = time.perf_counter()
                assert c.get("/").status_code == 200
                warm.append(time.perf_counter() - t)
            warm.sort()
            print(f"page / as a manager: cold {cold:.2f} s; warm p50 {statistics.median(warm) * 1000:.0f} ms, "
                  f"p95 {warm[max(0, int(len(warm) * 0.95) - 1)] * 1000:.0f} ms (target p95 <= 1500 ms)")
    finally:
        runtime.close()


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
            queues = {"overdue_receipts": q.overdue_receipts, "late_orders": q.late_orders,
                      "unconfirmed_orders": q.unconfirmed_orders, "stockout_risks": q.stockout_risks,
                      "three_way_exceptions": q.three_way_exceptions, "contracts_expiring": q.contracts_expiring}
            per: dict[str, list[float]] = {k: [] for k in queues}
            times, calls, kpi_warm = [], [], []
            for _ in range(a.repeat):
                t = time.perf_counter()
                with odoo.measure() as m:
                    compute(ctx)
                    kpi_warm.append(time.perf_counter() - t)
                    for name, fn in queues.items():
                        tq = time.perf_counter()
                        fn(ctx)  # type: ignore[operator]
                        per[name].append(time.perf_counter() - tq)
                times.append(time.perf_counter() - t)
                calls.append(m.calls)

            def p95(xs: list[float]) -> float:
                xs = sorted(xs)
                return xs[max(0, int(len(xs) * 0.95) - 1)] * 1000

            print(f"KPIs warm (per-period cache): p95 {p95(kpi_warm):.1f} ms")
            for name, xs in per.items():
                print(f"  queue {name}: p50 {statistics.median(xs) * 1000:.0f} ms, p95 {p95(xs):.0f} ms")
            print(f"control tower warm (KPIs cached, queues live): p50 {statistics.median(times) * 1000:.0f} ms, "
                  f"p95 {p95(times):.0f} ms, {statistics.median(calls):.0f} round trips (target p95 <= 1500 ms); "
                  f"the page also caches all of it for 5 minutes")
            page_bench(sb, Path(tmp), a.repeat)
            print(f"load average at the end {os.getloadavg()[0]:.2f}")
        finally:
            sb.stop()


if __name__ == "__main__":
    main()
