"""spend_analysis: how much we spent (confirmed PO lines, untaxed, company currency) by vendor, category,
warehouse, product or month; top N; against the previous period; one product's unit price by site and vendor.

Where Odoo has purchase.report (the Purchase Analysis, amounts already in the company currency by
Odoo's own rates), the sums are read_groups on it: one round trip, one more for the previous period and
one for the price comparison. Without it, one web_search_read of the confirmed lines in the window
(bounded) is folded here, converting other currencies with the PO's own `currency_rate` (Odoo's rate
at the order date, as purchase.report) or, where the version lacks it, the rate at the window's end;
quantities are Odoo's `product_uom_qty` (already in the product's unit).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from tools.base import ToolContext, ToolError, ToolResult, tool
from tools.odoo.resolve import (
    _match_named,
    resolve_product,
    resolve_supplier,
    resolve_warehouse,
    warehouse_list,
)
from tools.reads.amounts import Converter, Facts, fmt_money, odoo_facts, rates, shows_money
from tools.reads.common import (
    compact,
    date_range,
    day_end_utc,
    day_start_utc,
    id_of,
    local_day,
    name_of,
    num,
    today,
)

CONFIRMED = ["purchase", "done"]
REPORT_KEY = {"vendor": "partner_id", "category": "category_id", "warehouse": "picking_type_id",
              "product": "product_id", "month": "date_approve:month"}
KEY_SPEC: dict[str, dict[str, Any]] = {  # per grouping, only what it needs (the sandbox's CPU follows nesting)
    "vendor": {"partner_id": {"fields": {"display_name": {}}}},
    "product": {"product_id": {"fields": {"display_name": {}}}},
    "category": {"product_id": {"fields": {"categ_id": {"fields": {"display_name": {}}}}}},
    "warehouse": {"order_id": {"fields": {"picking_type_id": {"fields": {"warehouse_id": {"fields": {"code": {}}}}}}}},
    "month": {"order_id": {"fields": {"date_approve": {}}}},
}


def _line_spec(keys: tuple[str, ...], po_rate: bool) -> dict[str, Any]:
    spec: dict[str, Any] = {"price_subtotal": {}, "product_uom_qty": {}, "currency_id": {"fields": {"name": {}}}}
    if po_rate:
        spec["order_id"] = {"fields": {"currency_rate": {}}}
    for k in keys:
        for field, sub in KEY_SPEC[k].items():
            spec.setdefault(field, {"fields": {}})["fields"].update(sub["fields"])
    return spec
MAX_LINES = 20000
MAX_TOP = 50


class SpendArgs(BaseModel):
    group_by: Literal["vendor", "category", "warehouse", "product", "month"] = Field(
        "vendor", description="Split by")
    supplier: str | None = Field(None, description="Vendor")
    category: str | None = Field(None, description="Product category")
    warehouse: str | None = Field(None, description="Warehouse")
    product: str | None = Field(None, description="Product")
    date_from: str | None = Field(None, description="YYYY-MM-DD, default Jan 1")
    date_to: str | None = Field(None, description="YYYY-MM-DD")
    compare_previous: bool = Field(False, description="Add the previous period")
    top: int = Field(10, ge=1, le=MAX_TOP, description="Rows")
    compare_prices: bool = Field(False, description="Product's unit price by warehouse, vendor")


def resolve_category(ctx: ToolContext, text: str) -> dict[str, Any]:
    """One product.category by full path ('All / Cleaning / Chemicals') or part of it ('chemicals'); never a guess."""
    words = [w for w in text.replace("/", " ").split() if len(w) > 1 and w != "&"]
    domain: list[Any] = ["|", ("complete_name", "ilike", text.strip()), ("name", "ilike", text.strip())]
    if len(words) > 1:
        domain = ["|", *domain, *(["&"] * (len(words) - 1)), *(("name", "ilike", w) for w in words)]
    rows = ctx.odoo.search_read("product.category", domain, ["id", "name", "complete_name"], limit=40)
    if not rows:
        rows = ctx.odoo.search_read("product.category", [], ["id", "name", "complete_name"], limit=200)
    cands = [{"id": r["id"], "name": r.get("complete_name") or r["name"], "short": r["name"]} for r in rows]
    try:
        hit = _match_named("category", text, cands, ("short", "name"))
    except ToolError as err:  # "several categorys" -> a sentence people read
        names = ", ".join(str(c["name"]) for c in err.candidates)
        err.candidates = [{"id": c["id"], "name": c["name"]} for c in err.candidates]
        err.message = (f"'{text}' matches several product categories: {names}. Which one?" if err.code == "ambiguous"
                       else f"No product category matches '{text}'." + (f" Closest: {names}." if names else ""))
        err.args = (err.message,)
        raise
    return {"id": hit["id"], "name": hit["name"]}


def _window(ctx: ToolContext, args: SpendArgs) -> tuple[date, date]:
    lo, hi = date_range(ctx, args.date_from, args.date_to)
    now = today(ctx)
    hi = hi or now
    lo = lo or date(hi.year, 1, 1)
    return lo, hi


def _filters(ctx: ToolContext, args: SpendArgs, report: bool) -> tuple[list[Any], dict[str, Any], Any]:
    """Domain terms (on purchase.report or purchase.order.line), the echoed scope and the product."""
    odoo = ctx.odoo
    dom: list[Any] = []
    scope: dict[str, Any] = {}
    product = None
    if args.supplier:
        v = resolve_supplier(odoo, args.supplier)
        dom.append(("partner_id", "child_of", v["id"]))
        scope["vendor"] = v["name"]
    if args.category:
        c = resolve_category(ctx, args.category)
        dom.append(("category_id" if report else "product_id.categ_id", "child_of", c["id"]))
        scope["category"] = c["name"]
    if args.warehouse:
        wh = resolve_warehouse(odoo, args.warehouse)
        dom.append(("picking_type_id", "=", wh["id"]) if report
                   else ("order_id.picking_type_id.warehouse_id", "=", wh["id"]))
        scope["warehouse"] = wh["code"]
    if args.product:
        product = resolve_product(odoo, args.product, specification={"uom_id": {"fields": {"display_name": {}}}})
        dom.append(("product_id", "=", product["id"]))
        scope["product"] = product.get("display_name")
    return dom, scope, product


def _period(ctx: ToolContext, field: str, lo: date, hi: date) -> list[Any]:
    return [("state", "in", CONFIRMED), (field, ">=", day_start_utc(ctx, lo)), (field, "<=", day_end_utc(ctx, hi))]


# -- purchase.report (Odoo's own Purchase Analysis) -------------------------------------------------
def _report_label(g: dict[str, Any], key: str) -> str:
    if key.endswith(":month"):
        rng = (g.get("__range") or {}).get(key) or {}
        return str(rng.get("from") or "")[:7] or str(g.get(key))
    return name_of(g.get(key)) or "(none)"


def _warehouse_code(ctx: ToolContext, value: Any) -> str:
    """purchase.report's `picking_type_id` is a stock.warehouse: shown by its code, as the line path does."""
    codes = {w["id"]: w["code"] for w in warehouse_list(ctx.odoo)}
    return codes.get(id_of(value) or 0) or name_of(value) or "(none)"


