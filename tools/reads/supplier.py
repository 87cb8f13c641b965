"""supplier_history: what we bought from one vendor, for how much, and how its prices moved.

Also home of the one fetch the scorecard shares: a vendor's purchase orders with their lines,
receipt moves, bill lines and the vendor's pricelist rows, all nested in one web_search_read.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from tools import kpi
from tools.base import ToolContext, ToolResult, tool
from tools.odoo.client import OdooClient
from tools.odoo.resolve import resolve_supplier
from tools.reads.common import code_or_name, compact, dt, id_of, money, months_ago, num

MAX_POS = 2000
HISTORY_SPEC: dict[str, Any] = {
    "name": {}, "state": {}, "date_order": {}, "date_approve": {}, "amount_untaxed": {},
    "order_line": {"fields": {
        "product_id": {"fields": {"display_name": {}, "default_code": {}}}, "display_type": {},
        "product_qty": {}, "price_unit": {}, "price_subtotal": {}}},
}
SCORECARD_SPEC: dict[str, Any] = {
    "name": {}, "state": {}, "date_order": {}, "date_approve": {}, "amount_untaxed": {},
    "order_line": {"fields": {
        "product_id": {"fields": {"default_code": {}, "product_tmpl_id": {}}},
        "display_type": {}, "product_qty": {}, "product_uom_qty": {}, "price_unit": {}, "price_subtotal": {},
        "date_planned": {},
        "move_ids": {"fields": {"state": {}, "date": {}, "quantity": {}, "picking_code": {}}},
        "invoice_lines": {"fields": {"quantity": {}, "price_unit": {}, "parent_state": {}, "move_type": {}}}}},
}


def fetch_orders(odoo: OdooClient, vendor_id: int, start: datetime, spec: dict[str, Any],
                 include_open: bool = False) -> list[dict[str, Any]]:
    """The vendor's confirmed POs approved since `start` (plus every still-open one if asked)."""
    domain: list[Any] = [("partner_id", "=", vendor_id), ("state", "in", ["purchase", "done"])]
    since = ("date_approve", ">=", start.strftime("%Y-%m-%d %H:%M:%S"))
    if include_open:
        domain += ["|", since, "&", ("state", "=", "purchase"), ("receipt_status", "!=", "full")]
    else:
        domain.append(since)
    res = odoo.web_search_read("purchase.order", domain, spec, limit=MAX_POS, order="date_approve asc, id asc")
    return list(res.get("records", []))


def _date(v: Any) -> Any:
    d = dt(v)
    return d.date() if d else None


def index_prices(prices: list[dict[str, Any]], vendor_id: int | None = None
                 ) -> dict[tuple[int | None, int | None], list[dict[str, Any]]]:
    """Pricelist rows grouped by (vendor id, template id); only one vendor's when vendor_id is given."""
    out: dict[tuple[int | None, int | None], list[dict[str, Any]]] = defaultdict(list)
    for row in prices:
        pid = id_of(row.get("partner_id"))
        if vendor_id is None or pid == vendor_id:
            out[(pid, id_of(row.get("product_tmpl_id")))].append(row)
    return out


def price_rows(rows: list[dict[str, Any]], product_id: int | None) -> list[kpi.PriceRow]:
    """kpi.PriceRow for one product from its template's rows (variant rows for other variants dropped)."""
    out = []
    for s in rows:
        variant = id_of(s.get("product_id"))
        if variant and variant != product_id:
            continue
        out.append(kpi.PriceRow(price=float(s.get("price") or 0), min_qty=float(s.get("min_qty") or 0),
                                delay=int(s.get("delay") or 0), variant_specific=bool(variant),
                                date_start=_date(s.get("date_start")), date_end=_date(s.get("date_end"))))
    return out


