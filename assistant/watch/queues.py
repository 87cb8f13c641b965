"""The exception queues the alert rules watch: the control tower's queues (tools.kpis.queues), as alert items.

Why an adapter: the rules only need "the list of open conditions of kind X right now", each with a
stable key, a fingerprint that changes when the condition changes, the warehouse and vendor it
belongs to, and a sentence for people. The lists themselves are the control tower's queue functions
(`tools.kpis.queues`: overdue receipts, receipts due, late POs, unconfirmed orders, stock-out risks,
three-way exceptions, contracts expiring), so an alert and the tower's page agree on what "late",
"due" or "at risk" means; `SOURCES` maps each rule's source to its adapter. Supplier messages (classified
by assistant.summaries, plus the procurement mailbox) have no tower queue and are read here.

Reads run as the system identity, once per rule and tick; each subscriber's copy is redacted for
their role when the alert is written (deliveries never carry money to the warehouse role).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tools.base import OWN_NOTE_MARK, ToolContext
from tools.kpis import queues as q
from tools.odoo.resolve import warehouse_list
from tools.reads.amounts import fmt_money
from tools.reads.common import day_start_utc, fmt_qty, local_day, plain_text, today


@dataclass
class Item:
    """One open condition (a receipt due, a late PO, a product at risk at one warehouse, ...)."""

    key: str
    fingerprint: str
    text: str  # one line for people, without money
    warehouse: str | None = None
    vendor: str | None = None
    money: str | None = None  # appended only for roles that may see money
    ref: str | None = None  # the Odoo reference (PO, receipt, bill)
    action: str | None = None  # "chase" when a reminder to the vendor fits
    facts: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, {}, "")}


def fingerprint(*parts: Any) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:24]


Source = Callable[[ToolContext, dict[str, Any], Any], list[Item]]


def _codes(ctx: ToolContext, only: str | None = None) -> list[str]:
    codes = [str(w["code"]) for w in warehouse_list(ctx.odoo) if w.get("code")]
    return [c for c in codes if only is None or c.lower() == only.lower()] or ([only] if only else [])


def _scope_filter(ctx: ToolContext, scope: Any = None) -> q.Filters | None:
    """The control-tower filter for a scope's warehouse (code or name); None = a warehouse this Odoo lacks."""
    only = getattr(scope, "warehouse", None)
    if not only:
        return q.Filters()
    for w in warehouse_list(ctx.odoo):
        if str(only).lower() in (str(w.get("code") or "").lower(), str(w.get("name") or "").lower()):
            return q.Filters(warehouse_id=int(w["id"]), labels={"warehouse": str(w.get("code") or w.get("name"))})
    return None


# -- receipts (the control tower's queues: tools.kpis.queues.receipts_due / overdue_receipts) -------------
def _receipts(ctx: ToolContext, first: date | None, last: date, scope: Any = None) -> list[q.ReceiptRow]:
    """Open receipts scheduled on local days first..last (first=None: up to `last`, the overdue ones too).

    A digest (scope with a `cache` dict) asks once for everything open up to its latest day and splits the
    answer locally (one round trip for "overdue" and "due tomorrow"), unless the queue had to cut the list."""
    flt = _scope_filter(ctx, scope)
    if flt is None:
        return []
    cache = getattr(scope, "cache", None)
    horizon = getattr(scope, "receipts_until", None)
    if cache is None or horizon is None or last.isoformat() > horizon:
        return q.receipts_due(ctx, first, last, flt)
    key = ("receipts", flt.warehouse_id, horizon)
    if key not in cache:
        cache[key] = q.receipts_due(ctx, None, date.fromisoformat(horizon), flt)
    rows: list[q.ReceiptRow] = cache[key]
    if len(rows) >= q.MAX_ROWS:  # cut: ask for exactly this window
        return q.receipts_due(ctx, first, last, flt)
    return [r for r in rows if (first is None or str(r.scheduled) >= first.isoformat())
            and str(r.scheduled) <= last.isoformat()]


