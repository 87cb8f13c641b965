"""Benchmark of the read tools on the sandbox: round trips, latency, bytes the model sees, scope.

Prints, per sandbox scale (1 and 10): per tool the Odoo round trips, median latency, median CPU time
of this process (the tool's own Python, JSON decoding) and of the sandbox server process (the work
the reads cost on the "Odoo" side) — CPU time is steadier than latency on a shared machine — and
the size of the result as the model sees it (ToolResult.for_model()); the round trips of the five reference
questions together (target <= 6, reference data cached); the catalogue size (target <= 8 KB);
supplier_scorecard over 18 months (target <= 200 ms at scale 10); and the empty-warehouse check.

    .venv/bin/python bench/bench_tools.py [--scales 1,10] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox.launch import start_sandbox  # noqa: E402
from tools.base import Identity, ToolContext, ToolResult  # noqa: E402
from tools.odoo.client import OdooClient  # noqa: E402
from tools.odoo.resolve import warehouse_list, warm_caches  # noqa: E402
from tools.reads.amounts import odoo_facts  # noqa: E402
from tools.registry import TOOLS, catalogue_bytes, run_tool  # noqa: E402

CACHE = ROOT / "var" / "cache" / "sandbox"
ADMIN = Identity(username="admin", role="admin", display_name="Bench")


def pick_examples(odoo: OdooClient) -> dict[str, Any]:
    """Realistic arguments taken from the data itself (not counted in any figure)."""
    wh = {w["code"]: w for w in warehouse_list(odoo)}
    quants = odoo.read_group("stock.quant", [("location_id.usage", "=", "internal")], ["quantity:sum"],
                             ["product_id"], lazy=False, orderby="quantity desc", limit=1)
    product = odoo.read("product.product", [quants[0]["product_id"][0]], ["default_code"])[0]["default_code"]
    po = odoo.search_read("purchase.order", [("state", "=", "purchase"), ("receipt_status", "=", "partial")],
                          ["name"], limit=1) or odoo.search_read("purchase.order", [("state", "=", "purchase")],
                                                                 ["name"], limit=1)
    held: dict[str, float] = {}
    for code, w in wh.items():  # where the product is held (Q1) and where not (the scope check)
        rows = odoo.search_read("stock.quant", [("product_id.default_code", "=", product),
                                                ("location_id", "child_of", w["view_location_id"][0])],
                                ["quantity"], limit=1000)
        held[code] = sum(r["quantity"] for r in rows)
    empty = next((c for c, q in held.items() if q == 0), None)
    return {"product": product, "po": po[0]["name"], "warehouse": max(held, key=lambda c: held[c]),
            "empty_wh": empty, "vendor": "Apex Industrial Supply"}


def cpu_ms(pid: int) -> float:
    """User + system CPU time of a process so far, in ms (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def timed(ctx: ToolContext, name: str, args: dict[str, Any], repeat: int, server_pid: int
          ) -> tuple[ToolResult, float, float, float]:
    """(last result, median ms, mean client CPU ms, mean server CPU ms) over `repeat` calls (CPU as a mean:
    the kernel counts it in 10 ms ticks)."""
    results, client, server = [], [], []
    for _ in range(repeat):
        c0, s0 = time.process_time(), cpu_ms(server_pid)
        results.append(run_tool(ctx, name, args))
        client.append((time.process_time() - c0) * 1000)
        server.append(cpu_ms(server_pid) - s0)
    for r in results:
        if not r.ok:
            raise SystemExit(f"{name}({args}) failed: {r.error}")
    return (results[-1], statistics.median(r.ms for r in results), statistics.fmean(client),
            statistics.fmean(server))


def bench_scale(scale: int, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        running = start_sandbox(Path(tmp), port=0, scale=scale, cache_dir=CACHE)
        try:
            odoo = OdooClient.connect(running.url, running.db, "admin", "admin")
            ex = pick_examples(odoo)
            odoo.invalidate()
            ctx = ToolContext(user=ADMIN, odoo=odoo)
            with odoo.measure() as fill:
                warm_caches(odoo)
                odoo_facts(ctx)
            print(f"\n== scale {scale}: {running.url}  load average {os.getloadavg()[0]:.1f}  examples {ex}")
            print(f"reference cache fill (warehouses, vendors, pricelist, numbering, company, units, rates, fields; once per 5-10 min): {fill.calls} round trips")
            calls = [
                ("stock_levels", {"product": ex["product"], "warehouse": ex["warehouse"]}, True),
                ("inbound_schedule", {"warehouse": ex["warehouse"], "date_to": "today"}, True),
                ("purchase_order_status", {"reference": ex["po"]}, True),
                ("supplier_scorecard", {"supplier": ex["vendor"], "months": 12}, True),
                ("replenishment_risk", {}, True),
                ("stock_levels", {"product": ex["product"]}, False),
                ("open_purchase_orders", {"late_only": True}, False),
                ("supplier_history", {"supplier": ex["vendor"], "months": 12}, False),
                ("supplier_communications", {"supplier": "Northgate Medical Supply"}, False),
                ("three_way_match_exceptions", {"since": "last 90 days"}, False),
                ("replenishment_risk", {"warehouse": "OKC"}, False),
                # issue #10's read tools
                ("find_purchase_orders", {"state": "open"}, False),
                ("find_purchase_orders", {"late": True, "supplier": ex["vendor"]}, False),
                ("product_vendors", {"product": ex["product"]}, False),
                ("receipts_done", {}, False),
                ("receipts_done", {"group_by": "day", "date_from": "last 30 days"}, False),
                ("vendor_bills", {"status": "overdue"}, False),
                ("spend_analysis", {}, False),
                ("spend_analysis", {"group_by": "category", "compare_previous": True}, False),
                ("spend_analysis", {"product": ex["product"], "compare_prices": True, "group_by": "warehouse"},
                 False),
            ]
            pid = running.process.pid
            print(f"{'tool':28} {'args':44} {'trips':>5} {'ms':>8} {'cpu ms':>7} {'srv cpu':>7} {'bytes':>7}")
            five = 0
            for name, args, q in calls:
                res, ms, ccpu, scpu = timed(ctx, name, args, repeat, pid)
                size = len(res.for_model().encode())
                five += res.rpc_calls if q else 0
                arg_s = ",".join(f"{k}={v}" for k, v in args.items())[:44]
                print(f"{name:28} {arg_s:44} {res.rpc_calls:>5} {ms:>8.1f} {ccpu:>7.1f} {scpu:>7.1f} {size:>7}"
                      + ("  *" if q else ""))
            print(f"* the five reference questions: {five} Odoo round trips in total (target <= 6)")
            card, card_ms, ccpu, scpu = timed(ctx, "supplier_scorecard", {"supplier": ex["vendor"], "months": 18},
                                              repeat, pid)
            print(f"supplier_scorecard 18 months: median {card_ms:.1f} ms (CPU: tool {ccpu:.0f} ms, server "
                  f"{scpu:.0f} ms), {card.rpc_calls} trips, {card.data.get('lines')} lines (target <= 200 ms at scale 10)")
            _, m_ms, ccpu, scpu = timed(ctx, "supplier_scorecard", {"supplier": ex["vendor"], "months": 12,
                                                                   "monthly": True}, repeat, pid)
            print(f"supplier_scorecard 12 months with monthly=True (the web page's 12 monthly points in one call): "
                  f"median {m_ms:.1f} ms (CPU: tool {ccpu:.0f} ms, server {scpu:.0f} ms)")
            if ex["empty_wh"]:
                one = run_tool(ctx, "stock_levels", {"product": ex["product"], "warehouse": ex["empty_wh"]})
                allw = run_tool(ctx, "stock_levels", {"product": ex["product"]})
                on_hand = one.data["warehouses"][0]["on_hand"]
                total = allw.data.get("total", {}).get("on_hand")
                print(f"correct scope: {ex['product']} at {ex['empty_wh']} (no quant there) reports on hand "
                      f"{on_hand} (company total {total}) -> {'OK' if on_hand == 0 and total else 'WRONG'}")
            else:
                print("correct scope: no warehouse without stock of the example product; not checked")
            return {"five": five, "scorecard_ms": card_ms}
        finally:
            running.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scales", default="1,10")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    size = catalogue_bytes(TOOLS.values())
    print(f"tool catalogue: {len(TOOLS)} tools, {size} bytes of names+descriptions+JSON schemas (target <= 8192)")
    for scale in (int(s) for s in a.scales.split(",")):
        bench_scale(scale, a.repeat)


if __name__ == "__main__":
    main()
