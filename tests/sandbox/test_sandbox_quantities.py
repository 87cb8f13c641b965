"""Product quantities per Odoo 18 context keys, on the minimal business (exact numbers).

Stock: gloves 100 (30 reserved) in DAL/Stock + 20 in DAL/Stock/Bulk Racking + 40 in HOU/Stock;
bolts 500 in HOU/Stock. Open moves: 24 gloves + 100 bolts into HOU, 15 gloves out of DAL.
"""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_helpers import Client, Fault

FIELDS = ["qty_available", "virtual_available", "incoming_qty", "outgoing_qty", "free_qty"]


def gloves(admin: Client, context: dict[str, Any] | None = None) -> tuple[float, ...]:
    rec = admin("product.product", "read", [1], FIELDS, context=context or {})[0]
    return tuple(rec[f] for f in FIELDS)


@pytest.mark.parametrize("context, expected", [
    ({}, (160.0, 169.0, 24.0, 15.0, 130.0)),
    ({"warehouse_id": 1}, (120.0, 105.0, 0.0, 15.0, 90.0)),
    ({"warehouse_id": [2]}, (40.0, 64.0, 24.0, 0.0, 40.0)),
    ({"warehouse_id": "Houston"}, (40.0, 64.0, 24.0, 0.0, 40.0)),
    ({"warehouse_id": [1, 2]}, (160.0, 169.0, 24.0, 15.0, 130.0)),
    ({"warehouse": 2}, (160.0, 169.0, 24.0, 15.0, 130.0)),  # the old key is ignored, as in Odoo 18
    ({"location": 8}, (120.0, 105.0, 0.0, 15.0, 90.0)),
    ({"location": "DAL/Stock"}, (120.0, 105.0, 0.0, 15.0, 90.0)),
    ({"location": 8, "strict": True}, (100.0, 85.0, 0.0, 15.0, 70.0)),
    ({"location": 9}, (20.0, 20.0, 0.0, 0.0, 20.0)),
    ({"location": [9, 11]}, (60.0, 84.0, 24.0, 0.0, 60.0)),
    ({"warehouse_id": 99}, (0.0, 0.0, 0.0, 0.0, 0.0)),
    ({"allowed_company_ids": [1]}, (160.0, 169.0, 24.0, 15.0, 130.0)),
    ({"warehouse_id": 1, "location": 9}, (20.0, 20.0, 0.0, 0.0, 20.0)),  # the location lies in the warehouse
    ({"warehouse_id": 2, "location": 9}, (0.0, 0.0, 0.0, 0.0, 0.0)),  # it does not: nothing
    # before the 50 gloves of P00001 were received (done 24 days before TODAY); open moves are later still
    ({"to_date": "2026-10-20 00:00:00"}, (110.0, 110.0, 0.0, 0.0, 80.0)),
    ({"to_date": "2000-01-01 00:00:00"}, (110.0, 110.0, 0.0, 0.0, 80.0)),
    ({"to_date": "2026-11-27"}, (160.0, 160.0, 0.0, 0.0, 130.0)),
    ({"to_date": "2026-11-27 23:00:00"}, (160.0, 145.0, 0.0, 15.0, 130.0)),
    ({"from_date": "2026-11-28 00:00:00"}, (160.0, 184.0, 24.0, 0.0, 130.0)),
])
def test_product_quantities_by_context(admin: Client, context: dict[str, Any], expected: tuple[float, ...]) -> None:
    assert gloves(admin, context) == expected


def test_a_company_the_user_lacks_is_refused_as_odoo_does(admin: Client) -> None:
    """Real Odoo 18 raises instead of narrowing the context (the minimal business has one company)."""
    with pytest.raises(Fault) as exc:
        gloves(admin, {"allowed_company_ids": [2]})
    assert "Access to unauthorized or invalid companies." in str(exc.value)