def receipts_due(ctx: ToolContext, params: dict[str, Any], scope: Any = None) -> list[Item]:
    """Open receipts scheduled on the local day `days_ahead` from today (1 = tomorrow), per warehouse."""
    day = today(ctx) + timedelta(days=int(params.get("days_ahead", 1)))
    items = []
    for r in _receipts(ctx, day, day, scope):
        items.append(Item(key=f"receipt:{r.ref}", fingerprint=fingerprint(r.scheduled, r.lines),
                          text=f"{r.ref} ({r.po or 'no PO'}) from {r.vendor or '?'} at {r.warehouse or '?'}, "
                               f"due {r.scheduled}: {r.lines or 'no lines'}",
                          warehouse=r.warehouse, vendor=r.vendor, ref=r.ref,
                          facts={"scheduled": r.scheduled, "po": r.po, "lines": r.lines}))
    return items


def receipts_overdue(ctx: ToolContext, params: dict[str, Any], scope: Any = None) -> list[Item]:
    """Open receipts scheduled `min_days_late` or more local days ago (1 = the tower's overdue receipts)."""
    last = today(ctx) - timedelta(days=int(params.get("min_days_late", 1)))
    items = []
    for r in _receipts(ctx, None, last, scope):
        items.append(Item(key=f"receipt-late:{r.ref}", fingerprint=fingerprint(r.scheduled),
                          text=f"{r.ref} ({r.po or 'no PO'}) from {r.vendor or '?'} at {r.warehouse or '?'} "
                               f"was due {r.scheduled} ({r.days_late} d late): {r.lines}",
                          warehouse=r.warehouse, vendor=r.vendor, ref=r.po or r.ref,
                          action="chase" if r.po else None,
                          facts={"scheduled": r.scheduled, "days_late": r.days_late}))
    return items


# -- purchase orders (tools.kpis.queues.late_orders / unconfirmed_orders) -------------------------------
def _po_money(row: q.OrderRow) -> str | None:
    return fmt_money(row.amount, row.currency) if row.amount is not None else None


def late_pos(ctx: ToolContext, params: dict[str, Any], scope: Any = None) -> list[Item]:
    """Confirmed POs past their expected date by `min_days_late` days and not fully received."""
    flt = _scope_filter(ctx, scope)
    if flt is None:
        return []
    least = int(params.get("min_days_late", 1))
    items = []
    for r in q.late_orders(ctx, flt):
        if r.days < least or not r.day:
            continue
        items.append(Item(key=f"po-late:{r.po}", fingerprint=fingerprint(r.day),
                          text=f"{r.po} from {r.vendor} expected {r.day} ({r.days} d late)"
                               + (f" for {r.warehouse}" if r.warehouse else ""),
                          warehouse=r.warehouse, vendor=r.vendor, money=_po_money(r),
                          ref=r.po, action="chase", facts={"expected": r.day, "days_late": r.days}))
    return items


def unconfirmed(ctx: ToolContext, params: dict[str, Any], scope: Any = None) -> list[Item]:
    """RFQs sent and POs confirmed `after_days` or more days ago that the vendor has not acknowledged
    (Odoo's acknowledgement field, when this Odoo has one)."""
    flt = _scope_filter(ctx, scope)
    if flt is None:
        return []
    items = []
    for r in q.unconfirmed_orders(ctx, flt, older_than_days=int(params.get("after_days", 3))):
        what = "sent" if r.reason == "rfq_not_confirmed" else "confirmed"
        items.append(Item(key=f"unconfirmed:{r.po}", fingerprint=fingerprint(r.state),
                          text=f"{r.po} ({r.state}) to {r.vendor}, {what} {r.day}, "
                               "not confirmed by the vendor" + (f" ({r.warehouse})" if r.warehouse else ""),
                          warehouse=r.warehouse, vendor=r.vendor, money=_po_money(r),
                          ref=r.po, action="chase", facts={"ordered": r.day, "days": r.days}))
    return items