def _report_sums(ctx: ToolContext, domain: list[Any], key: str, prices: bool = False
                 ) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, list[float]]]:
    """{label: [amount, qty, rows]} per `key`; with `prices`, the same read_group also splits by warehouse
    and vendor (one round trip) for the unit-price comparison."""
    extra = [k for k in ("picking_type_id", "partner_id") if prices and k != key]
    groups = ctx.odoo.read_group("purchase.report", domain, ["untaxed_total:sum", "qty_ordered:sum"],
                                 [key, *extra], lazy=False)
    out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    by_wh: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    by_vendor: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for g in groups:
        label = _warehouse_code(ctx, g.get(key)) if key == "picking_type_id" else _report_label(g, key)
        amount, qty = float(g.get("untaxed_total") or 0), float(g.get("qty_ordered") or 0)
        buckets = [(out, label)]
        if prices:
            buckets += [(by_wh, _warehouse_code(ctx, g.get("picking_type_id"))),
                        (by_vendor, name_of(g.get("partner_id")) or "(none)")]
        for bucket, name in buckets:
            acc = bucket[name]
            acc[0] += amount
            acc[1] += qty
            acc[2] += float(g.get("__count") or 0)
    return out, by_wh, by_vendor


# -- purchase.order.line folded here (no purchase.report) -------------------------------------------
def _line_key(ctx: ToolContext, how: str, ln: dict[str, Any]) -> str:
    order = ln.get("order_id") or {}
    if how == "vendor":
        return name_of(ln.get("partner_id")) or "(none)"
    if how == "product":
        return name_of(ln.get("product_id")) or "(none)"
    if how == "category":
        return name_of((ln.get("product_id") or {}).get("categ_id")) or "(none)"
    if how == "warehouse":
        wh = (order.get("picking_type_id") or {}).get("warehouse_id") if isinstance(order.get("picking_type_id"),
                                                                                    dict) else None
        return str(wh.get("code")) if isinstance(wh, dict) and wh.get("code") else "(none)"
    return (local_day(ctx, order.get("date_approve")) or "")[:7] or "(none)"


