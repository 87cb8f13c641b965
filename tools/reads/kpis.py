"""kpi_report: the control tower's KPIs (tools.kpis) for a scope, with the month-on-month trend."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tools.base import ToolContext, ToolError, ToolResult, tool
from tools.kpis import DEFAULT_MONTHS, KPIS, compute, pick
from tools.kpis.queues import resolve_filters
from tools.kpis.window import Series
from tools.reads.amounts import shows_money
from tools.reads.common import compact, currency, money


class KpiArgs(BaseModel):
    kpi: str | None = Field(None, description="Omit=all")
    warehouse: str | None = Field(None, description="Warehouse")
    category: str | None = Field(None, description="Product category")
    vendor: str | None = Field(None, description="Vendor")
    period: int = Field(DEFAULT_MONTHS, ge=2, le=18, description="Months")


def fmt_value(s: Series, value: float | None, code: str, with_money: bool = True) -> str:
    if value is None:
        return "no data"
    if s.unit == "%":
        return f"{value:.1f}%"
    if s.unit == "days":
        return f"{value:.1f} days"
    if s.unit == "money":
        return money(value, code) if with_money else "(amounts hidden)"
    return f"{value:.1f}"


def trend_words(s: Series, code: str, with_money: bool = True) -> str:
    ch = s.change
    if s.current is None:
        return "nothing to measure yet this month"
    if ch is None:
        return "no previous month to compare"
    if abs(ch) < 1e-9:
        return "unchanged on the previous month"
    good = (ch > 0) == (s.better == "up")
    size = (money(abs(ch), code) if with_money else "") if s.unit == "money" else \
        (f"{abs(ch):.1f} pt" if s.unit == "%" else f"{abs(ch):.1f} days" if s.unit == "days" else f"{abs(ch):.1f}")
    return f"{'up' if ch > 0 else 'down'} {size} on the previous month ({'better' if good else 'worse'})".replace("  ", " ")


@tool(KpiArgs)
def kpi_report(ctx: ToolContext, args: KpiArgs) -> ToolResult:
    """KPIs per month: cycle time, fill rate, turns, stockouts, savings."""
    keys = pick(args.kpi)
    if not keys:
        raise ToolError(f"'{args.kpi}' is not one of the KPIs I track: "
                        + ", ".join(k.replace("_", " ") for k in KPIS) + ".", code="not_found")
    flt = resolve_filters(ctx, args.warehouse, args.category, args.vendor)
    series = [s for s in compute(ctx, flt, args.period) if s.key in keys]
    with_money = shows_money(ctx)
    if not with_money:
        series = [s for s in series if s.unit != "money"]
        if not series:
            raise ToolError("Savings are money figures, which the warehouse role does not see — ask a buyer or "
                            "a manager.", code="forbidden")
    code = currency(ctx)
    scope = ", ".join(f"{k} {v}" for k, v in flt.labels.items()) or "the whole company"
    rows: list[dict[str, Any]] = []
    figures: dict[str, dict[str, Any]] = {}
    lines = []
    for s in series:
        row, fig = kpi_row(s, code, with_money)
        rows.append(row)
        figures[s.key] = fig
        lines.append(f"{s.label} ({row['month']}): {row['value']}; {row['previous_month']} {row['previous']} — "
                     f"{trend_words(s, code, with_money)}")
    data: dict[str, Any] = compact({"scope": scope, "currency": code if with_money else None,
                                    "definitions": "README.md#kpis"})
    # built after compact(): a month without data stays in its place (None), never shifting a later month left
    data["kpis"] = rows
    data["figures"] = figures
    text = f"KPIs for {scope}, computed from Odoo — this month to date against the previous month:\n" \
        + "\n".join(f"- {ln}" for ln in lines)
    return ToolResult(tool="kpi_report", data=data, text=text)


def _num(value: float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def kpi_row(s: Series, code: str, with_money: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what people read: one row per KPI, every cell filled, with units; the figures behind it, by month).

    The running month and the one before it are taken from the same series by position, so each value sits
    under its own month even when a month has nothing to measure."""
    cur = s.points[-1] if s.points else None
    prev = s.points[-2] if len(s.points) > 1 else None
    ch = s.change
    if ch is None:
        change = "—"
    elif abs(ch) < 1e-9:
        change = "unchanged"
    else:
        good = (ch > 0) == (s.better == "up")
        change = f"{fmt_change(s, ch, code, with_money)} ({'better' if good else 'worse'})"
    row = {"kpi": s.label, "month": f"{cur.month} to date" if cur else "—",
           "value": fmt_value(s, cur.value if cur else None, code, with_money),
           "previous_month": prev.month if prev else "—",
           "previous": fmt_value(s, prev.value if prev else None, code, with_money) if prev else "—",
           "change": change}
    fig: dict[str, Any] = {
        "label": s.label, "unit": s.unit, "better": s.better, "month": cur.month if cur else None,
        "value": _num(s.current), "previous_month": prev.month if prev else None, "previous": _num(s.previous),
        "change": ch, "trend": [[p.month, _num(p.value)] for p in s.points],
        "basis": [[p.month, p.num, p.den] for p in s.points]
        if s.unit == "%" or s.unit == "days" or (with_money and s.unit == "x") else None}
    return row, fig


def fmt_change(s: Series, ch: float, code: str, with_money: bool = True) -> str:
    """A signed change in the KPI's unit: '+2.9 pt', '-1.5 days', '+120.00 USD', '-0.4'."""
    sign = "+" if ch > 0 else "-"
    if s.unit == "money":
        return f"{sign}{money(abs(ch), code)}" if with_money else "(amounts hidden)"
    if s.unit == "%":
        return f"{sign}{abs(ch):.1f} pt"
    if s.unit == "days":
        return f"{sign}{abs(ch):.1f} days"
    return f"{sign}{abs(ch):.1f}"
