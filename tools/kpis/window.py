"""Calendar months of a KPI window and the per-month series every KPI returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from tools.base import ToolContext
from tools.reads.common import company_zone, today


@dataclass(frozen=True)
class Month:
    key: str  # 'YYYY-MM'
    first: date
    last: date  # last day of the month, or today for the running month

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def months(ctx: ToolContext, count: int, until: date | None = None) -> list[Month]:
    """The last `count` calendar months up to the company's today (the running month last, to today)."""
    now = until or today(ctx)
    out = []
    y, m = now.year, now.month
    for _ in range(max(1, count)):
        first = date(y, m, 1)
        nxt = date(y + (m == 12), m % 12 + 1, 1)
        last = min(now, date.fromordinal(nxt.toordinal() - 1))
        out.append(Month(f"{y:04d}-{m:02d}", first, last))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def utc_bound(ctx: ToolContext, d: date) -> str:
    """Local midnight opening day `d` as Odoo's naive-UTC string."""
    local = datetime.combine(d, time.min, tzinfo=company_zone(ctx))
    return local.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def local_month(ctx: ToolContext, value: Any) -> str | None:
    """Odoo datetime string -> the company-local 'YYYY-MM' it falls in."""
    if not value:
        return None
    s = str(value)
    try:
        moment = datetime.fromisoformat(s[:19]) if len(s) > 10 else datetime.fromisoformat(s[:10])
    except ValueError:
        return None
    if len(s) > 10:
        moment = moment.replace(tzinfo=UTC).astimezone(company_zone(ctx))
    return moment.strftime("%Y-%m")


@dataclass
class Point:
    month: str
    value: float | None
    num: float = 0.0
    den: float = 0.0


@dataclass
class Series:
    key: str
    label: str
    unit: str  # '%', 'days', 'money', 'x'
    better: str  # 'up' | 'down'
    points: list[Point] = field(default_factory=list)
    note: str | None = None

    @property
    def current(self) -> float | None:
        return self.points[-1].value if self.points else None

    @property
    def previous(self) -> float | None:
        return self.points[-2].value if len(self.points) > 1 else None

    @property
    def change(self) -> float | None:
        cur, prev = self.current, self.previous
        return None if cur is None or prev is None else round(cur - prev, 2)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(current=self.current, previous=self.previous, change=self.change)
        return d


def ratio(num: float, den: float, scale: float = 100.0, nd: int = 1) -> float | None:
    return round(scale * num / den, nd) if den else None
