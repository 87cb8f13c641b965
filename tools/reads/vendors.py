"""product_vendors: who supplies a product, at what price, unit and lead time, and what we last paid.

Two round trips: the product with its vendor price rows nested (product.supplierinfo through the
template), then the product's latest confirmed PO lines for the last price paid per vendor. Prices are
compared per product unit in the company currency (Odoo's UoM factors and currency rates; a foreign
currency adds one read of its rate).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from tools.base import ToolContext, ToolResult, tool
from tools.odoo.resolve import resolve_product, resolve_supplier
from tools.reads.amounts import Converter, convert_price, fmt_money, odoo_facts, rates, shows_money
from tools.reads.common import compact, id_of, local_day, name_of, num, today

UOM: dict[str, Any] = {"fields": {"display_name": {}, "factor": {}}}
SELLER_SPEC: dict[str, Any] = {
    "partner_id": {"fields": {"display_name": {}}}, "product_id": {}, "price": {},
    "currency_id": {"fields": {"name": {}}}, "product_uom": UOM, "min_qty": {}, "delay": {},
    "date_start": {}, "date_end": {}, "product_code": {}, "sequence": {},
}
PRODUCT_SPEC: dict[str, Any] = {"uom_id": UOM, "product_tmpl_id": {"fields": {"seller_ids": {"fields": SELLER_SPEC}}}}
LINE_SPEC: dict[str, Any] = {
    "partner_id": {"fields": {"display_name": {}}}, "price_unit": {}, "price_subtotal": {}, "product_qty": {},
    "product_uom": UOM, "currency_id": {"fields": {"name": {}}},
    "order_id": {"fields": {"name": {}, "date_approve": {}, "date_order": {}}},
}
MAX_LINES = 300


class ProductVendorsArgs(BaseModel):
    product: str = Field(description="Product code or name")
    supplier: str | None = Field(None, description="Vendor")
    sort: Literal["price", "lead_time", "vendor"] = Field("price", description="price=cheapest first")


def _valid(row: dict[str, Any], on: date) -> bool:
    start, end = row.get("date_start"), row.get("date_end")
    return (not start or str(start) <= on.isoformat()) and (not end or str(end) >= on.isoformat())


def _last_paid(ctx: ToolContext, product_id: int) -> dict[int, dict[str, Any]]:
    """{vendor id: latest confirmed PO line} (by confirmation date) among the product's last lines."""
    res = ctx.odoo.web_search_read("purchase.order.line", [
        ("product_id", "=", product_id), ("state", "in", ["purchase", "done"]), ("display_type", "=", False)],
        LINE_SPEC, limit=MAX_LINES, order="id desc")
    latest: dict[int, dict[str, Any]] = {}
    for ln in res.get("records", []):
        vid = id_of(ln.get("partner_id"))
        order = ln.get("order_id") or {}
        when = str(order.get("date_approve") or order.get("date_order") or "")
        if vid and (vid not in latest or when > latest[vid]["_when"]):
            latest[vid] = {**ln, "_when": when}
    return latest


