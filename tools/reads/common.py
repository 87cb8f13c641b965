"""Small helpers every read tool shares: compact output, Odoo value parsing, date windows.

Why: the model pays for every byte, so results drop empty fields, round numbers and show
many2one values as names; and Odoo's `False`-for-empty and naive-UTC strings are parsed once, here.
"""

from __future__ import annotations

import gc
import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tools.base import ToolContext, ToolError
from tools.odoo.resolve import (
    DEFAULT_TZ,
    company_info,
    company_today,
    company_tz,
    parse_date_phrase,
    resolve_warehouse,
)

EMPTY: tuple[Any, ...] = (None, False, "", [], {})


def compact(value: Any) -> Any:
    """Drop empty values (None/False/''/[]/{}) recursively; keep numeric zeros (0 stock is news)."""
    if isinstance(value, dict):
        out = {k: compact(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if not _is_empty(v)}
    if isinstance(value, list):
        return [compact(v) for v in value if not _is_empty(v)]
    if isinstance(value, float):
        return num(value)
    return value


def _is_empty(v: Any) -> bool:
    if isinstance(v, bool):
        return v is False
    if isinstance(v, int | float):
        return False
    return v is None or v == "" or v == [] or v == {}


def num(x: Any, nd: int = 2) -> Any:
    """Round floats; integral floats become ints (12.0 -> 12)."""
    if isinstance(x, float):
        r = round(x, nd)
        return int(r) if r == int(r) else r
    return x


def name_of(value: Any) -> str | None:
    """Display name of a many2one in any Odoo shape: [id, name], {"id", "display_name"}, or None."""
    if isinstance(value, list | tuple) and len(value) > 1:
        return str(value[1])
    if isinstance(value, dict):
        return value.get("display_name") or value.get("name")
    return None


def id_of(value: Any) -> int | None:
    if isinstance(value, list | tuple) and value:
        return int(value[0])
    if isinstance(value, dict):
        return value.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def code_or_name(product: Any) -> str:
    """The product's code as Odoo spells it (default_code) when it has one, else its display name."""
    if isinstance(product, dict):
        return str(product.get("default_code") or product.get("display_name") or "?")
    return name_of(product) or "?"


def dt(value: Any) -> datetime | None:
    """Odoo datetime string (naive UTC) -> datetime; False/None -> None."""
    if not value:
        return None
    s = value if isinstance(value, str) else str(value)
    try:
        return datetime.fromisoformat(s if len(s) == 19 else s[:19] if len(s) > 10 else s + " 00:00:00")
    except ValueError:
        return None


def day(value: Any) -> str | None:
    """Odoo datetime/date -> 'YYYY-MM-DD' (the model does not need seconds)."""
    d = dt(value)
    return d.date().isoformat() if d else None


def company_zone(ctx: ToolContext) -> ZoneInfo:
    """The company's zone: the Odoo user's tz, else the company partner's (once read), else UTC; no Odoo
    round trip: `company_tz` reads the context the client fetched at login."""
    try:
        return ZoneInfo(company_tz(ctx.odoo))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TZ)


def today(ctx: ToolContext) -> date:
    """The calendar day in the company's timezone (west of Greenwich, UTC's evening is already tomorrow)."""
    return company_today(company_tz(ctx.odoo), ctx.now())


def to_local(ctx: ToolContext, value: datetime) -> datetime:
    """Odoo's naive-UTC datetime -> naive wall-clock time in the company's timezone."""
    return value.replace(tzinfo=UTC).astimezone(company_zone(ctx)).replace(tzinfo=None)


def local_day(ctx: ToolContext, value: Any) -> str | None:
    """Odoo datetime string -> the company-local 'YYYY-MM-DD' it falls on (01:00 UTC is the day before in America)."""
    d = dt(value)
    return to_local(ctx, d).date().isoformat() if d else None


