"""The read tools count days in the company's timezone (Texas), not UTC.

A receipt scheduled 2026-11-27 01:00 UTC is 19:00 Central on the 26th: it is due *today* on the
evening of the 26th in Texas, even though UTC has already turned to the 27th."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from tools_fakes import Handler, ScriptedOdoo, reference_handler  # type: ignore[import-not-found]

from tools.base import Identity, ToolContext
from tools.reads.common import (
    date_range,
    day_end_utc,
    day_start_utc,
    local_day,
    months_ago,
    since_date,
    today,
)
from tools.reads.inbound import InboundArgs, inbound_schedule

ADMIN = Identity(username="admin", role="admin")
RECEIPT = {"id": 7, "name": "HOU/IN/00042", "state": "assigned", "scheduled_date": "2026-11-27 01:00:00",
           "origin": "P00042", "partner_id": {"id": 10, "display_name": "Apex Industrial Supply"},
           "picking_type_id": 3, "move_ids": []}


class Dock:
    """Answers inbound_schedule's round trips with RECEIPT when it falls inside the asked bounds."""

    def __init__(self) -> None:
        self.domain: list[Any] = []

    def __call__(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if model == "stock.picking" and method == "web_search_read":
            domain = kwargs["domain"]
            bounds = {(f, op): v for f, op, v in (t for t in domain if isinstance(t, tuple))
                      if f == "scheduled_date"}
            if ("scheduled_date", "<") not in bounds:  # the window's query (the other asks what was due before it)
                self.domain = domain
            sched = RECEIPT["scheduled_date"]
            inside = (sched >= bounds.get(("scheduled_date", ">="), "")
                      and sched <= bounds.get(("scheduled_date", "<="), "9999")
                      and sched < bounds.get(("scheduled_date", "<"), "9999"))
            return {"records": [dict(RECEIPT)] if inside else [], "length": int(inside)}
        return reference_handler(model, method, args, kwargs)

    def bounds(self) -> tuple[str | None, str | None]:
        got = {op: v for f, op, v in (t for t in self.domain if isinstance(t, tuple)) if f == "scheduled_date"}
        return got.get(">="), got.get("<=")


def make_ctx(scripted: Callable[[Handler], ScriptedOdoo], clock: datetime, handler: Handler,
             tz: str | None = "America/Chicago") -> ToolContext:
    odoo = scripted(handler)
    odoo.context = {"tz": tz} if tz else {}
    return ToolContext(user=ADMIN, odoo=odoo, clock=lambda: clock)


@pytest.mark.parametrize("clock", [datetime(2026, 11, 26, 23, 30), datetime(2026, 11, 27, 2, 0)])
def test_evening_in_texas_is_still_the_26th(scripted: Callable[[Handler], ScriptedOdoo], clock: datetime) -> None:
    dock = Dock()
    ctx = make_ctx(scripted, clock, dock)
    assert today(ctx) == date(2026, 11, 26)
    res = inbound_schedule.func(ctx, InboundArgs(when="today"))
    # the local day 2026-11-26 runs 06:00 UTC on the 26th to 05:59:59 UTC on the 27th (CST = UTC-6)
    assert dock.bounds() == ("2026-11-26 06:00:00", "2026-11-27 05:59:59")
    assert [r["ref"] for r in res.data["receipts"]] == ["HOU/IN/00042"]
    row = res.data["receipts"][0]
    assert row["scheduled"] == "2026-11-26"
    assert not row.get("days_late")
    assert res.data["overdue_shown"] == 0


def test_tomorrow_in_texas_does_not_pick_up_tonights_receipt(scripted: Callable[[Handler], ScriptedOdoo]) -> None:
    dock = Dock()
    ctx = make_ctx(scripted, datetime(2026, 11, 27, 2, 0), dock)
    res = inbound_schedule.func(ctx, InboundArgs(when="tomorrow"))
    assert dock.bounds() == ("2026-11-27 06:00:00", "2026-11-28 05:59:59")
    assert res.data.get("receipts", []) == []


def test_after_local_midnight_the_receipt_is_one_day_late(scripted: Callable[[Handler], ScriptedOdoo]) -> None:
    # 07:00 UTC on the 27th = 01:00 Central on the 27th: the receipt (19:00 Central on the 26th) is 1 day late,
    # although in UTC it is scheduled on the 27th and would count as due today.
    ctx = make_ctx(scripted, datetime(2026, 11, 27, 7, 0), Dock())
    assert today(ctx) == date(2026, 11, 27)
    res = inbound_schedule.func(ctx, InboundArgs(date_to="today"))
    row = res.data["receipts"][0]
    assert row["days_late"] == 1
    assert res.data["overdue_shown"] == 1


def test_overdue_ends_before_local_midnight(scripted: Callable[[Handler], ScriptedOdoo]) -> None:
    dock = Dock()
    ctx = make_ctx(scripted, datetime(2026, 11, 27, 2, 0), dock)
    res = inbound_schedule.func(ctx, InboundArgs(when="overdue"))
    assert dock.bounds() == (None, "2026-11-26 05:59:59")  # the 25th ends at 06:00 UTC on the 26th
    assert res.data.get("receipts", []) == []


def test_bounds_follow_daylight_saving(scripted: Callable[[Handler], ScriptedOdoo]) -> None:
    ctx = make_ctx(scripted, datetime(2026, 7, 1, 12, 0), Dock())
    assert day_start_utc(ctx, date(2026, 7, 1)) == "2026-07-01 05:00:00"  # CDT = UTC-5
    assert day_end_utc(ctx, date(2026, 7, 1)) == "2026-07-02 04:59:59"
    # the autumn change (1 Nov 2026) makes that local day 25 hours long
    assert day_start_utc(ctx, date(2026, 11, 1)) == "2026-11-01 05:00:00"
    assert day_end_utc(ctx, date(2026, 11, 1)) == "2026-11-02 05:59:59"


def test_phrases_and_since_count_from_the_local_day(scripted: Callable[[Handler], ScriptedOdoo]) -> None:
    ctx = make_ctx(scripted, datetime(2026, 11, 27, 2, 0), Dock())
    assert date_range(ctx, None, "today") == (None, date(2026, 11, 26))
    assert date_range(ctx, None, None, "this week") == (date(2026, 11, 23), date(2026, 11, 29))
    assert since_date(ctx, None, 30) == date(2026, 10, 27)
    assert since_date(ctx, "yesterday", 30) == date(2026, 11, 25)
    assert local_day(ctx, "2026-11-27 01:00:00") == "2026-11-26"
    assert local_day(ctx, False) is None
    # 18 months back from the local 26 Nov 2026, from local midnight (CDT in May: 05:00 UTC)
    assert months_ago(ctx, 18) == datetime(2025, 5, 26, 5, 0)
    assert months_ago(ctx, 1) == datetime(2026, 10, 26, 5, 0)


def test_user_tz_wins_and_no_tz_means_the_company_partner_tz_else_utc(
        scripted: Callable[[Handler], ScriptedOdoo]) -> None:
    clock = datetime(2026, 11, 27, 2, 0)
    assert today(make_ctx(scripted, clock, Dock(), tz="Asia/Tokyo")) == date(2026, 11, 27)
    assert today(make_ctx(scripted, clock, Dock(), tz="UTC")) == date(2026, 11, 27)  # the user said UTC
    assert today(make_ctx(scripted, clock, Dock(), tz=None)) == date(2026, 11, 27)  # nothing known: UTC
    ctx = make_ctx(scripted, clock, Dock(), tz=None)
    ctx.odoo._cache["company"] = (0.0, {"tz": "America/Chicago"})  # what company_info read from the company partner
    assert today(ctx) == date(2026, 11, 26)


def test_the_company_day_costs_no_odoo_round_trip(scripted: Callable[[Handler], ScriptedOdoo]) -> None:
    ctx = make_ctx(scripted, datetime(2026, 11, 27, 2, 0), Dock())
    odoo = ctx.odoo
    assert isinstance(odoo, ScriptedOdoo)
    before = len(odoo.log)
    today(ctx)
    day_start_utc(ctx, date(2026, 11, 26))
    date_range(ctx, "yesterday", "next week")
    assert len(odoo.log) == before
    inbound_schedule.func(ctx, InboundArgs(when="today"))
    # the window's receipts, and what is already overdue before it (counted since 2026-12-04)
    assert [c for c in odoo.log[before:] if c != ("stock.warehouse", "search_read")] == [
        ("stock.picking", "web_search_read"), ("stock.picking", "web_search_read")]
