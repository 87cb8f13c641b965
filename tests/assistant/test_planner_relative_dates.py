"""Relative dates in actions (try-out Q31, Q97): "tmrw", "next tues", "on friday" become that day in the
company's timezone for transfers and reschedules, on both businesses' names and numbering."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from conftest import LEX  # type: ignore[import-not-found]

from assistant.planner.intents import local_today, parse
from assistant.planner.lexicon import Lexicon
from tools.odoo.resolve import RefFormat, parse_date_phrase

LEX1 = Lexicon(**{**LEX.__dict__, "tz": "America/Chicago", "_code_index": None, "_loose_index": None})
LEX2 = Lexicon(warehouses=[{"name": "Amsterdam Hoofdmagazijn", "code": "WH", "aliases": ["amsterdam"]},
                           {"name": "Rotterdam Havenmagazijn", "code": "RTM", "aliases": ["rotterdam"]}],
               products=[{"name": "Chef Knife 20cm", "code": "KIT.204", "norm": "chef knife 20cm"}],
               tz="Europe/Amsterdam", po_formats=[RefFormat("PO/%(year)s/", 5)],
               receipt_formats=[RefFormat("WH/IN/", 5), RefFormat("RTM/IN/", 5)])


def _next(today: date, weekday: int, skip_today: bool = True) -> date:
    delta = (weekday - today.weekday()) % 7
    return today + timedelta(days=delta or (7 if skip_today else 0))


@pytest.mark.parametrize(("lex", "text", "days"), [
    (LEX1, "ok transfer 40 PPE-1042 from OKC to HOU tmrw", 1),
    (LEX1, "transfer 10 PPE-1042 from DAL to HOU tomorrow", 1),
    (LEX2, "move 5 KIT.204 from RTM to WH tmrw", 1),
    (LEX2, "transfer 5 KIT.204 from WH to RTM in 3 days", 3),
])
def test_a_transfer_keeps_its_day(lex: Lexicon, text: str, days: int) -> None:
    plan = parse(text, lex, [])
    assert plan.tool == "transfer_stock", plan
    assert plan.slots["date"] == (local_today(lex.tz) + timedelta(days=days)).isoformat()
    assert plan.slots["from_warehouse"] != plan.slots["to_warehouse"]


def test_a_transfer_on_a_weekday_and_without_a_day() -> None:
    plan = parse("transfer 5 KIT.204 from WH to RTM next tues", LEX2, [])
    assert plan.slots["date"] == _next(local_today(LEX2.tz), 1).isoformat()
    assert "date" not in parse("transfer 5 KIT.204 from WH to RTM", LEX2, []).slots


@pytest.mark.parametrize(("lex", "text", "receipt"), [
    (LEX2, "push WH/IN/00002 to next tues", "WH/IN/00002"),
    (LEX2, "move RTM/IN/00007 to next thurs", "RTM/IN/00007"),
    (LEX1, "push HOU/IN/00398 to next tues", "HOU/IN/00398"),
])
def test_a_reschedule_reads_short_weekdays(lex: Lexicon, text: str, receipt: str) -> None:
    plan = parse(text, lex, [])
    assert plan.tool == "reschedule_receipt", plan
    assert plan.slots["receipt"] == receipt
    today = local_today(lex.tz)
    rng = parse_date_phrase(str(plan.slots["date"]), today)
    assert rng.start is not None and rng.start.weekday() in (1, 3) and rng.start > today


@pytest.mark.parametrize(("phrase", "expected"), [
    ("tmrw", lambda t: t + timedelta(days=1)), ("tmr", lambda t: t + timedelta(days=1)),
    ("next tues", lambda t: _next(t, 1)), ("this fri", lambda t: _next(t, 4, skip_today=False)),
    ("day after tomorrow", lambda t: t + timedelta(days=2)),
])
def test_date_phrases(phrase: str, expected: Any) -> None:
    today = date(2026, 12, 4)  # a Friday
    rng = parse_date_phrase(phrase, today)
    assert rng.start == expected(today) and rng.end == rng.start


def test_the_day_is_the_companys_not_utcs() -> None:
    late = datetime(2026, 12, 5, 3, 30)  # 03:30 UTC on Saturday is still Friday evening in Chicago
    assert local_today("America/Chicago", late) == date(2026, 12, 4)
    assert local_today("Europe/Amsterdam", late) == date(2026, 12, 5)
