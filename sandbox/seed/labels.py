"""The purchase anomalies each sandbox generator planted or knowingly made, as a labels file for the bench.

Why a separate entry point: the labels are the generators' own knowledge (which PO lines they priced above
the vendor's price row, which receipts they over-delivered, which orders they keyed twice or placed from two
sites, which quantities they blew up); they must never reach the served database or the tools, only
bench/bench_intel.py, which compares purchase_anomalies' flags with them. Re-running a generator with the same
arguments reproduces the same rows (nothing reads the clock).

    python -m sandbox.seed.labels --business bluebonnet --scale 1 --today 2026-12-04 --out labels.json

Kinds: quantity, duplicate_open, duplicate_sites, price_above_list, over_received (per PO line: PO name and
product code) and price_spread (per product: the generator's own priced lines of the period at two sites or
vendors differ: a line at one (site, vendor) paid at least SPREAD_MIN_PCT % more per unit than another's
quantity-weighted average; plus its planted spot buys).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from sandbox.seed.anomalies import SPREAD_MIN_PCT

KINDS = ("quantity", "duplicate_open", "duplicate_sites", "price_above_list", "over_received", "price_spread")
PERIOD_DAYS = 90  # the bench checks purchase_anomalies' default period


def _spreads(rows: dict[str, list[dict[str, Any]]], since: dt.date, rates: dict[int, float]
             ) -> list[tuple[str, str, str, dt.date]]:
    """Products whose lines ordered since `since` cost >= SPREAD_MIN_PCT % more per product unit at one
    (site, vendor) than at another, from the generator's own rows (prices in the company currency)."""
    pos = {r["id"]: r for r in rows["purchase.order"]}
    wh_of_type = {r["id"]: r["warehouse_id"] for r in rows["stock.picking.type"]}
    code = {r["id"]: r["default_code"] for r in rows["product.product"]}
    by: dict[str, dict[tuple[Any, Any], list[tuple[float, float]]]] = defaultdict(lambda: defaultdict(list))
    for ln in rows["purchase.order.line"]:
        po = pos[ln["order_id"]]
        if po["state"] not in ("purchase", "done") or po["date_order"][:10] < since.isoformat():
            continue
        if not ln["product_uom_qty"] or not ln["price_unit"]:
            continue
        unit = ln["price_unit"] * ln["product_qty"] / ln["product_uom_qty"] / rates.get(po["currency_id"], 1.0)
        by[code[ln["product_id"]]][(wh_of_type[po["picking_type_id"]], po["partner_id"])].append(
            (unit, ln["product_uom_qty"]))
    out = []
    for product, groups in by.items():
        if len(groups) < 2:
            continue
        avg = {k: sum(p * q for p, q in g) / sum(q for _p, q in g) for k, g in groups.items()}
        # a line of one (site, vendor) paid 10 %+ more per unit than another (site, vendor)'s average
        if any(max(p for p, _q in g) / min(avg[h] for h in avg if h != k) - 1 >= SPREAD_MIN_PCT / 100
               for k, g in groups.items()):
            out.append(("price_spread", "", product, since))
    return out


def anomaly_labels(seed: int, scale: int, today: dt.date, business: str = "bluebonnet"
                   ) -> list[tuple[str, str, str, dt.date]]:
    """(kind, PO name, product code, PO order day) of every anomaly the generator planted or knowingly made."""
    since = today - dt.timedelta(days=PERIOD_DAYS)
    if business == "hollander":
        from sandbox.seed_hollander import generate_with_labels as hollander

        _rows, labels = hollander(seed, scale, today)
        return sorted(set(labels))
    from sandbox.seed import generate_with_labels

    rows, labels = generate_with_labels(seed, scale, today)
    return sorted(set(labels) | set(_spreads(rows, since, {})))


def write_labels(path: Path, seed: int, scale: int, today: dt.date, business: str) -> Path:
    labels = anomaly_labels(seed, scale, today, business)
    path.write_text(json.dumps({"business": business, "seed": seed, "scale": scale, "today": today.isoformat(),
                                "period_days": PERIOD_DAYS,
                                "labels": [[k, po, p, d.isoformat()] for k, po, p, d in labels]}, indent=1),
                    encoding="utf-8")
    return path


def read_labels(path: Path) -> list[tuple[str, str, str, dt.date]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [(k, po, p, dt.date.fromisoformat(d)) for k, po, p, d in data["labels"]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--business", default="bluebonnet")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--today", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    print(write_labels(Path(a.out), a.seed, a.scale, dt.date.fromisoformat(a.today), a.business))


if __name__ == "__main__":
    main()
