"""What the control-tower KPIs need on top of a generated business (both demo businesses call it).

Applied to the finished rows, with its own `random.Random`, so the rest of the data (and every story the
other generators tell, including the demand pattern of customer deliveries) is unchanged:

- **RFQ creation** (`purchase.order.create_date`): hours to days before the order date, as when a buyer
  drafts the RFQ and sends it later — the start of the purchase cycle time.
- **Urgent POs** (`priority` '1', Odoo's star): a share of confirmed POs, for the emergency purchase ratio.
- **Short customer deliveries**: some done delivery lines were ordered for more than was shipped. As Odoo
  does when a delivery is validated without a backorder, the shortfall is a *cancelled* move of the same
  product in the same transfer; the delivered move keeps its quantity (the demand seen by forecasting is
  the done quantity plus the cancelled shortfall).
- **Returns to vendors** (`vendor_returns`): for a business whose history has none, a few done receipts get a
  return transfer (`return_id`, `origin_returned_move_id`, `to_refund`) a few days later.

Standard costs already come with the products (`standard_price`).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sandbox.seed.tables import Tables, ts

URGENT_SHARE = 0.07
SHORT_SHARE = 0.06


def _when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def rfq_created(t: Tables, rng: random.Random, now: dt.datetime) -> None:
    for po in t.table("purchase.order"):
        if po.get("create_date"):
            continue
        ordered = _when(po["date_order"])
        created = ordered - dt.timedelta(hours=rng.uniform(2, 24 * rng.choice((1, 1, 2, 4, 7))))
        po["create_date"] = ts(min(created, now - dt.timedelta(hours=1)).replace(microsecond=0))


def urgent_orders(t: Tables, rng: random.Random, share: float = URGENT_SHARE, minimum: int = 2) -> None:
    confirmed = [po for po in t.table("purchase.order") if po["state"] in ("purchase", "done")]
    calm = [po for po in confirmed if po.get("priority") != "1"]
    want = max(minimum, round(share * len(confirmed))) - (len(confirmed) - len(calm))
    for po in rng.sample(calm, min(max(0, want), len(calm))):
        po["priority"] = "1"


def short_deliveries(t: Tables, rng: random.Random, customer_location: int, share: float = SHORT_SHARE,
                     minimum: int = 2) -> None:
    pickings = {p["id"]: p for p in t.table("stock.picking")}
    done = [m for m in t.table("stock.move")
            if m["state"] == "done" and m["location_dest_id"] == customer_location and m.get("picking_id")
            and pickings[m["picking_id"]]["state"] == "done"]
    count = min(len(done), max(minimum, round(share * len(done))))
    for mv in sorted(rng.sample(done, count), key=lambda m: m["id"]):
        qty = float(mv["product_uom_qty"])
        short = qty * rng.uniform(0.15, 0.6)
        short = round(short, 1) if qty != int(qty) else float(max(1, round(short)))
        row: dict[str, Any] = {k: v for k, v in mv.items() if k != "id"}
        row.update(product_uom_qty=short, product_qty=short, quantity=0.0, state="cancel", picked=False)
        t.add("stock.move", **row)


def vendor_returns(t: Tables, rng: random.Random, now: dt.datetime, count: int = 2) -> None:
    """Return part of `count` done receipts of history POs to their vendor (receipts are picked at random)."""
    moves = t.table("stock.move")
    pickings = {p["id"]: p for p in t.table("stock.picking")}
    types = {p["id"]: p for p in t.table("stock.picking.type")}
    warehouses = {w["id"]: w for w in t.table("stock.warehouse")}
    receipts = sorted({m["picking_id"] for m in moves if m["state"] == "done" and m.get("purchase_line_id")
                       and pickings[m["picking_id"]]["state"] == "done" and not m.get("origin_returned_move_id")
                       and types[pickings[m["picking_id"]]["picking_type_id"]]["code"] == "incoming"})
    for rid in sorted(rng.sample(receipts, min(count, len(receipts)))):
        rec = pickings[rid]
        when = _when(rec["date_done"]) + dt.timedelta(days=rng.uniform(1, 4))
        if when > now:
            when = now - dt.timedelta(hours=2)
        wh = warehouses[types[rec["picking_type_id"]]["warehouse_id"]]
        lines = [m for m in moves if m["picking_id"] == rid and m["state"] == "done"]
        pick = t.add("stock.picking", name=None, partner_id=rec["partner_id"], picking_type_id=wh["out_type_id"],
                     location_id=rec["location_dest_id"], location_dest_id=rec["location_id"], origin=None,
                     purchase_id=None, state="done", scheduled_date=ts(when), date_deadline=None,
                     date_done=ts(when), date=ts(when - dt.timedelta(hours=3)), backorder_id=None, return_id=rid,
                     company_id=rec["company_id"], user_id=None, priority="0", note=None, move_type="direct")
        for mv in lines[:1]:
            qty = float(max(1, round(float(mv["quantity"]) * rng.uniform(0.1, 0.4))))
            row: dict[str, Any] = {k: v for k, v in mv.items() if k != "id"}
            row.update(product_uom_qty=qty, product_qty=qty, quantity=qty, picking_id=pick,
                       picking_type_id=wh["out_type_id"], location_id=mv["location_dest_id"],
                       location_dest_id=mv["location_id"], date=ts(when), origin_returned_move_id=mv["id"],
                       to_refund=True, reference=None)
            t.add("stock.move", **row)


def add_kpi_facts(t: Tables, seed: int, now: dt.datetime, customer_location: int, *, returns: bool = False,
                  minimum: int = 2) -> None:
    """Everything above, deterministic in `seed` (its own random stream; no other row changes)."""
    rng = random.Random(f"kpi-facts-{seed}")
    rfq_created(t, rng, now)
    urgent_orders(t, rng, minimum=minimum)
    short_deliveries(t, rng, customer_location, minimum=minimum)
    if returns:
        vendor_returns(t, rng, now)
