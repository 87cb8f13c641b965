"""The supplier page's monthly series (one `supplier_scorecard(monthly=true)` call) and its SVG charts."""

from __future__ import annotations

import re
from typing import Any

from assistant.channels.supplier_trends import month_label, month_series, supplier_trends, trend_charts
from assistant.channels.web_charts import line_chart
from tools.base import ToolResult

MONTHLY = [
    {"month": "2026-01", "otif_pct": 80.0, "lead_time_avg_days": 9.5, "spend": 1200.0, "po_count": 2},
    {"month": "2026-03", "otif_pct": None, "lead_time_avg_days": None, "spend": 300.0, "po_count": 1},
    {"month": "2026-04", "otif_pct": 100.0, "lead_time_avg_days": 7.25, "spend": 50.5, "po_count": 1},
]


def _runner(data: dict[str, Any], ok: bool = True) -> tuple[list[tuple[str, dict[str, Any]]], Any]:
    calls: list[tuple[str, dict[str, Any]]] = []

    def run(tool: str, args: dict[str, Any]) -> ToolResult:
        calls.append((tool, args))
        return ToolResult(tool=tool, ok=ok, data=data if ok else {}, error=None if ok else "not allowed")
    return calls, run


def test_month_series_labels_calendar_months_and_skips_months_without_a_value() -> None:
    assert month_series(MONTHLY, "otif_pct") == [("Jan 2026", 80.0), ("Apr 2026", 100.0)]
    assert month_series(MONTHLY, "lead_time_avg_days") == [("Jan 2026", 9.5), ("Apr 2026", 7.25)]
    assert month_label("2025-12") == "Dec 2025" and month_label("bad") == "bad"


def test_spend_series_fills_months_without_pos_with_zero() -> None:
    assert month_series(MONTHLY, "spend", gaps_as_zero=True) == [
        ("Jan 2026", 1200.0), ("Feb 2026", 0.0), ("Mar 2026", 300.0), ("Apr 2026", 50.5)]
    across_year = [{"month": "2025-11", "spend": 1}, {"month": "2026-01", "spend": 2}]
    assert [m for m, _ in month_series(across_year, "spend", gaps_as_zero=True)] == [
        "Nov 2025", "Dec 2025", "Jan 2026"]


def test_supplier_trends_makes_one_monthly_scorecard_call() -> None:
    calls, run = _runner({"since": "2025-04-26", "monthly": MONTHLY})
    trends = supplier_trends(run, "Gemini Furniture")
    assert calls == [("supplier_scorecard", {"supplier": "Gemini Furniture", "months": 12, "monthly": True})]
    assert trends["calls"] == 1 and trends["otif"][0] == ("Jan 2026", 80.0) and len(trends["spend"]) == 4
    titles = [re.search(r"<title>([^<]+)</title>", str(c)).group(1) for c in trend_charts(trends)]  # type: ignore[union-attr]
    assert titles == ["OTIF per calendar month (%)", "Lead time per calendar month (avg days)",
                      "Spend per calendar month (untaxed)"]


def test_redacted_spend_gives_no_spend_chart_and_a_refusal_gives_empty_series() -> None:
    redacted = [{k: v for k, v in row.items() if k != "spend"} for row in MONTHLY]  # as the policy removes it
    _, run = _runner({"monthly": redacted})
    trends = supplier_trends(run, "Gemini Furniture")
    charts = "".join(str(c) for c in trend_charts(trends))
    assert trends["spend"] == [] and "Spend" not in charts and "$" not in charts and charts.count("<svg") == 2
    _, refused = _runner({}, ok=False)
    out = supplier_trends(refused, "Gemini Furniture")
    assert out["otif"] == [] and out["spend"] == [] and out["error"] == "not allowed"


def test_line_chart_is_escaped_svg_with_a_target_line() -> None:
    svg = str(line_chart([("2026-01", 90.0), ("2026-02", 97.5)], title="OTIF <script>", unit="%", target=95.0))
    assert svg.startswith("<svg") and "<script>" not in svg and "OTIF &lt;script&gt;" in svg
    assert 'class="target"' in svg and len(re.findall(r"<circle", svg)) == 2
    ticks = re.findall(r'class="axis" text-anchor="end">([^<]+)<', svg)  # y ticks (x labels are "axis x-label")
    assert ticks[0] == "0%" and ticks[-1] == "100%"
    assert "No data" in str(line_chart([], title="Empty"))


def test_chart_targets_are_labelled_and_the_last_month_is_not_clipped() -> None:
    """The target line says what it is; the last x label ends at the plot's edge (anchored at its end)."""
    pts = [(f"M{i:02d} 2026", 80.0 + i) for i in range(12)]
    svg = str(line_chart(pts, title="OTIF", unit="%", target=90.0, target_label="contract OTIF target"))
    assert 'class="target-label"' in svg and "contract OTIF target 90.0%" in svg
    labels = re.findall(r'class="axis x-label" text-anchor="(\w+)">([^<]+)<', svg)
    assert labels[-1] == ("end", "M11 2026") and labels[0] == ("start", "M00 2026")
    assert "No target" not in svg and 'class="target"' not in str(line_chart(pts, title="OTIF", unit="%"))
    spend = str(line_chart([("Jan", 1200.5), ("Feb", 800.0)], title="Spend", unit="EUR"))
    assert "EUR" in spend and "$" not in spend  # the currency Odoo reports, never a hard-coded dollar
