"""supplier_scorecard: how well a vendor delivers, computed exactly as tools/kpi.py defines it.

One round trip once the vendor list is cached: the vendor's POs in the window (and any still
open) come back with lines, receipt moves, bill lines and pricelist rows nested; tools.kpi does
the arithmetic, so what the README says is what the number means.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from tools import kpi
from tools.base import ToolContext, ToolResult, tool
from tools.odoo.resolve import pricelist, resolve_supplier
from tools.reads.common import bulk_rows, compact, dt, money, months_ago, num, today
from tools.reads.supplier import SCORECARD_SPEC, fetch_orders, history_summary, to_kpi_lines

MONTH_KEYS = ("lines", "lines_evaluated", "otif_pct", "on_time_pct", "in_full_pct", "lead_time_avg_days",
              "price_variance_pct", "return_rate_pct")


class ScorecardArgs(BaseModel):
    supplier: str = Field(description="Vendor name or reference")
    months: int = Field(12, ge=1, le=60, description="Look-back in months")
    monthly: bool = Field(False, description="Also KPIs and spend per month")


def _pct(v: Any) -> str:
    return "n/a" if v is None else f"{v:g}%"


def monthly_series(lines: list[kpi.POLine], orders: list[dict[str, Any]], as_of: date) -> list[dict[str, Any]]:
    """Per calendar month (UTC) of the PO's `date_approve`: the same KPIs over that month's lines, and spend.

    Exact, not derived from nested windows: each month is its own population under the README's
    definitions, computed from the rows the scorecard already fetched (no extra round trip)."""
    by_month: dict[str, list[kpi.POLine]] = defaultdict(list)
    for ln in lines:
        if ln.approved is not None:
            by_month[ln.approved.strftime("%Y-%m")].append(ln)
    spend: dict[str, float] = defaultdict(float)
    pos: dict[str, int] = defaultdict(int)
    for po in orders:
        when = dt(po.get("date_approve"))
        if when is not None:
            spend[when.strftime("%Y-%m")] += float(po.get("amount_untaxed") or 0)
            pos[when.strftime("%Y-%m")] += 1
    out = []
    for month in sorted(set(by_month) | set(spend)):
        card = kpi.scorecard(by_month.get(month, []), as_of)
        out.append({"month": month, **{k: card[k] for k in MONTH_KEYS}, "spend": num(spend[month]),
                    "po_count": pos[month]})
    return out


@tool(ScorecardArgs)
def supplier_scorecard(ctx: ToolContext, args: ScorecardArgs) -> ToolResult:
    """Scorecard: OTIF, on-time, in-full, lead time, price variance, returns, open/late POs, spend."""
    vendor = resolve_supplier(ctx.odoo, args.supplier)
    start = months_ago(ctx, args.months)
    with bulk_rows():
        return _scorecard(ctx, args, vendor, start)


def _scorecard(ctx: ToolContext, args: ScorecardArgs, vendor: dict[str, Any], start: datetime) -> ToolResult:
    orders = fetch_orders(ctx.odoo, vendor["id"], start, SCORECARD_SPEC, include_open=True)
    start_s = start.strftime("%Y-%m-%d %H:%M:%S")
    in_window = [po for po in orders if str(po.get("date_approve") or "") >= start_s]
    as_of = today(ctx)
    lines = to_kpi_lines(orders, vendor["id"], pricelist(ctx.odoo))
    window_pos = {po["name"] for po in in_window}
    card = kpi.scorecard((ln for ln in lines if ln.po in window_pos), as_of)
    open_pos, late_pos = kpi.open_and_late(lines, as_of)
    hist = history_summary(in_window, start, top=5)
    hist.pop("spend_by_month", None)
    data: dict[str, Any] = {
        "vendor": vendor["name"], "months": args.months, "since": start.date().isoformat(), **card,
        "open_pos": len(open_pos), "late_pos": late_pos[:10], "late_po_count": len(late_pos), **hist,
        "definitions": "tools/README.md#supplier-kpis",
    }
    if args.monthly:
        data["monthly"] = monthly_series([ln for ln in lines if ln.po in window_pos], in_window, as_of)
    text = (f"{vendor['name']}, last {args.months} months ({card['lines_evaluated']} lines): "
            f"OTIF {_pct(card['otif_pct'])} (on time {_pct(card['on_time_pct'])}, in full {_pct(card['in_full_pct'])}); "
            f"lead time {card['lead_time_avg_days']}±{card['lead_time_stdev_days']} d vs promised "
            f"{card['promised_lead_time_avg_days']} d; price vs list {_pct(card['price_variance_pct'])}; "
            f"returns {_pct(card['return_rate_pct'])}; {card['three_way_exceptions']} three-way-match exceptions; "
            f"{len(open_pos)} open POs ({len(late_pos)} late); spend {money(hist['spend'])} on {hist['po_count']} POs")
    return ToolResult(tool="supplier_scorecard", data=compact(data), text=text)
