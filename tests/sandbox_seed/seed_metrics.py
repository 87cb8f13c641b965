"""Scorecard-style figures computed straight from generated seed rows (no server), for the story tests."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

Rows = dict[str, list[dict[str, Any]]]


def by_id(rows: Rows, model: str) -> dict[int, dict[str, Any]]:
    return {r["id"]: r for r in rows[model]}


def vendor_id(rows: Rows, name: str) -> int:
    return next(p["id"] for p in rows["res.partner"] if p["name"] == name and p["supplier_rank"] > 0)


def parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def receipts(rows: Rows) -> list[dict[str, Any]]:
    incoming = {t["id"] for t in rows["stock.picking.type"] if t["code"] == "incoming"}
    return [p for p in rows["stock.picking"] if p["picking_type_id"] in incoming]


def on_time_rate(rows: Rows, vendor: int) -> float:
    """Share of done receipts validated no later than the day of their deadline."""
    done = [p for p in receipts(rows) if p["partner_id"] == vendor and p["state"] == "done"]
    ok = [p for p in done if parse(p["date_done"]).date() <= parse(p["date_deadline"]).date()]
    return len(ok) / len(done)


def otif_rate(rows: Rows, vendor: int) -> float:
    """Share of the vendor's received POs whose first receipt came on time and complete (no backorder)."""
    picks = [p for p in receipts(rows) if p["partner_id"] == vendor and p["state"] == "done"]
    backordered = {p["backorder_id"] for p in receipts(rows) if p["backorder_id"]}
    firsts = [p for p in picks if p["backorder_id"] is None]
    moves = defaultdict(list)
    for m in rows["stock.move"]:
        moves[m["picking_id"]].append(m)
    good = 0
    for p in firsts:
        on_time = parse(p["date_done"]).date() <= parse(p["date_deadline"]).date()
        full = p["id"] not in backordered and all(m["quantity"] == m["product_uom_qty"] for m in moves[p["id"]])
        good += on_time and full
    return good / len(firsts)


def average_lead_days(rows: Rows, vendor: int) -> float:
    """Average days from PO confirmation to its first validated receipt."""
    pos = by_id(rows, "purchase.order")
    leads = []
    for p in receipts(rows):
        if p["partner_id"] == vendor and p["state"] == "done" and p["backorder_id"] is None and p["purchase_id"]:
            approve = parse(pos[p["purchase_id"]]["date_approve"])
            leads.append((parse(p["date_done"]) - approve).total_seconds() / 86400)
    return sum(leads) / len(leads)


def partial_rate(rows: Rows, vendor: int) -> float:
    recs = [p for p in receipts(rows) if p["partner_id"] == vendor and p["backorder_id"] is None
            and p["state"] in ("done", "assigned")]
    backordered = {p["backorder_id"] for p in receipts(rows) if p["backorder_id"]}
    return sum(p["id"] in backordered for p in recs) / len(recs)


def return_rate(rows: Rows, vendor: int) -> float:
    """Returned units / received units for the vendor."""
    vendor_loc = next(loc["id"] for loc in rows["stock.location"] if loc["usage"] == "supplier")
    lines = by_id(rows, "purchase.order.line")
    pos = by_id(rows, "purchase.order")
    got = back = 0.0
    for m in rows["stock.move"]:
        if m["state"] != "done" or not m["purchase_line_id"]:
            continue
        if pos[lines[m["purchase_line_id"]]["order_id"]]["partner_id"] != vendor:
            continue
        if m["location_id"] == vendor_loc:
            got += m["quantity"]
        elif m["location_dest_id"] == vendor_loc:
            back += m["quantity"]
    return back / got


def received_by_line(rows: Rows) -> dict[int, float]:
    vendor_loc = next(loc["id"] for loc in rows["stock.location"] if loc["usage"] == "supplier")
    out: dict[int, float] = defaultdict(float)
    for m in rows["stock.move"]:
        if m["state"] == "done" and m["purchase_line_id"]:
            sign = 1 if m["location_id"] == vendor_loc else -1
            out[m["purchase_line_id"]] += sign * m["quantity"]
    return out


def bill_exception_rate(rows: Rows, vendor: int) -> float:
    """Share of the vendor's bill lines whose price differs from the PO or whose quantity exceeds receipts."""
    lines = by_id(rows, "purchase.order.line")
    moves = by_id(rows, "account.move")
    received = received_by_line(rows)
    total = bad = 0
    for ln in rows["account.move.line"]:
        bill = moves[ln["move_id"]]
        if bill["move_type"] != "in_invoice" or bill["partner_id"] != vendor:
            continue
        pl = lines[ln["purchase_line_id"]]
        total += 1
        bad += abs(ln["price_unit"] - pl["price_unit"]) > 0.005 or ln["quantity"] > received[pl["id"]] + 1e-6
    return bad / total


def po_amount(rows: Rows, po: int) -> float:
    return sum(line["product_qty"] * line["price_unit"] for line in rows["purchase.order.line"]
               if line["order_id"] == po)
