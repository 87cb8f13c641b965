"""receipts_done on the shared sandbox: counts, groups and ordered/received checked against raw reads."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

import pytest
from read_helpers import (  # type: ignore[import-not-found]
    BUSINESSES,
    ambiguous_product,
    business_odoo,
    call,
    ctx_for,
    local_date,
    local_today,
    money_keys,
    utc_bounds,
)

from tools.base import ToolContext
from tools.odoo.client import OdooClient
from tools.odoo.resolve import warehouse_list
from tools.registry import run_tool

DONE_IN = [("picking_type_code", "=", "incoming"), ("state", "=", "done")]


@pytest.fixture(scope="module", params=BUSINESSES)
def odoo(request: pytest.FixtureRequest) -> OdooClient:
    return business_odoo(request)


@pytest.fixture(scope="module")
def ctx(odoo: OdooClient) -> ToolContext:
    return ctx_for(odoo, "buyer")


def _done(odoo: OdooClient, days: int, extra: list[Any] | None = None) -> list[dict[str, Any]]:
    hi = local_today(odoo)
    start, end = utc_bounds(odoo, hi - timedelta(days=days), hi)
    return odoo.search_read("stock.picking", [*DONE_IN, ("date_done", ">=", start), ("date_done", "<", end),
                                              *(extra or [])],
                            ["name", "date_done", "partner_id", "picking_type_id", "origin"], limit=100000)


def test_default_week_lists_newest_first(ctx: ToolContext, odoo: OdooClient) -> None:
    raw = _done(odoo, 7)
    assert raw, "the sandbox received goods this week"
    res = call(ctx, "receipts_done")
    assert res.data["count"] == len(raw)
    newest = sorted(raw, key=lambda p: (p["date_done"], p["id"]), reverse=True)[:15]
    assert [r["reference"] for r in res.data["rows"]] == [p["name"] for p in newest]
    assert res.data["date_to"] == local_today(odoo).isoformat()
    assert res.rpc_calls <= 1 + 1  # one, plus the warehouse list on a cold cache


def test_group_by_day_vendor_and_warehouse(ctx: ToolContext, odoo: OdooClient) -> None:
    raw = _done(odoo, 30)
    lo = (local_today(odoo) - timedelta(days=30)).isoformat()
    by_day = Counter(local_date(odoo, p["date_done"]).isoformat() for p in raw)
    got = call(ctx, "receipts_done", date_from=lo, group_by="day").data
    assert {g["key"]: g["receipts"] for g in got["groups"]} == dict(by_day)
    assert [g["key"] for g in got["groups"]] == sorted(by_day)
    by_vendor = Counter(p["partner_id"][1] for p in raw)
    got = call(ctx, "receipts_done", date_from=lo, group_by="vendor").data
    assert {g["key"]: g["receipts"] for g in got["groups"]} == dict(by_vendor)
    codes = {w["in_type_id"][0]: w["code"] for w in warehouse_list(odoo)}
    by_wh = Counter(codes.get(p["picking_type_id"][0]) for p in raw)
    got = call(ctx, "receipts_done", date_from=lo, group_by="warehouse").data
    assert {g["key"]: g["receipts"] for g in got["groups"]} == dict(by_wh)
    weeks = Counter(local_date(odoo, p["date_done"]) - timedelta(days=local_date(odoo, p["date_done"]).weekday())
                    for p in raw)
    got = call(ctx, "receipts_done", date_from=lo, group_by="week").data
    assert {g["key"]: g["receipts"] for g in got["groups"]} == {f"week of {k}": n for k, n in weeks.items()}


def test_reference_shows_ordered_vs_received_per_product(ctx: ToolContext, odoo: OdooClient) -> None:
    """A PO with a done receipt: its lines' ordered quantity and the receipt's done quantity per product."""
    pick = odoo.search_read("stock.picking", [*DONE_IN, ("origin", "!=", False)], ["id", "name", "origin"],
                            limit=1, order="date_done desc")[0]
    moves = odoo.search_read("stock.move", [("picking_id", "=", pick["id"]), ("state", "=", "done")],
                             ["product_id", "quantity", "purchase_line_id"], limit=1000)
    pol = {ln["id"]: ln for ln in odoo.read("purchase.order.line",
                                            [m["purchase_line_id"][0] for m in moves if m["purchase_line_id"]],
                                            ["product_uom_qty"])}
    received: dict[int, float] = defaultdict(float)
    ordered: dict[int, float] = defaultdict(float)
    for m in moves:
        received[m["product_id"][0]] += m["quantity"]
        ordered[m["product_id"][0]] += pol[m["purchase_line_id"][0]]["product_uom_qty"] if m["purchase_line_id"] else 0
    res = call(ctx, "receipts_done", reference=pick["origin"], limit=50)
    row = next(r for r in res.data["rows"] if r["reference"] == pick["name"])
    assert pick["origin"] in row["po"]
    codes = {p["id"]: p["default_code"] or p["display_name"] for p in odoo.read(
        "product.product", list(received), ["default_code", "display_name"])}
    want = {codes[pid]: (pytest.approx(ordered[pid]), pytest.approx(received[pid])) for pid in received}
    assert {ln["product"]: (ln["ordered"], ln["received"]) for ln in row["lines"]} == {
        ln["product"]: want[ln["product"]] for ln in row["lines"]}
    assert len(row["lines"]) + row.get("more_lines", 0) == len(want)
    by_name = call(ctx, "receipts_done", reference=pick["name"]).data
    assert by_name["count"] == 1 and by_name["rows"][0]["reference"] == pick["name"]


def test_warehouse_and_product_filters(ctx: ToolContext, odoo: OdooClient) -> None:
    raw = _done(odoo, 30)
    w = next(w for w in warehouse_list(odoo) if any(p["picking_type_id"][0] == w["in_type_id"][0] for p in raw))
    lo = (local_today(odoo) - timedelta(days=30)).isoformat()
    res = call(ctx, "receipts_done", warehouse=w["code"], date_from=lo, limit=100)
    assert res.data["count"] == sum(1 for p in raw if p["picking_type_id"][0] == w["in_type_id"][0])
    move = odoo.search_read("stock.move", [("picking_id", "in", [p["id"] for p in raw]), ("state", "=", "done")],
                            ["product_id"], limit=1)[0]
    code = odoo.read("product.product", [move["product_id"][0]], ["default_code"])[0]["default_code"]
    with_product = {m["picking_id"][0] for m in odoo.search_read(
        "stock.move", [("picking_id", "in", [p["id"] for p in raw]), ("product_id", "=", move["product_id"][0])],
        ["picking_id"], limit=10000)}
    res = call(ctx, "receipts_done", product=code, date_from=lo, limit=100)
    assert res.data["count"] == len(with_product)
    assert all([ln["product"] for ln in r["lines"]] == [code] for r in res.data["rows"])


def test_warehouse_role_may_use_it_and_sees_no_money(odoo: OdooClient) -> None:
    res = call(ctx_for(odoo, "warehouse"), "receipts_done")
    assert res.data["count"] >= 0 and money_keys(res.data) == []


def test_unknown_and_ambiguous_names(ctx: ToolContext, odoo: OdooClient) -> None:
    res = run_tool(ctx, "receipts_done", {"warehouse": "Zyxwv"})
    assert not res.ok and res.data["code"] == "not_found" and len(res.data["candidates"]) == len(warehouse_list(odoo))
    res = run_tool(ctx, "receipts_done", {"product": ambiguous_product(odoo)})
    assert not res.ok and res.data["code"] == "ambiguous"
    res = run_tool(ctx, "receipts_done", {"supplier": "Zyxwv Qqqq Trading"})
    assert not res.ok and res.data["code"] == "not_found"
    res = run_tool(ctx, "receipts_done", {"date_from": "someday soon"})
    assert not res.ok and res.data["code"] == "bad_date"
