"""The exception queues of the control tower, as typed rows: what needs a person today.

One function per queue; each takes the tool context (for the company's day and timezone) and `Filters`
(warehouse / category / vendor ids, any of them None) and returns dataclass rows, oldest or worst first.
The control-tower page shows them; the alert rules (issue #13 part 3) evaluate the same functions.

| queue | rows | Odoo's side |
|---|---|---|
| `overdue_receipts` | incoming transfers not done, scheduled before today | one web_search_read of stock.picking |
| `receipts_due` | incoming transfers not done, scheduled within [first day, last day] | one web_search_read |
| `late_orders` | confirmed POs not fully received whose expected arrival is before today | one web_search_read |
| `unconfirmed_orders` | RFQs sent to the vendor N+ days ago and still not confirmed; confirmed POs the vendor has not acknowledged N+ days after confirmation | one or two web_search_read |
| `stockout_risks` | reorder rules with something to order (Odoo's `qty_to_order` > 0) whose forecast is below the minimum | one web_search_read of stock.warehouse.orderpoint |
| `three_way_exceptions` | posted bill lines disagreeing with the PO price or the received quantity (the matching tool's rules) | three reads (tools.reads.matching) |
| `contracts_expiring` | supplier contracts in the document store whose expiry falls within N days | none (the ingested corpus) |
| `purchase_anomalies` | purchase lines flagged by the anomaly checks in the last 90 days (unusual quantity, keyed twice, same order from two sites, above the price row, over-received, site price gaps), newest first | purchase_anomalies' cached reads |
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import asdict, dataclass, field
from typing import Any

from tools.base import ToolContext
from tools.kpi import days_late
from tools.odoo.resolve import resolve_category, resolve_supplier, resolve_warehouse, warehouse_list
from tools.reads.amounts import odoo_facts
from tools.reads.common import (
    code_or_name,
    day_end_utc,
    day_start_utc,
    dt,
    id_of,
    local_day,
    name_of,
    to_local,
    today,
)

MAX_ROWS = 200


@dataclass(frozen=True)
class Filters:
    """Scope of a queue or KPI: Odoo ids, None = everything."""

    warehouse_id: int | None = None
    category_id: int | None = None
    vendor_id: int | None = None
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)  # what a person typed → name

    @property
    def empty(self) -> bool:
        return self.warehouse_id is None and self.category_id is None and self.vendor_id is None


def resolve_filters(ctx: ToolContext, warehouse: str | None = None, category: str | None = None,
                    vendor: str | None = None) -> Filters:
    """Filters from what a person typed (code or name); raises ToolError (ambiguous / not found) like the tools."""
    labels: dict[str, str] = {}
    wid = cid = vid = None
    if warehouse:
        w = resolve_warehouse(ctx.odoo, warehouse)
        wid, labels["warehouse"] = w["id"], str(w.get("code") or w.get("name"))
    if category:
        c = resolve_category(ctx.odoo, category)
        cid, labels["category"] = c["id"], str(c.get("name"))
    if vendor:
        v = resolve_supplier(ctx.odoo, vendor)
        vid, labels["vendor"] = v["id"], str(v.get("name"))
    return Filters(wid, cid, vid, labels)


def as_dicts(rows: list[Any]) -> list[dict[str, Any]]:
    return [asdict(r) for r in rows]


# -- rows -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReceiptRow:
    picking_id: int
    ref: str
    po: str | None
    po_id: int | None
    vendor: str | None
    vendor_id: int | None
    warehouse: str | None
    scheduled: str | None  # company-local day
    days_late: int
    lines: str


@dataclass(frozen=True)
class OrderRow:
    po_id: int
    po: str
    vendor: str | None
    vendor_id: int | None
    warehouse: str | None
    state: str
    day: str | None  # the date the queue is about: expected arrival (late) or sent/confirmed day (unconfirmed)
    days: int  # days late / days waiting
    amount: float | None  # untaxed total in the PO's currency
    currency: str | None
    reason: str = ""


@dataclass(frozen=True)
class StockRiskRow:
    orderpoint_id: int
    product_id: int
    product: str
    name: str | None
    warehouse: str | None
    on_hand: float
    forecast: float
    min_qty: float
    to_order: float
    vendor: str | None
    vendor_id: int | None


@dataclass(frozen=True)
class MatchRow:
    bill: str | None
    po: str | None
    vendor: str | None
    product: str | None
    issue: str
    diff_amount: float
    date: str | None


@dataclass(frozen=True)
class ContractRow:
    supplier: str
    title: str | None
    expiry: str
    days_left: int
    citation_id: str | None


# -- helpers ----------------------------------------------------------------------------------------

def _wh_codes(ctx: ToolContext) -> tuple[dict[int, str], dict[int, str]]:
    """({incoming picking type id: warehouse code}, {warehouse id: code})."""
    whs = warehouse_list(ctx.odoo)
    return ({id_of(w.get("in_type_id")) or 0: str(w.get("code")) for w in whs},
            {int(w["id"]): str(w.get("code")) for w in whs})


def _picking_domain(flt: Filters) -> list[Any]:
    dom: list[Any] = [("picking_type_code", "=", "incoming"), ("state", "not in", ["done", "cancel", "draft"])]
    if flt.warehouse_id:
        dom.append(("picking_type_id.warehouse_id", "=", flt.warehouse_id))
    if flt.vendor_id:
        dom.append(("partner_id", "child_of", flt.vendor_id))
    if flt.category_id:
        dom.append(("move_ids.product_id.categ_id", "child_of", flt.category_id))
    return dom


RECEIPT_SPEC: dict[str, Any] = {
    "name": {}, "scheduled_date": {}, "origin": {}, "picking_type_id": {},
    "partner_id": {"fields": {"display_name": {}}},
    "purchase_id": {"fields": {"name": {}}},
    "move_ids": {"fields": {"product_id": {"fields": {"default_code": {}, "display_name": {}}},
                            "product_uom_qty": {}, "state": {}}},
}


def _receipts(ctx: ToolContext, domain: list[Any], limit: int) -> list[ReceiptRow]:
    from tools.reads.inbound import lines_summary

    res = ctx.odoo.web_search_read("stock.picking", domain, RECEIPT_SPEC, limit=limit,
                                   order="scheduled_date asc, id asc")
    by_type, _ = _wh_codes(ctx)
    now = today(ctx)
    rows = []
    for r in res.get("records", []):
        sched = dt(r.get("scheduled_date"))
        po = r.get("purchase_id") if isinstance(r.get("purchase_id"), dict) else None
        rows.append(ReceiptRow(
            picking_id=int(r["id"]), ref=str(r.get("name")), po=(po or {}).get("name") or r.get("origin") or None,
            po_id=id_of(po), vendor=name_of(r.get("partner_id")), vendor_id=id_of(r.get("partner_id")),
            warehouse=by_type.get(id_of(r.get("picking_type_id")) or 0),
            scheduled=local_day(ctx, r.get("scheduled_date")),
            days_late=days_late(to_local(ctx, sched), now) if sched else 0,
            lines=lines_summary(r.get("move_ids") or [])))
    return rows


# -- queues -----------------------------------------------------------------------------------------

def overdue_receipts(ctx: ToolContext, flt: Filters = Filters(), limit: int = MAX_ROWS) -> list[ReceiptRow]:
    """Incoming transfers not done whose scheduled day is before the company's today, most late first."""
    dom = _picking_domain(flt) + [("scheduled_date", "<", day_start_utc(ctx, today(ctx)))]
    return _receipts(ctx, dom, limit)


