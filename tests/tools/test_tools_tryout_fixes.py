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
