"""supplier_history: what we bought from one vendor, for how much, and how its prices moved.

supplier_history lets Odoo do the sums (history_aggregated: POs grouped by month, lines grouped by
product, then only the top products' lines for their price trend). Also home of the one fetch the
scorecard shares: a vendor's purchase orders with their lines, receipt moves and bill lines nested
in one web_search_read, and of history_summary, the same figures computed from those rows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from tools import kpi
from tools.base import ToolContext, ToolResult, tool
from tools.odoo.client import OdooClient
from tools.odoo.resolve import company_info, currency_rates, model_fields, resolve_supplier, uom_factors
from tools.odoo.values import price_per, to_company, uom_ratio
from tools.reads.common import code_or_name, compact, currency, dt, id_of, money, months_ago, num

MAX_POS = 2000
MAX_LINES = 20000
SCORECARD_SPEC: dict[str, Any] = {
    "name": {}, "state": {}, "date_order": {}, "date_approve": {}, "amount_untaxed": {}, "currency_id": {},
    "order_line": {"fields": {
        "product_id": {"fields": {"default_code": {}, "product_tmpl_id": {}, "uom_id": {}}},
        "display_type": {}, "product_qty": {}, "product_uom_qty": {}, "price_unit": {}, "price_subtotal": {},
        "date_planned": {}, "product_uom": {},
        "move_ids": {"fields": {"state": {}, "date": {}, "quantity": {}, "picking_code": {}, "product_uom": {}}},
        "invoice_lines": {"fields": {"quantity": {}, "price_unit": {}, "parent_state": {}, "move_type": {}}}}},
}
# Each receipt move is read in its own unit (`product_uom`): Odoo 17+ creates them in the product's UoM, older
# ones in the PO line's. Bill lines are read in their PO line's UoM, as Odoo creates them (a bill line's
# `product_uom_id`, when a caller's spec asks for it, is honoured).


def scorecard_spec(odoo: OdooClient) -> dict[str, Any]:
    """SCORECARD_SPEC plus the PO's `currency_rate` (Odoo's rate at the order date) where this Odoo has it."""
    if "currency_rate" in model_fields(odoo, "purchase.order"):
        return {**SCORECARD_SPEC, "currency_rate": {}}
    return SCORECARD_SPEC


@dataclass(frozen=True)
class Conversions:
    """What it takes to compare figures across units and currencies: uom.uom factors and currency rates
    against the company currency (both read from Odoo, cached). Prices become per product UoM in the
    company currency; quantities become product UoM. Unknown factors or rates leave a figure out of a
    comparison instead of mixing units (`skipped` counts them)."""

    factors: dict[int, float]
    rates: dict[int, float]
    currency: str = ""
    skipped: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, odoo: OdooClient) -> Conversions:
        return cls(uom_factors(odoo), currency_rates(odoo), str(company_info(odoo).get("currency") or ""))

    def qty(self, qty: float, uom: Any, product_uom: Any) -> float:
        """A quantity in `uom` -> in the product's UoM (unchanged when either is unknown or the same)."""
        a, b = id_of(uom), id_of(product_uom)
        if not a or not b or a == b:
            return qty
        ratio = uom_ratio(self.factors.get(a), self.factors.get(b))
        return qty if ratio is None else qty * ratio

    def unit_price(self, price: float, uom: Any, product_uom: Any, rate: float | None) -> float | None:
        """A price per `uom` in a currency with `rate` -> per product UoM in the company currency."""
        a, b = id_of(uom), id_of(product_uom)
        per = price if not a or not b or a == b else price_per(price, self.factors.get(a), self.factors.get(b))
        return None if per is None else to_company(per, rate)

    def rate(self, currency_id: Any, odoo_rate: Any = None) -> float | None:
        """The rate of a document: Odoo's own (`currency_rate` on a PO) when read, else the currency's
        current rate; None when the currency is not the company's and no rate is known."""
        if isinstance(odoo_rate, int | float) and not isinstance(odoo_rate, bool) and odoo_rate > 0:
            return float(odoo_rate)
        cid = id_of(currency_id)
        return self.rates.get(cid) if cid else 1.0


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