def receipts_due(ctx: ToolContext, first: _dt.date | None, last: _dt.date, flt: Filters = Filters(),
                 limit: int = MAX_ROWS) -> list[ReceiptRow]:
    """Incoming transfers not done scheduled on company-local days first..last (e.g. tomorrow..tomorrow);
    first=None: everything open scheduled up to `last` (the overdue ones too)."""
    dom = _picking_domain(flt) + [("scheduled_date", "<=", day_end_utc(ctx, last))]
    if first is not None:
        dom.append(("scheduled_date", ">=", day_start_utc(ctx, first)))
    return _receipts(ctx, dom, limit)


ORDER_SPEC: dict[str, Any] = {
    "name": {}, "state": {}, "date_order": {}, "date_approve": {}, "date_planned": {}, "amount_untaxed": {},
    "partner_id": {"fields": {"display_name": {}}}, "currency_id": {"fields": {"name": {}}},
    "picking_type_id": {"fields": {"warehouse_id": {}}},
}


def _order_domain(flt: Filters) -> list[Any]:
    dom: list[Any] = []
    if flt.warehouse_id:
        dom.append(("picking_type_id.warehouse_id", "=", flt.warehouse_id))
    if flt.vendor_id:
        dom.append(("partner_id", "child_of", flt.vendor_id))
    if flt.category_id:
        dom.append(("order_line.product_id.categ_id", "child_of", flt.category_id))
    return dom


