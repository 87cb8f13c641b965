"""The purchasing KPIs, folded from one read of the window's confirmed POs (the scorecard's nested spec).

Per calendar month of the PO's confirmation (`date_approve`, company-local):

- **RFQ → PO days**: mean of `date_approve − create_date` (the RFQ's creation) over POs confirmed that month.
- **PO → first receipt days**: mean of `effective_date − date_approve` (Odoo's date of the first done receipt)
  over those POs that have one.
- **Emergency purchase ratio %**: POs with Odoo's `priority` '1' (starred, urgent) / all POs confirmed.
- **Supplier OTIF %**, **supplier defect rate %** (returned / received units) and the bill lines behind the
  **three-way-match exception rate %** (exception bill lines / posted bill lines): tools.kpi's scorecard
  definitions over the lines of those POs, exactly as the supplier scorecard computes them.
- **Procurement savings** (money): Σ (vendor pricelist price valid at the order date − price paid) × quantity,
  company currency; positive = paid below list. Lines with no pricelist price are left out.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from tools import kpi
from tools.base import ToolContext
from tools.kpis.queues import Filters
from tools.kpis.window import Month, Point, Series, local_month, ratio, utc_bound
from tools.odoo.resolve import pricelist
from tools.reads.common import bulk_rows, dt, id_of, today
from tools.reads.risk import with_units
from tools.reads.supplier import MAX_POS, Conversions, scorecard_spec, to_kpi_lines


def category_ids(ctx: ToolContext, category_id: int) -> set[int]:
    return {int(i) for i in ctx.odoo.cached(f"categ_tree:{category_id}", lambda: ctx.odoo.search(
        "product.category", [("id", "child_of", category_id)], limit=5000), ttl=600)}


def load_orders(ctx: ToolContext, flt: Filters, first: Month) -> list[dict[str, Any]]:
    """Confirmed POs approved since the window's first day (one web_search_read), lines kept to the category."""
    odoo = ctx.odoo
    base = with_units(scorecard_spec(odoo))
    line = dict(base["order_line"]["fields"])
    line["product_id"] = {"fields": {**line["product_id"]["fields"], "categ_id": {}}}
    spec = {**base, "order_line": {"fields": line}, "create_date": {}, "effective_date": {}, "priority": {},
            "partner_id": {}, "picking_type_id": {"fields": {"warehouse_id": {}}}}
    domain: list[Any] = [("state", "in", ["purchase", "done"]), ("date_approve", ">=", utc_bound(ctx, first.first))]
    if flt.warehouse_id:
        domain.append(("picking_type_id.warehouse_id", "=", flt.warehouse_id))
    if flt.vendor_id:
        domain.append(("partner_id", "child_of", flt.vendor_id))
    if flt.category_id:
        domain.append(("order_line.product_id.categ_id", "child_of", flt.category_id))
    res = odoo.web_search_read("purchase.order", domain, spec, limit=MAX_POS * 10, order="date_approve asc, id asc")
    orders = list(res.get("records", []))
    if flt.category_id:
        cats = category_ids(ctx, flt.category_id)
        kept = []
        for po in orders:
            lines = [ln for ln in po.get("order_line") or () if isinstance(ln.get("product_id"), dict)
                     and id_of(ln["product_id"].get("categ_id")) in cats]
            if lines:
                kept.append({**po, "order_line": lines})
        orders = kept
    return orders


def _days(a: Any, b: Any) -> float | None:
    x, y = dt(a), dt(b)
    return None if x is None or y is None else (x - y).total_seconds() / 86400.0


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def purchasing_series(ctx: ToolContext, flt: Filters, window: list[Month]) -> list[Series]:
    with bulk_rows():
        orders = load_orders(ctx, flt, window[0])
        return _fold(ctx, orders, window)


def _fold(ctx: ToolContext, orders: list[dict[str, Any]], window: list[Month]) -> list[Series]:
    keys = [m.key for m in window]
    by_month: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for po in orders:
        mk = local_month(ctx, po.get("date_approve"))
        if mk in keys:
            by_month[str(mk)].append(po)
    conv = Conversions.load(ctx.odoo)
    prices_of: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for row in pricelist(ctx.odoo):
        prices_of[id_of(row.get("partner_id"))].append(row)
    as_of = today(ctx)
    rfq, rec, urgent, otif, defect, match, savings = ([] for _ in range(7))
    for mk in keys:
        pos = by_month.get(mk, [])
        to_po = [d for d in (_days(p.get("date_approve"), p.get("create_date")) for p in pos) if d is not None]
        to_rec = [d for d in (_days(p.get("effective_date"), p.get("date_approve")) for p in pos) if d is not None]
        rfq.append(Point(mk, _mean(to_po), round(sum(to_po), 2), len(to_po)))
        rec.append(Point(mk, _mean(to_rec), round(sum(to_rec), 2), len(to_rec)))
        n_urgent = sum(1 for p in pos if str(p.get("priority") or "0") == "1")
        urgent.append(Point(mk, ratio(n_urgent, len(pos)), n_urgent, len(pos)))
        per_vendor: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for p in pos:
            vid = id_of(p.get("partner_id"))
            if vid is not None:
                per_vendor[vid].append(p)
        lines: list[kpi.POLine] = []
        for vid, vpos in sorted(per_vendor.items()):
            lines += to_kpi_lines(vpos, vid, prices_of.get(vid, []), conv)
        card = kpi.scorecard(lines, as_of)
        n_ev = int(card["lines_evaluated"] or 0)
        on = round(float(card["otif_pct"]) * n_ev / 100) if card["otif_pct"] is not None else 0
        otif.append(Point(mk, card["otif_pct"], on, n_ev))  # type: ignore[arg-type]
        received = sum(ln.delivered for ln in lines)
        returned = sum(ln.returned for ln in lines)
        defect.append(Point(mk, ratio(returned, received, nd=2), round(returned, 3), round(received, 3)))
        billed = sum(1 for ln in lines for b in ln.bills if b.posted and not b.refund)
        exc = int(card["three_way_exceptions"] or 0)
        match.append(Point(mk, ratio(exc, billed), exc, billed))
        var = card["price_variance_amount"]
        savings.append(Point(mk, None if var is None else round(-float(var), 2)))
    return [
        Series("rfq_to_po_days", "RFQ to confirmed PO", "days", "down", rfq),
        Series("po_to_receipt_days", "PO to first receipt", "days", "down", rec),
        Series("otif", "Supplier OTIF", "%", "up", otif),
        Series("three_way_exception_rate", "Three-way-match exception rate", "%", "down", match),
        Series("supplier_defect_rate", "Supplier defect rate", "%", "down", defect),
        Series("emergency_purchase_ratio", "Emergency purchase ratio", "%", "down", urgent),
        Series("procurement_savings", "Procurement savings vs list price", "money", "up", savings),
    ]
