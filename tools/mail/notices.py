"""What the product shows from the mailbox: reschedule suggestions, price-change notices, latest mail.

None of these is a proposal. A reschedule suggestion tells a buyer that a vendor announced a date later
than the receipt's scheduled date; a proposal is made only when a person asks for it (the ordinary
`reschedule_receipt` tool, with its approval rules). A price-change notice is a warning to read before
the vendor's next RFQ; `price_change_notices(store, vendor_id)` is the function pre-approval checks call.
Every item carries the message it came from (citation `mail:<id>`) and the quoted sentence.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from tools.mail.store import MailMessageRow, MailStore, facts_of, links_of, mail_tables_exist

SUGGESTION_WINDOW_DAYS = 60
NOTICE_WINDOW_DAYS = 180
DATED_KINDS = ("delay", "partial", "confirmation")


def citation(row: MailMessageRow) -> str:
    return f"mail:{row.id}"


def mail_item(row: MailMessageRow, *, text_limit: int = 600) -> dict[str, Any]:
    """One message as tools return it: date, sender, subject, kind, facts, the text (untrusted), citation."""
    facts = facts_of(row)
    return {"id": citation(row), "date": row.date.date().isoformat() if row.date else None,
            "from": row.sender_name or row.sender, "subject": row.subject, "kind": row.kind,
            "on": ", ".join(lk.get("name", "") for lk in links_of(row)) or None,
            "eta": facts.get("eta"), "quote": facts.get("quote"),
            "text": row.body if len(row.body) <= text_limit else row.body[: text_limit - 1].rstrip() + "…"}


def price_change_notices(store: Any, vendor_id: int, *, since_days: int = NOTICE_WINDOW_DAYS,
                         now: datetime | None = None) -> list[dict[str, Any]]:
    """Price-change e-mails from one vendor in the last `since_days` days, newest first:
    [{"id": "mail:12", "date", "subject", "quote", "percent": [...], "prices": [...]}]. Empty when the
    mailbox is not set up. Pre-approval checks call this before a new RFQ to the vendor."""
    if store is None or not mail_tables_exist(store):
        return []
    since = (now or datetime.utcnow()) - timedelta(days=since_days)
    out = []
    for row in MailStore(store).for_vendor(vendor_id, since=since, kinds=("price",), limit=20):
        facts = facts_of(row)
        out.append({"id": citation(row), "date": row.date.date().isoformat() if row.date else None,
                    "subject": row.subject, "quote": facts.get("quote") or "",
                    "percent": facts.get("percent") or [], "prices": facts.get("prices") or []})
    return out


def latest_mail_for_po(store: Any, po_name: str) -> dict[str, Any] | None:
    """The newest vendor e-mail linked to one purchase order (PO status shows it), or None."""
    if store is None or not mail_tables_exist(store):
        return None
    rows = MailStore(store).for_document("purchase.order", po_name, limit=1)
    if not rows:
        return None
    item = mail_item(rows[0], text_limit=300)
    item.pop("quote", None)  # the text holds it; keys that carry outsiders' words stay the known ones
    return item


def _day(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def reschedule_suggestions(store: Any, odoo: Any, *, vendor_id: int | None = None,
                           now: datetime | None = None) -> list[dict[str, Any]]:
    """Open receipts a vendor's e-mail announced later than scheduled: one suggestion per receipt (the newest
    dated mail wins: a delay, a partial shipment's balance, or a confirmation of a later date), for a buyer
    to act on. Reads the receipts from Odoo; proposes nothing."""
    if store is None or not mail_tables_exist(store):
        return []
    since = (now or datetime.utcnow()) - timedelta(days=SUGGESTION_WINDOW_DAYS)
    mails = MailStore(store)
    rows: list[MailMessageRow] = []
    if vendor_id is not None:
        rows = mails.for_vendor(vendor_id, since=since, kinds=DATED_KINDS, limit=200)
    else:
        import sqlalchemy as sa

        with store.read() as s:
            rows = list(s.scalars(sa.select(MailMessageRow).where(MailMessageRow.kind.in_(DATED_KINDS),
                                                                  MailMessageRow.date >= since)
                                  .order_by(MailMessageRow.date.desc(), MailMessageRow.id.desc()).limit(500)))
    wanted: list[tuple[MailMessageRow, date, list[dict[str, Any]]]] = []
    for row in rows:
        eta = _day(facts_of(row).get("eta"))
        docs = links_of(row)
        if eta and any(d.get("model") in ("purchase.order", "stock.picking") for d in docs):
            wanted.append((row, eta, docs))
    if not wanted:
        return []
    po_ids = sorted({int(d["id"]) for _r, _e, docs in wanted for d in docs if d.get("model") == "purchase.order"})
    pick_ids = sorted({int(d["id"]) for _r, _e, docs in wanted for d in docs if d.get("model") == "stock.picking"})
    domain: list[Any] = [("picking_type_code", "=", "incoming"), ("state", "not in", ["done", "cancel"]),
                         "|", ("purchase_id", "in", po_ids), ("id", "in", pick_ids)]
    receipts = odoo.search_read("stock.picking", domain, ["id", "name", "scheduled_date", "purchase_id",
                                                          "partner_id", "state"], limit=2000)
    by_po: dict[int, list[dict[str, Any]]] = {}
    by_id = {r["id"]: r for r in receipts}
    for r in receipts:
        po = r.get("purchase_id")
        if isinstance(po, list | tuple) and po:
            by_po.setdefault(int(po[0]), []).append(r)
    out: dict[int, dict[str, Any]] = {}
    for row, eta, docs in wanted:  # newest first: the first mail for a receipt is its latest word
        named = [by_id[int(d["id"])] for d in docs if d.get("model") == "stock.picking" and int(d["id"]) in by_id]
        targets = named or [r for d in docs if d.get("model") == "purchase.order" for r in by_po.get(int(d["id"]), [])]
        for rec in targets:
            scheduled = _day(rec.get("scheduled_date"))
            if rec["id"] in out or scheduled is None:
                continue
            out[rec["id"]] = {"receipt": rec["name"], "receipt_id": rec["id"],
                              "po": rec["purchase_id"][1] if isinstance(rec.get("purchase_id"), list | tuple)
                              else None,
                              "vendor": row.vendor_name, "scheduled": scheduled.isoformat(), "new_date": eta.isoformat(),
                              "days_later": (eta - scheduled).days, "mail": citation(row),
                              "mail_date": row.date.date().isoformat() if row.date else None,
                              "quote": facts_of(row).get("quote") or "", "later": eta > scheduled}
    return [s for s in out.values() if s.pop("later")]
