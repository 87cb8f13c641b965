"""Eighteen months of weekly customer deliveries for Hollander Horeca, with a demand pattern to find.

Why: five weeks of purchasing history is this business's story, but demand forecasting needs a year and more of
outgoing deliveries. A hospitality supplier sells terrace season: glassware and disposables peak in summer,
crockery grows with new restaurant openings, cleaning and textiles are steady, and napkins had a promotion.
Deterministic (its own random stream, so the rest of the seed is unchanged); the forecasting tools never read
this module, only the delivered quantities in Odoo.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable

WEEKS = 78
#: (site, item) -> units a week at today's level
WEEKLY: dict[tuple[str, str], float] = {
    ("WH", "wine"): 30, ("WH", "cup"): 40, ("WH", "plate"): 20, ("WH", "napkin"): 60, ("WH", "degreaser"): 8,
    ("WH", "gn_pan"): 3, ("WH", "knife"): 2, ("WH", "lamp"): 2,
    ("RTM", "knife"): 4, ("RTM", "plate"): 25, ("RTM", "gn_pan"): 4, ("RTM", "degreaser"): 10, ("RTM", "napkin"): 30,
    ("EIN", "jacket_m"): 5, ("EIN", "jacket_l"): 3, ("EIN", "napkin"): 12, ("EIN", "degreaser"): 5,
}
#: item -> (seasonal amplitude, peak day of year, yearly trend)
PATTERNS: dict[str, tuple[float, int, float]] = {
    "wine": (0.35, 190, 0.0), "cup": (0.5, 200, 0.0), "napkin": (0.4, 195, 0.0),  # terrace season
    "plate": (0.0, 1, 0.15),  # new restaurants: +15 % a year
    "degreaser": (0.0, 1, 0.0), "jacket_m": (0.0, 1, 0.0), "jacket_l": (0.0, 1, 0.0),
}
PROMOTION = ("napkin", "WH", 140, 14, 2.5)  # item, site, days before today it started, length, multiplier


def _seasonal(item: str, day: dt.date) -> float:
    amp, peak, _trend = PATTERNS.get(item, (0.0, 1, 0.0))
    return 1.0 + amp * math.cos(2 * math.pi * (day.timetuple().tm_yday - peak) / 365.25)


def factor(item: str, site: str, day: dt.date, today: dt.date) -> float:
    """Demand on `day` relative to today's level."""
    trend = PATTERNS.get(item, (0.0, 1, 0.0))[2]
    f = _seasonal(item, day) / _seasonal(item, today) * max(0.2, 1.0 + trend * (day - today).days / 365.25)
    p_item, p_site, ago, length, mult = PROMOTION
    start = today - dt.timedelta(days=ago)
    if (item, site) == (p_item, p_site) and start <= day < start + dt.timedelta(days=length):
        f *= mult
    return f


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def weekly_deliveries(today: dt.date, scale: int,
                      deliver: Callable[[str, int, int, tuple[tuple[str, float], ...]], None]) -> None:
    """Call `deliver(site, days_ago, minute, lines)` for each done delivery of the last WEEKS weeks."""
    rng = random.Random(7919 * scale + 17)
    sites = sorted({s for s, _i in WEEKLY})
    for week in range(WEEKS, 0, -1):
        for n, site in enumerate(sites):
            for rep in range(scale):
                ago = 7 * week - (n + 2 * rep) % 7 + 2
                day = today - dt.timedelta(days=ago)
                lines = []
                for (s, item), mean in sorted(WEEKLY.items()):
                    if s != site:
                        continue
                    noise = rng.gammavariate(10.0, 0.1)
                    qty = _poisson(rng, mean * factor(item, site, day, today) * noise / scale)
                    if qty > 0:
                        lines.append((item, float(qty)))
                if lines:
                    deliver(site, ago, (13 * n + 7 * rep + week) % 60, tuple(lines))
