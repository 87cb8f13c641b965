"""Monthly OTIF, lead-time and price series for the supplier page, derived from governed tool calls.

Why derived: `supplier_scorecard` and `supplier_history` report one look-back window (the last N
months). Calling them for N = 1..12 gives nested windows; the difference between window N and N-1
is month N exactly for counts (OTIF lines, quantities) and so for ratios built from them:
  OTIF(month) = (otif% · lines)[N] − (otif% · lines)[N−1]  over  lines[N] − lines[N−1]
  avg price(month) = (avg · qty)[N] − (avg · qty)[N−1]  over  qty[N] − qty[N−1]
Lead time is averaged over received lines, whose count the scorecard does not report; it is weighted
by evaluated lines, so that series is an approximation (labelled so on the page).

Every number comes through `run_tool` with the viewer's context, so role checks and redaction apply:
a warehouse user gets no price series because the price keys never reach this module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tools.base import ToolResult

RunTool = Callable[[str, dict[str, Any]], ToolResult]


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _weighted(data: Mapping[str, Any], value_key: str, weight_key: str) -> tuple[float, float] | None:
    """(value · weight, weight); an absent value over zero weight is (0, 0); otherwise None."""
    v, w = _num(data.get(value_key)), _num(data.get(weight_key))
    if w is None:
        return None
    if v is None:
        return (0.0, 0.0) if w == 0 else None
    return v * w, w


def month_series(windows: Mapping[int, Mapping[str, Any]], value_key: str, weight_key: str
                 ) -> list[tuple[str, float]]:
    """Per-month values from nested windows {N: data of the last N months}, oldest month first.

    Each point is labelled with the first day of its month-long slice (the window's `since`)."""
    out: list[tuple[str, float]] = []
    for n in sorted(windows, reverse=True):
        cur = _weighted(windows[n], value_key, weight_key)
        prev = (0.0, 0.0) if n == 1 else (
            _weighted(windows[n - 1], value_key, weight_key) if n - 1 in windows else None)
        if cur is None or prev is None:
            continue
        weight = cur[1] - prev[1]
        if weight <= 0:
            continue
        label = str(windows[n].get("since") or f"-{n} months")[:10]
        out.append((label, round((cur[0] - prev[0]) / weight, 2)))
    return out


def _product_row(data: Mapping[str, Any], product: str) -> dict[str, Any]:
    for row in data.get("top_products") or []:
        if isinstance(row, dict) and row.get("product") == product:
            return row
    return {"product": product, "qty": 0, "avg_price": None}


def supplier_trends(run: RunTool, supplier: str, months: int = 12) -> dict[str, Any]:
    """{'otif': [...], 'lead': [...], 'price': [...], 'price_product': code|None, 'calls': n}."""
    cards: dict[int, dict[str, Any]] = {}
    hists: dict[int, dict[str, Any]] = {}
    calls = 0
    for n in range(1, months + 1):
        card = run("supplier_scorecard", {"supplier": supplier, "months": n})
        calls += 1
        if not card.ok:
            break
        cards[n] = card.data
        hist = run("supplier_history", {"supplier": supplier, "months": n})
        calls += 1
        if hist.ok:
            hists[n] = {**hist.data, "since": card.data.get("since")}
    out: dict[str, Any] = {"otif": month_series(cards, "otif_pct", "lines_evaluated"),
                           "lead": month_series(cards, "lead_time_avg_days", "lines_evaluated"),
                           "price": [], "price_product": None, "calls": calls}
    if hists:
        top = (hists[max(hists)].get("top_products") or [{}])[0]
        product = top.get("product") if isinstance(top, dict) else None
        if product and _num(top.get("avg_price")) is not None:
            per = {n: {**_product_row(h, str(product)), "since": h.get("since")} for n, h in hists.items()}
            out["price"] = month_series(per, "avg_price", "qty")
            out["price_product"] = product
    return out
