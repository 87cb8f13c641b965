"""The KPI answer in chat and in the terminal table, on both businesses: each value under its own month (a month
with nothing to measure stays in its place), one intro, business headers, units on every figure."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.agent import _tables
from assistant.figures import column_label
from assistant.people_text import heading
from assistant.planner.compose import compose
from assistant.planner.intents import Plan
from tools.base import Identity, ToolContext
from tools.governance.policy import Policy
from tools.kpis import clear_cache, compute
from tools.kpis.window import Point, Series
from tools.reads.common import currency
from tools.reads.kpis import KpiArgs, fmt_value, kpi_report, kpi_row

POLICY = Policy.load("tools/governance/default_policy.yaml")


@pytest.fixture(params=["odoo", "odoo_hollander"])
def ctx(request: pytest.FixtureRequest) -> ToolContext:
    clear_cache()
    return ToolContext(user=Identity("m", "manager"), odoo=request.getfixturevalue(request.param), policy=POLICY)


def _cells(table: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows keyed by the tool's field names (the table's columns are business labels)."""
    keys = {column_label(k): k for k in ("kpi", "month", "value", "previous_month", "previous", "change")}
    return [{keys.get(c, c): v for c, v in zip(table["columns"], row, strict=True)} for row in table["rows"]]


def test_every_kpi_shows_this_month_and_the_previous_one_under_their_own_months(ctx: ToolContext) -> None:
    res = kpi_report.func(ctx, KpiArgs(period=3))
    code = currency(ctx)
    series = {s.label: s for s in compute(ctx, n_months=3)}
    (table,) = _tables(res)
    rows = _cells(table)
    assert len(rows) == len(series) == 10
    missing = 0
    for row in rows:
        s = series[row["kpi"]]
        cur, prev = s.points[-1], s.points[-2]
        assert row["month"] == f"{cur.month} to date"
        assert row["previous_month"] == prev.month
        assert row["value"] == fmt_value(s, cur.value, code)  # "no data" where the month has nothing yet
        assert row["previous"] == fmt_value(s, prev.value, code)
        missing += cur.value is None or prev.value is None
        fig = res.data["figures"][s.key]
        assert [t[0] for t in fig["trend"]] == [p.month for p in s.points]  # no month dropped or shifted
        assert [t[1] for t in fig["trend"]] == [None if p.value is None else round(p.value, 2) for p in s.points]
    assert res.data["kpis"] and "trend" not in res.data["kpis"][0]


def test_a_month_without_data_keeps_its_place() -> None:
    s = Series("fill_rate", "Fill rate", "%", "up", [Point("2026-10", 97.0), Point("2026-11", 96.3),
                                                    Point("2026-12", None)])
    row, fig = kpi_row(s, "EUR")
    assert (row["month"], row["value"], row["previous_month"], row["previous"], row["change"]) == \
        ("2026-12 to date", "no data", "2026-11", "96.3%", "—")
    assert fig["trend"] == [["2026-10", 97.0], ["2026-11", 96.3], ["2026-12", None]]
    money = Series("procurement_savings", "Savings", "money", "up", [Point("2026-11", 10.0), Point("2026-12", 2.5)])
    row, _ = kpi_row(money, "EUR")
    assert (row["value"], row["previous"], row["change"]) == ("2.50 EUR", "10.00 EUR", "-7.50 EUR (worse)")


def test_one_intro_and_a_business_header(ctx: ToolContext) -> None:
    res = kpi_report.func(ctx, KpiArgs(kpi="fill rate"))
    answer = compose(Plan("kpi_report", "kpi_report", {"kpi": "fill rate"}), [("kpi_report", res, res.text)])
    before_table = answer.split("\n\n")[0]
    assert before_table.count("\n") == 1  # the intro line and the fill-rate line
    assert before_table.startswith("KPIs for the whole company") and "computed from Odoo" in before_table
    assert answer.count("computed from Odoo") == 1 and "month-on-month trend:\nKPIs" not in answer
    for table in _tables(res):
        title = heading(table["title"])
        assert title.startswith("KPIs") and "Kpi reports" not in title and "kpi_report" not in title
        assert [heading(c) for c in table["columns"]] == ["KPI", "Month", "Value", "Previous month", "Previous",
                                                          "Change"]
    assert "| KPI | Month | Value | Previous month | Previous | Change |" in answer
