"""The purchase anomalies the Bluebonnet generator planted, as a labelled list (ground truth for the bench).

Why a separate entry point: the labels are the generator's own knowledge (which PO lines it priced above
the vendor's price row, which receipts it over-delivered); they must never reach the served database or
the tools, only bench/bench_intel.py, which compares purchase_anomalies' flags with them. Re-running the
generator's purchasing step with the same arguments reproduces the same rows (nothing reads the clock).
"""

from __future__ import annotations

import datetime as dt
import random

from sandbox.seed import HISTORY_DAYS
from sandbox.seed.master import World, build_master
from sandbox.seed.purchasing import Purchasing
from sandbox.seed.stockstate import plan_flags
from sandbox.seed.tables import Tables


def anomaly_labels(seed: int, scale: int, today: dt.date) -> list[tuple[str, str, str, dt.date]]:
    """(kind, PO name, product code, PO order day) of every planted anomaly: kinds price_above_list
    (a confirmed PO line priced above the vendor's price row valid that day) and over_received (a receipt
    line delivered more than ordered)."""
    t = Tables()
    w = World(today=today, now=dt.datetime.combine(today, dt.time(15, 0)),
              start=today - dt.timedelta(days=HISTORY_DAYS), rng=random.Random(seed), scale=scale)
    build_master(t, w)
    purchasing = Purchasing(t, w, plan_flags(w))
    purchasing.build()
    return sorted(set(purchasing.labels))