def test_template_sums_variants_without_free_qty(admin: Client) -> None:
    rec = admin("product.template", "read", [1], ["qty_available", "incoming_qty"], context={"warehouse_id": 2})[0]
    assert (rec["qty_available"], rec["incoming_qty"]) == (40.0, 24.0)
    assert "free_qty" not in admin("product.template", "fields_get", [], attributes=["type"])


def test_quantities_are_not_sortable_and_dropped_from_read_group(admin: Client) -> None:
    groups = admin("product.product", "read_group", [], ["qty_available", "standard_price:sum"], ["categ_id"],
                   lazy=False)
    assert all("qty_available" not in g for g in groups)
    assert sorted(g["standard_price"] for g in groups) == [0.5, 14.0]
    with pytest.raises(Fault) as exc:  # an explicit aggregate goes to SQL in Odoo 18
        admin("product.product", "read_group", [], ["qty_available:sum"], ["categ_id"])
    assert exc.value.message == "Cannot convert product.product.qty_available to SQL because it is not stored"
    fg = admin("product.product", "fields_get", ["qty_available"], attributes=["store", "searchable", "sortable"])
    assert fg["qty_available"] == {"store": False, "searchable": True, "sortable": False}


def test_reordering_and_orderpoint_figures(admin: Client) -> None:
    rec = admin("product.product", "read", [1], ["nbr_reordering_rules", "reordering_min_qty",
                                                 "reordering_max_qty"])[0]
    assert (rec["nbr_reordering_rules"], rec["reordering_min_qty"], rec["reordering_max_qty"]) == (1, 150.0, 300.0)
    op = admin("stock.warehouse.orderpoint", "read", [1], ["qty_on_hand", "qty_forecast", "qty_to_order",
                                                           "vendor_id", "product_tmpl_id"])[0]
    # DAL/Stock tree: 120 on hand, forecast 105 < min 150 -> order up to 300 = 195; Odoo 18's _get_qty_to_order
    # rounds DOWN to the multiple 10 when the maximum is not 0 (stock/models/stock_orderpoint.py) = 190
    assert (op["qty_on_hand"], op["qty_forecast"], op["qty_to_order"]) == (120.0, 105.0, 190.0)
    assert op["vendor_id"][1] == "Apex Industrial Supply" and op["product_tmpl_id"][0] == 1


def test_quant_read_group_by_product_location_and_warehouse(admin: Client) -> None:
    groups = admin("stock.quant", "read_group", [("location_id.usage", "=", "internal")],
                   ["quantity:sum", "reserved_quantity:sum"], ["product_id", "location_id"], lazy=False)
    got = {(g["product_id"][1], g["location_id"][1]): (g["quantity"], g["reserved_quantity"], g["__count"])
           for g in groups}
    assert got == {("[PPE-1042] Nitrile Gloves", "DAL/Stock"): (100.0, 30.0, 1),
                   ("[PPE-1042] Nitrile Gloves", "DAL/Stock/Bulk Racking"): (20.0, 0.0, 1),
                   ("[PPE-1042] Nitrile Gloves", "HOU/Stock"): (40.0, 0.0, 1),
                   ("[FST-4410] Hex Bolt M8", "HOU/Stock"): (500.0, 0.0, 1)}
    first = groups[0]
    assert first["__domain"][0] == "&" and ["location_id.usage", "=", "internal"] in first["__domain"]
    by_wh = admin("stock.quant", "read_group", [], ["quantity:sum"], ["warehouse_id"], lazy=False)
    assert [(g["warehouse_id"][1], g["quantity"]) for g in by_wh] == [("Dallas Central DC", 120.0),
                                                                      ("Houston Gulf DC", 540.0)]
    lazy = admin("stock.quant", "read_group", [], ["quantity"], ["warehouse_id", "product_id"])
    assert "warehouse_id_count" in lazy[0] and "__count" not in lazy[0]
    assert lazy[0]["__context"] == {"group_by": ["product_id"]}


