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
    kpi: str | None = Field(None, description="e.g. fill rate, inventory turns, cycle time; omit for all")
    warehouse: str | None = Field(None, description="Warehouse")
    category: str | None = Field(None, description="Product category")
    vendor: str | None = Field(None, description="Vendor")
    period: int = Field(DEFAULT_MONTHS, ge=2, le=18, description="Months of trend")


def fmt_value(s: Series, value: float | None, code: str, with_money: bool = True) -> str:
    if value is None:
        return "no data"
    if s.unit == "%":
        return f"{value:.1f}%"
    if s.unit == "days":
        return f"{value:.1f} days"
    if s.unit == "money":
        return money(value, code) if with_money else "(amounts hidden)"
    return f"{value:.2f}"


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
        (f"{abs(ch):.1f} pt" if s.unit == "%" else f"{abs(ch):.1f} days" if s.unit == "days" else f"{abs(ch):.2f}")
    return f"{'up' if ch > 0 else 'down'} {size} on the previous month ({'better' if good else 'worse'})".replace("  ", " ")


@tool(KpiArgs)
def kpi_report(ctx: ToolContext, args: KpiArgs) -> ToolResult:
    """Procurement and stock KPIs by month with the trend: cycle time, OTIF, fill rate, turns, stockout, savings."""
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
    lines = []
    for s in series:
        last = s.points[-1] if s.points else None
        rows.append({"kpi": s.label, "month": last.month if last else None,
                     "value": s.current, "previous": s.previous, "change": s.change,
                     "trend": [[p.month, p.value] for p in s.points],
                     "basis": [[p.month, p.num, p.den] for p in s.points]
                     if s.unit == "%" or s.unit == "days" or (with_money and s.unit == "x") else None})
        month = f" ({last.month} to date)" if last else ""
        prev = s.points[-2].month if len(s.points) > 1 else None
        lines.append(f"{s.label}{month}: {fmt_value(s, s.current, code, with_money)}; {prev or ''} "
                     f"{fmt_value(s, s.previous, code, with_money)} — {trend_words(s, code, with_money)}")
    data: dict[str, Any] = {"scope": scope, "kpis": rows, "currency": code if with_money else None,
                            "definitions": "README.md#kpis"}
    text = f"KPIs for {scope}, month by month:\n" + "\n".join(f"- {ln}" for ln in lines)
    return ToolResult(tool="kpi_report", data=compact(data), text=text)
