"""Benchmark of the intelligence reads: supplier_risk and purchase_anomalies on the sandbox.

Prints, per sandbox scale: supplier_risk's time for all vendors cold (computed from Odoo) and warm
(the per-day cache of the ranking), its Odoo round trips, where the story vendors rank; and
purchase_anomalies' time for the default 90 days, its flag counts and its precision and recall per kind
and overall against the anomalies the generator planted or knowingly made (sandbox/seed/labels.py writes
them to a labels file next to the sandbox database; the tools never read it).
Targets (issue #15): supplier_risk <= 1 s warm at scale 10, purchase_anomalies <= 1 s for 90 days,
precision and recall >= 0.8.

    .venv/bin/python bench/bench_intel.py [--scales 1,10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox.launch import start_sandbox  # noqa: E402
from sandbox.seed.labels import KINDS as LABEL_KINDS  # noqa: E402
from sandbox.seed.labels import read_labels, write_labels  # noqa: E402
from tools.base import Identity, ToolContext  # noqa: E402
from tools.odoo.client import OdooClient  # noqa: E402
from tools.odoo.resolve import warm_caches  # noqa: E402
from tools.registry import run_tool  # noqa: E402

CACHE = ROOT / "var" / "cache" / "sandbox"
ADMIN = Identity(username="admin", role="admin", display_name="Bench")
STORY_HIGH = ("Northgate Medical Supply", "Redline Fasteners")
STORY_LOW = ("Apex Industrial Supply", "Summit Medical Distributors")
PRODUCT = {"bluebonnet": "PPE-1042", "hollander": "GLS_Wine-35cl"}  # sandbox products with weekly deliveries
VENDOR = {"bluebonnet": "Gemini Furniture", "hollander": "Atlantic Paper Goods Inc."}


def meta(data_dir: Path) -> dict[str, str]:
    path = next(data_dir.glob("sandbox*.db"))
    with sqlite3.connect(str(path)) as conn:
        return dict(conn.execute("SELECT key, value FROM sandbox_meta").fetchall())


def run(ctx: ToolContext, name: str, args: dict[str, Any], repeat: int, clear: bool) -> tuple[Any, float, int]:
    """(last result, median ms, round trips of the last call); `clear` empties the per-day cache first."""
    times, res = [], None
    for _ in range(repeat):
        if clear:
            for key in [k for k in list(ctx.odoo._cache) if k.startswith(name + ":")]:
                ctx.odoo.invalidate(key)
        t0 = time.perf_counter()
        res = run_tool(ctx, name, args)
        times.append((time.perf_counter() - t0) * 1000)
        if not res.ok:
            raise SystemExit(f"{name}({args}) failed: {res.error}")
    assert res is not None
    return res, statistics.median(times), res.rpc_calls


def score(ctx: ToolContext, labels: list[tuple[str, str, str, dt.date]], since: dt.date) -> None:
    """Precision and recall per kind and overall: PO lines (PO, product) for line kinds; products for
    price_spread (one flag per product). A line the generator labelled with two kinds counts in both."""
    from tools.reads.anomalies import find_anomalies

    flags = find_anomalies(ctx)["flags"]
    tp_all = got_all = truth_all = 0
    for kind in LABEL_KINDS:
        if kind == "price_spread":
            truth = {p for k, _po, p, _day in labels if k == kind}
            got = {f["product"] for f in flags if f["kind"] == kind}
        else:
            truth = {(po, p) for k, po, p, day in labels if k == kind and day >= since}
            got = {(f["po"], f["product"]) for f in flags if f["kind"] == kind}
        tp = len(truth & got)
        tp_all, got_all, truth_all = tp_all + tp, got_all + len(got), truth_all + len(truth)
        p = tp / len(got) if got else float("nan")
        r = tp / len(truth) if truth else float("nan")
        print(f"  {kind:16s} labelled {len(truth):3d}, flagged {len(got):3d}, precision {p:.2f}, recall {r:.2f}")
        missed, extra = sorted(truth - got, key=str)[:3], sorted(got - truth, key=str)[:3]
        if missed or extra:
            print(f"    missed e.g. {missed}; unlabelled flags e.g. {extra}")
    print(f"  {'overall':16s} labelled {truth_all:3d}, flagged {got_all:3d}, precision "
          f"{tp_all / max(got_all, 1):.2f}, recall {tp_all / max(truth_all, 1):.2f}")


def bench_scale(scale: int, repeat: int, business: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        running = start_sandbox(Path(tmp), port=0, scale=scale, cache_dir=CACHE, business=business, timeout=900)
        try:
            odoo = OdooClient.connect(running.url, running.db, "admin", "admin", timeout=180.0)  # cold reads under load
            warm_caches(odoo)
            ctx = ToolContext(user=ADMIN, odoo=odoo)
            print(f"\n== {business} scale {scale}: load average {os.getloadavg()[0]:.1f}")
            res, cold, trips = run(ctx, "supplier_risk", {}, repeat, clear=True)
            _res, warm, wtrips = run(ctx, "supplier_risk", {}, repeat, clear=False)
            n = res.data.get("vendor_count", 0)
            print(f"supplier_risk, all {n} vendors: cold {cold:.0f} ms ({trips} trips), warm {warm:.1f} ms "
                  f"({wtrips} trips; target <= 1000 ms warm at scale 10)")
            top = [r["vendor"] for r in res.data["vendors"]]
            low = [r["vendor"] for r in res.data.get("least_risky", [])]
            print("  riskiest 5:", "; ".join(f"{r['vendor']} {r['score']}" for r in res.data["vendors"][:5]))
            print("  least risky 5:", "; ".join(f"{r['vendor']} {r['score']}" for r in res.data.get("least_risky", [])))
            if business == "bluebonnet":
                ok_high = all(v in top[:5] for v in STORY_HIGH)
                ok_low = all(v in low for v in STORY_LOW)
                print(f"  story: {', '.join(STORY_HIGH)} in top 5: {ok_high}; {', '.join(STORY_LOW)} in bottom 5: {ok_low}")
            an, ams, atrips = run(ctx, "purchase_anomalies", {}, repeat, clear=True)
            _an, awarm, _t = run(ctx, "purchase_anomalies", {}, repeat, clear=False)
            print(f"purchase_anomalies, 90 days: cold {ams:.0f} ms ({atrips} trips), warm {awarm:.1f} ms "
                  f"(target <= 1000 ms), {an.data['lines_checked']} lines, flags {an.data['counts']}")
            # the predictions a chat answer calls: first of the day (fits and reads) and then (per-day cache)
            for name, args, prefix in (("lead_time_forecast", {"vendor": VENDOR[business]}, "lead_time_model:"),
                                       ("demand_forecast", {"product": PRODUCT[business]}, "demand")):
                for key in [k for k in list(ctx.odoo._cache) if k.startswith(prefix)]:
                    ctx.odoo.invalidate(key)
                _r, first, _t = run(ctx, name, args, 1, clear=False)
                _r, again, _t = run(ctx, name, args, repeat, clear=False)
                print(f"{name} {args or ''}: first of the day {first:.0f} ms, then {again:.1f} ms "
                      f"(the runtime computes the lead-time model in the background at start: QM_WARM_INTEL)")
            m = meta(Path(tmp))
            # the generator's own labels, written to a file and read back (the tools never see it)
            path = write_labels(Path(tmp) / "anomaly_labels.json", int(m["seed"]), int(m["scale"]),
                                dt.date.fromisoformat(m["today"]), business)
            score(ctx, read_labels(path), dt.date.fromisoformat(an.data["since"]))
        finally:
            running.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", default="1,10")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--business", default="bluebonnet,hollander")
    a = ap.parse_args()
    for business in a.business.split(","):
        for scale in (int(s) for s in a.scales.split(",")):
            if business == "hollander" and scale != 1:
                continue
            bench_scale(scale, a.repeat, business)


if __name__ == "__main__":
    main()
