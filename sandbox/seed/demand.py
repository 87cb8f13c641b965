"""The demand pattern of customer deliveries: how much of an item goes out on a given day, relative to today.

Why a pattern: demand forecasting must have something real to find. Per category (by item code prefix):
healthcare steady, janitorial with a winter (flu season) peak, food-service disposables with a summer peak,
packaging growing with a fourth-quarter peak, and a few promotion spikes. The factor is 1.0 at `today`
(so the last weeks' volumes, and the stock story built on them, stay where they were) and draws no random
numbers (the rest of the seed is unchanged). The forecasting tools never read this module: they see only the
delivered quantities in Odoo.
"""

from __future__ import annotations

import datetime as dt
import math

# prefix -> (seasonal amplitude, peak day of year, yearly trend)
PATTERNS: dict[str, tuple[float, int, float]] = {
    "JAN": (0.45, 20, 0.0),    # janitorial & sanitation: flu season, peak late January
    "FSD": (0.40, 196, 0.0),   # food-service disposables: summer, peak mid-July
    "PKG": (0.25, 335, 0.20),  # packaging: holiday shipping peak in early December, +20 % a year
    "PPE": (0.10, 200, 0.05),  # safety: a little summer construction work
    "CHM": (0.20, 180, 0.0),   # chemicals: pool and cooling season
    "ELE": (0.0, 1, 0.08),
    "TOL": (0.0, 1, 0.05),
    "MED": (0.0, 1, 0.0),      # healthcare: steady
    "CCP": (0.0, 1, 0.0),
}
#: (item code, days before today the promotion started, its length in days, multiplier)
PROMOTIONS: tuple[tuple[str, int, int, float], ...] = (
    ("OFF-9001", 105, 14, 3.0),   # back-to-school promotion
    ("FSD-1150", 160, 10, 2.5),   # a summer event
    ("PPE-1042", 300, 7, 2.0),    # a safety-week promotion
)


def _seasonal(prefix: str, day: dt.date) -> float:
    amp, peak, _trend = PATTERNS.get(prefix, (0.0, 1, 0.0))
    return 1.0 + amp * math.cos(2 * math.pi * (day.timetuple().tm_yday - peak) / 365.25)


def factor(prefix: str, code: str, day: dt.date, today: dt.date) -> float:
    """Demand on `day` relative to demand on `today` for an item of category `prefix`."""
    _amp, _peak, trend = PATTERNS.get(prefix, (0.0, 1, 0.0))
    years = (day - today).days / 365.25
    f = _seasonal(prefix, day) / _seasonal(prefix, today) * max(0.2, 1.0 + trend * years)
    for promo, ago, length, mult in PROMOTIONS:
        start = today - dt.timedelta(days=ago)
        if code == promo and start <= day < start + dt.timedelta(days=length):
            f *= mult
    return f
