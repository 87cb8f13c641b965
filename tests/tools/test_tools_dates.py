"""Date phrases resolve relative to a fixed 'today' (Thursday 2026-11-26)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tools.base import ToolError
from tools.odoo.resolve import normalize_po_name, parse_date_phrase

TODAY = date(2026, 11, 26)  # a Thursday


@pytest.mark.parametrize(("phrase", "start", "end"), [
    ("today", TODAY, TODAY),
    ("Tomorrow", date(2026, 11, 27), date(2026, 11, 27)),
    ("yesterday", date(2026, 11, 25), date(2026, 11, 25)),
    ("next Monday", date(2026, 11, 30), date(2026, 11, 30)),
    ("monday", date(2026, 11, 30), date(2026, 11, 30)),
    ("next thursday", date(2026, 12, 3), date(2026, 12, 3)),
    ("thursday", TODAY, TODAY),
    ("last friday", date(2026, 11, 20), date(2026, 11, 20)),
    ("this week", date(2026, 11, 23), date(2026, 11, 29)),
    ("next week", date(2026, 11, 30), date(2026, 12, 6)),
    ("overdue", None, date(2026, 11, 25)),
    ("2026-12-03", date(2026, 12, 3), date(2026, 12, 3)),
    ("Dec 3", date(2026, 12, 3), date(2026, 12, 3)),
    ("3rd December", date(2026, 12, 3), date(2026, 12, 3)),
    ("December 3, 2027", date(2027, 12, 3), date(2027, 12, 3)),
    ("Jan 5", date(2027, 1, 5), date(2027, 1, 5)),
    ("12/03", date(2026, 12, 3), date(2026, 12, 3)),
    ("next 7 days", TODAY, date(2026, 12, 3)),
    ("last 30 days", date(2026, 10, 27), TODAY),
    ("in 3 days", date(2026, 11, 29), date(2026, 11, 29)),
    ("this month", date(2026, 11, 1), date(2026, 11, 30)),
    ("by Friday", date(2026, 11, 27), date(2026, 11, 27)),
])
def test_phrase_to_range(phrase: str, start: date | None, end: date | None) -> None:
    rng = parse_date_phrase(phrase, TODAY)
    assert (rng.start, rng.end) == (start, end)


def test_datetime_today_is_accepted_and_bounds_are_utc_strings() -> None:
    rng = parse_date_phrase("tomorrow", datetime(2026, 11, 26, 23, 0))
    assert rng.odoo_bounds() == ("2026-11-27 00:00:00", "2026-11-27 23:59:59")
    assert parse_date_phrase("overdue", TODAY).odoo_bounds() == (None, "2026-11-25 23:59:59")


@pytest.mark.parametrize("phrase", ["someday", "Feb 30", "2026-13-01", "", "next blursday"])
def test_unreadable_dates_are_refused_with_a_hint(phrase: str) -> None:
    with pytest.raises(ToolError) as err:
        parse_date_phrase(phrase, TODAY)
    assert err.value.code in ("bad_date", "missing")


def test_po_names_normalise_to_odoo_sequence() -> None:
    assert normalize_po_name("P123") == "P00123"
    assert normalize_po_name("po 42") == "P00042"
    assert normalize_po_name("P00123") == "P00123"
    assert normalize_po_name("DAL/IN/00012") is None


def test_company_today_is_the_day_in_texas_not_utc() -> None:
    from datetime import UTC

    from tools.odoo.resolve import DEFAULT_TZ, company_today

    evening = datetime(2026, 11, 27, 1, 30, tzinfo=UTC)  # 19:30 on the 26th in Chicago
    assert company_today("America/Chicago", evening) == date(2026, 11, 26)
    assert company_today("America/Chicago", evening.replace(tzinfo=None)) == date(2026, 11, 26)  # naive = UTC
    assert company_today("UTC", evening) == date(2026, 11, 27)
    assert company_today("Not/AZone", evening) == date(2026, 11, 27)  # unknown name -> UTC
    assert DEFAULT_TZ == "UTC"  # no demo-business zone in product code
    # the pure parser then works on the company's day
    assert parse_date_phrase("today", company_today("America/Chicago", evening)).start == date(2026, 11, 26)


def test_company_tz_comes_from_the_odoo_user_context() -> None:
    from types import SimpleNamespace

    from tools.odoo.resolve import company_tz

    assert company_tz(SimpleNamespace(context={"tz": "America/Chicago"})) == "America/Chicago"  # type: ignore[arg-type]
    assert company_tz(SimpleNamespace(context={})) == "UTC"  # type: ignore[arg-type]
    assert company_tz(None) == "UTC"
    assert company_tz(SimpleNamespace(context={"tz": "America/Denver"})) == "America/Denver"  # type: ignore[arg-type]
    assert company_tz(SimpleNamespace(context={"tz": "Europe/Brussels"})) == "Europe/Brussels"  # type: ignore[arg-type]
    assert company_tz(SimpleNamespace(context={"tz": "UTC"})) == "UTC"  # type: ignore[arg-type]
    # no user tz: the company partner's tz once company_info has read it (peeked, no round trip)
    peek = SimpleNamespace(context={}, _cache={"company": (0.0, {"tz": "Europe/Brussels"})})
    assert company_tz(peek) == "Europe/Brussels"  # type: ignore[arg-type]
    assert company_tz(SimpleNamespace(context={"tz": False}), default="America/Denver") == "America/Denver"  # type: ignore[arg-type]
