"""The supplier page's derived monthly series and its server-side SVG charts."""

from __future__ import annotations

import re

from assistant.channels.supplier_trends import month_series
from assistant.channels.web_charts import line_chart


def test_month_series_differences_nested_windows_exactly() -> None:
    # last 1 month: 1 of 2 lines OTIF; last 2 months: 3 of 4; last 3 months: still 4 lines (an empty month)
    windows = {1: {"otif_pct": 50.0, "lines_evaluated": 2, "since": "2026-10-26"},
               2: {"otif_pct": 75.0, "lines_evaluated": 4, "since": "2026-09-26"},
               3: {"otif_pct": 75.0, "lines_evaluated": 4, "since": "2026-08-26"}}
    assert month_series(windows, "otif_pct", "lines_evaluated") == [("2026-09-26", 100.0), ("2026-10-26", 50.0)]


def test_month_series_price_is_quantity_weighted_and_skips_unknown_windows() -> None:
    windows = {1: {"avg_price": 10.0, "qty": 10, "since": "2026-10-26"},
               2: {"avg_price": 11.0, "qty": 20, "since": "2026-09-26"},  # month 2: 10 units at 12.0
               4: {"avg_price": 11.0, "qty": 20, "since": "2026-07-26"}}  # no window 3: month 4 unknown
    assert month_series(windows, "avg_price", "qty") == [("2026-09-26", 12.0), ("2026-10-26", 10.0)]
    assert month_series({1: {"qty": 5}}, "avg_price", "qty") == []  # a redacted price gives no series


def test_line_chart_is_escaped_svg_with_a_target_line() -> None:
    svg = str(line_chart([("2026-01", 90.0), ("2026-02", 97.5)], title="OTIF <script>", unit="%", target=95.0))
    assert svg.startswith("<svg") and "<script>" not in svg and "OTIF &lt;script&gt;" in svg
    assert 'class="target"' in svg and len(re.findall(r"<circle", svg)) == 2
    ticks = re.findall(r'text-anchor="end">([^<]+)<', svg)
    assert ticks[0] == "0%" and ticks[-1] == "100%"
    assert "No data" in str(line_chart([], title="Empty"))
