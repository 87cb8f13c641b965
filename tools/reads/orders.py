"""find_purchase_orders: count and list purchase orders / RFQs by state, vendor, product, warehouse, dates.

Two round trips: a read_group gives the true count, the count per state and the untaxed total per
currency (so the figures hold whatever the limit), and one web_search_read gives the first rows with
vendor and warehouse nested. POs in a foreign currency add one read (their own `currency_rate`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, Field

from tools.base import ToolContext, ToolError, ToolResult, tool
from tools.odoo.resolve import resolve_product, resolve_supplier
from tools.reads.amounts import Converter, Facts, fmt_money, odoo_facts, rates, shows_money
from tools.reads.common import (
    compact,
    date_range,
    day_end_utc,
    day_start_utc,
    local_day,
    name_of,
    num,
    today,
    warehouse_or_none,
)

STATE_DOMAIN: dict[str, list[Any]] = {
    "rfq": [("state", "in", ["draft", "sent"])],
    "draft": [("state", "=", "draft")],
    "sent": [("state", "=", "sent")],
    "to_approve": [("state", "=", "to approve")],
    "purchase": [("state", "=", "purchase")],
    "done": [("state", "=", "done")],
    "cancel": [("state", "=", "cancel")],
    "open": [("state", "in", ["purchase", "done"]), ("receipt_status", "in", ["pending", "partial"])],
    "any": [],
}
STATE_LABEL = {"draft": "RFQ", "sent": "RFQ sent", "to approve": "to approve", "purchase": "purchase order",
               "done": "locked", "cancel": "cancelled"}
DATE_FIELD = {"order": "date_order", "approve": "date_approve", "expected": "date_planned"}
SORT = {"date": "{f} desc, id desc", "amount": "amount_untaxed desc, id desc", "expected": "date_planned asc, id asc"}
ROW_SPEC: dict[str, Any] = {
    "name": {}, "state": {}, "partner_id": {"fields": {"display_name": {}}}, "date_order": {},
    "date_approve": {}, "date_planned": {}, "amount_untaxed": {}, "currency_id": {"fields": {"name": {}}},
    "receipt_status": {}, "picking_type_id": {"fields": {"warehouse_id": {"fields": {"code": {}}}}},
}
MAX_LIMIT = 100


class FindPOArgs(BaseModel):
    state: Literal["rfq", "draft", "sent", "to_approve", "purchase", "done", "cancel", "open", "any"] = Field(
        "any", description="rfq=draft+sent; open=confirmed, not all received")
    supplier: str | None = Field(None, description="Vendor")
    product: str | None = Field(None, description="Product on a line")
    warehouse: str | None = Field(None, description="Warehouse")
    date_field: Literal["order", "approve", "expected"] = Field("order", description="Date filtered")
    date_from: str | None = Field(None, description="YYYY-MM-DD")
    date_to: str | None = Field(None, description="YYYY-MM-DD")
    late: bool = Field(False, description="Past expected date, not fully received")
    unacknowledged: bool = Field(False, description="Not acknowledged by the vendor")
    sort: Literal["date", "amount", "expected"] = Field("date", description="date=newest, amount=largest")
    limit: int = Field(15, ge=1, le=MAX_LIMIT, description="Rows")


def _domain(ctx: ToolContext, args: FindPOArgs) -> tuple[list[Any], dict[str, Any]]:
    """The Odoo domain and a small dict saying which filters were applied (echoed in the result)."""
    odoo = ctx.odoo
    domain: list[Any] = list(STATE_DOMAIN[args.state])
    scope: dict[str, Any] = {"state": args.state}
    if args.supplier:
        vendor = resolve_supplier(odoo, args.supplier)
        domain.append(("partner_id", "child_of", vendor["id"]))
        scope["vendor"] = vendor["name"]
    if args.product:
        p = resolve_product(odoo, args.product)
        domain.append(("order_line.product_id", "=", p["id"]))
        scope["product"] = p.get("display_name")
    wh = warehouse_or_none(ctx, args.warehouse)
    if wh is not None:
        domain.append(("picking_type_id.warehouse_id", "=", wh["id"]))
        scope["warehouse"] = wh["code"]
    lo, hi = date_range(ctx, args.date_from, args.date_to)
    field = DATE_FIELD[args.date_field]
    if lo:
        domain.append((field, ">=", day_start_utc(ctx, lo)))
    if hi:
        domain.append((field, "<=", day_end_utc(ctx, hi)))
    if lo or hi:
        scope[args.date_field + "_date"] = f"{lo or '…'} to {hi or '…'}"
    if args.late:
        domain += [("state", "in", ["purchase", "done"]), ("receipt_status", "in", ["pending", "partial"]),
                   ("date_planned", "<", day_start_utc(ctx, today(ctx)))]
        scope["late"] = True
    if args.unacknowledged:
        ack = odoo_facts(ctx).ack_field
        if ack is None:
            raise ToolError("This Odoo does not record whether a vendor acknowledged an order.", code="unsupported")
        domain += [("state", "in", ["sent", "purchase"]), (ack, "=", False),
                   "|", ("state", "=", "sent"), ("receipt_status", "!=", "full")]
        scope["unacknowledged"] = f"{ack} not set"
    return domain, scope


@tool(FindPOArgs)
def find_purchase_orders(ctx: ToolContext, args: FindPOArgs) -> ToolResult:
    """Count and list POs/RFQs with filters; untaxed total and count per state."""
    odoo = ctx.odoo
    domain, scope = _domain(ctx, args)
    facts = odoo_facts(ctx)
    groups = odoo.read_group("purchase.order", domain, ["amount_untaxed:sum"], ["state", "currency_id"], lazy=False)
    count = sum(int(g.get("__count") or 0) for g in groups)
    by_state: Counter[str] = Counter()
    for g in groups:
        by_state[STATE_LABEL.get(str(g.get("state")), str(g.get("state")))] += int(g.get("__count") or 0)
    total, conv = _company_total(ctx, facts, domain, groups)
    order = SORT[args.sort].format(f=DATE_FIELD[args.date_field])
    foreign = {c for g in groups if (c := _cid(g.get("currency_id"))) and c != facts.currency_id}
    if args.sort == "amount" and foreign and count:
        records = _largest(ctx, facts, domain, groups, foreign, args.limit, order)
    else:
        records = (odoo.web_search_read("purchase.order", domain, ROW_SPEC, limit=args.limit, order=order)
                   if count else {}).get("records", [])
    rows = []
    for po in records:
        wh = (po.get("picking_type_id") or {}).get("warehouse_id") if isinstance(po.get("picking_type_id"), dict) \
            else None
        rows.append({"reference": po.get("name"), "vendor": name_of(po.get("partner_id")),
                     "state": STATE_LABEL.get(str(po.get("state")), po.get("state")),
                     "order_date": local_day(ctx, po.get("date_order")),
                     "expected_date": local_day(ctx, po.get("date_planned")),
                     "amount_untaxed": num(po.get("amount_untaxed")), "currency": name_of(po.get("currency_id")),
                     "warehouse": wh.get("code") if isinstance(wh, dict) else None,
                     "receipt_status": po.get("receipt_status")})
        if "_home" in po and _cid_of(po.get("currency_id")) != facts.currency_id:
            rows[-1]["amount_untaxed_company"] = num(po["_home"])  # the same amount in the company currency
    data: dict[str, Any] = {"count": count, "total_untaxed": num(total), "currency": facts.currency,
                            "by_state": dict(by_state.most_common()), "filters": scope, "rows": rows,
                            "showing": f"{len(rows)} of {count}"}
    if note := conv.note():
        data["note"] = note
    what = "RFQ(s)" if args.state in ("rfq", "draft", "sent") else "purchase order(s)"
    text = f"{count} {what}" + "".join(f", {k.replace('_', ' ')} {v}" for k, v in scope.items()
                                       if k != "state" and v is not True) + (" (late)" if args.late else "")
    if count and shows_money(ctx):
        if args.sort == "amount" and args.limit == 1 and rows:
            top = rows[0]  # "our biggest open PO": the PO itself, in its own currency (its currency_id)
            home = top.get("amount_untaxed_company")
            text = (f"Largest of {count} {what}" + text[len(f"{count} {what}"):]
                    + f": {top['reference']} {top['vendor']}, {top['state']}, "
                    f"{fmt_money(top['amount_untaxed'], top['currency'] or facts.currency)} untaxed"
                    + (f" (about {fmt_money(home, facts.currency)})" if home is not None else "")
                    + (f", expected {top['expected_date']}" if top.get("expected_date") else "")
                    + f"; all {count} together {fmt_money(total, facts.currency)} untaxed")
        else:
            text += f"; untaxed total {fmt_money(total, facts.currency)}"
    if len(rows) < count:
        text += f"; showing {len(rows)}"
    return ToolResult(tool="find_purchase_orders", data=compact(data), text=text)


MAX_FOREIGN = 5000


def _company_total(ctx: ToolContext, facts: Facts, domain: list[Any], groups: list[dict[str, Any]]
                   ) -> tuple[float, Converter]:
    """The untaxed total in the company currency. POs in another currency are converted with their own
    `currency_rate` (Odoo's rate on the order date, what purchase.report uses): one more read of just
    those POs; an Odoo without that field converts at today's rate."""
    foreign = {c for g in groups if (c := _cid(g.get("currency_id"))) and c != facts.currency_id}
    home = sum(float(g.get("amount_untaxed") or 0) for g in groups if _cid(g.get("currency_id")) not in foreign)
    if foreign and facts.po_currency_rate:
        conv = Converter(facts, {})
        pos = ctx.odoo.search_read("purchase.order", [*domain, ("currency_id", "in", sorted(foreign))],
                                   ["amount_untaxed", "currency_rate", "currency_id"], limit=MAX_FOREIGN)
        for po in pos:
            rate = float(po.get("currency_rate") or 0)
            amount = float(po.get("amount_untaxed") or 0)
            if rate:
                home += amount / rate
            else:
                conv(amount, po.get("currency_id"))  # no rate on the PO: kept apart, named in the note
        return home, conv
    conv = Converter(facts, rates(ctx, facts, foreign))
    return home + sum(v for g in groups if _cid(g.get("currency_id")) in foreign
                      and (v := conv(float(g.get("amount_untaxed") or 0), g.get("currency_id"))) is not None), conv


def _largest(ctx: ToolContext, facts: Facts, domain: list[Any], groups: list[dict[str, Any]], foreign: set[int],
             limit: int, order: str) -> list[dict[str, Any]]:
    """The largest POs when they are in several currencies: Odoo sorts amount_untaxed as a bare number
    (100 USD above 95 EUR whatever the rate), so the first rows of each currency are read (one round trip per
    currency) and ranked by their amount in the company currency (the PO's own `currency_rate`, else today's
    rate). Each record keeps its own currency; `_home` is the converted amount."""
    spec = {**ROW_SPEC, "currency_rate": {}} if facts.po_currency_rate else ROW_SPEC
    conv = None if facts.po_currency_rate else Converter(facts, rates(ctx, facts, foreign))
    records: list[dict[str, Any]] = []
    for cid in sorted({c for g in groups if (c := _cid(g.get("currency_id")))}):
        res = ctx.odoo.web_search_read("purchase.order", [*domain, ("currency_id", "=", cid)], spec, limit=limit,
                                       order=order)
        for po in res.get("records", []):
            amount = float(po.get("amount_untaxed") or 0)
            if cid == facts.currency_id:
                po["_home"] = amount
            elif conv is None:
                rate = float(po.get("currency_rate") or 0)
                po["_home"] = amount / rate if rate else None
            else:
                po["_home"] = conv(amount, [cid, name_of(po.get("currency_id"))])
            records.append(po)
    records.sort(key=lambda po: (po.get("_home") is None, -(po.get("_home") or 0.0)))
    return records[:limit]


def _cid_of(value: Any) -> int | None:
    """The id of a many2one read as a list or nested as a dict."""
    if isinstance(value, dict):
        return int(value["id"]) if value.get("id") else None
    return _cid(value)


def _cid(value: Any) -> int | None:
    if isinstance(value, list | tuple) and value:
        return int(value[0])
    return None