def _order_row(ctx: ToolContext, r: dict[str, Any], wh_codes: dict[int, str], day_field: str, reason: str
               ) -> OrderRow:
    ptype: dict[str, Any] = r["picking_type_id"] if isinstance(r.get("picking_type_id"), dict) else {}
    when = dt(r.get(day_field))
    waited = (today(ctx) - to_local(ctx, when).date()).days if when else 0
    return OrderRow(po_id=int(r["id"]), po=str(r.get("name")), vendor=name_of(r.get("partner_id")),
                    vendor_id=id_of(r.get("partner_id")), warehouse=wh_codes.get(id_of(ptype.get("warehouse_id")) or 0),
                    state=str(r.get("state")), day=local_day(ctx, r.get(day_field)), days=max(0, waited),
                    amount=float(r.get("amount_untaxed") or 0.0), currency=name_of(r.get("currency_id")), reason=reason)


def late_orders(ctx: ToolContext, flt: Filters = Filters(), limit: int = MAX_ROWS) -> list[OrderRow]:
    """Confirmed POs not fully received whose expected arrival (date_planned) is before today, most late first."""
    dom = [("state", "in", ["purchase", "done"]), ("receipt_status", "in", ["pending", "partial"]),
           ("date_planned", "<", day_start_utc(ctx, today(ctx)))] + _order_domain(flt)
    res = ctx.odoo.web_search_read("purchase.order", dom, ORDER_SPEC, limit=limit, order="date_planned asc, id asc")
    _, wh = _wh_codes(ctx)
    return [_order_row(ctx, r, wh, "date_planned", "late") for r in res.get("records", [])]


def unconfirmed_orders(ctx: ToolContext, flt: Filters = Filters(), older_than_days: int = 3,
                       limit: int = MAX_ROWS) -> list[OrderRow]:
    """RFQs sent N+ days ago and not confirmed, and confirmed POs the vendor has not acknowledged N+ days
    after confirmation (when this Odoo records acknowledgement), longest waiting first."""
    cutoff = day_start_utc(ctx, today(ctx) - _dt.timedelta(days=older_than_days - 1))
    _, wh = _wh_codes(ctx)
    base = _order_domain(flt)
    rfqs = ctx.odoo.web_search_read("purchase.order", [("state", "=", "sent"), ("date_order", "<", cutoff)] + base,
                                    ORDER_SPEC, limit=limit, order="date_order asc, id asc")
    rows = [_order_row(ctx, r, wh, "date_order", "rfq_not_confirmed") for r in rfqs.get("records", [])]
    ack = odoo_facts(ctx).ack_field
    if ack:
        pos = ctx.odoo.web_search_read(
            "purchase.order", [("state", "=", "purchase"), (ack, "=", False), ("receipt_status", "!=", "full"),
                               ("date_approve", "<", cutoff)] + base,
            ORDER_SPEC, limit=limit, order="date_approve asc, id asc")
        rows += [_order_row(ctx, r, wh, "date_approve", "po_not_acknowledged") for r in pos.get("records", [])]
    rows.sort(key=lambda r: (-r.days, r.po))
    return rows[:limit]