def test_read_group_aggregates_and_dates(admin: Client) -> None:
    g = admin("purchase.order.line", "read_group", [], ["price_unit:max", "price_unit:min", "product_qty:avg",
                                                        "total:sum(price_subtotal)", "product_id:count_distinct"],
              [], lazy=False)[0]
    assert g["__count"] == 4 and g["price_unit"] == 0.45
    assert g["total"] == pytest.approx(475 + 264 + 45 + 40)
    assert g["product_id"] == 3
    by_day = admin("stock.picking", "read_group", [], ["__count"], ["scheduled_date:day"], lazy=False)
    assert [g["scheduled_date:day"] for g in by_day] == ["01 Nov 2026", "28 Nov 2026"]
    assert by_day[1]["__range"]["scheduled_date:day"] == {"from": "2026-11-28 00:00:00", "to": "2026-11-29 00:00:00"}
    assert by_day[1]["__domain"] == ["&", ["scheduled_date", ">=", "2026-11-28 00:00:00"],
                                     ["scheduled_date", "<", "2026-11-29 00:00:00"]]
    labels = {gran: admin("purchase.order", "read_group", [("name", "=", "P00002")], ["amount_total:sum"],
                          [f"date_order:{gran}"], lazy=False)[0][f"date_order:{gran}"]
              for gran in ("week", "month", "quarter", "year")}
    assert labels == {"week": "W47 2026", "month": "November 2026", "quarter": "Q4 2026", "year": "2026"}
    by_month = admin("account.move", "read_group", [], ["amount_total:sum"], ["invoice_date:month"], lazy=False)
    assert by_month[0]["__range"]["invoice_date:month"] == {"from": "2026-11-01", "to": "2026-12-01"}
    ordered = admin("purchase.order", "read_group", [], ["amount_total:sum"], ["partner_id"], lazy=False,
                    orderby="amount_total desc", limit=1)
    assert ordered[0]["partner_id"][1] == "Apex Industrial Supply" and ordered[0]["amount_total"] == 515.0


def test_purchase_derived_fields(admin: Client) -> None:
    pos = {r["name"]: r for r in admin("purchase.order", "search_read", [], fields=[
        "amount_untaxed", "amount_total", "receipt_status", "invoice_status", "date_planned", "invoice_count",
        "incoming_picking_count", "is_shipped", "effective_date", "picking_ids", "name"])}
    assert pos["P00001"]["receipt_status"] == "full" and pos["P00001"]["invoice_status"] == "invoiced"
    assert pos["P00001"]["is_shipped"] is True and pos["P00001"]["effective_date"]
    assert pos["P00002"]["receipt_status"] == "pending" and pos["P00002"]["invoice_status"] == "no"
    assert pos["P00002"]["amount_total"] == 309.0 and pos["P00002"]["incoming_picking_count"] == 1
    assert pos["P00003"]["receipt_status"] is False and pos["P00003"]["picking_ids"] == []
    assert pos["P00002"]["date_planned"] == "2026-11-28 15:00:00"
    line = admin("purchase.order.line", "search_read", [("order_id.name", "=", "P00001")],
                 fields=["qty_received", "qty_invoiced", "qty_to_invoice", "price_subtotal", "state", "partner_id"])[0]
    assert (line["qty_received"], line["qty_invoiced"], line["qty_to_invoice"]) == (50.0, 50.0, 0.0)
    assert line["state"] == "purchase" and line["partner_id"][1] == "Apex Industrial Supply"
    bill = admin("account.move", "read", [1], ["amount_untaxed", "amount_total", "amount_total_signed",
                                               "amount_residual", "invoice_origin", "purchase_id"])[0]
    assert (bill["amount_total"], bill["amount_total_signed"], bill["amount_residual"]) == (487.5, -487.5, 487.5)
    assert bill["purchase_id"] is False
    aml = admin("account.move.line", "search_read", [("purchase_order_id.name", "=", "P00001")],
                fields=["purchase_order_id", "move_name", "parent_state"])
    assert aml[0]["move_name"] == "BILL/2026/01/0001" and aml[0]["parent_state"] == "posted"
