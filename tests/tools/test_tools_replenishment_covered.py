"""replenishment_risk answers "what is below its minimum?" in both readings: rules Odoo would order for, and
rules under their minimum on hand whose Odoo forecast is covered by what is on order (seen on a real Odoo 18
demo: on hand 0 < min 5, forecast 50, to order 0 — the tool used to say only "nothing needs replenishment").
Expectations come from the reorder rules read in the test."""

from __future__ import annotations

from typing import Any

import pytest

from tools.base import Identity, ToolContext
from tools.registry import run_tool


@pytest.mark.parametrize("client", ["odoo", "odoo_hollander"])
def test_below_minimum_on_hand_is_named_either_way(request: pytest.FixtureRequest, client: str) -> None:
    odoo: Any = request.getfixturevalue(client)
    ctx = ToolContext(user=Identity(username="admin", role="admin"), odoo=odoo)
    codes = {w["id"]: w["code"] for w in odoo.search_read("stock.warehouse", [], ["code"], limit=100)}
    rules = odoo.search_read("stock.warehouse.orderpoint", [("active", "=", True), ("product_id.active", "=", True)],
                             ["product_id", "warehouse_id", "product_min_qty", "qty_on_hand", "qty_forecast"],
                             limit=20000)
    under = {(r["product_id"][1], codes[r["warehouse_id"][0]]) for r in rules
             if r["qty_on_hand"] < r["product_min_qty"] - 1e-6}
    res = run_tool(ctx, "replenishment_risk", {})
    assert res.ok, res.error
    at_risk = {(r["product"], r.get("wh")) for r in res.data.get("at_risk", [])}
    covered = res.data.get("below_min_covered_by_orders", [])
    assert res.data.get("covered_count", 0) == len(covered) or len(covered) == 15
    for row in covered:
        assert float(row["on_hand"]) < float(row["min"]) <= float(row["forecast"])
        key = (row["product"], row.get("wh"))
        assert key not in at_risk and key in under
    if res.data["count"] <= 15 and len(covered) < 15:  # nothing cut: every rule under its minimum is named
        assert under <= at_risk | {(r["product"], r.get("wh")) for r in covered}
    if covered:
        assert "covered by what is on order" in res.text and covered[0]["product"] in res.text
