"""The demo business for the Odoo 18 sandbox: Bluebonnet Supply Co., generated deterministically.

`generate(seed, scale, today)` returns model name -> rows in the format of FORMAT.md (next to this file).
Nothing here reads the clock or global random state, so the same arguments always give the same rows.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sandbox.seed.anomalies import plant, shortfill_labels
from sandbox.seed.chatter import Chatter
from sandbox.seed.kpi_facts import add_kpi_facts
from sandbox.seed.master import World, build_master
from sandbox.seed.purchasing import Purchasing
from sandbox.seed.stockstate import Stock, plan_flags
from sandbox.seed.tables import Tables, renumber

__all__ = ["generate", "HISTORY_DAYS", "MODEL_NAMES"]

HISTORY_DAYS = 548  # 18 months
MODEL_NAMES: dict[str, str] = {
    "res.currency": "Currency", "res.company": "Companies", "res.groups": "Access Groups", "res.partner": "Contact",
    "res.users": "User", "uom.category": "Product UoM Categories", "uom.uom": "Product Unit of Measure",
    "product.category": "Product Category", "product.template": "Product", "product.product": "Product Variant",
    "product.supplierinfo": "Supplier Pricelist", "stock.location": "Inventory Locations",
    "stock.picking.type": "Picking Type", "stock.warehouse": "Warehouse", "stock.picking": "Transfer",
    "stock.move": "Stock Move", "stock.quant": "Quants", "stock.warehouse.orderpoint": "Minimum Inventory Rule",
    "purchase.order": "Purchase Order", "purchase.order.line": "Purchase Order Line",
    "account.move": "Journal Entry", "account.move.line": "Journal Item",
    "mail.message.subtype": "Message subtypes", "mail.message": "Message", "mail.activity.type": "Activity Type",
    "mail.activity": "Activity", "ir.model": "Models",
}


def generate(seed: int, scale: int, today: dt.date) -> dict[str, list[dict[str, Any]]]:
    """Bluebonnet Supply Co. as of `today`: master data, 18 months of history, today's open work."""
    return generate_with_labels(seed, scale, today)[0]


def generate_with_labels(seed: int, scale: int, today: dt.date
                         ) -> tuple[dict[str, list[dict[str, Any]]], list[tuple[str, str, str, dt.date]]]:
    """The rows and the purchase anomalies the generator planted or knowingly made (sandbox/seed/labels.py)."""
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale!r}")
    if isinstance(today, dt.datetime) or not isinstance(today, dt.date):
        raise ValueError(f"today must be a datetime.date, got {today!r}")
    t = Tables()
    w = World(today=today, now=dt.datetime.combine(today, dt.time(15, 0)),
              start=today - dt.timedelta(days=HISTORY_DAYS), rng=random.Random(seed), scale=scale)
    build_master(t, w)
    flags = plan_flags(w)
    purchasing = Purchasing(t, w, flags)
    purchasing.build()
    stock = Stock(t, w, flags, purchasing)
    stock.deliveries()
    onhand = stock.quants()
    stock.orderpoints(onhand)
    picking_ids = _finalize_pickings(t)
    add_kpi_facts(t, seed, w.now, w.customer_location)
    # after the KPI facts (their random picks stay as they were), named after every other record
    planted_picks, planted_bills = plant(purchasing, seed)
    _name_planted_pickings(t, planted_picks)
    bill_ids = _finalize_bills(t, planted_bills)
    chatter = Chatter(t, w, purchasing.events, picking_ids, bill_ids)
    chatter.build()
    renumber(t, "mail.message", key=lambda r: (r["date"], r["id"]), refs=[("mail.message", "parent_id")])
    for name in MODEL_NAMES:
        if name != "ir.model":
            t.add("ir.model", model=name, name=MODEL_NAMES[name])
    t.add("ir.model", model="ir.model", name=MODEL_NAMES["ir.model"])
    chatter.link_activity_models()
    return t.rows, purchasing.labels + shortfill_labels(purchasing)


def _name_planted_pickings(t: Tables, ids: set[int]) -> None:
    """The planted anomalies' transfers (created last): names continuing each operation type's numbering."""
    types = {r["id"]: r for r in t.table("stock.picking.type")}
    codes = {r["id"]: r["code"] for r in t.table("stock.warehouse")}
    counters: dict[int, int] = {}
    for pick in t.table("stock.picking"):
        if pick["id"] not in ids and pick.get("name"):
            counters[pick["picking_type_id"]] = max(counters.get(pick["picking_type_id"], 0),
                                                    int(str(pick["name"]).rsplit("/", 1)[-1]))
    pickings = {p["id"]: p for p in t.table("stock.picking")}
    for pick in sorted((pickings[i] for i in ids), key=lambda r: (r["date"], r["id"])):
        ptype = types[pick["picking_type_id"]]
        counters[ptype["id"]] = counters.get(ptype["id"], 0) + 1
        pick["name"] = f"{codes[ptype['warehouse_id']]}/{ptype['sequence_code']}/{counters[ptype['id']]:05d}"
    for pick in (pickings[i] for i in ids):
        if pick["return_id"]:
            pick["origin"] = f"Return of {pickings[pick['return_id']]['name']}"
    for move in t.table("stock.move"):
        if move["picking_id"] in ids:
            move["reference"] = pickings[move["picking_id"]]["name"]


def _finalize_pickings(t: Tables) -> dict[int, int]:
    """Put pickings in creation order, name them CODE/IN/00001 per operation type, fill return origins."""
    mapping = renumber(t, "stock.picking", key=lambda r: (r["date"], r["id"]),
                       refs=[("stock.move", "picking_id"), ("stock.picking", "backorder_id"),
                             ("stock.picking", "return_id")])
    types = {r["id"]: r for r in t.table("stock.picking.type")}
    codes = {r["id"]: r["code"] for r in t.table("stock.warehouse")}
    counters: dict[int, int] = {}
    for pick in t.table("stock.picking"):
        ptype = types[pick["picking_type_id"]]
        counters[ptype["id"]] = counters.get(ptype["id"], 0) + 1
        pick["name"] = f"{codes[ptype['warehouse_id']]}/{ptype['sequence_code']}/{counters[ptype['id']]:05d}"
    pickings = t.table("stock.picking")
    for pick in pickings:
        if pick["return_id"]:
            pick["origin"] = f"Return of {pickings[pick['return_id'] - 1]['name']}"
    for move in t.table("stock.move"):
        if move["picking_id"]:
            move["reference"] = pickings[move["picking_id"] - 1]["name"]
    return mapping


def _finalize_bills(t: Tables, last: set[int] | frozenset[int] = frozenset()) -> dict[int, int]:
    """Bills in date order; posted ones get BILL/YYYY/MM/NNNN (refunds RBILL/...), drafts stay '/'.
    `last` (the planted anomalies' bills) are numbered after all others of their month."""
    mapping = renumber(t, "account.move", key=lambda r: (r["id"] in last, r["date"], r["id"]), refs=[("account.move.line", "move_id")])
    counters: dict[str, int] = {}
    for move in t.table("account.move"):
        if move["state"] != "posted":
            continue
        prefix = "RBILL" if move["move_type"] == "in_refund" else "BILL"
        period = f"{prefix}/{move['date'][:4]}/{move['date'][5:7]}"
        counters[period] = counters.get(period, 0) + 1
        move["name"] = f"{period}/{counters[period]:04d}"
    return mapping