# -- stock (tools.kpis.queues.stockout_risks) ---------------------------------------------------------------
def stockout_risk(ctx: ToolContext, params: dict[str, Any], scope: Any = None) -> list[Item]:
    """Reorder rules with something to order whose forecast (Odoo's) is below the minimum."""
    flt = _scope_filter(ctx, scope)
    if flt is None:
        return []
    items = []
    for r in q.stockout_risks(ctx, flt):
        code = r.warehouse or "?"
        label = f"[{r.product}] {r.name}" if r.name and r.name != r.product and not str(r.name).startswith("[") \
            else str(r.name or r.product)
        items.append(Item(key=f"stockout:{code}:{label}", fingerprint=fingerprint(True),
                          text=f"{label} at {code}: below the reorder minimum (forecast {fmt_qty(r.forecast)}, "
                               f"min {fmt_qty(r.min_qty)}; order {fmt_qty(r.to_order)})",
                          warehouse=r.warehouse, vendor=r.vendor, action="rfq",
                          ref=_rfq_request(r.product, fmt_qty(r.to_order), r.vendor, code),
                          facts={"product": label, "forecast": r.forecast, "suggested_qty": r.to_order}))
    return items


def _rfq_request(product: str, qty: Any, vendor: str | None, code: str) -> str | None:
    """What the "Request quote" button asks the assistant for, in the clicker's name (a normal RFQ proposal)."""
    if not product or product == "?" or not qty:
        return None
    return f"order {qty} {product}" + (f" from {vendor}" if vendor else "") + f" for {code}"


# -- bills (tools.kpis.queues.three_way_exceptions) -------------------------------------------------------
def three_way_exceptions(ctx: ToolContext, params: dict[str, Any], scope: Any = None) -> list[Item]:
    from tools.reads.common import currency

    code = currency(ctx)
    items = []
    for r in q.three_way_exceptions(ctx, q.Filters(), since_days=int(params.get("since_days", 30))):
        items.append(Item(key=f"3wm:{r.bill}:{r.po}:{r.product}",
                          fingerprint=fingerprint(r.issue, round(r.diff_amount, 2)),
                          text=f"Bill {r.bill} from {r.vendor} on {r.po} ({r.product}): "
                               f"{str(r.issue).replace('+', ' and ')} differs from the PO or receipts",
                          vendor=r.vendor, ref=r.po,
                          money=f"{fmt_money(r.diff_amount, code)} billed above PO/receipt",
                          facts={"bill": r.bill, "issue": r.issue}))
    return items


# -- documents and messages ------------------------------------------------------------------------------
def contracts_expiring(ctx: ToolContext, params: dict[str, Any], scope: Any = None) -> list[Item]:
    """Supplier contracts in the document base whose expiry falls within `within_days` of today."""
    items = []
    for r in q.contracts_expiring(ctx, q.Filters(), within_days=int(params.get("within_days", 60))):
        items.append(Item(key=f"contract:{r.supplier}", fingerprint=fingerprint(r.expiry),
                          text=f"The contract with {r.supplier} ({r.title or 'contract'}) expires "
                               f"{r.expiry} ({r.days_left} d)", vendor=r.supplier,
                          facts={"expiry": r.expiry, "days_left": r.days_left}))
    return items


MAX_MESSAGES = 500