def day_start_utc(ctx: ToolContext, d: date) -> str:
    """Local midnight opening day `d`, as the naive-UTC string Odoo compares with."""
    local = datetime.combine(d, time.min, tzinfo=company_zone(ctx))
    return local.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def day_end_utc(ctx: ToolContext, d: date) -> str:
    """The last second of local day `d`, as a naive-UTC string (for '<=' bounds)."""
    nxt = datetime.combine(d + timedelta(days=1), time.min, tzinfo=company_zone(ctx))
    return (nxt.astimezone(UTC) - timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")


def odoo_now(ctx: ToolContext) -> str:
    return ctx.now().strftime("%Y-%m-%d %H:%M:%S")


def months_ago(ctx: ToolContext, months: int) -> datetime:
    """The same company-local day `months` calendar months back (clamped to month end), from its local
    midnight, as a naive-UTC datetime to compare with Odoo's datetimes."""
    now = today(ctx)
    y, m = divmod(now.year * 12 + (now.month - 1) - months, 12)
    import calendar

    d = min(now.day, calendar.monthrange(y, m + 1)[1])
    local = datetime.combine(date(y, m + 1, d), time.min, tzinfo=company_zone(ctx))
    return local.astimezone(UTC).replace(tzinfo=None)


def date_range(ctx: ToolContext, start: str | None, end: str | None,
               when: str | None = None) -> tuple[date | None, date | None]:
    """User phrases -> (first day, last day), either open. `when` is a whole period ('this week',
    'overdue'); `start` contributes its first day, `end` its last day."""
    lo = hi = None
    local_today = today(ctx)
    if when:
        r = parse_date_phrase(when, local_today)
        lo, hi = r.start, r.end
    if start:
        r = parse_date_phrase(start, local_today)
        lo = r.start if r.start is not None else lo
    if end:
        r = parse_date_phrase(end, local_today)
        hi = r.end if r.end is not None else r.start
    if lo and hi and lo > hi:
        raise ToolError(f"The date range is empty: {lo} is after {hi}.", code="bad_date")
    return lo, hi


def since_date(ctx: ToolContext, since: str | None, default_days: int) -> date:
    if not since:
        return today(ctx) - timedelta(days=default_days)
    r = parse_date_phrase(since, today(ctx))
    if r.start is None:
        raise ToolError(f"'{since}' has no start date; say e.g. '2026-09-01' or 'last 30 days'.",
                        code="bad_date")
    return r.start


def warehouse_or_none(ctx: ToolContext, text: str | None) -> dict[str, Any] | None:
    return resolve_warehouse(ctx.odoo, text) if text else None


_TAGS = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"</?(p|br|div|li|tr|h\d)[^>]*>", re.I)


def plain_text(body: Any, limit: int = 600) -> str:
    """HTML body -> plain text, whitespace collapsed, cut at `limit` characters."""
    if not body:
        return ""
    text = _BLOCK.sub("\n", str(body))
    text = html.unescape(_TAGS.sub("", text))
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r"\s*\n\s*", "\n", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fmt_qty(x: Any) -> str:
    v = num(float(x or 0), 2)
    return f"{v:,}" if isinstance(v, int) else f"{v:,.2f}"


def currency(ctx: ToolContext) -> str:
    """The company currency's code as Odoo has it (res.company.currency_id; cached with the reference lists)."""
    return str(company_info(ctx.odoo).get("currency") or "")


def money(x: Any, code: str | None) -> str:
    """'1,234.56 EUR': two decimals and the currency code (no symbol guessed)."""
    return f"{float(x or 0):,.2f} {code}".rstrip()


@contextmanager
def bulk_rows() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a tool decodes and folds thousands of Odoo rows.

    Why: decoding a multi-MB JSON answer creates ~100k dicts and lists; they trigger full collections,
    each of which walks every live object of the process (the bigger the app, the slower). In
    bench/bench_tools.py that was ~40 % of the tools' own CPU (18-month scorecard at scale 10:
    173 -> 102 ms). The rows are plain acyclic containers that reference counting frees when the tool
    returns, so pausing leaks nothing. The collector is switched back on at exit if it was on at
    entry (nested or concurrent uses leave it as they found it)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
