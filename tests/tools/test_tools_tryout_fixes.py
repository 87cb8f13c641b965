"""Regression tests for the defects a new user hit on business 2 (Hollander Horeca) and on Bluebonnet:
each test fails on the code before its fix."""

from __future__ import annotations

from typing import Any

from tests.tools.read_helpers import call, ctx_for
from tools.odoo.client import OdooClient


def _login(sb: Any, login: str) -> OdooClient:
    return OdooClient.connect(sb.url, sb.db, login, login)


# -- 1. variant products for an Inventory-only user -----------------------------------------------------
def test_inventory_user_reads_a_variant_product(sandbox_hollander: Any) -> None:
    """Odoo 18 lets every employee read product.template.attribute.value; the variant's stock must answer."""
    odoo = _login(sandbox_hollander, "daan.magazijn")
    res = call(ctx_for(odoo, "warehouse"), "stock_levels", product="Acoustic Bloc Screen wood")
    assert "Wood" in str(res.data["product"])
    assert res.data["warehouses"]


# -- 4. credit notes among vendor bills -----------------------------------------------------------------
def test_credit_notes_are_shown_negative(odoo: OdooClient) -> None:
    """An open in_refund is listed as a credit note with negative amounts; the total still nets it."""
    refunds = odoo.search_read("account.move", [("move_type", "=", "in_refund"), ("state", "=", "posted"),
                                                ("payment_state", "in", ["not_paid", "partial"])],
                               ["name", "partner_id", "amount_total", "amount_residual"], limit=1)
    assert refunds, "the demo data has an open vendor credit note"
    ref = refunds[0]
    res = call(ctx_for(odoo, "finance"), "vendor_bills", supplier=ref["partner_id"][1], limit=50)
    row = next(r for r in res.data["rows"] if r["bill"] == ref["name"])
    assert row["kind"] == "credit note"
    assert row["amount_total"] == -ref["amount_total"] and row["amount_residual"] == -ref["amount_residual"]
    assert all(r["amount_residual"] > 0 for r in res.data["rows"] if r["kind"] == "bill")
    assert "credit note" in res.text