def supplier_messages(ctx: ToolContext, params: dict[str, Any], scope: Any = None) -> list[Item]:
    """Supplier e-mails and notes on purchase orders in the last `since_days` that announce one of
    `categories` (price, delay, ...) by the supplier-brief classification (assistant.summaries.classify).
    The quoted sentence is supplier-written: shown as a quote, never acted on."""
    from assistant.summaries import classify
    from tools.odoo.resolve import vendor_list

    wanted = set(params.get("categories") or ["price", "delay"])
    start = today(ctx) - timedelta(days=int(params.get("since_days", 7)))
    vendors = {v["id"]: v["name"] for v in vendor_list(ctx.odoo)}
    names = set(vendors.values())
    msgs = ctx.odoo.search_read(
        "mail.message", [("model", "=", "purchase.order"), ("message_type", "in", ["email", "comment"]),
                         ("date", ">=", day_start_utc(ctx, start)), ("body", "not ilike", OWN_NOTE_MARK)],
        ["date", "record_name", "author_id", "subject", "body"], limit=MAX_MESSAGES, order="date desc, id desc")
    items = []
    for m in msgs:
        vendor = _vendor_of(m.get("author_id"), vendors, names)
        if vendor is None:  # written by our own people, not the supplier
            continue
        text = plain_text(m.get("body"), 600)
        note = classify({"body": text, "subject": m.get("subject") or "", "date": m.get("date"),
                         "record_name": m.get("record_name")})
        hit = [c for c in note.categories if c in wanted]
        if not hit:
            continue
        items.append(Item(key=f"msg:{m['id']}", fingerprint=fingerprint(m["id"]),
                          text=f"{vendor or 'A supplier'} on {m.get('record_name')} ({local_day(ctx, m.get('date'))}), "
                               f"{' and '.join(hit)}: \u201c{note.sentence}\u201d",
                          vendor=vendor, ref=m.get("record_name"), action="chase" if "delay" in hit else None,
                          facts={"categories": hit, "quoted": True}))
    return items + _mailbox_messages(ctx, wanted, start)


def _mailbox_messages(ctx: ToolContext, wanted: set[str], start: date) -> list[Item]:
    """The procurement mailbox's vendor e-mails (tools/mail) of the wanted kinds since `start`, read by the
    mailbox's own reader (kind, new date, quoted sentence); empty when no mailbox is set up."""
    from datetime import datetime, time

    import sqlalchemy as sa

    from tools.mail.store import MailMessageRow, facts_of, links_of, mail_tables_exist

    if ctx.store is None or not mail_tables_exist(ctx.store):
        return []
    with ctx.store.read() as s:
        rows = list(s.scalars(sa.select(MailMessageRow).where(
            MailMessageRow.kind.in_(sorted(wanted)), MailMessageRow.vendor_id.is_not(None),
            MailMessageRow.date >= datetime.combine(start, time.min)).order_by(MailMessageRow.date.desc())
            .limit(MAX_MESSAGES)))
    items = []
    for r in rows:
        facts = facts_of(r)
        ref = ", ".join(str(lk.get("name")) for lk in links_of(r) if lk.get("model") == "purchase.order") or None
        new = f", new date {facts['eta']}" if facts.get("eta") else ""
        items.append(Item(key=f"mail:{r.id}", fingerprint=fingerprint("mail", r.id, facts.get("eta")),
                          text=f"{r.vendor_name} by e-mail{f' on {ref}' if ref else ''} "
                               f"({r.date.date().isoformat() if r.date else '?'}), {r.kind}{new}: "
                               f"\u201c{facts.get('quote') or r.subject}\u201d",
                          vendor=r.vendor_name, ref=ref, action="chase" if r.kind == "delay" and ref else None,
                          facts={"categories": [r.kind], "quoted": True, "source": "mailbox"}))
    return items


def _vendor_of(author: Any, vendors: dict[int, str], names: set[str]) -> str | None:
    """The vendor a message author belongs to: the vendor itself, or a contact shown "Vendor, Person"."""
    if not isinstance(author, list | tuple) or len(author) < 2:
        return None
    if author[0] in vendors:
        return vendors[author[0]]
    company = str(author[1]).split(", ")[0]
    return company if company in names else None


SOURCES: dict[str, Source] = {
    "receipts_due": receipts_due, "receipts_overdue": receipts_overdue, "late_pos": late_pos,
    "unconfirmed": unconfirmed, "stockout_risk": stockout_risk, "three_way_exceptions": three_way_exceptions,
    "contracts_expiring": contracts_expiring, "supplier_messages": supplier_messages,
}
