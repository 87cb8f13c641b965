"""supplier_history: what we bought from one vendor, for how much, and how its prices moved.

supplier_history lets Odoo do the sums (history_aggregated: POs grouped by month, lines grouped by
product, then only the top products' lines for their price trend). Also home of the one fetch the
scorecard shares: a vendor's purchase orders with their lines, receipt moves and bill lines nested
in one web_search_read, and of history_summary, the same figures computed from those rows.
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
MAX_LINES = 20000
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


def history_aggregated(odoo: OdooClient, vendor_id: int, start: datetime, top: int = 8) -> dict[str, Any]:
    """history_summary's figures with the sums done by Odoo: three round trips that read a few dozen
    groups and the lines of the top products only, instead of every PO with every line.

    1. purchase.order grouped by month of date_approve (UTC): spend and PO count per month;
    2. purchase.order.line grouped by product: spend (price_subtotal) per product -> the top products;
    3. the lines of those top products (date, unit price, quantity) for their price trend.
    Products are told apart by id (history_summary keys them by code; the same unless two products
    share a code)."""
    since = start.strftime("%Y-%m-%d %H:%M:%S")
    po_domain: list[Any] = [("partner_id", "=", vendor_id), ("state", "in", ["purchase", "done"]),
                            ("date_approve", ">=", since)]
    months = odoo.read_group("purchase.order", po_domain, ["amount_untaxed:sum"], ["date_approve:month"],
                             lazy=False, context={"tz": "UTC"})
    by_month: dict[str, float] = defaultdict(float)
    spend = 0.0
    po_count = 0
    for g in months:
        rng = (g.get("__range") or {}).get("date_approve:month") or {}
        amount = float(g.get("amount_untaxed") or 0)
        spend += amount
        po_count += int(g.get("__count") or 0)
        if rng.get("from"):
            by_month[str(rng["from"])[:7]] += amount
    # `any` (Odoo 17+) keeps the PO conditions in one sub-select restricted to this vendor's POs
    # (a dotted `order_id.date_approve` would select every PO of the period, whoever the vendor)
    line_domain: list[Any] = [("partner_id", "=", vendor_id), ("order_id", "any", po_domain),
                              ("display_type", "=", False), ("product_id", "!=", False)]
    per_product = odoo.read_group("purchase.order.line", line_domain, ["price_subtotal:sum"], ["product_id"],
                                  lazy=False)
    spend_by = {id_of(g.get("product_id")): float(g.get("price_subtotal") or 0) for g in per_product}
    top_ids = [pid for pid in sorted(spend_by, key=lambda i: (-spend_by[i], i or 0))[:top] if pid]
    points: dict[int, list[tuple[datetime, int, int, float, float]]] = defaultdict(list)
    codes: dict[int, str] = {}
    if top_ids:
        res = odoo.web_search_read(
            "purchase.order.line", [*line_domain, ("product_id", "in", top_ids)],
            {"product_id": {"fields": {"display_name": {}, "default_code": {}}}, "order_id": {},
             "date_approve": {}, "price_unit": {}, "product_qty": {}}, limit=MAX_LINES, order="id asc")
        for ln in res.get("records", []):
            pid, when = id_of(ln.get("product_id")), dt(ln.get("date_approve"))
            if pid is None or when is None:
                continue
            codes[pid] = code_or_name(ln["product_id"])
            points[pid].append((when, id_of(ln.get("order_id")) or 0, int(ln["id"]),
                                float(ln.get("price_unit") or 0), float(ln.get("product_qty") or 0)))
    products = []
    for pid in top_ids:
        if points.get(pid):
            pts = sorted(points[pid])  # by time, then PO, then line: the order history_summary sees them in
            products.append({"product": codes[pid], "spend": num(spend_by[pid]),
                             **kpi.price_trend([(w, price, qty) for w, _o, _i, price, qty in pts])})
    return {"spend": num(spend), "po_count": po_count, "products_bought": sum(1 for i in spend_by if i),
            "spend_by_month": {k: num(v, 0) for k, v in sorted(by_month.items())}, "top_products": products}


class SupplierHistoryArgs(BaseModel):
    supplier: str = Field(description="Vendor name or reference")
    months: int = Field(12, ge=1, le=60, description="Look-back in months")


@tool(SupplierHistoryArgs)
def supplier_history(ctx: ToolContext, args: SupplierHistoryArgs) -> ToolResult:
    """What we bought from a vendor: spend, PO count, spend per month, top products and their price trend."""
    vendor = resolve_supplier(ctx.odoo, args.supplier)
    start = months_ago(ctx, args.months)
    hist = history_aggregated(ctx.odoo, vendor["id"], start)
    data = {"vendor": vendor["name"], "months": args.months, "since": start.date().isoformat(), **hist}
    moves = [p for p in hist["top_products"] if abs(float(p.get("change_pct", 0))) >= 3]
    text = (f"{vendor['name']}, last {args.months} months: {money(hist['spend'])} on {hist['po_count']} POs, "
            f"{hist['products_bought']} products")
    if moves:
        text += "; price changes: " + ", ".join(f"{p['product']} {p['change_pct']:+}%" for p in moves[:4])
    return ToolResult(tool="supplier_history", data=compact(data), text=text)