OP_SPEC: dict[str, Any] = {
    "product_id": {"fields": {"default_code": {}, "display_name": {}, "categ_id": {}}},
    "warehouse_id": {}, "qty_on_hand": {}, "qty_forecast": {}, "product_min_qty": {}, "qty_to_order": {},
    "supplier_id": {"fields": {"partner_id": {"fields": {"display_name": {}}}}},
}


def stockout_risks(ctx: ToolContext, flt: Filters = Filters(), limit: int = MAX_ROWS) -> list[StockRiskRow]:
    """Reorder rules whose forecast (Odoo's qty_forecast) is below the minimum and that have something to order,
    lowest forecast against the minimum first."""
    dom: list[Any] = [("active", "=", True), ("product_id.active", "=", True), ("qty_to_order", ">", 0)]
    if flt.warehouse_id:
        dom.append(("warehouse_id", "=", flt.warehouse_id))
    if flt.category_id:
        dom.append(("product_id.categ_id", "child_of", flt.category_id))
    res = ctx.odoo.web_search_read("stock.warehouse.orderpoint", dom, OP_SPEC, limit=2000, order="id")
    _, wh = _wh_codes(ctx)
    vendor_of = _main_vendor(ctx)
    rows = []
    for r in res.get("records", []):
        forecast, lo = float(r.get("qty_forecast") or 0), float(r.get("product_min_qty") or 0)
        if forecast >= lo:
            continue
        prod = r.get("product_id") if isinstance(r.get("product_id"), dict) else {}
        sup = r.get("supplier_id") if isinstance(r.get("supplier_id"), dict) else None
        partner = (sup or {}).get("partner_id")
        vid, vname = id_of(partner), name_of(partner)
        if vid is None:
            vid, vname = vendor_of.get(int(prod.get("id") or 0), (None, None))
        if flt.vendor_id and vid != flt.vendor_id:
            continue
        rows.append(StockRiskRow(
            orderpoint_id=int(r["id"]), product_id=int(prod.get("id") or 0), product=code_or_name(prod),
            name=name_of(prod), warehouse=wh.get(id_of(r.get("warehouse_id")) or 0),
            on_hand=float(r.get("qty_on_hand") or 0), forecast=forecast, min_qty=lo,
            to_order=float(r.get("qty_to_order") or 0), vendor=vname, vendor_id=vid))
    rows.sort(key=lambda r: (r.forecast - r.min_qty, r.product))
    return rows[:limit]


def _main_vendor(ctx: ToolContext) -> dict[int, tuple[int | None, str | None]]:
    """{product id: (vendor id, name)} of the first pricelist row by sequence (Odoo's default seller)."""
    from tools.odoo.resolve import pricelist

    variants: dict[int, int] = ctx.odoo.cached("variant_templates", lambda: {
        int(r["id"]): id_of(r.get("product_tmpl_id")) or 0
        for r in ctx.odoo.search_read("product.product", [], ["product_tmpl_id"], limit=100000)}, ttl=600)
    by_tmpl: dict[int, tuple[int, int | None, str | None]] = {}
    by_variant: dict[int, tuple[int, int | None, str | None]] = {}
    for row in pricelist(ctx.odoo):
        seq = int(row.get("sequence") or 0)
        entry = (seq, id_of(row.get("partner_id")), name_of(row.get("partner_id")))
        pid = id_of(row.get("product_id"))
        target, key = (by_variant, pid) if pid else (by_tmpl, id_of(row.get("product_tmpl_id")) or 0)
        if key not in target or seq < target[key][0]:
            target[key] = entry
    out: dict[int, tuple[int | None, str | None]] = {}
    for pid, tid in variants.items():
        hit = by_variant.get(pid) or by_tmpl.get(tid)
        if hit:
            out[pid] = (hit[1], hit[2])
    return out


