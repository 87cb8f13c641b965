"""Prints how long the demo business takes to generate and how big it is: `python -m sandbox.seed.bench [scale...]`.

Figures, not assertions (the tests never time anything). Peak RSS is the whole process, generator included.
"""

from __future__ import annotations

import datetime as dt
import resource
import sys
import time

from sandbox.seed import generate


def main(argv: list[str]) -> None:
    scales = [int(a) for a in argv] or [1, 10]
    today = dt.date(2026, 11, 26)
    for scale in scales:
        best = float("inf")
        rows: dict[str, list[dict[str, object]]] = {}
        for _ in range(3 if scale == 1 else 1):
            t0 = time.perf_counter()
            rows = generate(seed=42, scale=scale, today=today)
            best = min(best, time.perf_counter() - t0)
        total = sum(len(r) for r in rows.values())
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"scale {scale}: generate {best:.2f} s (best of {3 if scale == 1 else 1}), {total:,} rows, "
              f"peak RSS so far {peak:.0f} MB")
        for model in ("purchase.order", "purchase.order.line", "stock.picking", "stock.move", "stock.quant",
                      "account.move", "mail.message"):
            print(f"  {model:22} {len(rows[model]):>8,}")


if __name__ == "__main__":
    main(sys.argv[1:])
