"""Monthly OTIF, lead-time and spend series for the supplier page: one governed call.

`supplier_scorecard(monthly=true)` returns, per calendar month (UTC) of the PO's approval date, the
same KPIs over that month's lines plus spend and PO count, computed from the rows of its one fetch.
Each month is its own population, so every series (lead time included) is exact, not derived.

The call goes through `run_tool` with the viewer's context, so role checks and redaction apply: a
role that may not see prices gets no spend series because those keys never reach this module.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from markupsafe import Markup

from assistant.channels.web_charts import line_chart
from tools.base import ToolResult

RunTool = Callable[[str, dict[str, Any]], ToolResult]


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def month_label(month: str) -> str:
    """'2026-03' → 'Mar 2026' (a calendar month); anything else is returned as given."""
    year, _, mon = str(month).partition("-")
    if year.isdigit() and mon.isdigit() and 1 <= int(mon) <= 12:
        return f"{calendar.month_abbr[int(mon)]} {year}"
    return str(month)


def _next_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year + mon // 12}-{mon % 12 + 1:02d}"


def month_series(rows: Sequence[Mapping[str, Any]], key: str, *, gaps_as_zero: bool = False
                 ) -> list[tuple[str, float]]:
    """(calendar month label, value) for the rows carrying `key`, oldest first.

    A month without a value is left out (no evaluated lines has no OTIF); with `gaps_as_zero`
    (spend) the months between the first and last one that the tool did not report are 0."""
    values: dict[str, float] = {}
    for row in rows:
        month, value = row.get("month"), _num(row.get(key))
        if isinstance(month, str) and len(month) == 7 and value is not None:
            values[month] = value
    if not values:
        return []
    if gaps_as_zero:
        month, last = min(values), max(values)
        while month < last:
            values.setdefault(month, 0.0)
            month = _next_month(month)
    return [(month_label(m), round(values[m], 2)) for m in sorted(values)]


def supplier_trends(run: RunTool, supplier: str, months: int = 12) -> dict[str, Any]:
    """{'otif', 'lead', 'spend': [(month label, value)], 'since', 'error', 'calls': 1}."""
    card = run("supplier_scorecard", {"supplier": supplier, "months": months, "monthly": True})
    data = card.data if card.ok and isinstance(card.data, dict) else {}
    rows = [r for r in data.get("monthly") or [] if isinstance(r, dict)]
    return {"otif": month_series(rows, "otif_pct"), "lead": month_series(rows, "lead_time_avg_days"),
            "spend": month_series(rows, "spend", gaps_as_zero=True),
            "since": data.get("since"), "error": None if card.ok else card.error, "calls": 1}


def trend_charts(trends: Mapping[str, Any], *, otif_target: float | None = None,
                 promised_lead: float | None = None, currency: str | None = None) -> list[Markup]:
    """The page's SVG charts, each target labelled with where it comes from (the contract's OTIF target,
    the promised lead time); the spend chart only when that series reached us (not redacted)."""
    otif = [(label, min(100.0, max(0.0, v))) for label, v in trends.get("otif") or []]
    charts = [line_chart(otif, title="OTIF per calendar month (%)", unit="%", target=otif_target,
                         target_label="contract OTIF target", css_class="otif"),
              line_chart(trends.get("lead") or [], title="Lead time per calendar month (avg days)", unit="d",
                         target=promised_lead, target_label="promised", css_class="lead")]
    if trends.get("spend"):
        charts.append(line_chart(trends["spend"], title=f"Spend per calendar month (untaxed{', ' + currency if currency else ''})",
                                 unit=currency or "", css_class="spend"))
    return charts
