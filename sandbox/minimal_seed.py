"""A tiny hand-made business in the seed format (sandbox/seed/FORMAT.md), used by the engine's own tests
and as a fallback when the full generator is not installed. Exact numbers here are test oracles."""

from __future__ import annotations

import datetime as dt
from typing import Any

GROUPS = [
    ("Role / User", "base.group_user"), ("Administration / Settings", "base.group_system"),
    ("Purchase / User", "purchase.group_purchase_user"), ("Purchase / Administrator", "purchase.group_purchase_manager"),
    ("Inventory / User", "stock.group_stock_user"), ("Inventory / Administrator", "stock.group_stock_manager"),
    ("Accounting / Invoicing", "account.group_account_invoice"),
    ("Accounting / Administrator", "account.group_account_manager"),
]


def generate(seed: int = 42, scale: int = 1, today: dt.date | None = None) -> dict[str, list[dict[str, Any]]]:
    today = today or dt.date.today()
    now = f"{today.isoformat()} 15:00:00"

    def day(n: int) -> str:
        return f"{(today + dt.timedelta(days=n)).isoformat()} 15:00:00"

    d: dict[str, list[dict[str, Any]]] = {}
    d["res.currency"] = [{"id": 1, "name": "USD", "symbol": "$", "rounding": 0.01, "decimal_places": 2,
                          "position": "before", "active": True}]
    d["res.company"] = [{"id": 1, "name": "Bluebonnet Supply Co.", "partner_id": 1, "currency_id": 1}]
    d["res.partner"] = [
        {"id": 1, "name": "Bluebonnet Supply Co.", "is_company": True, "active": True, "supplier_rank": 0},
        {"id": 2, "name": "OdooBot", "is_company": False, "active": False},
        {"id": 3, "name": "Mitchell Admin", "is_company": False, "active": True, "email": "admin@example.com"},
        {"id": 4, "name": "Wes Carter", "is_company": False, "active": True, "email": "wes@example.com"},
        {"id": 5, "name": "Ava Thompson", "is_company": False, "active": True},
        {"id": 6, "name": "Apex Industrial Supply", "is_company": True, "active": True, "supplier_rank": 5,
         "email": "orders@apex.example", "ref": None},
        {"id": 7, "name": "Dana Reyes", "is_company": False, "parent_id": 6, "active": True, "type": "contact",
         "email": "dana@apex.example"},
        {"id": 8, "name": "Redline Fasteners", "is_company": True, "active": True, "supplier_rank": 3},
        {"id": 9, "name": "Old Vendor (archived)", "is_company": True, "active": False, "supplier_rank": 1},
    ]
    d["res.groups"] = [{"id": i + 1, "name": n, "xml_id": x, "implied_ids": [1] if i else []}
                       for i, (n, x) in enumerate(GROUPS)]
    d["res.users"] = [
        {"id": 1, "login": "__system__", "password": None, "name": "OdooBot", "partner_id": 2, "company_id": 1,
         "company_ids": [1], "groups_id": [1, 2], "active": False, "share": False},
        {"id": 2, "login": "admin", "password": "admin", "name": "Mitchell Admin", "partner_id": 3, "company_id": 1,
         "company_ids": [1], "groups_id": list(range(1, 9)), "active": True, "share": False, "tz": "America/Chicago"},
        {"id": 3, "login": "wes.warehouse", "password": "wes.warehouse", "name": "Wes Carter", "partner_id": 4,
         "company_id": 1, "company_ids": [1], "groups_id": [1, 5], "active": True, "share": False},
        {"id": 4, "login": "ava.buyer", "password": "ava.buyer", "name": "Ava Thompson", "partner_id": 5,
         "company_id": 1, "company_ids": [1], "groups_id": [1, 3, 5, 7], "active": True, "share": False},
    ]
    d["uom.category"] = [{"id": 1, "name": "Unit"}]
    d["uom.uom"] = [{"id": 1, "name": "Units", "category_id": 1, "factor": 1.0, "uom_type": "reference",
                     "rounding": 0.01, "active": True},
                    {"id": 2, "name": "Dozens", "category_id": 1, "factor": 1 / 12, "uom_type": "bigger",
                     "rounding": 0.01, "active": True}]
    d["product.category"] = [{"id": 1, "name": "All", "parent_id": None},
                             {"id": 2, "name": "Safety & PPE", "parent_id": 1},
                             {"id": 3, "name": "Fasteners & Hardware", "parent_id": 1}]
    prods = [(1, "Nitrile Gloves", "PPE-1042", 2, 10.0), (2, "Hex Bolt M8", "FST-4410", 3, 0.5),
             (3, "Safety Glasses", "PPE-1050", 2, 4.0), (4, "Discontinued Widget", "FST-4499", 3, 1.0)]
    d["product.template"] = [{"id": i, "name": n, "default_code": c, "barcode": f"00000000000{i}", "type": "consu",
                              "is_storable": True, "tracking": "none", "categ_id": cat, "uom_id": 1, "uom_po_id": 1,
                              "purchase_ok": True, "sale_ok": True, "purchase_method": "receive", "list_price": p * 2,
                              "standard_price": p, "active": i != 4} for i, n, c, cat, p in prods]
    d["product.product"] = [{"id": i, "product_tmpl_id": i, "default_code": c, "barcode": f"00000000000{i}",
                             "active": i != 4, "standard_price": p} for i, n, c, cat, p in prods]
    d["product.supplierinfo"] = [
        {"id": 1, "partner_id": 6, "product_tmpl_id": 1, "product_id": None, "min_qty": 0.0, "price": 9.5,
         "currency_id": 1, "delay": 5, "sequence": 1, "company_id": 1},
        {"id": 2, "partner_id": 8, "product_tmpl_id": 2, "product_id": None, "min_qty": 0.0, "price": 0.45,
         "currency_id": 1, "delay": 7, "sequence": 1, "company_id": 1},
        {"id": 3, "partner_id": 8, "product_tmpl_id": 1, "product_id": None, "min_qty": 0.0, "price": 11.0,
         "currency_id": 1, "delay": 3, "sequence": 2, "company_id": 1},
    ]
    d["stock.location"] = [
        {"id": 1, "name": "Physical Locations", "usage": "view", "location_id": None},
        {"id": 2, "name": "Partners", "usage": "view", "location_id": None},
        {"id": 3, "name": "Vendors", "usage": "supplier", "location_id": 2, "complete_name": "Partners/Vendors"},
        {"id": 4, "name": "Customers", "usage": "customer", "location_id": 2, "complete_name": "Partners/Customers"},
        {"id": 5, "name": "Virtual Locations", "usage": "view", "location_id": None},
        {"id": 6, "name": "Inventory adjustment", "usage": "inventory", "location_id": 5},
        {"id": 7, "name": "DAL", "usage": "view", "location_id": 1, "complete_name": "DAL"},
        {"id": 8, "name": "Stock", "usage": "internal", "location_id": 7, "complete_name": "DAL/Stock",
         "replenish_location": True},
        {"id": 9, "name": "Bulk Racking", "usage": "internal", "location_id": 8,
         "complete_name": "DAL/Stock/Bulk Racking"},
        {"id": 10, "name": "HOU", "usage": "view", "location_id": 1, "complete_name": "HOU"},
        {"id": 11, "name": "Stock", "usage": "internal", "location_id": 10, "complete_name": "HOU/Stock",
         "replenish_location": True},
    ]
    for loc in d["stock.location"]:
        loc.setdefault("active", True)
        loc.setdefault("company_id", 1 if loc["id"] >= 7 else None)
    d["stock.warehouse"] = [
        {"id": 1, "name": "Dallas Central DC", "code": "DAL", "company_id": 1, "view_location_id": 7,
         "lot_stock_id": 8, "wh_input_stock_loc_id": 8, "in_type_id": 1, "out_type_id": 2,
         "reception_steps": "one_step", "delivery_steps": "ship_only", "active": True, "sequence": 1},
        {"id": 2, "name": "Houston Gulf DC", "code": "HOU", "company_id": 1, "view_location_id": 10,
         "lot_stock_id": 11, "wh_input_stock_loc_id": 11, "in_type_id": 3, "out_type_id": 4,
         "reception_steps": "one_step", "delivery_steps": "ship_only", "active": True, "sequence": 2},
    ]
    d["stock.picking.type"] = [
        {"id": 1, "name": "Receipts", "code": "incoming", "sequence_code": "IN", "warehouse_id": 1,
         "default_location_src_id": 3, "default_location_dest_id": 8, "company_id": 1, "active": True, "sequence": 1},
        {"id": 2, "name": "Delivery Orders", "code": "outgoing", "sequence_code": "OUT", "warehouse_id": 1,
         "default_location_src_id": 8, "default_location_dest_id": 4, "company_id": 1, "active": True, "sequence": 2},
        {"id": 3, "name": "Receipts", "code": "incoming", "sequence_code": "IN", "warehouse_id": 2,
         "default_location_src_id": 3, "default_location_dest_id": 11, "company_id": 1, "active": True, "sequence": 3},
        {"id": 4, "name": "Delivery Orders", "code": "outgoing", "sequence_code": "OUT", "warehouse_id": 2,
         "default_location_src_id": 11, "default_location_dest_id": 4, "company_id": 1, "active": True, "sequence": 4},
    ]
    # on hand: gloves 100 DAL/Stock (+20 bulk, 30 reserved), 40 HOU; bolts 500 HOU; glasses none
    d["stock.quant"] = [
        {"id": 1, "product_id": 1, "location_id": 8, "quantity": 100.0, "reserved_quantity": 30.0, "in_date": now},
        {"id": 2, "product_id": 1, "location_id": 9, "quantity": 20.0, "reserved_quantity": 0.0, "in_date": now},
        {"id": 3, "product_id": 1, "location_id": 11, "quantity": 40.0, "reserved_quantity": 0.0, "in_date": now},
        {"id": 4, "product_id": 2, "location_id": 11, "quantity": 500.0, "reserved_quantity": 0.0, "in_date": now},
    ]
    for q in d["stock.quant"]:
        q.update(company_id=1, inventory_quantity=0.0, lot_id=None)
    # P00001: done, received 50 gloves at DAL, billed; P00002: confirmed, 24 gloves + 100 bolts due at HOU
    # P00003: RFQ for safety glasses from Apex
    d["purchase.order"] = [
        {"id": 1, "name": "P00001", "partner_id": 6, "partner_ref": "APX-SO-1", "date_order": day(-30),
         "date_approve": day(-30), "state": "purchase", "picking_type_id": 1, "company_id": 1, "currency_id": 1,
         "user_id": 4, "priority": "0"},
        {"id": 2, "name": "P00002", "partner_id": 8, "partner_ref": None, "date_order": day(-5),
         "date_approve": day(-5), "state": "purchase", "picking_type_id": 3, "company_id": 1, "currency_id": 1,
         "user_id": 4, "priority": "0"},
        {"id": 3, "name": "P00003", "partner_id": 6, "partner_ref": None, "date_order": day(-1),
         "date_approve": None, "state": "draft", "picking_type_id": 1, "company_id": 1, "currency_id": 1,
         "user_id": 4, "priority": "0"},
    ]
    d["purchase.order.line"] = [
        {"id": 1, "order_id": 1, "sequence": 10, "product_id": 1, "name": "[PPE-1042] Nitrile Gloves",
         "product_qty": 50.0, "product_uom": 1, "price_unit": 9.5, "date_planned": day(-25)},
        {"id": 2, "order_id": 2, "sequence": 10, "product_id": 1, "name": "[PPE-1042] Nitrile Gloves",
         "product_qty": 24.0, "product_uom": 1, "price_unit": 11.0, "date_planned": day(2)},
        {"id": 3, "order_id": 2, "sequence": 20, "product_id": 2, "name": "[FST-4410] Hex Bolt M8",
         "product_qty": 100.0, "product_uom": 1, "price_unit": 0.45, "date_planned": day(2)},
        {"id": 4, "order_id": 3, "sequence": 10, "product_id": 3, "name": "[PPE-1050] Safety Glasses",
         "product_qty": 10.0, "product_uom": 1, "price_unit": 4.0, "date_planned": day(6)},
    ]
    for ln in d["purchase.order.line"]:
        ln.update(qty_received_method="stock_moves", discount=0.0, taxes_id=[], display_type=None, company_id=1)
    d["stock.picking"] = [
        {"id": 1, "name": "DAL/IN/00001", "partner_id": 6, "picking_type_id": 1, "location_id": 3,
         "location_dest_id": 8, "origin": "P00001", "purchase_id": 1, "state": "done", "scheduled_date": day(-25),
         "date_deadline": day(-25), "date_done": day(-24), "date": day(-30), "company_id": 1, "priority": "0",
         "move_type": "direct"},
        {"id": 2, "name": "HOU/IN/00001", "partner_id": 8, "picking_type_id": 3, "location_id": 3,
         "location_dest_id": 11, "origin": "P00002", "purchase_id": 2, "state": "assigned", "scheduled_date": day(2),
         "date_deadline": day(2), "date_done": None, "date": day(-5), "company_id": 1, "priority": "0",
         "move_type": "direct"},
    ]
    d["stock.move"] = [
        {"id": 1, "name": "[PPE-1042] Nitrile Gloves", "reference": "DAL/IN/00001", "product_id": 1,
         "product_uom_qty": 50.0, "product_qty": 50.0, "quantity": 50.0, "product_uom": 1, "picking_id": 1,
         "picking_type_id": 1, "location_id": 3, "location_dest_id": 8, "state": "done", "date": day(-24),
         "date_deadline": day(-25), "purchase_line_id": 1, "picked": True, "warehouse_id": 1},
        {"id": 2, "name": "[PPE-1042] Nitrile Gloves", "reference": "HOU/IN/00001", "product_id": 1,
         "product_uom_qty": 24.0, "product_qty": 24.0, "quantity": 24.0, "product_uom": 1, "picking_id": 2,
         "picking_type_id": 3, "location_id": 3, "location_dest_id": 11, "state": "assigned", "date": day(2),
         "date_deadline": day(2), "purchase_line_id": 2, "picked": False, "warehouse_id": 2},
        {"id": 3, "name": "[FST-4410] Hex Bolt M8", "reference": "HOU/IN/00001", "product_id": 2,
         "product_uom_qty": 100.0, "product_qty": 100.0, "quantity": 100.0, "product_uom": 1, "picking_id": 2,
         "picking_type_id": 3, "location_id": 3, "location_dest_id": 11, "state": "assigned", "date": day(2),
         "date_deadline": day(2), "purchase_line_id": 3, "picked": False, "warehouse_id": 2},
        {"id": 4, "name": "[PPE-1042] Nitrile Gloves", "reference": "DAL/OUT/00001", "product_id": 1,
         "product_uom_qty": 15.0, "product_qty": 15.0, "quantity": 0.0, "product_uom": 1, "picking_id": None,
         "picking_type_id": 2, "location_id": 8, "location_dest_id": 4, "state": "confirmed", "date": day(1),
         "date_deadline": None, "purchase_line_id": None, "picked": False, "warehouse_id": 1},
    ]
    for m in d["stock.move"]:
        m.update(procure_method="make_to_stock", company_id=1, to_refund=False)
    d["stock.warehouse.orderpoint"] = [
        {"id": 1, "name": "OP/00001", "product_id": 1, "location_id": 8, "warehouse_id": 1, "product_min_qty": 150.0,
         "product_max_qty": 300.0, "qty_multiple": 10.0, "trigger": "auto", "active": True, "company_id": 1,
         "supplier_id": 1, "qty_to_order_manual": 0.0},
        {"id": 2, "name": "OP/00002", "product_id": 2, "location_id": 11, "warehouse_id": 2, "product_min_qty": 100.0,
         "product_max_qty": 400.0, "qty_multiple": 1.0, "trigger": "auto", "active": True, "company_id": 1,
         "supplier_id": 2, "qty_to_order_manual": 0.0},
    ]
    d["account.move"] = [
        {"id": 1, "move_type": "in_invoice", "name": "BILL/2026/01/0001", "partner_id": 6, "commercial_partner_id": 6,
         "invoice_date": day(-20)[:10], "invoice_date_due": day(10)[:10], "date": day(-20)[:10], "state": "posted",
         "payment_state": "not_paid", "invoice_origin": "P00001", "ref": "APX-INV-77", "currency_id": 1,
         "company_id": 1, "journal_id": None},
    ]
    d["account.move.line"] = [
        {"id": 1, "move_id": 1, "product_id": 1, "name": "P00001: [PPE-1042] Nitrile Gloves", "quantity": 50.0,
         "price_unit": 9.75, "discount": 0.0, "product_uom_id": 1, "purchase_line_id": 1, "display_type": "product",
         "partner_id": 6, "currency_id": 1, "company_id": 1, "tax_ids": []},
    ]
    d["mail.message.subtype"] = [
        {"id": 1, "name": "Discussions", "xml_id": "mail.mt_comment", "internal": False, "sequence": 0,
         "default": True, "hidden": False},
        {"id": 2, "name": "Note", "xml_id": "mail.mt_note", "internal": True, "sequence": 100, "default": False,
         "hidden": False},
        {"id": 3, "name": "RFQ Confirmed", "xml_id": "purchase.mt_rfq_confirmed", "internal": False,
         "res_model": "purchase.order", "sequence": 10, "default": False, "hidden": False},
    ]
    d["mail.message"] = [
        {"id": 1, "model": "purchase.order", "res_id": 2, "record_name": "P00002",
         "body": "<p>Hi, the bolts will ship two days late because of a carrier issue. Regards, Redline</p>",
         "subject": "Delay notice P00002", "message_type": "email", "subtype_id": 1, "author_id": 8,
         "email_from": '"Redline Fasteners" <ops@redline.example>', "date": day(-1), "partner_ids": [],
         "is_internal": False},
        {"id": 2, "model": "res.partner", "res_id": 6, "record_name": "Apex Industrial Supply",
         "body": "<p>Price list for 2026 attached.</p>", "subject": "Price list", "message_type": "email",
         "subtype_id": 1, "author_id": 7, "email_from": "dana@apex.example", "date": day(-3), "partner_ids": [],
         "is_internal": False},
    ]
    d["mail.activity.type"] = [
        {"id": 1, "name": "Email", "category": "default", "delay_count": 0, "xml_id": "mail.mail_activity_data_email"},
        {"id": 2, "name": "Call", "category": "phonecall", "delay_count": 2, "xml_id": "mail.mail_activity_data_call"},
        {"id": 3, "name": "Meeting", "category": "default", "delay_count": 0,
         "xml_id": "mail.mail_activity_data_meeting"},
        {"id": 4, "name": "To-Do", "category": "default", "delay_count": 5, "xml_id": "mail.mail_activity_data_todo"},
        {"id": 5, "name": "Upload Document", "category": "upload_file", "delay_count": 0,
         "xml_id": "mail.mail_activity_data_upload_document"},
    ]
    for t in d["mail.activity.type"]:
        t["active"] = True
    return d
