"""Issue #14 "transfer instead of buying" in stock answers, on both sandbox businesses (read-only). The expected
offers are recomputed here from stock.quant and the reorder rules, not from the tool's own rows."""

from __future__ import annotations

from typing import Any

import pytest

from tools.base import Identity, ToolContext
from tools.odoo.client import OdooClient
from tools.odoo.resolve import warehouse_list
from tools.reads.stock import transfer_offers
from tools.registry import run_tool

ADMIN = Identity(username="admin", role="admin")


@pytest.fixture(params=["odoo", "odoo_hollander"])
def client(request: pytest.FixtureRequest) -> OdooClient:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


def _short_and_spare(odoo: OdooClient) -> list[tuple[str, str, str]]:
    """(product code, short warehouse, a warehouse of the same company with free stock above its own min)."""
    whs = warehouse_list(odoo)
    rules = odoo.search_read("stock.warehouse.orderpoint", [], ["product_id", "warehouse_id", "product_min_qty",
                                                                "qty_forecast"], limit=2000)
    found = []
    for r in rules:
        if r["qty_forecast"] >= r["product_min_qty"]:
            continue
        pid, short = r["product_id"][0], r["warehouse_id"][0]
        company = next(w["company_id"][0] for w in whs if w["id"] == short)
        for w in whs:
            if w["id"] == short or w["company_id"][0] != company:
                continue
            quants = odoo.search_read("stock.quant", [("product_id", "=", pid),
                                                      ("location_id", "child_of", w["view_location_id"][0]),
                                                      ("location_id.usage", "=", "internal")],
                                      ["quantity", "reserved_quantity"])
            free = sum(q["quantity"] - q["reserved_quantity"] for q in quants)
            mins = [x["product_min_qty"] for x in rules if x["product_id"][0] == pid and x["warehouse_id"][0] == w["id"]]
            below = [x for x in rules if x["product_id"][0] == pid and x["warehouse_id"][0] == w["id"]
                     and x["qty_forecast"] < x["product_min_qty"]]
            if free - (mins[0] if mins else 0) > 0 and not below:
                code = odoo.read("product.product", [pid], ["default_code"])[0]["default_code"]
                if code:
                    found.append((code, next(x["code"] for x in whs if x["id"] == short), w["code"]))
        if len(found) >= 3:
            break
    return found


def test_stock_answer_offers_a_transfer_when_another_warehouse_has_spare(client: OdooClient) -> None:
    ctx = ToolContext(user=ADMIN, odoo=client)
    cases = _short_and_spare(client)
    if not cases:
        pytest.skip("no product is short at one warehouse while another has spare")
    for code, short, donor in cases:
        res = run_tool(ctx, "stock_levels", {"product": code})
        assert res.ok, res.error
        offers = res.data.get("transfer_instead") or []
        to_short = [o for o in offers if o["to"] == short]
        assert to_short, (code, short, donor, res.text)
        assert "transfer instead of buying" in res.text


def test_transfer_offers_rule() -> None:
    whs: list[dict[str, Any]] = [{"code": "A", "company_id": [1, "c"]}, {"code": "B", "company_id": [1, "c"]},
                                 {"code": "C", "company_id": [2, "d"]}]
    rows = [{"wh": "A", "free": 0, "forecast": 0, "below_min": True, "reorder_min": 10},
            {"wh": "B", "free": 30, "forecast": 30, "below_min": False, "reorder_min": 20},
            {"wh": "C", "free": 500, "forecast": 500}]
    assert transfer_offers(rows, whs) == [{"to": "A", "from": "B", "spare": 10}]  # never across companies
    rows[1]["reorder_min"] = 30
    assert transfer_offers(rows, whs) == []  # nothing above B's own minimum


def test_replenishment_offers_transfers_checked_against_rules(client: OdooClient) -> None:
    """The donor's own reorder rule (read here) is not short and holds more than its minimum; no extra round trip."""
    from tools.odoo.resolve import warm_caches

    warm_caches(client)
    ctx = ToolContext(user=ADMIN, odoo=client)
    whs = {w["code"]: w for w in warehouse_list(client)}
    by_id = {w["id"]: w["code"] for w in whs.values()}
    rules = client.search_read("stock.warehouse.orderpoint", [("active", "=", True)],
                               ["product_id", "warehouse_id", "product_min_qty", "qty_forecast", "qty_on_hand"],
                               limit=20000)
    rule = {(r["product_id"][1], by_id[r["warehouse_id"][0]]): r for r in rules}
    checked = 0
    for code in list(whs)[:3]:
        res = run_tool(ctx, "replenishment_risk", {"warehouse": code})
        assert res.ok, res.error
        assert res.rpc_calls <= 3  # rules (every warehouse's, one read) + deliveries (+ a cache refill)
        for row in res.data.get("at_risk") or []:
            offer = row.get("transfer_from")
            if not offer:
                continue
            donor = whs[offer["wh"]]
            assert donor["company_id"] == whs[code]["company_id"] and offer["wh"] != code
            r = rule[(row["product"], offer["wh"])]
            assert r["qty_forecast"] >= r["product_min_qty"]
            spare = min(r["qty_on_hand"], r["qty_forecast"]) - r["product_min_qty"]
            assert spare == pytest.approx(offer["spare"], abs=0.01) and spare > 0
            checked += 1
            assert "transfer instead of buying" in res.text
    if not checked:
        pytest.skip("no replenishment row has a sister warehouse with spare stock")
