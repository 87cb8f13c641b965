"""Tryout 2 O8: a vendor whose due lines have no receipt at all got "OTIF 0 %" next to "0 late", and a
price-vs-list figure came from lines without a price row of that vendor. OTIF with nothing measured is no
data; price vs list is over the vendor's own rows only, or not shown. On both demo businesses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from read_helpers import call, ctx_for, local_today

from tools.odoo.client import OdooClient


def _new_vendor_po(odoo: OdooClient, days_ago: int, with_row: bool) -> tuple[str, dict[str, Any]]:
    """A new vendor with one confirmed PO line due `days_ago` days ago, nothing received; a product that other
    vendors have price rows for (and this vendor one, in the product's unit, when `with_row`)."""
    row = odoo.search_read("product.supplierinfo", [("price", ">", 1)], ["product_tmpl_id", "price"], limit=1)[0]
    prod = odoo.search_read("product.product", [("product_tmpl_id", "=", row["product_tmpl_id"][0])],
                            ["id", "uom_id"], limit=1)[0]
    vid = odoo.call("res.partner", "create", [{"name": f"Test Vendor {days_ago}{with_row}", "supplier_rank": 1}])
    vid = int(vid[0] if isinstance(vid, list) else vid)
    uom = prod["uom_id"][0]
    if with_row:
        sid = odoo.call("product.supplierinfo", "create", [{"partner_id": vid, "min_qty": 0, "price": 10.0,
                                                            "product_tmpl_id": row["product_tmpl_id"][0]}])
        sid = int(sid[0] if isinstance(sid, list) else sid)
        uom = (odoo.read("product.supplierinfo", [sid], ["product_uom"])[0]["product_uom"] or [uom])[0]
    due = (local_today(odoo) - timedelta(days=days_ago)).isoformat() + " 10:00:00"
    po = odoo.call("purchase.order", "create", [{"partner_id": vid, "order_line": [[0, 0, {
        "product_id": prod["id"], "product_qty": 4, "price_unit": 9.0, "product_uom": uom,
        "date_planned": due}]]}])
    po_id = int(po[0] if isinstance(po, list) else po)
    odoo.call("purchase.order", "button_confirm", [[po_id]])
    odoo.call("purchase.order.line", "write", [odoo.search("purchase.order.line", [("order_id", "=", po_id)]),
                                               {"date_planned": due}])
    name = odoo.read("res.partner", [vid], ["name"])[0]["name"]
    return name, odoo.read("purchase.order", [po_id], ["name"])[0]


@pytest.mark.parametrize("business", ["fresh_sandbox", "fresh_sandbox_hollander"])
def test_no_receipts_is_no_data_and_price_needs_own_row(business: str, request: pytest.FixtureRequest) -> None:
    sb = request.getfixturevalue(business)
    odoo = OdooClient.connect(sb.url, sb.db, "admin", "admin")
    name, _po = _new_vendor_po(odoo, 3, with_row=False)
    res = call(ctx_for(odoo, "manager"), "supplier_scorecard", supplier=name)
    assert "OTIF 0%" not in res.text and "no data" in res.text, res.text
    assert res.data.get("otif_pct") is None and res.data["lines_evaluated"] == 1
    assert "price vs list" in res.text and "not shown" in res.text and "price_variance_pct" not in res.data
    # with its own row (10.00 in the row's unit, bought at 9.00 in that unit): -10 %, over its one line
    name2, _ = _new_vendor_po(odoo, 3, with_row=True)
    fresh = OdooClient.connect(sb.url, sb.db, "admin", "admin")  # the price list is cached per client
    res2 = call(ctx_for(fresh, "manager"), "supplier_scorecard", supplier=name2)
    assert res2.data["price_variance_pct"] == pytest.approx(-10.0) and res2.data["lines_priced"] == 1
    assert "price vs list -10%" in res2.text
