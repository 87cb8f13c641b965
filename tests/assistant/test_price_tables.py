"""Tryout 2 B14/H24: "which sites pay different prices for X" printed a "Prices by warehouse" heading and no
table: the printed tables (CLI, web) held only the spend rows. The per-site prices are a table of their own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.agent import _tables
from tools.base import Identity, ToolContext
from tools.governance.policy import Policy
from tools.odoo.client import OdooClient
from tools.registry import run_tool

POLICY = Path(__file__).resolve().parents[2] / "tools" / "governance" / "default_policy.yaml"


@pytest.mark.parametrize("business", ["sandbox", "sandbox_hollander"])
def test_prices_by_warehouse_is_a_table(business: str, request: pytest.FixtureRequest) -> None:
    sb: Any = request.getfixturevalue(business)
    odoo = OdooClient.connect(sb.url, sb.db, "admin", "admin")
    ctx = ToolContext(user=Identity(username="t", role="buyer"), odoo=odoo,
                      policy=Policy.from_dict(yaml.safe_load(POLICY.read_text())))
    # a product bought for more than one warehouse
    lines = odoo.search_read("purchase.order.line", [("state", "in", ["purchase", "done"])],
                             ["product_id", "order_id"], limit=3000)
    pos = {p["id"]: p["picking_type_id"][0] for p in odoo.search_read(
        "purchase.order", [("id", "in", sorted({ln["order_id"][0] for ln in lines}))], ["picking_type_id"], limit=5000)}
    sites: dict[int, set[int]] = {}
    for ln in lines:
        sites.setdefault(ln["product_id"][0], set()).add(pos[ln["order_id"][0]])
    pid = max(sites, key=lambda p: len(sites[p]))
    code = odoo.read("product.product", [pid], ["default_code"])[0]["default_code"]
    res = run_tool(ctx, "spend_analysis", {"product": code, "compare_prices": True, "date_from": "2000-01-01"})
    assert res.ok, res.error
    by_wh = res.data["prices"]["by_warehouse"]["rows"]
    assert len(by_wh) >= 2
    tables = _tables(res)
    titles = [t["title"] for t in tables]
    price_tables = [t for t in tables if t["title"].startswith("Prices by warehouse")]
    assert price_tables, titles
    assert len(price_tables[0]["rows"]) == len(by_wh)
    assert any(t["title"].startswith("Prices by vendor") for t in tables)