def _line_sums(ctx: ToolContext, facts: Facts, domain: list[Any], keys: tuple[str, ...], on: date
               ) -> tuple[dict[str, dict[str, list[float]]], Converter, int, int]:
    """{group_by: {label: [amount in company currency, qty in product unit, lines]}} for each key."""
    res = ctx.odoo.web_search_read("purchase.order.line", domain, _line_spec(keys, facts.po_currency_rate),
                                   limit=MAX_LINES, order="id")
    lines = res.get("records", [])
    foreign = {c for ln in lines if (c := id_of(ln.get("currency_id"))) and c != facts.currency_id}
    if facts.po_currency_rate:  # each PO's own rate (as purchase.report); the rate table only without it
        foreign = {id_of(ln.get("currency_id")) or 0 for ln in lines if id_of(ln.get("currency_id")) in foreign
                   and not (ln.get("order_id") or {}).get("currency_rate")}
    conv = Converter(facts, rates(ctx, facts, foreign, on))
    out: dict[str, dict[str, list[float]]] = {k: defaultdict(lambda: [0.0, 0.0, 0.0]) for k in keys}
    for ln in lines:
        po_rate = float((ln.get("order_id") or {}).get("currency_rate") or 0)
        subtotal = float(ln.get("price_subtotal") or 0)
        amount = subtotal / po_rate if po_rate and id_of(ln.get("currency_id")) != facts.currency_id \
            else conv(subtotal, ln.get("currency_id"))
        if amount is None:
            continue
        for k in keys:
            acc = out[k][_line_key(ctx, k, ln)]
            acc[0] += amount
            acc[1] += float(ln.get("product_uom_qty") or 0)
            acc[2] += 1
    return out, conv, len(lines), int(res.get("length") or len(lines))


def _spread(buckets: dict[str, list[float]], label: str) -> dict[str, Any]:
    rows = [{label: k, "avg_unit_price": num(v[0] / v[1]), "qty": num(v[1])} for k, v in buckets.items() if v[1]]
    rows.sort(key=lambda r: float(r["avg_unit_price"]))
    out: dict[str, Any] = {"rows": rows}
    if len(rows) > 1 and float(rows[0]["avg_unit_price"]) > 0:
        lo, hi = float(rows[0]["avg_unit_price"]), float(rows[-1]["avg_unit_price"])
        out["spread_pct"] = num((hi - lo) / lo * 100, 1)
    return out