def price_rows(rows: list[dict[str, Any]], product_id: int | None, conv: Conversions | None = None,
               product_uom: Any = None) -> list[kpi.PriceRow]:
    """kpi.PriceRow for one product from its template's rows (variant rows for other variants dropped).

    With `conv`, a row's price becomes per product UoM in the company currency and its min_qty product
    UoM (a row priced per Dozen in EUR is compared per Unit in the company currency); a row whose
    currency has no known rate keeps its lead time but gets no price (NaN: left out of price variance)."""
    out = []
    for s in rows:
        variant = id_of(s.get("product_id"))
        if variant and variant != product_id:
            continue
        price, min_qty = float(s.get("price") or 0), float(s.get("min_qty") or 0)
        if conv is not None:
            converted = conv.unit_price(price, s.get("product_uom"), product_uom, conv.rate(s.get("currency_id")))
            price = math.nan if converted is None else converted
            min_qty = conv.qty(min_qty, s.get("product_uom"), product_uom)
        out.append(kpi.PriceRow(price=price, min_qty=min_qty,
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
                 prices: list[dict[str, Any]] | None = None, conv: Conversions | None = None) -> list[kpi.POLine]:
    """Odoo rows -> kpi.POLine records (receipt/return moves, posted bill lines, this vendor's prices).

    With `conv` every figure is put on one basis first: quantities (line, moves, bills, price-row
    min_qty) in the product's UoM, prices per product UoM in the company currency (the PO's own
    `currency_rate` when read). A line whose price cannot be converted keeps its delivery figures and
    drops out of price variance (its price rows lose their price).

    Lines of one product share one list of kpi.PriceRow (kpi.scorecard looks rows up once per list).
    Tight loop on purpose (thousands of lines per scorecard): datetime strings are parsed once per
    distinct string, product code and price rows looked up once per product, records built positionally."""
    by_tmpl = index_prices(prices or [], vendor_id)
    cache: dict[Any, Any] = {}  # raw Odoo datetime value -> dt(value), parsed once per distinct string
    cache_get = cache.get
    parse = _parse_odoo_dt
    missing = object()
    # product id -> (code, price rows); a product id fixes its template and code within one answer
    products: dict[Any, tuple[str, list[kpi.PriceRow], Any]] = {}
    out: list[kpi.POLine] = []
    append = out.append
    POLine, Receipt, BillLine = kpi.POLine, kpi.Receipt, kpi.BillLine
    ratios: dict[tuple[int | None, int | None], float] = {}
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
        rate = conv.rate(get("currency_id"), get("currency_rate")) if conv is not None else 1.0
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
                puom = product.get("uom_id")
                known = products[pid] = (code_or_name(product),
                                         price_rows(by_tmpl.get((vendor_id, tmpl), []), pid, conv, puom), puom)
            line_uom = lget("product_uom")
            # the line UoM -> product UoM factor, once per (line UoM, product UoM); 1.0 is the common case
            plain = conv is None or (rate == 1.0 and (not line_uom or line_uom == known[2]))
            r_line = 1.0
            if conv is not None and line_uom and line_uom != known[2]:
                key = (id_of(line_uom), id_of(known[2]))
                r_line = ratios.get(key) or ratios.setdefault(key, conv.qty(1.0, line_uom, known[2]))
                plain = False
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
                    mqty = float(mget("quantity") or 0)
                    if conv is not None:
                        muom = mget("product_uom")
                        if muom and muom != line_uom:
                            mqty = conv.qty(mqty, muom, known[2])
                        elif r_line != 1.0:
                            mqty *= r_line
                    moves.append(Receipt(when, mqty, is_return))
            invoice_lines = lget("invoice_lines")
            if not invoice_lines:
                bills = []
            elif plain and all(not b.get("product_uom_id") or b.get("product_uom_id") == line_uom
                               for b in invoice_lines):
                bills = [BillLine(str(b.get("id")), float(b.get("quantity") or 0), float(b.get("price_unit") or 0),
                                  b.get("parent_state") == "posted", b.get("move_type") == "in_refund")
                         for b in invoice_lines]
            else:
                bills = [_bill(b, conv, known[2], line_uom, rate) for b in invoice_lines]
            v = lget("date_planned")
            promised = cache_get(v, missing)
            if promised is missing:
                promised = cache[v] = parse(v)
            product_qty = lget("product_qty")
            price_unit = float(lget("price_unit") or 0)
            rows = known[1]
            if conv is not None:
                product_qty = lget("product_uom_qty") or conv.qty(float(product_qty or 0), line_uom, known[2])
                converted = price_unit if plain else conv.unit_price(price_unit, line_uom, known[2], rate)
                if converted is None:
                    conv.skipped.append(name)
                    rows = []
                else:
                    price_unit = converted
            append(POLine(name, known[0], float(lget("product_uom_qty") or product_qty or 0),
                          float(product_qty or 0), price_unit,
                          promised or fallback, approved, ordered_on, state, moves, bills, rows))
    return out


def _bill(b: dict[str, Any], conv: Conversions | None, product_uom: Any, line_uom: Any,
          rate: float | None) -> kpi.BillLine:
    """A bill line on the PO line's basis: quantity in product UoM and price per product UoM in the company
    currency when `conv` is given (the bill is in the PO's currency, as Odoo creates it)."""
    qty, price = float(b.get("quantity") or 0), float(b.get("price_unit") or 0)
    if conv is not None:
        uom = b.get("product_uom_id") or line_uom
        qty = conv.qty(qty, uom, product_uom)
        converted = conv.unit_price(price, uom, product_uom, rate)
        price = price if converted is None else converted
    return kpi.BillLine(str(b.get("id")), qty, price, b.get("parent_state") == "posted", b.get("move_type") == "in_refund")


def history_summary(orders: list[dict[str, Any]], start: datetime, top: int = 8,
                    conv: Conversions | None = None) -> dict[str, Any]:
    """Spend, PO count, spend per month and per product with its price trend (orders since `start`).

    With `conv`, spend is in the company currency (each PO at its own rate; a PO whose rate is unknown
    is left out and counted in `unconverted_pos`) and price points are per product UoM in it.

    One pass over the rows: spend per product (code looked up once per product id) and the lines
    per product; the price-trend points are built for the `top` products only."""
    start_s = start.strftime("%Y-%m-%d %H:%M:%S")
    orders = [po for po in orders if str(po.get("date_approve") or "") >= start_s]
    rates = [conv.rate(po.get("currency_id"), po.get("currency_rate")) if conv is not None else 1.0 for po in orders]
    unconverted = sum(1 for r in rates if r is None)
    amounts = [float(po.get("amount_untaxed") or 0) / r if r else 0.0 for po, r in zip(orders, rates, strict=True)]
    spend = sum(amounts)
    by_month: dict[str, float] = defaultdict(float)
    # code -> [spend, [(PO datetime, line row), ...]], in first-seen order; product id -> that entry
    acc: dict[str, list[Any]] = {}
    by_pid: dict[Any, list[Any]] = {}
    months: dict[tuple[int, int], str] = {}
    for po, amount, rate in zip(orders, amounts, rates, strict=True):
        when = _parse_odoo_dt(po.get("date_approve"))
        if when is None or not rate:
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
            entry[0] += float(lget("price_subtotal") or 0) / rate
            entry[1].append((when, ln, rate))
    products = []
    for code in sorted(acc, key=lambda c: -acc[c][0])[:top]:
        total, rows = acc[code]
        points = [_point(w, r, rate, conv) for w, r, rate in rows]
        products.append({"product": code, "spend": num(total), **kpi.price_trend(points)})
    out = {"spend": num(spend), "po_count": len(orders), "products_bought": len(acc),
           "spend_by_month": {k: num(v, 0) for k, v in sorted(by_month.items())}, "top_products": products}
    if unconverted:
        out["unconverted_pos"] = unconverted
    return out


def _point(when: datetime, ln: dict[str, Any], rate: float, conv: Conversions | None) -> tuple[datetime, float, float]:
    """(date, unit price, qty) of a PO line; per product UoM in the company currency with `conv`."""
    price, qty = float(ln.get("price_unit") or 0), float(ln.get("product_qty") or 0)
    if conv is None:
        return when, price, qty
    product = ln.get("product_id")
    puom = product.get("uom_id") if isinstance(product, dict) else None
    per = conv.unit_price(price, ln.get("product_uom"), puom, rate)
    return when, price / rate if per is None else per, float(ln.get("product_uom_qty") or 0) or conv.qty(
        qty, ln.get("product_uom"), puom)


def history_aggregated(odoo: OdooClient, vendor_id: int, start: datetime, top: int = 8,
                       conv: Conversions | None = None) -> dict[str, Any]:
    """history_summary's figures with the sums done by Odoo: three round trips that read a few dozen
    groups and the lines of the top products only, instead of every PO with every line.

    1. purchase.order grouped by month of date_approve (UTC) and currency: spend and PO count per month;
    2. purchase.order.line grouped by product (once per PO currency): spend per product -> the top products;
    3. the lines of those top products (date, unit price, quantity, UoM) for their price trend.
    With `conv`, amounts in another currency are converted at that currency's current Odoo rate (the
    scorecard uses each PO's own rate) and prices are per product UoM; a currency without a known rate is
    left out and counted (`unconverted_pos`). Products are told apart by id (history_summary keys them by
    code; the same unless two products share a code)."""
    since = start.strftime("%Y-%m-%d %H:%M:%S")
    po_domain: list[Any] = [("partner_id", "=", vendor_id), ("state", "in", ["purchase", "done"]),
                            ("date_approve", ">=", since)]
    months = odoo.read_group("purchase.order", po_domain, ["amount_untaxed:sum"], ["date_approve:month", "currency_id"],
                             lazy=False, context={"tz": "UTC"})
    by_month: dict[str, float] = defaultdict(float)
    spend = 0.0
    po_count = unconverted = 0
    currencies: dict[int | None, float | None] = {}
    for g in months:
        cid = id_of(g.get("currency_id"))
        rate = currencies[cid] = conv.rate(g.get("currency_id")) if conv is not None else 1.0
        if not rate:
            unconverted += int(g.get("__count") or 0)
            continue
        rng = (g.get("__range") or {}).get("date_approve:month") or {}
        amount = float(g.get("amount_untaxed") or 0) / rate
        spend += amount
        po_count += int(g.get("__count") or 0)
        if rng.get("from"):
            by_month[str(rng["from"])[:7]] += amount
    # `any` (Odoo 17+) keeps the PO conditions in one sub-select restricted to this vendor's POs
    # (a dotted `order_id.date_approve` would select every PO of the period, whoever the vendor)
    line_domain: list[Any] = [("partner_id", "=", vendor_id), ("order_id", "any", po_domain),
                              ("display_type", "=", False), ("product_id", "!=", False)]
    spend_by: dict[int | None, float] = defaultdict(float)
    bought: set[int | None] = set()
    one = len(currencies) <= 1
    for cid, rate in (currencies.items() if currencies else [(None, 1.0)]):
        domain = line_domain if one else [("partner_id", "=", vendor_id), ("display_type", "=", False),
                                          ("product_id", "!=", False),
                                          ("order_id", "any", [*po_domain, ("currency_id", "=", cid)])]
        for g in odoo.read_group("purchase.order.line", domain, ["price_subtotal:sum"], ["product_id"], lazy=False):
            pid = id_of(g.get("product_id"))
            bought.add(pid)
            if rate:
                spend_by[pid] += float(g.get("price_subtotal") or 0) / rate
    top_ids = [pid for pid in sorted(spend_by, key=lambda i: (-spend_by[i], i or 0))[:top] if pid]
    points: dict[int, list[tuple[datetime, int, int, float, float]]] = defaultdict(list)
    codes: dict[int, str] = {}
    if top_ids:
        res = odoo.web_search_read(
            "purchase.order.line", [*line_domain, ("product_id", "in", top_ids)],
            {"product_id": {"fields": {"display_name": {}, "default_code": {}, "uom_id": {}}},
             "order_id": {"fields": {"currency_id": {}}}, "product_uom": {}, "product_uom_qty": {},
             "date_approve": {}, "price_unit": {}, "product_qty": {}}, limit=MAX_LINES, order="id asc")
        for ln in res.get("records", []):
            pid, when = id_of(ln.get("product_id")), dt(ln.get("date_approve"))
            order = ln.get("order_id") if isinstance(ln.get("order_id"), dict) else {}
            rate = currencies.get(id_of(order.get("currency_id")), 1.0) if conv is not None else 1.0
            if pid is None or when is None or not rate:
                continue
            codes[pid] = code_or_name(ln["product_id"])
            _w, price, qty = _point(when, ln, rate, conv)
            points[pid].append((when, id_of(ln.get("order_id")) or 0, int(ln["id"]), price, qty))
    products = []
    for pid in top_ids:
        if points.get(pid):
            pts = sorted(points[pid])  # by time, then PO, then line: the order history_summary sees them in
            products.append({"product": codes[pid], "spend": num(spend_by[pid]),
                             **kpi.price_trend([(w, price, qty) for w, _o, _i, price, qty in pts])})
    out = {"spend": num(spend), "po_count": po_count, "products_bought": sum(1 for i in bought if i),
           "spend_by_month": {k: num(v, 0) for k, v in sorted(by_month.items())}, "top_products": products}
    if unconverted:
        out["unconverted_pos"] = unconverted
    return out


class SupplierHistoryArgs(BaseModel):
    supplier: str = Field(description="Vendor name or reference")
    months: int = Field(12, ge=1, le=60, description="Look-back in months")


@tool(SupplierHistoryArgs)
def supplier_history(ctx: ToolContext, args: SupplierHistoryArgs) -> ToolResult:
    """Purchases from a vendor: spend per month, PO count, top products, price trend."""
    vendor = resolve_supplier(ctx.odoo, args.supplier)
    start = months_ago(ctx, args.months)
    conv = Conversions.load(ctx.odoo)
    hist = history_aggregated(ctx.odoo, vendor["id"], start, conv=conv)
    hist["top_products"] = [kpi.shown_trend(p) for p in hist.get("top_products") or []]
    code = currency(ctx)
    data = {"vendor": vendor["name"], "months": args.months, "since": start.date().isoformat(), **hist,
            "currency": code, "prices": "per product unit of measure, company currency"}
    moves = [p for p in hist["top_products"] if abs(float(p.get("change_pct", 0))) >= 3]
    if not hist["po_count"] and not hist.get("unconverted_pos"):
        return ToolResult(tool="supplier_history", data=compact(data),
                          text=f"{vendor['name']}: no confirmed purchase orders in the last {args.months} months.")
    text = (f"{vendor['name']}, last {args.months} months: {money(hist['spend'], code)} on {hist['po_count']} PO(s), "
            f"{hist['products_bought']} products")
    if hist.get("unconverted_pos"):
        text += f" ({hist['unconverted_pos']} PO(s) in a currency without a rate in Odoo left out)"
    if moves:
        text += "; price changes: " + ", ".join(f"{p['product']} {p['change_pct']:+}%" for p in moves[:4])
    return ToolResult(tool="supplier_history", data=compact(data), text=text)
