"""The exception queues the alert rules watch, read through the existing read tools (one adapter).

Why an adapter: the rules only need "the list of open conditions of kind X right now", each with a
stable key, a fingerprint that changes when the condition changes, the warehouse and vendor it
belongs to, and a sentence for people. Today those lists come from the governed read tools
(inbound_schedule, find_purchase_orders, replenishment_risk, three_way_match_exceptions) plus two
small reads (supplier messages classified by assistant.summaries, contract expiry from the document
index). `SOURCES` is the one table to repoint when the control-tower's queue functions land.

Reads run as the system identity, once per rule and tick; each subscriber's copy is redacted for
their role when the alert is written (deliveries never carry money to the warehouse role).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tools.base import OWN_NOTE_MARK, ToolContext, ToolError
from tools.odoo.resolve import warehouse_list
from tools.reads.amounts import fmt_money
from tools.reads.common import day_start_utc, local_day, plain_text, today


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


# -- receipts ------------------------------------------------------------------------------------
def _inbound(ctx: ToolContext, warehouse: str, date_from: str | None, date_to: str) -> tuple[list[dict[str, Any]], int]:
    from tools.reads.inbound import InboundArgs, inbound_schedule

    res = inbound_schedule.func(ctx, InboundArgs.model_validate({"warehouse": warehouse, "date_from": date_from,
                                                                  "date_to": date_to}))
    return list((res.data or {}).get("receipts") or []), int((res.data or {}).get("total") or 0)


def _receipts(ctx: ToolContext, warehouse: str, date_from: str | None, date_to: str,
              scope: Any = None) -> list[dict[str, Any]]:
    """Open receipts of one warehouse scheduled in [date_from, date_to] (local days; open start = overdue).

    A digest (scope with a `cache` dict) asks once for everything open up to its latest day and splits the
    answer locally (one round trip for "overdue" and "due tomorrow"), unless the tool had to cut the list."""
    cache = getattr(scope, "cache", None)
    horizon = getattr(scope, "receipts_until", None)
    if cache is None or horizon is None or date_to > horizon:
        return _inbound(ctx, warehouse, date_from, date_to)[0]
    key = ("receipts", warehouse, horizon)
    if key not in cache:
        cache[key] = _inbound(ctx, warehouse, None, horizon)
    rows, total = cache[key]
    if total > len(rows):  # cut: ask for exactly this window
        return _inbound(ctx, warehouse, date_from, date_to)[0]
    return [r for r in rows if (date_from is None or str(r.get("scheduled")) >= date_from)
            and str(r.get("scheduled")) <= date_to]


def receipts_due(ctx: ToolContext, params: dict[str, Any], scope: Any = None) -> list[Item]:
    """Open receipts scheduled on the local day `days_ahead` from today (1 = tomorrow), per warehouse."""
    day = (today(ctx) + timedelta(days=int(params.get("days_ahead", 1)))).isoformat()
    items = []
    for code in _codes(ctx, getattr(scope, "warehouse", None)):
        for r in _receipts(ctx, code, day, day, scope):
            items.append(Item(key=f"receipt:{r['ref']}", fingerprint=fingerprint(r.get("scheduled"), r.get("lines")),
                              text=f"{r['ref']} ({r.get('po') or 'no PO'}) from {r.get('supplier') or '?'} at {code}, "
                                   f"due {r.get('scheduled')}: {r.get('lines') or 'no lines'}",
                              warehouse=code, vendor=r.get("supplier"), ref=r.get("ref"),
                              facts={"scheduled": r.get("scheduled"), "po": r.get("po"), "lines": r.get("lines")}))
    return items


def receipts_overdue(ctx: ToolContext, params: dict[str, Any], scope: Any = None) -> list[Item]:
    """Open receipts scheduled `min_days_late` or more local days ago."""
    last = (today(ctx) - timedelta(days=int(params.get("min_days_late", 1)))).isoformat()
    items = []
    for code in _codes(ctx, getattr(scope, "warehouse", None)):
        for r in _receipts(ctx, code, None, last, scope):
            items.append(Item(key=f"receipt-late:{r['ref']}", fingerprint=fingerprint(r.get("scheduled")),
                              text=f"{r['ref']} ({r.get('po') or 'no PO'}) from {r.get('supplier') or '?'} at {code} "
                                   f"was due {r.get('scheduled')} ({r.get('days_late')} d late): {r.get('lines')}",
                              warehouse=code, vendor=r.get("supplier"), ref=r.get("po") or r.get("ref"),
                              action="chase" if r.get("po") else None,
                              facts={"scheduled": r.get("scheduled"), "days_late": r.get("days_late")}))
    return items


# -- purchase orders -------------------------------------------------------------------------------
def _pos(ctx: ToolContext, **kw: Any) -> list[dict[str, Any]]:
    from tools.reads.orders import MAX_LIMIT, FindPOArgs, find_purchase_orders

    res = find_purchase_orders.func(ctx, FindPOArgs.model_validate({"limit": MAX_LIMIT, **kw}))
    return list((res.data or {}).get("rows") or [])


def _po_money(row: dict[str, Any]) -> str | None:
    return fmt_money(row["amount_untaxed"], row.get("currency")) if row.get("amount_untaxed") is not None else None


def late_pos(ctx: ToolContext, params: dict[str, Any], scope: Any = None) -> list[Item]:
    """Confirmed POs past their expected date by `min_days_late` days and not fully received."""
    cutoff = today(ctx) - timedelta(days=int(params.get("min_days_late", 1)) - 1)
    items = []
    for r in _pos(ctx, late=True, sort="expected"):
        exp = r.get("expected_date")
        if not exp or date.fromisoformat(exp) >= cutoff:
            continue
        days = (today(ctx) - date.fromisoformat(exp)).days
        items.append(Item(key=f"po-late:{r['reference']}", fingerprint=fingerprint(exp),
                          text=f"{r['reference']} from {r.get('vendor')} expected {exp} ({days} d late)"
                               + (f" for {r['warehouse']}" if r.get("warehouse") else ""),
                          warehouse=r.get("warehouse"), vendor=r.get("vendor"), money=_po_money(r),
                          ref=r["reference"], action="chase", facts={"expected": exp, "days_late": days}))
    return items


def unconfirmed(ctx: ToolContext, params: dict[str, Any], scope: Any = None) -> list[Item]:
    """RFQs sent and POs confirmed `after_days` or more days ago that the vendor has not acknowledged
    (Odoo's acknowledgement field); an Odoo without one: RFQs still in 'sent'."""
    before = (today(ctx) - timedelta(days=int(params.get("after_days", 3)))).isoformat()
    try:
        rows = _pos(ctx, unacknowledged=True, date_to=before)
    except ToolError:
        rows = _pos(ctx, state="sent", date_to=before)
    items = []
    for r in rows:
        items.append(Item(key=f"unconfirmed:{r['reference']}", fingerprint=fingerprint(r.get("state")),
                          text=f"{r['reference']} ({r.get('state')}) to {r.get('vendor')}, ordered {r.get('order_date')}, "
                               "not confirmed by the vendor" + (f" ({r['warehouse']})" if r.get("warehouse") else ""),
                          warehouse=r.get("warehouse"), vendor=r.get("vendor"), money=_po_money(r),
                          ref=r["reference"], action="chase", facts={"ordered": r.get("order_date")}))
    return items


# -- stock ---------------------------------------------------------------------------------------------
def stockout_risk(ctx: ToolContext, params: dict[str, Any], scope: Any = None) -> list[Item]:
    """Products below their reorder minimum by Odoo's forecast, or running out within vendor lead time."""
    from tools.reads.replenishment import ReplenishmentArgs, replenishment_risk

    items = []
    for code in _codes(ctx, getattr(scope, "warehouse", None)):
        res = replenishment_risk.func(ctx, ReplenishmentArgs.model_validate({"warehouse": code}))
        for r in (res.data or {}).get("at_risk") or []:
            why = "below the reorder minimum" if r.get("below_min") else "runs out within the vendor lead time"
            cheapest = r.get("cheapest") or {}
            items.append(Item(key=f"stockout:{code}:{r['product']}", fingerprint=fingerprint(bool(r.get("below_min"))),
                              text=f"{r['product']} at {code}: {why} (forecast {r.get('forecast')}, "
                                   f"min {r.get('min')}; order {r.get('suggested_qty')})",
                              warehouse=code, vendor=cheapest.get("vendor"), action="rfq",
                              ref=_rfq_request(r["product"], r.get("suggested_qty"), cheapest.get("vendor"), code),
                              facts={"product": r["product"], "forecast": r.get("forecast"),
                                     "suggested_qty": r.get("suggested_qty")}))
    return items


def _rfq_request(product: str, qty: Any, vendor: str | None, code: str) -> str | None:
    """What the "Request quote" button asks the assistant for, in the clicker's name (a normal RFQ proposal)."""
    import re

    m = re.match(r"^\[([^\]]+)\]", product)
    if not m or not qty:
        return None
    return f"order {qty} {m.group(1)}" + (f" from {vendor}" if vendor else "") + f" for {code}"


# -- bills ---------------------------------------------------------------------------------------------
def three_way_exceptions(ctx: ToolContext, params: dict[str, Any], scope: Any = None) -> list[Item]:
    from tools.reads.common import currency
    from tools.reads.matching import MatchArgs, three_way_match_exceptions

    since = (today(ctx) - timedelta(days=int(params.get("since_days", 30)))).isoformat()
    res = three_way_match_exceptions.func(ctx, MatchArgs.model_validate({"since": since}))
    code = currency(ctx)
    items = []
    for r in (res.data or {}).get("exceptions") or []:
        items.append(Item(key=f"3wm:{r.get('bill')}:{r.get('po')}:{r.get('product')}",
                          fingerprint=fingerprint(r.get("issue"), r.get("billed_qty"), r.get("bill_price")),
                          text=f"Bill {r.get('bill')} from {r.get('vendor')} on {r.get('po')} ({r.get('product')}): "
                               f"{str(r.get('issue')).replace('+', ' and ')} differs from the PO or receipts",
                          vendor=r.get("vendor"), ref=r.get("po"),
                          money=f"{fmt_money(r.get('diff_amount'), code)} billed above PO/receipt",
                          facts={"bill": r.get("bill"), "issue": r.get("issue")}))
    return items


# -- documents and messages ------------------------------------------------------------------------------
def contracts_expiring(ctx: ToolContext, params: dict[str, Any], scope: Any = None) -> list[Item]:
    """Supplier contracts in the document base whose expiry falls within `within_days` of today."""
    knowledge = ctx.knowledge
    if knowledge is None:
        return []
    now, within = today(ctx), int(params.get("within_days", 60))
    seen: dict[str, dict[str, Any]] = {}
    for chunk in getattr(knowledge.index, "chunks", []):
        md = chunk.metadata
        if md.get("doc_type") == "contract" and md.get("supplier") and md.get("expiry"):
            seen.setdefault(str(md["supplier"]), md)
    items = []
    for supplier, md in sorted(seen.items()):
        try:
            end = date.fromisoformat(str(md["expiry"])[:10])
        except ValueError:
            continue
        left = (end - now).days
        if 0 <= left <= within:
            items.append(Item(key=f"contract:{supplier}", fingerprint=fingerprint(end),
                              text=f"The contract with {supplier} ({md.get('title') or 'contract'}) expires "
                                   f"{end.isoformat()} ({left} d)", vendor=supplier,
                              facts={"expiry": end.isoformat(), "days_left": left}))
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
