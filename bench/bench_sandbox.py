"""Sandbox figures: odoorpc login, search_read of 100 POs x 8 fields, read_group of quants at scale 10,
the read tools' heaviest calls at scale 10 (supplier_scorecard 18 months, stock_levels, three-way match),
cold and cached start, peak RSS. Prints each figure next to its target (facts §8 / issue 2)."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import odoorpc  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sandbox.launch import RunningSandbox, start_sandbox  # noqa: E402

PO_FIELDS = ["name", "partner_id", "state", "date_order", "date_planned", "amount_total", "receipt_status",
             "invoice_status"]


def median_ms(fn: Callable[[], Any], n: int = 5) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


TICK = os.sysconf("SC_CLK_TCK")


def server_cpu_ms(s: RunningSandbox) -> float:
    """CPU time used so far by the sandbox process (user + system), from /proc."""
    fields = Path(f"/proc/{s.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / TICK


def start_cpu_s(s: RunningSandbox) -> float:
    """CPU seconds of the server plus its finished children (the generator runs in a child process)."""
    fields = Path(f"/proc/{s.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / TICK


def timed(s: RunningSandbox, fn: Callable[[], Any], n: int = 5) -> str:
    """Median wall ms, plus the median CPU ms spent by the server and by this client: on a busy machine the
    CPU figures show the cost independently of how long the call waited for a core."""
    walls, server, client = [], [], []
    for _ in range(n):
        c0, s0, t0 = time.process_time(), server_cpu_ms(s), time.perf_counter()
        fn()
        walls.append((time.perf_counter() - t0) * 1000)
        server.append(server_cpu_ms(s) - s0)
        client.append((time.process_time() - c0) * 1000)
    return (f"{statistics.median(walls):.1f} ms wall (server CPU {statistics.median(server):.0f} ms, "
            f"client CPU {statistics.median(client):.0f} ms)")


def peak_rss_mb(s: RunningSandbox) -> float:
    for line in Path(f"/proc/{s.process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def connect(s: RunningSandbox) -> Any:
    o = odoorpc.ODOO("127.0.0.1", port=s.port, timeout=120)
    o.login(s.db, "admin", "admin")
    return o


def tool_figures(s: RunningSandbox, scale: int, n: int = 5) -> None:
    """The read tools' heaviest questions through the real client path (OdooClient -> HTTP -> sandbox):
    wall ms, the tool's own CPU and the sandbox server's CPU (the server part is what this engine owns)."""
    from tools.base import Identity, ToolContext
    from tools.odoo.client import OdooClient
    from tools.registry import run_tool

    odoo = OdooClient.connect(s.url, s.db, "admin", "admin", timeout=120)
    ctx = ToolContext(user=Identity(username="admin", role="admin", display_name="Bench"), odoo=odoo)
    quants = odoo.read_group("stock.quant", [("location_id.usage", "=", "internal")], ["quantity:sum"],
                             ["product_id", "warehouse_id"], lazy=False, orderby="quantity desc", limit=1)
    code = odoo.read("product.product", [quants[0]["product_id"][0]], ["default_code"])[0]["default_code"]
    wh = odoo.read("stock.warehouse", [quants[0]["warehouse_id"][0]], ["code"])[0]["code"]
    cases = [("supplier_scorecard", {"supplier": "Apex Industrial Supply", "months": 18}, "target <= 200 ms"),
             ("stock_levels", {"product": code, "warehouse": wh}, "was ~1 s before ids filtered the SQL"),
             ("three_way_match_exceptions", {"since": "last 90 days"}, "")]
    for name, args, note in cases:
        walls, tool_cpu, srv_cpu = [], [], []
        for _ in range(n):
            c0, s0 = time.process_time(), server_cpu_ms(s)
            r = run_tool(ctx, name, args)
            if not r.ok:
                raise SystemExit(f"{name}({args}) failed: {r.error}")
            walls.append(r.ms)
            tool_cpu.append((time.process_time() - c0) * 1000)
            srv_cpu.append(server_cpu_ms(s) - s0)
        print(f"{name} {args}, scale {scale}, median of {n}: {statistics.median(walls):.1f} ms wall, "
              f"CPU tool {statistics.fmean(tool_cpu):.0f} ms + sandbox {statistics.fmean(srv_cpu):.0f} ms, "
              f"{r.rpc_calls} round trips  {('(' + note + ')') if note else ''}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=int, default=10, help="scale for the read_group figure (default 10)")
    args = ap.parse_args()
    print(f"machine load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cache = root / "cache"
        s = start_sandbox(root / "cold", scale=1, cache_dir=cache)
        print(f"cold start with generation, scale 1: {s.started_in:.2f} s wall, CPU {start_cpu_s(s):.2f} s "
              f"(server + generator)  (target <= 10 s)")
        try:
            o = odoorpc.ODOO("127.0.0.1", port=s.port)
            login = median_ms(lambda: o.login(s.db, "admin", "admin"))
            print(f"odoorpc login (common.login + context_get), median of 5: {login:.1f} ms  "
                  f"(real Odoo 18: 680 ms, 600k-round pbkdf2)")
            n = len(o.execute_kw("purchase.order", "search_read", [[]], {"fields": PO_FIELDS, "limit": 100}))
            sr = timed(s, lambda: o.execute_kw("purchase.order", "search_read", [[]],
                                               {"fields": PO_FIELDS, "limit": 100}))
            print(f"search_read purchase.order x {n} rows x 8 fields, median of 5: {sr}  (real Odoo 18: 35 ms)")
            rg1 = median_ms(lambda: o.execute_kw("stock.quant", "read_group", [[], ["quantity:sum"],
                                                                               ["product_id", "location_id"]],
                                                 {"lazy": False}))
            print(f"read_group stock.quant by product x location, scale 1, median of 5: {rg1:.1f} ms")
            qty = median_ms(lambda: o.execute_kw("product.product", "search_read", [[("is_storable", "=", True)]], {
                "fields": ["qty_available", "virtual_available", "incoming_qty", "outgoing_qty"], "limit": 100,
                "context": {"warehouse_id": 1}}))
            print(f"search_read 100 storable products x 4 qty fields (warehouse_id context): {qty:.1f} ms  "
                  f"(real Odoo 18: 50 ms for 31 rows)")
            print(f"peak RSS of the sandbox server at scale 1 after these calls: {peak_rss_mb(s):.0f} MB "
                  f"(the generator runs in a short-lived child process)")
        finally:
            s.stop()
        s2 = start_sandbox(root / "cached", scale=1, cache_dir=cache)
        print(f"cached start, scale 1 (copy of the generated file): {s2.started_in:.2f} s")
        s2.stop()
        t0 = time.perf_counter()
        s3 = start_sandbox(root / f"scale{args.scale}", scale=args.scale, cache_dir=cache)
        print(f"cold start with generation, scale {args.scale}: {time.perf_counter() - t0:.2f} s wall, "
              f"CPU {start_cpu_s(s3):.2f} s (server + generator)")
        try:
            o3 = connect(s3)
            count = o3.execute_kw("stock.quant", "search_count", [[]])
            groups = len(o3.execute_kw("stock.quant", "read_group", [[], ["quantity:sum"],
                                                                     ["product_id", "location_id"]], {"lazy": False}))
            rg = timed(s3, lambda: o3.execute_kw("stock.quant", "read_group", [[], ["quantity:sum"],
                                                                               ["product_id", "location_id"]],
                                                 {"lazy": False}))
            print(f"read_group stock.quant ({count} quants, {groups} groups) by product x location, scale "
                  f"{args.scale}, median of 5: {rg}  (target <= 100 ms)")
            po_count = o3.execute_kw("purchase.order", "search_count", [[]])
            sr10 = median_ms(lambda: o3.execute_kw("purchase.order", "search_read", [[]],
                                                   {"fields": PO_FIELDS, "limit": 100}))
            print(f"search_read 100 of {po_count} POs x 8 fields, scale {args.scale}: {sr10:.1f} ms")
            tool_figures(s3, args.scale)
            print(f"peak RSS of the sandbox server at scale {args.scale}: {peak_rss_mb(s3):.0f} MB")
        finally:
            s3.stop()


if __name__ == "__main__":
    main()