def to_kpi_lines(orders: list[dict[str, Any]], vendor_id: int,
                 prices: list[dict[str, Any]] | None = None) -> list[kpi.POLine]:
    """Odoo rows -> kpi.POLine records (receipt/return moves, posted bill lines, this vendor's prices).

    Lines of one product share one list of kpi.PriceRow (kpi.scorecard looks rows up once per list)."""
    by_tmpl = index_prices(prices or [], vendor_id)
    memo: dict[tuple[int | None, int | None], list[kpi.PriceRow]] = {}
    out: list[kpi.POLine] = []
    direction = {"incoming": False, "outgoing": True}  # picking code -> is a return to the vendor
    for po in orders:
        approved, ordered_on = dt(po.get("date_approve")), dt(po.get("date_order"))
        name, state = str(po.get("name")), str(po.get("state"))
        for ln in po.get("order_line") or []:
            if ln.get("display_type") or not ln.get("product_id"):
                continue
            product = ln["product_id"] if isinstance(ln["product_id"], dict) else {"id": ln["product_id"]}
            moves = []
            for m in ln.get("move_ids") or []:
                if m.get("state") != "done":
                    continue
                is_return = direction.get(m.get("picking_code") or "")
                when = dt(m.get("date"))
                if is_return is not None and when is not None:
                    moves.append(kpi.Receipt(when, float(m.get("quantity") or 0), is_return=is_return))
            bills = [kpi.BillLine(bill=str(b.get("id")), qty=float(b.get("quantity") or 0),
                                  price_unit=float(b.get("price_unit") or 0),
                                  posted=b.get("parent_state") == "posted", refund=b.get("move_type") == "in_refund")
                     for b in ln.get("invoice_lines") or []]
            key = (id_of(product.get("product_tmpl_id")), product.get("id"))
            rows = memo.get(key)
            if rows is None:
                rows = memo[key] = price_rows(by_tmpl.get((vendor_id, key[0]), []), key[1])
            promised = dt(ln.get("date_planned")) or approved or ordered_on or datetime.min
            out.append(kpi.POLine(
                po=name, product=code_or_name(product),
                ordered=float(ln.get("product_uom_qty") or ln.get("product_qty") or 0),
                product_qty=float(ln.get("product_qty") or 0), price_unit=float(ln.get("price_unit") or 0),
                promised=promised, approved=approved, order_date=ordered_on, po_state=state,
                moves=moves, bills=bills, price_rows=rows))
    return out


def history_summary(orders: list[dict[str, Any]], start: datetime, top: int = 8) -> dict[str, Any]:
    """Spend, PO count, spend per month and per product with its price trend (orders since `start`)."""
    start_s = start.strftime("%Y-%m-%d %H:%M:%S")
    orders = [po for po in orders if str(po.get("date_approve") or "") >= start_s]
    spend = sum(float(po.get("amount_untaxed") or 0) for po in orders)
    by_month: dict[str, float] = defaultdict(float)
    points: dict[str, list[tuple[datetime, float, float]]] = defaultdict(list)
    spend_by: dict[str, float] = defaultdict(float)
    for po in orders:
        when = dt(po.get("date_approve"))
        if when is None:
            continue
        by_month[when.strftime("%Y-%m")] += float(po.get("amount_untaxed") or 0)
        for ln in po.get("order_line") or []:
            if ln.get("display_type") or not ln.get("product_id"):
                continue
            code = code_or_name(ln["product_id"])
            points[code].append((when, float(ln.get("price_unit") or 0), float(ln.get("product_qty") or 0)))
            spend_by[code] += float(ln.get("price_subtotal") or 0)
    products = []
    for code in sorted(spend_by, key=lambda c: -spend_by[c])[:top]:
        products.append({"product": code, "spend": num(spend_by[code]), **kpi.price_trend(points[code])})
    return {"spend": num(spend), "po_count": len(orders), "products_bought": len(spend_by),
            "spend_by_month": {k: num(v, 0) for k, v in sorted(by_month.items())}, "top_products": products}


class SupplierHistoryArgs(BaseModel):
    supplier: str = Field(description="Vendor name or reference")
    months: int = Field(12, ge=1, le=60, description="Look-back in months")


@tool(SupplierHistoryArgs)
def supplier_history(ctx: ToolContext, args: SupplierHistoryArgs) -> ToolResult:
    """What we bought from a vendor: spend, PO count, spend per month, top products and their price trend."""
    vendor = resolve_supplier(ctx.odoo, args.supplier)
    start = months_ago(ctx, args.months)
    orders = fetch_orders(ctx.odoo, vendor["id"], start, HISTORY_SPEC)
    hist = history_summary(orders, start)
    data = {"vendor": vendor["name"], "months": args.months, "since": start.date().isoformat(), **hist}
    moves = [p for p in hist["top_products"] if abs(float(p.get("change_pct", 0))) >= 3]
    text = (f"{vendor['name']}, last {args.months} months: {money(hist['spend'])} on {hist['po_count']} POs, "
            f"{hist['products_bought']} products")
    if moves:
        text += "; price changes: " + ", ".join(f"{p['product']} {p['change_pct']:+}%" for p in moves[:4])
    return ToolResult(tool="supplier_history", data=compact(data), text=text)
