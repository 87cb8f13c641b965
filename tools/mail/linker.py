"""Links one stored message to its vendor and to the purchase orders, receipts and bills it is about.

Everything is read from the connected Odoo, never assumed:
- vendor: the sender's address against the vendors' e-mails (the company and its contacts), then the
  sender's domain when exactly one vendor uses it (public mail providers and our own company's domains
  never count); a forward from a colleague is judged by the forwarded message's own sender;
- documents: references in subject, body and attachment text written the way this Odoo numbers them
  (`reference_formats`: the purchase and receipt sequences read from ir.sequence), vendor references
  (`partner_ref` of the vendor's POs, `ref` of its bills) and bill numbers, each confirmed by a search;
- a reply without references inherits the links of the message it answers (In-Reply-To/References).
A document of another vendor than the sender's is not linked (a quoted thread may mention anything).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tools.odoo.client import OdooClient
from tools.odoo.errors import OdooError
from tools.odoo.resolve import model_fields, reference_formats, vendor_list

PUBLIC_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "yahoo.com", "icloud.com", "me.com",
    "aol.com", "gmx.de", "gmx.net", "web.de", "proton.me", "protonmail.com", "ziggo.nl", "kpnmail.nl", "msn.com",
    "mail.com", "yandex.com", "zoho.com", "orange.fr", "free.fr", "t-online.de",
})
BILL_NAME = re.compile(r"(?<![\w/])[A-Z]{2,8}/\d{4}/(?:\d{2}/)?\d{3,6}(?![\w/])")
MAX_REFS = 5000


@dataclass
class Vendor:
    id: int
    name: str
    lang: str = ""
    country: str = ""


@dataclass
class Links:
    vendor: Vendor | None = None
    documents: list[dict[str, Any]] = field(default_factory=list)  # {"model", "id", "name", ...}
    method: str = ""  # address | domain | document | thread

    @property
    def po_names(self) -> list[str]:
        return [d["name"] for d in self.documents if d["model"] == "purchase.order"]


def _domain(addr: str) -> str:
    return addr.rsplit("@", 1)[-1].lower() if "@" in addr else ""


def _m2o(value: Any) -> tuple[int | None, str]:
    if isinstance(value, list | tuple) and value:
        return int(value[0]), str(value[1]) if len(value) > 1 else ""
    return None, ""


class MailLinker:
    """Built once per sync (reads vendors, contacts and numbering once); `link(...)` per message."""

    def __init__(self, odoo: OdooClient) -> None:
        self.odoo = odoo
        self.by_email: dict[str, Vendor] = {}
        self.by_domain: dict[str, set[int]] = {}
        self.vendors: dict[int, Vendor] = {}
        self.internal_domains: set[str] = set()
        self._vendor_refs: dict[int, list[tuple[str, dict[str, Any]]]] = {}
        self._load()

    # -- directory -------------------------------------------------------------------------------
    def _load(self) -> None:
        fields = model_fields(self.odoo, "res.partner")
        cols = ["id", "name", "email", "commercial_partner_id"] + [f for f in ("lang", "country_code")
                                                                   if f in fields]
        # supplier_rank alone is unreliable: every partner we buy from (vendor_list's union) counts
        known = [v["id"] for v in vendor_list(self.odoo)]
        vendors = self.odoo.search_read("res.partner", ["|", ("supplier_rank", ">", 0), ("id", "in", known)], cols,
                                        limit=MAX_REFS)
        for r in vendors:
            cid = _m2o(r.get("commercial_partner_id"))[0] or r["id"]
            if cid != r["id"]:
                continue
            self.vendors[r["id"]] = Vendor(r["id"], str(r["name"]), str(r.get("lang") or ""),
                                           str(r.get("country_code") or ""))
        ids = list(self.vendors)
        contacts = self.odoo.search_read("res.partner", [("commercial_partner_id", "in", ids), ("email", "!=", False)],
                                         ["id", "email", "commercial_partner_id"], limit=MAX_REFS * 4) if ids else []
        for r in [*vendors, *contacts]:
            vid = _m2o(r.get("commercial_partner_id"))[0] or r["id"]
            vendor = self.vendors.get(vid)
            email = str(r.get("email") or "").strip().lower()
            if vendor is None or "@" not in email:
                continue
            self.by_email.setdefault(email, vendor)
            dom = _domain(email)
            if dom and dom not in PUBLIC_DOMAINS:
                self.by_domain.setdefault(dom, set()).add(vendor.id)
        for model, col in (("res.users", "email"), ("res.company", "email")):
            try:
                for r in self.odoo.search_read(model, [(col, "!=", False)], [col], limit=2000):
                    dom = _domain(str(r.get(col) or "").lower())
                    if dom and dom not in PUBLIC_DOMAINS:
                        self.internal_domains.add(dom)
            except OdooError:
                continue
        self.internal_domains -= set(self.by_domain)  # a vendor's domain is never "ours"
        formats = reference_formats(self.odoo)
        self.po_patterns = [self._finder(f.pattern().pattern) for f in formats["purchase"]]
        self.receipt_patterns = [self._finder(f.pattern().pattern) for f in formats["receipt"]]

    @staticmethod
    def _finder(pattern: str) -> re.Pattern[str]:
        return re.compile(rf"(?<![\w/]){pattern}(?![\w/])", re.I)

    def vendor_for_address(self, addr: str) -> tuple[Vendor | None, str]:
        addr = addr.strip().lower()
        if not addr:
            return None, ""
        if addr in self.by_email:
            return self.by_email[addr], "address"
        ids = self.by_domain.get(_domain(addr), set())
        if len(ids) == 1:
            return self.vendors[next(iter(ids))], "domain"
        return None, ""

    def is_internal(self, addr: str) -> bool:
        return _domain(addr) in self.internal_domains

    # -- documents -------------------------------------------------------------------------------
    def _refs_of_vendor(self, vendor_id: int) -> list[tuple[str, dict[str, Any]]]:
        """(vendor reference, document) pairs: `partner_ref` of its POs and `ref` of its bills."""
        if vendor_id not in self._vendor_refs:
            out: list[tuple[str, dict[str, Any]]] = []
            for r in self.odoo.search_read("purchase.order", [("partner_id", "child_of", vendor_id),
                                                              ("partner_ref", "!=", False)],
                                           ["id", "name", "partner_ref"], limit=MAX_REFS, order="id desc"):
                out.append((str(r["partner_ref"]), {"model": "purchase.order", "id": r["id"], "name": r["name"]}))
            try:
                for r in self.odoo.search_read("account.move", [("partner_id", "child_of", vendor_id),
                                                                ("move_type", "in", ["in_invoice", "in_refund"]),
                                                                ("ref", "!=", False)],
                                               ["id", "name", "ref", "invoice_origin"], limit=MAX_REFS,
                                               order="id desc"):
                    out.append((str(r["ref"]), {"model": "account.move", "id": r["id"],
                                                "name": r["name"] if r.get("name") not in (None, False, "/")
                                                else str(r["ref"]), "origin": r.get("invoice_origin") or ""}))
            except OdooError:
                pass
            self._vendor_refs[vendor_id] = [(ref, doc) for ref, doc in out if len(ref.strip()) >= 4]
        return self._vendor_refs[vendor_id]

    def documents_in(self, text: str, vendor: Vendor | None) -> list[dict[str, Any]]:
        docs: dict[tuple[str, int], dict[str, Any]] = {}
        po_names = {m.group(0).upper() for p in self.po_patterns for m in p.finditer(text)}
        if po_names:
            for r in self.odoo.search_read("purchase.order", [("name", "in", sorted(po_names))],
                                           ["id", "name", "partner_id"], limit=50):
                docs[("purchase.order", r["id"])] = {"model": "purchase.order", "id": r["id"], "name": r["name"],
                                                     "vendor_id": _m2o(r.get("partner_id"))[0]}
        rec_names = {m.group(0).upper() for p in self.receipt_patterns for m in p.finditer(text)}
        if rec_names:
            for r in self.odoo.search_read("stock.picking", [("name", "in", sorted(rec_names))],
                                           ["id", "name", "partner_id", "purchase_id"], limit=50):
                docs[("stock.picking", r["id"])] = {"model": "stock.picking", "id": r["id"], "name": r["name"],
                                                    "vendor_id": _m2o(r.get("partner_id"))[0]}
                po_id = _m2o(r.get("purchase_id"))[0]
                if po_id and ("purchase.order", po_id) not in docs:
                    for po in self.odoo.search_read("purchase.order", [("id", "=", po_id)], ["id", "name", "partner_id"],
                                                    limit=1):  # the name itself: display names add partner_ref
                        docs[("purchase.order", po_id)] = {"model": "purchase.order", "id": po_id, "name": po["name"],
                                                           "vendor_id": _m2o(po.get("partner_id"))[0]}
        bill_names = {m.group(0) for m in BILL_NAME.finditer(text)}
        if bill_names:
            try:
                for r in self.odoo.search_read("account.move", [("name", "in", sorted(bill_names)),
                                                                ("move_type", "in", ["in_invoice", "in_refund"])],
                                               ["id", "name", "partner_id"], limit=50):
                    docs[("account.move", r["id"])] = {"model": "account.move", "id": r["id"], "name": r["name"],
                                                       "vendor_id": _m2o(r.get("partner_id"))[0]}
            except OdooError:
                pass
        if vendor is not None:
            low = text.lower()
            for ref, doc in self._refs_of_vendor(vendor.id):
                if ref.lower() in low and re.search(rf"(?<![\w/-]){re.escape(ref)}(?![\w/-])", text, re.I):
                    docs.setdefault((doc["model"], doc["id"]), {**doc, "vendor_id": vendor.id})
        # a bill's origin names its PO
        for d in list(docs.values()):
            origin = d.pop("origin", "")
            if d["model"] == "account.move" and origin:
                for p in self.po_patterns:
                    for m in p.finditer(str(origin)):
                        if not any(x["model"] == "purchase.order" and x["name"] == m.group(0) for x in docs.values()):
                            rows = self.odoo.search_read("purchase.order", [("name", "=", m.group(0))],
                                                         ["id", "name", "partner_id"], limit=1)
                            for r in rows:
                                docs[("purchase.order", r["id"])] = {
                                    "model": "purchase.order", "id": r["id"], "name": r["name"],
                                    "vendor_id": _m2o(r.get("partner_id"))[0]}
        return list(docs.values())

    def _vendor_of_partner(self, partner_id: int | None) -> Vendor | None:
        if not partner_id:
            return None
        if partner_id in self.vendors:
            return self.vendors[partner_id]
        fields = model_fields(self.odoo, "res.partner")
        cols = ["id", "name", "commercial_partner_id"] + [f for f in ("lang", "country_code") if f in fields]
        rows = self.odoo.search_read("res.partner", [("id", "=", partner_id)], cols, limit=1)
        cid = (_m2o(rows[0].get("commercial_partner_id"))[0] or partner_id) if rows else None
        if cid and cid not in self.vendors:  # a partner we have an order with is a vendor, ranked or not
            top = rows if cid == partner_id else self.odoo.search_read("res.partner", [("id", "=", cid)], cols, limit=1)
            if top:
                t = top[0]
                self.vendors[cid] = Vendor(cid, str(t["name"]), str(t.get("lang") or ""), str(t.get("country_code") or ""))
        return self.vendors.get(cid or 0)

    # -- one message -----------------------------------------------------------------------------
    def link(self, *, sender: str, original_sender: str, text: str,
             parent_links: Links | None = None) -> Links:
        who = original_sender if original_sender and (self.is_internal(sender) or not sender) else sender
        vendor, method = self.vendor_for_address(who)
        if vendor is None and original_sender and who != original_sender:
            vendor, method = self.vendor_for_address(original_sender)
        docs = self.documents_in(text, vendor)
        if vendor is not None:
            docs = [d for d in docs if d.get("vendor_id") in (None, vendor.id)
                    or self._vendor_of_partner(d.get("vendor_id")) == vendor]
        else:
            owners = {d.get("vendor_id") for d in docs if d["model"] == "purchase.order"}
            owners.discard(None)
            if len(owners) == 1:
                vendor, method = self._vendor_of_partner(next(iter(owners))), "document"
                if vendor is not None:
                    docs = [d for d in docs if self._vendor_of_partner(d.get("vendor_id")) == vendor]
        if parent_links is not None and not docs and (vendor is None or parent_links.vendor == vendor):
            return Links(vendor=parent_links.vendor or vendor, documents=list(parent_links.documents),
                         method=method or "thread")
        for d in docs:
            d.pop("vendor_id", None)
        return Links(vendor=vendor, documents=docs, method=method)
