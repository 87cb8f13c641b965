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
from tools.reads.common import bulk_rows, compact, currency, dt, money, months_ago, num, today
from tools.reads.purchase import next_open_receipt
from tools.reads.supplier import Conversions, fetch_orders, history_summary, scorecard_spec, to_kpi_lines

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
    odoo = ctx.odoo
    spec = {**scorecard_spec(odoo), "receipt_status": {}, "picking_ids": {"fields": {"state": {}, "scheduled_date": {}}}}
    orders = fetch_orders(odoo, vendor["id"], start, spec, include_open=True)
    start_s = start.strftime("%Y-%m-%d %H:%M:%S")
    in_window = [po for po in orders if str(po.get("date_approve") or "") >= start_s]
    as_of = today(ctx)
    conv = Conversions.load(odoo)
    code = conv.currency or currency(ctx)
    lines = to_kpi_lines(orders, vendor["id"], pricelist(odoo), conv)
    window_pos = {po["name"] for po in in_window}
    window_lines = [ln for ln in lines if ln.po in window_pos]
    card = kpi.scorecard(window_lines, as_of)
    card.update(_measurable(window_lines, as_of, card))
    open_pos, late_pos = open_and_late_pos(ctx, orders, as_of)
    hist = history_summary(in_window, start, top=5, conv=conv)
    hist.pop("spend_by_month", None)
    hist["top_products"] = [kpi.shown_trend(p) for p in hist.get("top_products") or []]
    data: dict[str, Any] = {
        "vendor": vendor["name"], "months": args.months, "since": start.date().isoformat(), **card,
        "open_pos": len(open_pos), "late_pos": late_pos[:10], "late_po_count": len(late_pos), **hist,
        "currency": code, "prices": "compared per product unit of measure in the company currency",
        "definitions": "tools/README.md#supplier-kpis",
    }
    if conv.skipped:
        data["price_unconverted_pos"] = sorted(set(conv.skipped))[:10]
    if args.monthly:
        data["monthly"] = monthly_series([ln for ln in lines if ln.po in window_pos], in_window, as_of)
    return ToolResult(tool="supplier_scorecard", data=compact(data),
                      text=scorecard_text(vendor["name"], args.months, card, hist, open_pos, late_pos, code))


def _measurable(lines: list[kpi.POLine], as_of: date, card: dict[str, Any]) -> dict[str, Any]:
    """What the delivery and price figures rest on. OTIF with no receipt at all among the due lines is no data
    (not 0 %: nothing was measured, and the open-PO count says whether anything is late); price vs list is
    over the lines with this vendor's own price row only (per product UoM), and says how many those are."""
    confirmed = [ln for ln in lines if ln.po_state in ("purchase", "done")]
    due = [ln for ln in confirmed if ln.evaluable(as_of)]
    out: dict[str, Any] = {"lines_received": sum(1 for ln in due if ln.receipts)}
    if due and not out["lines_received"]:
        out.update(otif_pct=None, on_time_pct=None, in_full_pct=None,
                   otif_note=f"no data: none of its {len(due)} due line(s) has a receipt yet")
    priced = [ln for ln in confirmed if ln.price_rows and ln.list_price() is not None]
    out["lines_priced"] = len(priced)
    if not priced:
        out.update(price_variance_pct=None, price_variance_amount=None)
    return out


def open_and_late_pos(ctx: ToolContext, orders: list[dict[str, Any]], as_of: date) -> tuple[list[str], list[str]]:
    """Open and late POs by open_purchase_orders' rule (purchase.next_open_receipt), so both tools agree."""
    open_pos, late_pos = [], []
    for po in orders:
        if po.get("state") != "purchase" or po.get("receipt_status") == "full":
            continue
        open_pos.append(str(po.get("name")))
        if next_open_receipt(ctx, po, as_of)[2]:
            late_pos.append(str(po.get("name")))
    return sorted(open_pos), sorted(late_pos)


def _days(v: Any) -> str:
    return f"{v:g}"


def scorecard_text(vendor: str, months: int, card: dict[str, Any], hist: dict[str, Any], open_pos: list[str],
                   late_pos: list[str], code: str) -> str:
    """The scorecard in one paragraph a person reads: no None, n/a with its reason, nothing invented."""
    head = f"{vendor}, last {months} months"
    if not card["lines"] and not open_pos:
        return f"{head}: no confirmed purchase orders, so no scorecard yet."
    parts = []
    if card.get("otif_note"):
        parts.append(f"OTIF {card['otif_note']}")
    elif card["lines_evaluated"]:
        parts.append(f"OTIF {_pct(card['otif_pct'])} (on time {_pct(card['on_time_pct'])}, "
                     f"in full {_pct(card['in_full_pct'])}) over {card['lines_evaluated']} lines due or received")
    else:
        parts.append(f"on time / in full n/a: none of its {card['lines']} lines is due or received yet")
    if card["lead_time_avg_days"] is None:
        parts.append("lead time: no receipts yet")
    else:
        lead = f"lead time {_days(card['lead_time_avg_days'])} ± {_days(card['lead_time_stdev_days'])} d"
        promised = card["promised_lead_time_avg_days"]
        parts.append(lead + (f" vs promised {_days(promised)} d" if promised is not None
                             else " (no promised lead time on its price rows)"))
    if card["price_variance_pct"] is not None:
        of = (f" over {card['lines_priced']} of {card['lines']} lines with its own price row"
              if card.get("lines_priced") is not None and card["lines_priced"] < card["lines"] else "")
        far = (" (unusually far from the list: check that vendor price row and its unit)"
               if abs(float(card["price_variance_pct"])) >= 50 else "")
        parts.append(f"price vs list {card['price_variance_pct']:+g}%{of}{far}")
    else:
        parts.append("price vs list: not shown, no price row of this vendor valid on the order dates")
    if card["return_rate_pct"] is not None:
        parts.append(f"returns {_pct(card['return_rate_pct'])}")
    parts.append(f"{card['three_way_exceptions']} three-way-match exception(s)")
    parts.append(f"{len(open_pos)} open PO(s), {len(late_pos)} late" if open_pos else "no open POs")
    if hist.get("po_count"):
        parts.append(f"spend {money(hist['spend'], code)} on {hist['po_count']} PO{'s' if hist['po_count'] != 1 else ''}")
    return f"{head}: " + "; ".join(parts)
