"""Conventions a real Odoo 18 has and business 2 exercises: names from ir.sequence, UoM conversion between a PO
line and its moves, a vendor price in another currency, reorder-rule forecasts counting RFQs (rounded down to
the multiple). Data-independent: LAB-TEST records only, so they hold on the sandbox businesses and a real Odoo."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from contract_helpers import make_po


def _year_prefix(prefix: str, when: dt.datetime) -> str:
    for key, fmt in (("year", "%Y"), ("y", "%y"), ("month", "%m"), ("day", "%d")):
        for head in ("%(", "%(range_"):
            prefix = prefix.replace(f"{head}{key})s", when.strftime(fmt))
    return prefix


def _uom(odoo: Any, name: str) -> int:
    got = odoo.execute_kw("uom.uom", "search", [[("name", "=", name)]], {"limit": 1})
    assert got, f"the database has no UoM {name!r}"
    return int(got[0])


def test_po_and_receipt_names_come_from_the_sequences(odoo: Any, vendor_product: tuple[int, int], tag: str) -> None:
    ek = odoo.execute_kw
    company = ek("res.users", "read", [[odoo.env.uid], ["company_id"]])[0]["company_id"][0]
    seqs = ek("ir.sequence", "search_read", [[("code", "=", "purchase.order"), ("company_id", "in", [company, False])]],
              {"fields": ["prefix", "suffix", "padding", "number_next_actual", "company_id"]})
    assert seqs
    seq = sorted(seqs, key=lambda s: s["company_id"] is False)[0]  # the company's own sequence first, as Odoo
    po = make_po(odoo, vendor_product, tag)
    name = ek("purchase.order", "read", [[po], ["name"]])[0]["name"]
    prefix = _year_prefix(seq["prefix"] or "", dt.datetime.now())
    assert name.startswith(prefix) and name.endswith(seq["suffix"] or "")
    number = name[len(prefix):len(name) - len(seq["suffix"] or "")]
    assert number.isdigit() and len(number) >= seq["padding"] and int(number) >= seq["number_next_actual"]
    ek("purchase.order", "button_confirm", [[po]])
    pick = ek("stock.picking", "search_read", [[("purchase_id", "=", po)]], {"fields": ["name", "picking_type_id"]})[0]
    seq_id = ek("stock.picking.type", "read", [[pick["picking_type_id"][0]], ["sequence_id"]])[0]["sequence_id"]
    pick_seq = ek("ir.sequence", "read", [[seq_id[0]], ["prefix", "padding"]])[0]
    assert re.fullmatch(re.escape(_year_prefix(pick_seq["prefix"], dt.datetime.now())) + rf"\d{{{pick_seq['padding']},}}",
                        pick["name"]), (pick["name"], pick_seq)


def test_a_line_in_dozens_moves_units_and_receives_dozens(odoo: Any, vendor_product: tuple[int, int],
                                                          tag: str) -> None:
    ek = odoo.execute_kw
    partner, product = vendor_product
    units = ek("product.product", "read", [[product], ["uom_id"]])[0]["uom_id"]
    if units[1] != "Units":
        pytest.skip("the vendor product is not stocked in Units")
    dozens = _uom(odoo, "Dozens")
    po = int(ek("purchase.order", "create", [{
        "partner_id": partner, "partner_ref": tag, "origin": tag,
        "order_line": [(0, 0, {"product_id": product, "product_qty": 2, "product_uom": dozens, "price_unit": 30.0})]}]))
    line = ek("purchase.order.line", "search_read", [[("order_id", "=", po)]],
              {"fields": ["product_qty", "product_uom", "product_uom_qty"]})[0]
    assert (line["product_qty"], line["product_uom"][0], line["product_uom_qty"]) == (2.0, dozens, 24.0)
    ek("purchase.order", "button_confirm", [[po]])
    pick = ek("purchase.order", "read", [[po], ["picking_ids"]])[0]["picking_ids"][0]
    move = ek("stock.move", "search_read", [[("picking_id", "=", pick)]],
              {"fields": ["product_uom", "product_uom_qty", "product_qty", "quantity"]})[0]
    assert move["product_uom"][0] == units[0]
    assert (move["product_uom_qty"], move["product_qty"], move["quantity"]) == (24.0, 24.0, 24.0)
    assert ek("stock.picking", "button_validate", [[pick]]) is True
    got = ek("purchase.order.line", "search_read", [[("order_id", "=", po)]], {"fields": ["qty_received"]})[0]
    assert got["qty_received"] == pytest.approx(2.0)  # counted in the line's Dozens


def test_a_vendor_price_in_another_currency_is_converted(odoo: Any, vendor_product: tuple[int, int], tag: str) -> None:
    ek = odoo.execute_kw
    partner, _product = vendor_product
    company = ek("res.users", "read", [[odoo.env.uid], ["company_id"]])[0]["company_id"][0]
    own = ek("res.company", "read", [[company], ["currency_id"]])[0]["currency_id"][0]
    others = ek("res.currency", "search_read", [[("id", "!=", own)]], {"fields": ["name", "rate", "inverse_rate"]})
    if not others:
        pytest.skip("only one active currency in this database")
    other = others[0]
    assert other["inverse_rate"] == pytest.approx(1 / other["rate"])
    assert ek("res.currency", "read", [[own], ["rate"]])[0]["rate"] == 1.0
    tmpl = ek("product.template", "create", [{"name": f"{tag} priced abroad", "type": "consu", "purchase_ok": True}])
    product = ek("product.product", "search", [[("product_tmpl_id", "=", tmpl)]])[0]
    ek("product.supplierinfo", "create", [{"partner_id": partner, "product_tmpl_id": tmpl, "price": 100.0,
                                           "currency_id": other["id"], "min_qty": 0, "delay": 3}])
    po = int(ek("purchase.order", "create", [{"partner_id": partner, "partner_ref": tag, "origin": tag,
                                              "order_line": [(0, 0, {"product_id": product, "product_qty": 1})]}]))
    rec = ek("purchase.order", "read", [[po], ["currency_id"]])[0]
    assert rec["currency_id"][0] == own  # over RPC the order stays in the company currency (no onchange)
    line = ek("purchase.order.line", "search_read", [[("order_id", "=", po)]], {"fields": ["price_unit"]})[0]
    assert line["price_unit"] == pytest.approx(round(100.0 / other["rate"], 2), abs=0.011)
    ek("purchase.order", "button_cancel", [[po]])
    ek("product.template", "write", [[tmpl], {"active": False}])


def test_reorder_rule_forecast_counts_rfqs_and_rounds_down(odoo: Any, vendor_product: tuple[int, int],
                                                           tag: str) -> None:
    ek = odoo.execute_kw
    partner, _product = vendor_product
    company = ek("res.users", "read", [[odoo.env.uid], ["company_id"]])[0]["company_id"][0]
    wh = ek("stock.warehouse", "search_read", [[("company_id", "=", company)]],
            {"fields": ["lot_stock_id", "in_type_id"], "limit": 1, "order": "sequence, id"})[0]
    tmpl = ek("product.template", "create", [{"name": f"{tag} reordered", "type": "consu", "is_storable": True,
                                              "purchase_ok": True}])
    product = ek("product.product", "search", [[("product_tmpl_id", "=", tmpl)]])[0]
    op = ek("stock.warehouse.orderpoint", "create", [{
        "product_id": product, "location_id": wh["lot_stock_id"][0], "warehouse_id": wh["id"],
        "product_min_qty": 5, "product_max_qty": 10, "qty_multiple": 4}])

    def figures() -> tuple[float, float]:
        r = ek("stock.warehouse.orderpoint", "read", [[op], ["qty_forecast", "qty_to_order"]])[0]
        return r["qty_forecast"], r["qty_to_order"]

    assert figures() == (0.0, 8.0)  # 10 to reach the maximum, rounded down to the multiple 4
    orders = []
    for qty, uom in ((3, None), (1, _uom(odoo, "Dozens"))):
        vals: dict[str, Any] = {"product_id": product, "product_qty": qty, "price_unit": 1.0}
        if uom:
            vals["product_uom"] = uom
        orders.append(int(ek("purchase.order", "create", [{"partner_id": partner, "partner_ref": tag,
                                                           "picking_type_id": wh["in_type_id"][0],
                                                           "order_line": [(0, 0, vals)]}])))
        if len(orders) == 1:
            assert figures() == (3.0, 4.0)  # a draft RFQ counts: 10 - 3 = 7, rounded down to 4
    assert figures() == (15.0, 0.0)  # one more RFQ of a dozen: 3 + 12 units
    ek("purchase.order", "button_cancel", [orders])
    assert figures() == (0.0, 8.0)  # cancelled RFQs no longer count
    ek("stock.warehouse.orderpoint", "unlink", [[op]])
    ek("product.template", "write", [[tmpl], {"active": False}])
