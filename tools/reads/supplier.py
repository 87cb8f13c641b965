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


def _parse_odoo_dt(value: Any) -> datetime | None:
    """`dt` with its common case first: an Odoo 'YYYY-MM-DD HH:MM:SS' string goes straight to
    fromisoformat (the same call dt makes for 19 characters); anything else goes through dt."""
    if type(value) is str and len(value) == 19:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return dt(value)


def to_kpi_lines(orders: list[dict[str, Any]], vendor_id: int,
                 prices: list[dict[str, Any]] | None = None) -> list[kpi.POLine]:
    """Odoo rows -> kpi.POLine records (receipt/return moves, posted bill lines, this vendor's prices).

    Lines of one product share one list of kpi.PriceRow (kpi.scorecard looks rows up once per list).
    Tight loop on purpose (thousands of lines per scorecard): datetime strings are parsed once per
    distinct string, product code and price rows looked up once per product, records built positionally."""
    by_tmpl = index_prices(prices or [], vendor_id)
    cache: dict[Any, Any] = {}  # raw Odoo datetime value -> dt(value), parsed once per distinct string
    cache_get = cache.get
    parse = _parse_odoo_dt
    missing = object()
    # product id -> (code, price rows); a product id fixes its template and code within one answer
    products: dict[Any, tuple[str, list[kpi.PriceRow]]] = {}
    out: list[kpi.POLine] = []
    append = out.append
    POLine, Receipt, BillLine = kpi.POLine, kpi.Receipt, kpi.BillLine
    direction = {"incoming": False, "outgoing": True}  # picking code -> is a return to the vendor
    direction_get = direction.get
    epoch = datetime.min
    for po in orders:
        get = po.get
        v = get("date_approve")
        approved = cache_get(v, missing)
        if approved is missing:
            approved = cache[v] = dt(v)
        v = get("date_order")
        ordered_on = cache_get(v, missing)
        if ordered_on is missing:
            ordered_on = cache[v] = dt(v)
        name, state = str(get("name")), str(get("state"))
        fallback = approved or ordered_on or epoch
        for ln in get("order_line") or ():
            lget = ln.get
            if lget("display_type"):
                continue
            product = lget("product_id")
            if not product:
                continue
            if not isinstance(product, dict):
                product = {"id": product}
            pid = product.get("id")
            known = products.get(pid)
            if known is None:
                tmpl = id_of(product.get("product_tmpl_id"))
                known = products[pid] = (code_or_name(product),
                                         price_rows(by_tmpl.get((vendor_id, tmpl), []), pid))
            moves = []
            for m in lget("move_ids") or ():
                mget = m.get
                if mget("state") != "done":
                    continue
                is_return = direction_get(mget("picking_code") or "")
                if is_return is None:
                    continue
                v = mget("date")
                when = cache_get(v, missing)
                if when is missing:
                    when = cache[v] = parse(v)
                if when is not None:
                    moves.append(Receipt(when, float(mget("quantity") or 0), is_return))
            invoice_lines = lget("invoice_lines")
            bills = [BillLine(str(b.get("id")), float(b.get("quantity") or 0), float(b.get("price_unit") or 0),
                              b.get("parent_state") == "posted", b.get("move_type") == "in_refund")
                     for b in invoice_lines] if invoice_lines else []
            v = lget("date_planned")
            promised = cache_get(v, missing)
            if promised is missing:
                promised = cache[v] = parse(v)
            product_qty = lget("product_qty")
            append(POLine(name, known[0], float(lget("product_uom_qty") or product_qty or 0),
                          float(product_qty or 0), float(lget("price_unit") or 0),
                          promised or fallback, approved, ordered_on, state, moves, bills, known[1]))
    return out


def history_summary(orders: list[dict[str, Any]], start: datetime, top: int = 8) -> dict[str, Any]:
    """Spend, PO count, spend per month and per product with its price trend (orders since `start`).

    One pass over the rows: spend per product (code looked up once per product id) and the lines
    per product; the price-trend points are built for the `top` products only."""
    start_s = start.strftime("%Y-%m-%d %H:%M:%S")
    orders = [po for po in orders if str(po.get("date_approve") or "") >= start_s]
    amounts = [float(po.get("amount_untaxed") or 0) for po in orders]
    spend = sum(amounts)
    by_month: dict[str, float] = defaultdict(float)
    # code -> [spend, [(PO datetime, line row), ...]], in first-seen order; product id -> that entry
    acc: dict[str, list[Any]] = {}
    by_pid: dict[Any, list[Any]] = {}
    months: dict[tuple[int, int], str] = {}
    for po, amount in zip(orders, amounts, strict=True):
        when = _parse_odoo_dt(po.get("date_approve"))
        if when is None:
            continue
        ym = (when.year, when.month)
        month = months.get(ym)
        if month is None:
            month = months[ym] = when.strftime("%Y-%m")
        by_month[month] += amount
        for ln in po.get("order_line") or ():
            lget = ln.get
            if lget("display_type"):
                continue
            product = lget("product_id")
            if not product:
                continue
            pid = product.get("id") if isinstance(product, dict) else None
            entry = by_pid.get(pid) if pid is not None else None
            if entry is None:
                code = code_or_name(product)
                entry = acc.get(code)
                if entry is None:
                    entry = acc[code] = [0.0, []]
                if pid is not None:
                    by_pid[pid] = entry
            entry[0] += float(lget("price_subtotal") or 0)
            entry[1].append((when, ln))
    products = []
    for code in sorted(acc, key=lambda c: -acc[c][0])[:top]:
        total, rows = acc[code]
        points = [(w, float(r.get("price_unit") or 0), float(r.get("product_qty") or 0)) for w, r in rows]
        products.append({"product": code, "spend": num(total), **kpi.price_trend(points)})
    return {"spend": num(spend), "po_count": len(orders), "products_bought": len(acc),
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
    """Purchases from a vendor: spend per month, PO count, top products, price trend."""
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