def three_way_exceptions(ctx: ToolContext, flt: Filters = Filters(), since_days: int = 90) -> list[MatchRow]:
    """Posted bill lines dated in the last `since_days` days that disagree with the PO or the receipts
    (tools.reads.matching's rules), largest money difference first. The vendor filter applies; the
    warehouse and category filters do not (a bill line carries neither)."""
    from tools.reads.matching import MatchArgs, exceptions_rows

    since = (today(ctx) - _dt.timedelta(days=since_days)).isoformat()
    rows = exceptions_rows(ctx, MatchArgs(since=since, supplier=None, reference=None), vendor_id=flt.vendor_id)
    return [MatchRow(bill=r.get("bill"), po=r.get("po"), vendor=r.get("vendor"), product=r.get("product"),
                     issue=str(r.get("issue")), diff_amount=float(r.get("diff_amount") or 0), date=r.get("date"))
            for r in rows]


@dataclass(frozen=True)
class AnomalyRow:
    po: str
    vendor: str | None
    warehouse: str | None
    product: str | None
    kind: str
    issue: str  # the kind in words and the checkable reason
    date: str | None
    other_po: str | None


def purchase_anomalies(ctx: ToolContext, flt: Filters = Filters(), limit: int = MAX_ROWS) -> list[AnomalyRow]:
    """The anomaly checks' flags of the last 90 days (tools.reads.anomalies, cached per day), newest first.
    The warehouse and vendor filters apply (a spread counts for every site and vendor it compares); the
    category filter does not."""
    from tools.reads.anomalies import LABEL, cached_anomalies

    flags = cached_anomalies(ctx)["flags"]
    if flt.warehouse_id is not None:
        code = _wh_codes(ctx)[1].get(flt.warehouse_id)
        flags = [f for f in flags if f["warehouse"] == code or code in f.get("warehouses", ())]
    if flt.vendor_id is not None:
        name = flt.labels.get("vendor") or name_of(ctx.odoo.read("res.partner", [flt.vendor_id], ["name"])[0]
                                                   .get("name"))
        flags = [f for f in flags if f["vendor"] == name or name in f.get("vendors", ())]
    rows = [AnomalyRow(po=f["po"], vendor=f["vendor"], warehouse=f["warehouse"], product=f["product"],
                       kind=f["kind"], issue=f"{LABEL[f['kind']]}: {f['reason']}", date=f["date"],
                       other_po=f.get("other_po")) for f in flags]
    return sorted(rows, key=lambda r: (r.date or "", r.po), reverse=True)[:limit]


def contracts_expiring(ctx: ToolContext, flt: Filters = Filters(), within_days: int = 60) -> list[ContractRow]:
    """Supplier contracts (ingested documents of type contract) expiring within `within_days` days of
    today (already expired ones are left out), soonest first. Empty without a document store or for a
    role that may not read contracts."""
    retriever = ctx.knowledge
    if retriever is None:
        return []
    policy = ctx.policy
    if policy is not None and not policy.can_see_doc_type(ctx.user.role, "contract"):
        return []
    vendor_name = flt.labels.get("vendor", "").lower()
    now = today(ctx)
    rows = []
    for supplier in retriever.suppliers():
        if vendor_name and supplier.lower() != vendor_name:
            continue
        terms = retriever.contract_terms(supplier, now)
        if not terms.expiry:
            continue
        try:
            end = _dt.date.fromisoformat(str(terms.expiry)[:10])
        except ValueError:
            continue
        left = (end - now).days
        if 0 <= left <= within_days:
            rows.append(ContractRow(supplier=supplier, title=terms.title, expiry=end.isoformat(), days_left=left,
                                    citation_id=terms.citation_id))
    rows.sort(key=lambda r: (r.days_left, r.supplier))
    return rows
