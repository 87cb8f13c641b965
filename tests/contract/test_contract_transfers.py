"""What transfer_stock relies on (issue #14), on the sandbox and on a real Odoo 18 with two warehouses in one company:

- every warehouse has an active Internal Transfers operation type (`int_type_id`, code `internal`);
- a stock.picking of the source warehouse's internal type, from its stock location straight to the other
  warehouse's stock location, with one stock.move created inline (`move_ids` (0, 0, vals)), is accepted;
- `action_confirm` reserves at once what is free at the source (move `quantity` = demand, picking Ready) and
  Odoo's free quantity at the source (context `warehouse_id`) drops by it, incoming at the destination rises;
- more than is free: the move reserves what there is (`partially_available`) or nothing (`confirmed`);
- `origin` is searchable (the idempotency marker); `action_cancel` gives the reservation back.
"""

from __future__ import annotations

from typing import Any

import pytest


def _pair(odoo: Any) -> tuple[dict[str, Any], dict[str, Any], int, float]:
    """(source warehouse, destination of the same company, a product, its free qty at the source)."""
    ek = odoo.execute_kw
    whs = ek("stock.warehouse", "search_read", [[]], {"fields": ["code", "company_id", "lot_stock_id", "int_type_id"],
                                                      "order": "id"})
    for src in whs:
        dst = next((w for w in whs if w["id"] != src["id"] and w["company_id"] == src["company_id"]), None)
        if dst is None:
            continue
        quants = ek("stock.quant", "search_read", [[("location_id", "=", src["lot_stock_id"][0]), ("quantity", ">", 6),
                                                     ("lot_id", "=", False)]],
                    {"fields": ["product_id", "quantity", "reserved_quantity"], "limit": 50, "order": "id"})
        for q in quants:
            pid = q["product_id"][0]
            free = ek("product.product", "web_read", [[pid]], {"specification": {"free_qty": {}},
                                                               "context": {"warehouse_id": src["id"]}})[0]["free_qty"]
            tracking = ek("product.product", "read", [[pid], ["tracking"]])[0].get("tracking")
            if free > 6 and tracking in (None, False, "none"):
                return src, dst, pid, float(free)
    pytest.skip("this database has no two warehouses in one company with free stock (create a second warehouse)")


def _qty(odoo: Any, pid: int, wh: int) -> dict[str, float]:
    spec = {"free_qty": {}, "incoming_qty": {}, "qty_available": {}}
    return odoo.execute_kw("product.product", "web_read", [[pid]], {"specification": spec,
                                                                    "context": {"warehouse_id": wh}})[0]


def _picking(odoo: Any, src: dict[str, Any], dst: dict[str, Any], pid: int, qty: float, tag: str) -> int:
    ek = odoo.execute_kw
    uom = ek("product.product", "read", [[pid], ["uom_id"]])[0]["uom_id"][0]
    move = {"name": tag, "product_id": pid, "product_uom_qty": qty, "product_uom": uom,
            "location_id": src["lot_stock_id"][0], "location_dest_id": dst["lot_stock_id"][0]}
    return int(ek("stock.picking", "create", [{"picking_type_id": src["int_type_id"][0], "origin": tag,
                                               "location_id": src["lot_stock_id"][0],
                                               "location_dest_id": dst["lot_stock_id"][0],
                                               "move_ids": [[0, 0, move]]}]))


def test_internal_transfer_between_warehouses_reserves_at_confirm(odoo: Any, tag: str) -> None:
    ek = odoo.execute_kw
    src, dst, pid, free = _pair(odoo)
    ptype = ek("stock.picking.type", "read", [[src["int_type_id"][0]], ["code", "active", "warehouse_id"]])[0]
    assert ptype["code"] == "internal" and ptype["active"] and ptype["warehouse_id"][0] == src["id"]
    before_src, before_dst = _qty(odoo, pid, src["id"]), _qty(odoo, pid, dst["id"])
    pick = _picking(odoo, src, dst, pid, 3, tag)
    try:
        assert ek("stock.picking", "search", [[("origin", "=", tag)]]) == [pick]
        assert ek("stock.picking", "read", [[pick], ["state"]])[0]["state"] == "draft"
        ek("stock.picking", "action_confirm", [[pick]])
        row = ek("stock.picking", "read", [[pick], ["state", "move_ids", "picking_type_code", "name"]])[0]
        assert row["state"] == "assigned" and row["picking_type_code"] == "internal"
        moves = ek("stock.move", "read", [row["move_ids"], ["product_uom_qty", "quantity", "state"]])
        assert [(m["product_uom_qty"], m["quantity"], m["state"]) for m in moves] == [(3, 3, "assigned")]
        after_src, after_dst = _qty(odoo, pid, src["id"]), _qty(odoo, pid, dst["id"])
        assert after_src["free_qty"] == pytest.approx(before_src["free_qty"] - 3)
        assert after_src["qty_available"] == pytest.approx(before_src["qty_available"])
        assert after_dst["incoming_qty"] == pytest.approx(before_dst["incoming_qty"] + 3)
    finally:
        ek("stock.picking", "action_cancel", [[pick]])
    assert _qty(odoo, pid, src["id"])["free_qty"] == pytest.approx(before_src["free_qty"])


def test_internal_transfer_beyond_free_stock_waits(odoo: Any, tag: str) -> None:
    ek = odoo.execute_kw
    src, dst, pid, free = _pair(odoo)
    pick = _picking(odoo, src, dst, pid, free + 5, tag)
    try:
        ek("stock.picking", "action_confirm", [[pick]])
        row = ek("stock.picking", "read", [[pick], ["move_ids"]])[0]
        move = ek("stock.move", "read", [row["move_ids"], ["quantity", "state"]])[0]
        assert move["state"] == "partially_available" and move["quantity"] == pytest.approx(free)
    finally:
        ek("stock.picking", "action_cancel", [[pick]])
    assert _qty(odoo, pid, src["id"])["free_qty"] == pytest.approx(free)
