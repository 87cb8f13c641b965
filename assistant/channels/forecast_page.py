"""/forecast: a product's weekly demand, past and forecast, as an SVG chart (issue #15), from demand_forecast.

Thin: the page runs the same tool the chat does (policy, redaction and audit included) and draws its weeks with
web_charts.line_chart: the delivered weeks, then the forecast weeks, with the 80 % range in the table.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from assistant.channels.web import page_user, render, router, run_page_tool
from assistant.channels.web_charts import line_chart


def weekly_points(data: dict[str, Any]) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """(delivered weeks, forecast weeks) as (week label, qty) points; a zero week is a point too."""
    past = [(f"{w['week']}", float(w.get("qty", 0) or 0)) for w in data.get("last_weeks") or []]
    ahead = [(f"{w['week']}", float(w.get("qty", 0) or 0)) for w in data.get("forecast") or []]
    return past, ahead


@router.get("/forecast", response_model=None)
def forecast_page(request: Request, product: str = "", warehouse: str = "", weeks: int = 8) -> Response:
    user = page_user(request)
    product, warehouse = product.strip()[:120], warehouse.strip()[:40]
    weeks = max(1, min(26, weeks))
    if not product:
        return render(request, "forecast.html", user=user, nav="forecast", product="", warehouse=warehouse,
                      weeks=weeks, result=None, chart=None, rows=[], error=None)
    args: dict[str, Any] = {"product": product, "weeks": weeks}
    if warehouse:
        args["warehouse"] = warehouse
    result = run_page_tool(request, user, "demand_forecast", args)
    if not result.ok:
        return render(request, "forecast.html", status_code=404, user=user, nav="forecast", product=product,
                      warehouse=warehouse, weeks=weeks, result=None, chart=None, rows=[], error=result.error)
    data = result.data
    past, ahead = weekly_points(data)
    unit = str(data.get("uom") or "")
    # short enough for a phone; the sentence under the chart says which weeks are delivered and which forecast
    title = f"{data.get('product')}{' at ' + str(data['warehouse']) if data.get('warehouse') else ''}: " \
            f"weekly deliveries"
    chart = line_chart(past + ahead, title=title, unit=unit if unit not in ("Units", "Unit") else "",
                       css_class="forecast")
    rows = [{"week": r["week"], "qty": r.get("qty", 0), "low": r.get("low", 0), "high": r.get("high", 0)}
            for r in data.get("forecast") or []]
    return render(request, "forecast.html", user=user, nav="forecast", product=product, warehouse=warehouse,
                  weeks=weeks, result=result, chart=chart, rows=rows, error=None, first_forecast=ahead[0][0]
                  if ahead else None)