@tool(SpendArgs)
def spend_analysis(ctx: ToolContext, args: SpendArgs) -> ToolResult:
    """Spend on confirmed POs (untaxed, company currency): top N, vs previous period."""
    if args.compare_prices and not args.product:
        raise ToolError("Comparing prices needs a product: which one?", code="missing")
    facts = odoo_facts(ctx)
    report = facts.has_purchase_report
    lo, hi = _window(ctx, args)
    prev_hi = lo - timedelta(days=1)
    prev_lo = prev_hi - (hi - lo)
    dom, scope, product = _filters(ctx, args, report)
    note = None
    prices: tuple[dict[str, list[float]], dict[str, list[float]]] | None = None
    if report:
        key = REPORT_KEY[args.group_by]
        cur, by_wh, by_vendor = _report_sums(ctx, _period(ctx, "date_approve", lo, hi) + dom, key,
                                             args.compare_prices)
        prev = _report_sums(ctx, _period(ctx, "date_approve", prev_lo, prev_hi) + dom, key)[0] \
            if args.compare_previous else {}
        if args.compare_prices:
            prices = (by_wh, by_vendor)
    else:
        base = [("display_type", "=", False)]
        keys = tuple(dict.fromkeys([args.group_by, *(("warehouse", "vendor") if args.compare_prices else ())]))
        sums, conv, n, total_n = _line_sums(ctx, facts, _period(ctx, "order_id.date_approve", lo, hi) + base + dom,
                                            keys, hi)
        cur = sums[args.group_by]
        if args.compare_prices:
            prices = (sums["warehouse"], sums["vendor"])
        prev = {}
        if args.compare_previous:
            psums, pconv, _, _ = _line_sums(ctx, facts, _period(ctx, "order_id.date_approve", prev_lo, prev_hi)
                                            + base + dom, (args.group_by,), prev_hi)
            prev = psums[args.group_by]
            conv.unconverted.update({f"{k} (previous period)": v for k, v in pconv.unconverted.items()})
        note = conv.note()
        if total_n > n:
            note = (note + "; " if note else "") + f"summed the first {n} of {total_n} lines"
    total = sum(v[0] for v in cur.values())
    rows = [{"key": k, "amount": num(v[0]), "share_pct": num(v[0] / total * 100, 1) if total else None,
             "lines": int(v[2]),
             **({"previous_amount": num(prev.get(k, [0.0])[0])}  # months of the previous period differ by name
                if args.compare_previous and args.group_by != "month" else {})}
            for k, v in cur.items()]
    if args.group_by == "month":
        rows.sort(key=lambda r: str(r["key"]))
    else:
        rows.sort(key=lambda r: -float(r["amount"]))
    shown = rows if args.group_by == "month" else rows[:args.top]
    data: dict[str, Any] = {"total": num(total), "currency": facts.currency, "date_from": lo.isoformat(),
                            "date_to": hi.isoformat(), "group_by": args.group_by, "filters": scope, "rows": shown}
    if len(shown) < len(rows):
        data["showing"] = f"top {len(shown)} of {len(rows)}"
    if args.compare_previous:
        ptotal = sum(v[0] for v in prev.values())
        data["previous_total"] = num(ptotal)
        data["previous_from"], data["previous_to"] = prev_lo.isoformat(), prev_hi.isoformat()
        if ptotal:
            data["change_pct"] = num((total - ptotal) / ptotal * 100, 1)
    if prices is not None and product is not None:
        data["prices"] = {"product": product.get("display_name"), "uom": name_of(product.get("uom_id")),
                          "by_warehouse": _spread(prices[0], "warehouse"), "by_vendor": _spread(prices[1], "vendor")}
    if note:
        data["note"] = note
    text = f"Spend {lo} to {hi}" + "".join(f", {k} {v}" for k, v in scope.items())
    if shows_money(ctx):
        text += f": {fmt_money(total, facts.currency)}"
        if shown:
            text += f"; largest {shown[0]['key']} {fmt_money(shown[0]['amount'], facts.currency)}" \
                if args.group_by != "month" else f" over {len(shown)} month(s)"
        if args.compare_previous:
            text += f"; previous period {fmt_money(data['previous_total'], facts.currency)}"
    return ToolResult(tool="spend_analysis", data=compact(data), text=text)
