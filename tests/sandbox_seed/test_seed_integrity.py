"""The seed's rows follow FORMAT.md: ids, references, value shapes, the named business, determinism."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from sandbox.seed import generate

Rows = dict[str, list[dict[str, Any]]]

# (model, many2one field) -> target model, for every reference the seed emits
M2O = {
    ("res.company", "partner_id"): "res.partner", ("res.company", "currency_id"): "res.currency",
    ("res.partner", "parent_id"): "res.partner", ("res.partner", "commercial_partner_id"): "res.partner",
    ("res.partner", "buyer_id"): "res.users", ("res.users", "partner_id"): "res.partner",
    ("res.users", "company_id"): "res.company", ("uom.uom", "category_id"): "uom.category",
    ("product.category", "parent_id"): "product.category",
    ("product.template", "categ_id"): "product.category", ("product.template", "uom_id"): "uom.uom",
    ("product.template", "uom_po_id"): "uom.uom", ("product.product", "product_tmpl_id"): "product.template",
    ("product.supplierinfo", "partner_id"): "res.partner", ("product.supplierinfo", "product_tmpl_id"): "product.template",
    ("product.supplierinfo", "product_id"): "product.product", ("product.supplierinfo", "currency_id"): "res.currency",
    ("stock.location", "location_id"): "stock.location", ("stock.location", "warehouse_id"): "stock.warehouse",
    ("stock.warehouse", "partner_id"): "res.partner", ("stock.warehouse", "view_location_id"): "stock.location",
    ("stock.warehouse", "lot_stock_id"): "stock.location", ("stock.warehouse", "in_type_id"): "stock.picking.type",
    ("stock.warehouse", "out_type_id"): "stock.picking.type",
    ("stock.picking.type", "warehouse_id"): "stock.warehouse",
    ("stock.picking.type", "default_location_src_id"): "stock.location",
    ("stock.picking.type", "default_location_dest_id"): "stock.location",
    ("stock.picking.type", "return_picking_type_id"): "stock.picking.type",
    ("stock.quant", "product_id"): "product.product", ("stock.quant", "location_id"): "stock.location",
    ("stock.picking", "partner_id"): "res.partner", ("stock.picking", "picking_type_id"): "stock.picking.type",
    ("stock.picking", "location_id"): "stock.location", ("stock.picking", "location_dest_id"): "stock.location",
    ("stock.picking", "purchase_id"): "purchase.order", ("stock.picking", "backorder_id"): "stock.picking",
    ("stock.picking", "return_id"): "stock.picking", ("stock.picking", "user_id"): "res.users",
    ("stock.move", "product_id"): "product.product", ("stock.move", "product_uom"): "uom.uom",
    ("stock.move", "picking_id"): "stock.picking", ("stock.move", "picking_type_id"): "stock.picking.type",
    ("stock.move", "location_id"): "stock.location", ("stock.move", "location_dest_id"): "stock.location",
    ("stock.move", "purchase_line_id"): "purchase.order.line", ("stock.move", "origin_returned_move_id"): "stock.move",
    ("stock.move", "partner_id"): "res.partner", ("stock.move", "warehouse_id"): "stock.warehouse",
    ("stock.warehouse.orderpoint", "product_id"): "product.product",
    ("stock.warehouse.orderpoint", "location_id"): "stock.location",
    ("stock.warehouse.orderpoint", "warehouse_id"): "stock.warehouse",
    ("stock.warehouse.orderpoint", "supplier_id"): "product.supplierinfo",
    ("purchase.order", "partner_id"): "res.partner", ("purchase.order", "picking_type_id"): "stock.picking.type",
    ("purchase.order", "currency_id"): "res.currency", ("purchase.order", "user_id"): "res.users",
    ("purchase.order", "company_id"): "res.company",
    ("purchase.order.line", "order_id"): "purchase.order", ("purchase.order.line", "product_id"): "product.product",
    ("purchase.order.line", "product_uom"): "uom.uom", ("purchase.order.line", "partner_id"): "res.partner",
    ("account.move", "partner_id"): "res.partner", ("account.move", "invoice_user_id"): "res.users",
    ("account.move", "currency_id"): "res.currency",
    ("account.move.line", "move_id"): "account.move", ("account.move.line", "product_id"): "product.product",
    ("account.move.line", "purchase_line_id"): "purchase.order.line",
    ("account.move.line", "product_uom_id"): "uom.uom",
    ("mail.message", "subtype_id"): "mail.message.subtype", ("mail.message", "author_id"): "res.partner",
    ("mail.message", "parent_id"): "mail.message",
    ("mail.activity", "res_model_id"): "ir.model", ("mail.activity", "activity_type_id"): "mail.activity.type",
    ("mail.activity", "user_id"): "res.users",
}
M2M = {("res.users", "groups_id"): "res.groups", ("res.groups", "implied_ids"): "res.groups",
       ("mail.message", "partner_ids"): "res.partner", ("res.users", "company_ids"): "res.company"}

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def test_ids_run_from_one_per_model(rows: Rows) -> None:
    for model, table in rows.items():
        assert [r["id"] for r in table] == list(range(1, len(table) + 1)), model


def test_every_many2one_and_many2many_points_at_an_existing_row(rows: Rows) -> None:
    ids = {model: {r["id"] for r in table} for model, table in rows.items()}
    checked = 0
    for (model, field), target in M2O.items():
        for r in rows[model]:
            value = r[field]
            if value is not None:
                assert isinstance(value, int) and value in ids[target], (model, r["id"], field, value)
                checked += 1
    for (model, field), target in M2M.items():
        for r in rows[model]:
            assert isinstance(r[field], list) and set(r[field]) <= ids[target], (model, r["id"], field)
    assert checked > 50_000


def test_reference_fields_point_at_records_of_their_model(rows: Rows) -> None:
    ids = {model: {r["id"] for r in table} for model, table in rows.items()}
    for table in ("mail.message", "mail.activity"):
        for r in rows[table]:
            assert r["res_id"] in ids[r["model" if table == "mail.message" else "res_model"]], r["id"]
    models = {r["id"]: r["model"] for r in rows["ir.model"]}
    assert set(models.values()) == set(rows)
    for act in rows["mail.activity"]:
        assert models[act["res_model_id"]] == act["res_model"]


def test_dates_and_datetimes_are_odoo_strings_and_none_means_unset(rows: Rows) -> None:
    fields = {("purchase.order", "date_order"): DATETIME, ("purchase.order", "date_approve"): DATETIME,
              ("purchase.order.line", "date_planned"): DATETIME, ("stock.picking", "scheduled_date"): DATETIME,
              ("stock.picking", "date_done"): DATETIME, ("stock.move", "date"): DATETIME,
              ("stock.quant", "in_date"): DATETIME, ("mail.message", "date"): DATETIME,
              ("account.move", "invoice_date"): DATE, ("account.move", "invoice_date_due"): DATE,
              ("mail.activity", "date_deadline"): DATE, ("product.supplierinfo", "date_start"): DATE}
    for (model, field), pattern in fields.items():
        values = [r[field] for r in rows[model] if r[field] is not None]
        assert values, (model, field)
        assert all(isinstance(v, str) and pattern.match(v) for v in values), (model, field)
    for model, table in rows.items():
        for r in table[:50]:
            assert not any(k.startswith("_") for k in r), model
            assert not any(v is False and k not in BOOLS for k, v in r.items()), (model, r)


BOOLS = {"active", "is_company", "is_storable", "purchase_ok", "sale_ok", "picked", "to_refund", "share",
         "scrap_location", "replenish_location", "buy_to_resupply", "internal", "default", "hidden", "is_internal",
         "checked", "automated", "mail_reminder_confirmed", "mail_reception_confirmed", "mail_reception_declined"}


def test_no_derived_or_inverse_fields_are_emitted(rows: Rows) -> None:
    assert not {"amount_total", "receipt_status", "invoice_status", "order_line"} & set(rows["purchase.order"][0])
    assert not {"qty_received", "qty_invoiced", "price_subtotal"} & set(rows["purchase.order.line"][0])
    assert not {"move_ids", "child_ids"} & (set(rows["stock.picking"][0]) | set(rows["res.partner"][0]))


def test_the_named_business(rows: Rows) -> None:
    from sandbox.seed.catalog import VENDORS

    assert rows["res.company"][0]["name"] == "Bluebonnet Supply Co."
    assert rows["res.currency"][0]["name"] == "USD"
    sites = [(w["code"], w["name"]) for w in rows["stock.warehouse"]]
    assert sites == [("DAL", "Dallas Central DC"), ("HOU", "Houston Gulf DC"), ("AUS", "Austin Healthcare Hub"),
                     ("SAT", "San Antonio South"), ("OKC", "Oklahoma City North")]
    locs = {loc["id"]: loc["complete_name"] for loc in rows["stock.location"]}
    assert [locs[w["lot_stock_id"]] for w in rows["stock.warehouse"]] == [f"{c}/Stock" for c, _ in sites]
    assert "AUS/Stock/Cold Room (2-8 °C)" in locs.values() and "HOU/Stock/Hazmat Cage" in locs.values()
    vendors = {p["name"] for p in rows["res.partner"] if p["supplier_rank"] > 0}
    assert len(vendors) == 35 and {v.name for v in VENDORS} == vendors
    assert "Wood Corner" in vendors and "Gemini Furniture" in vendors
    customers = [p for p in rows["res.partner"] if p["customer_rank"] > 0]
    assert len(customers) >= 15
    cats = {c["complete_name"] for c in rows["product.category"]}
    assert {"All / Safety & PPE", "All / Cold Chain Pharma", "All / Chemicals (Hazmat)",
            "All / Material Handling"} <= cats and len(cats) == 13
    codes = [p["default_code"] for p in rows["product.product"]]
    assert len(codes) == len(set(codes)) and 350 <= len(codes) <= 450
    for code in ("PPE-1042", "MED-2210", "PKG-3301", "FST-4410", "ELE-5120", "TOL-6005", "CHM-7002", "JAN-8030",
                 "OFF-9001", "FSD-1150", "MHE-1260", "CCP-2050"):
        assert code in codes
    tmpl = {t["id"]: t for t in rows["product.template"]}
    ccp = next(c["id"] for c in rows["product.category"] if c["name"] == "Cold Chain Pharma")
    assert any(t["tracking"] == "lot" for t in tmpl.values() if t["categ_id"] == ccp)
    assert all(t["type"] == "consu" and t["is_storable"] and t["purchase_method"] == "receive" for t in tmpl.values())


def _ean_ok(code: str) -> bool:
    digits = [int(c) for c in code]
    return len(code) == 13 and (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12])) % 10) % 10 \
        == digits[12]


def test_barcodes_are_unique_valid_ean13(rows: Rows) -> None:
    barcodes = [p["barcode"] for p in rows["product.product"]]
    assert len(set(barcodes)) == len(barcodes)
    assert all(_ean_ok(b) for b in barcodes)
    assert not _ean_ok(barcodes[0][:12] + str((int(barcodes[0][12]) + 1) % 10))


def test_users_groups_and_access(rows: Rows) -> None:
    groups = {g["id"]: g["xml_id"] for g in rows["res.groups"]}
    users = {u["login"]: u for u in rows["res.users"]}
    assert users["admin"]["id"] == 2 and users["admin"]["password"] == "admin"
    assert users["__system__"]["active"] is False and users["__system__"]["password"] is None

    def has(login: str) -> set[str]:
        return {groups[g] for g in users[login]["groups_id"]}

    assert has("admin") == set(groups.values())
    assert has("wes.warehouse") == {"base.group_user", "stock.group_stock_user"}
    assert not any(g.startswith("account.") for g in has("wes.warehouse"))
    assert {"purchase.group_purchase_user", "stock.group_stock_user", "account.group_account_invoice"} \
        <= has("ava.buyer") and "purchase.group_purchase_manager" not in has("ben.buyer")
    assert {"account.group_account_manager", "purchase.group_purchase_user"} <= has("fiona.finance")
    assert {"purchase.group_purchase_manager", "stock.group_stock_manager"} <= has("maria.manager")
    assert "purchase.group_purchase_manager" in has("omar.approver")
    assert "base.group_system" not in has("maria.manager")
    for login, user in users.items():
        if login != "__system__":
            assert user["password"] == login
        partner = rows["res.partner"][user["partner_id"] - 1]
        assert partner["name"] == user["name"]


def test_same_arguments_give_identical_rows_and_other_seeds_differ(rows: Rows, today: dt.date) -> None:
    again = generate(seed=42, scale=1, today=today)
    assert again == rows
    other = generate(seed=7, scale=1, today=today)
    assert other["purchase.order"] != rows["purchase.order"]
    assert [w["name"] for w in other["stock.warehouse"]] == [w["name"] for w in rows["stock.warehouse"]]


@pytest.mark.parametrize("args", [dict(seed=1, scale=0, today=dt.date(2026, 1, 1)),
                                  dict(seed=1, scale=1, today="2026-01-01"),
                                  dict(seed=1, scale=1, today=dt.datetime(2026, 1, 1, 8))])
def test_bad_arguments_get_a_clear_error(args: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="scale|today"):
        generate(**args)