@tool(ProductVendorsArgs)
def product_vendors(ctx: ToolContext, args: ProductVendorsArgs) -> ToolResult:
    """Who supplies a product: prices, units, min qty, lead times, last price paid."""
    odoo = ctx.odoo
    p = resolve_product(odoo, args.product, specification=PRODUCT_SPEC)
    vendor = resolve_supplier(odoo, args.supplier) if args.supplier else None
    now = today(ctx)
    tmpl = p.get("product_tmpl_id") if isinstance(p.get("product_tmpl_id"), dict) else {}
    sellers = [s for s in (tmpl or {}).get("seller_ids") or []
               if id_of(s.get("product_id")) in (None, p["id"])
               and (vendor is None or id_of(s.get("partner_id")) == vendor["id"])]
    last = _last_paid(ctx, p["id"])
    if vendor is not None:
        last = {k: v for k, v in last.items() if k == vendor["id"]}
    facts = odoo_facts(ctx)
    cur_ids = {c for s in sellers if (c := id_of(s.get("currency_id")))}
    conv = Converter(facts, rates(ctx, facts, cur_ids, now))
    product_uom = p.get("uom_id")
    rows: list[dict[str, Any]] = []
    for s in sellers:
        vid = id_of(s.get("partner_id"))
        price = float(s.get("price") or 0)
        per_unit = conv(convert_price(price, s.get("product_uom"), product_uom), s.get("currency_id"))
        row: dict[str, Any] = {
            "vendor": name_of(s.get("partner_id")), "price": num(price), "currency": name_of(s.get("currency_id")),
            "uom": name_of(s.get("product_uom")), "min_qty": num(s.get("min_qty")) if s.get("min_qty") else None,
            "lead_time_days": s.get("delay"),
            "valid_from": s.get("date_start"), "valid_to": s.get("date_end"), "valid_today": _valid(s, now),
            "vendor_code": s.get("product_code"),
            "price_per_product_uom": num(per_unit) if per_unit is not None else None,
            # converted into the company's currency: said beside it, not the vendor row's currency
            "price_per_product_uom_currency": facts.currency,
        }
        ln = last.get(vid or 0)
        if ln:
            qty = float(ln.get("product_qty") or 0)
            paid = float(ln.get("price_subtotal") or 0) / qty if qty else float(ln.get("price_unit") or 0)
            row["last_paid_price"] = num(convert_price(paid, ln.get("product_uom"), s.get("product_uom")))
            row["paid_currency"] = name_of(ln.get("currency_id"))
            row["last_paid_price_currency"] = row["paid_currency"]
            row["last_paid_on"] = local_day(ctx, ln["_when"])
            row["last_po"] = (ln.get("order_id") or {}).get("name")
        rows.append(row)
    listed = {r["vendor"] for r in rows}
    for ln in last.values():  # bought from a vendor with no price row: still worth knowing
        name = name_of(ln.get("partner_id"))
        if name in listed:
            continue
        qty = float(ln.get("product_qty") or 0)
        paid = float(ln.get("price_subtotal") or 0) / qty if qty else float(ln.get("price_unit") or 0)
        rows.append({"vendor": name, "no_price_row": True, "uom": name_of(product_uom),
                     "last_paid_price": num(convert_price(paid, ln.get("product_uom"), product_uom)),
                     "paid_currency": name_of(ln.get("currency_id")),
                     "last_paid_price_currency": name_of(ln.get("currency_id")),
                     "last_paid_on": local_day(ctx, ln["_when"]), "last_po": (ln.get("order_id") or {}).get("name")})
    valid = [r for r in rows if r.get("valid_today") and r.get("price_per_product_uom") is not None]
    cheapest = min(valid, key=lambda r: float(r["price_per_product_uom"]), default=None)
    fastest = min((r for r in rows if r.get("valid_today")), default=None,  # a tie goes to the cheaper row
                  key=lambda r: (int(r.get("lead_time_days") or 0), float(r.get("price_per_product_uom") or 0)))
    big = 10.0 ** 12
    key = {"price": lambda r: (not r.get("valid_today"), float(r.get("price_per_product_uom") or big)),
           "lead_time": lambda r: (not r.get("valid_today"), int(r.get("lead_time_days") or 0)),
           "vendor": lambda r: (str(r.get("vendor") or "").lower(),)}[args.sort]
    rows.sort(key=key)  # type: ignore[arg-type]
    data: dict[str, Any] = {"product": p.get("display_name"), "product_uom": name_of(product_uom),
                            "company_currency": facts.currency, "rows": rows,
                            "cheapest": cheapest and {"vendor": cheapest["vendor"], "price": cheapest["price"],
                                                      "currency": cheapest["currency"], "uom": cheapest["uom"]},
                            "fastest": fastest and {"vendor": fastest["vendor"],
                                                    "lead_time_days": fastest.get("lead_time_days")}}
    if note := conv.note():
        data["note"] = note
    name = p.get("display_name")
    if not rows:
        text = f"No vendor price rows or confirmed purchases for {name}" + (f" from {vendor['name']}" if vendor else "")
    else:
        n = sum(1 for r in rows if not r.get("no_price_row"))
        text = f"{name}: {n} vendor price row(s)"
        if cheapest:
            text += f"; cheapest {cheapest['vendor']}" + (
                f" at {fmt_money(cheapest['price'], cheapest['currency'])} per {cheapest['uom']}"
                if shows_money(ctx) else "")
        if fastest:
            text += f"; fastest {fastest['vendor']} ({fastest.get('lead_time_days') or 0} days)"
    return ToolResult(tool="product_vendors", data=compact(data), text=text)
