"""spend_analysis on the shared sandbox: sums recomputed from raw confirmed PO lines in the test."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from read_helpers import (  # type: ignore[import-not-found]
    BUSINESSES,
    business_odoo,
    call,
    company_currency,
    ctx_for,
    has_field,
    local_date,
    local_today,
    money_keys,
    no_money_text,
    po_in_company,
    policy,
    utc_bounds,
)

from tools.base import ToolContext
from tools.odoo.client import OdooClient
from tools.odoo.resolve import warehouse_list
from tools.registry import run_tool


@pytest.fixture(scope="module", params=BUSINESSES)
def odoo(request: pytest.FixtureRequest) -> OdooClient:
    return business_odoo(request)


@pytest.fixture(scope="module")
def ctx(odoo: OdooClient) -> ToolContext:
    return ctx_for(odoo, "buyer")


def _lines(odoo: OdooClient, lo: date, hi: date) -> list[dict[str, Any]]:
    """Confirmed PO lines whose order was approved in [lo, hi] (local days), with order and product facts."""
    start, end = utc_bounds(odoo, lo, hi)
    orders = {o["id"]: o for o in odoo.search_read(
        "purchase.order", [("state", "in", ["purchase", "done"]), ("date_approve", ">=", start),
                           ("date_approve", "<", end)],
        ["date_approve", "picking_type_id", "currency_id",
         *(["currency_rate"] if has_field(odoo, "purchase.order", "currency_rate") else [])], limit=100000)}
    lines = odoo.search_read("purchase.order.line", [("order_id", "in", list(orders)), ("display_type", "=", False)],
                             ["order_id", "partner_id", "product_id", "price_subtotal", "product_uom_qty"],
                             limit=200000)
    products = {p["id"]: p for p in odoo.read("product.product", list({ln["product_id"][0] for ln in lines}),
                                              ["categ_id", "display_name"])}
    types = {t["id"]: t["warehouse_id"][0] for t in odoo.search_read("stock.picking.type", [], ["warehouse_id"],
                                                                       limit=1000) if t["warehouse_id"]}
    codes = {w["id"]: w["code"] for w in warehouse_list(odoo)}
    for ln in lines:
        o = orders[ln["order_id"][0]]
        ln["price_subtotal"] = po_in_company(odoo, o, ln["price_subtotal"])  # the PO's own rate, as Odoo
        ln["month"] = local_date(odoo, o["date_approve"]).isoformat()[:7]
        ln["warehouse"] = codes.get(types.get(o["picking_type_id"][0], 0), "(none)")
        ln["category"] = products[ln["product_id"][0]]["categ_id"][1]
        ln["product"] = products[ln["product_id"][0]]["display_name"]
        ln["vendor"] = ln["partner_id"][1]
    return lines


def _sums(lines: list[dict[str, Any]], key: str) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for ln in lines:
        out[ln[key]] += ln["price_subtotal"]
    return out


@pytest.fixture(scope="module")
def year(odoo: OdooClient) -> tuple[date, date, list[dict[str, Any]]]:
    hi = local_today(odoo)
    lo = date(hi.year, 1, 1)
    return lo, hi, _lines(odoo, lo, hi)


def test_default_is_year_to_date_by_vendor_top_10(ctx: ToolContext, year: tuple[date, date, Any]) -> None:
    lo, hi, lines = year
    sums = _sums(lines, "vendor")
    res = call(ctx, "spend_analysis")
    d = res.data
    assert (d["date_from"], d["date_to"]) == (lo.isoformat(), hi.isoformat())
    assert d["total"] == pytest.approx(sum(sums.values()), abs=0.05)
    top = sorted(sums.items(), key=lambda kv: -kv[1])[:10]
    assert [(r["key"], r["amount"]) for r in d["rows"]] == [(k, pytest.approx(v, abs=0.01)) for k, v in top]
    assert res.rpc_calls <= 1 + 4


@pytest.mark.parametrize("group_by", ["category", "warehouse", "product", "month"])
def test_other_groupings(ctx: ToolContext, year: tuple[date, date, Any], group_by: str) -> None:
    _, _, lines = year
    sums = _sums(lines, group_by)
    rows = call(ctx, "spend_analysis", group_by=group_by, top=50).data["rows"]
    want = sorted(sums.items(), key=lambda kv: kv[0] if group_by == "month" else -kv[1])
    if group_by != "month":
        want = want[:50]
    assert [(r["key"], r["amount"]) for r in rows] == [(k, pytest.approx(v, abs=0.01)) for k, v in want]


def test_category_filter_with_previous_period(ctx: ToolContext, odoo: OdooClient,
                                              year: tuple[date, date, Any]) -> None:
    lo, hi, lines = year
    category = max(_sums(lines, "category").items(), key=lambda kv: kv[1])[0]
    short = category.split(" / ")[-1]
    res = call(ctx, "spend_analysis", category=short, compare_previous=True, group_by="vendor", top=50)
    prev_hi = lo - timedelta(days=1)
    prev = [ln for ln in _lines(odoo, prev_hi - (hi - lo), prev_hi) if ln["category"] == category]
    now = [ln for ln in lines if ln["category"] == category]
    assert res.data["filters"]["category"] == category
    assert res.data["total"] == pytest.approx(sum(ln["price_subtotal"] for ln in now), abs=0.05)
    assert res.data["previous_total"] == pytest.approx(sum(ln["price_subtotal"] for ln in prev), abs=0.05)
    assert res.data["previous_to"] == prev_hi.isoformat()
    psums = _sums(prev, "vendor")
    for r in res.data["rows"]:
        assert r.get("previous_amount", 0) == pytest.approx(psums.get(r["key"], 0.0), abs=0.01)


def test_compare_prices_by_warehouse_and_vendor(ctx: ToolContext, odoo: OdooClient,
                                                year: tuple[date, date, Any]) -> None:
    _, _, lines = year
    spread: dict[int, set[str]] = defaultdict(set)
    for ln in lines:
        spread[ln["product_id"][0]].add(ln["warehouse"])
    pid = max(spread, key=lambda p: (len(spread[p]), -p))
    code = odoo.read("product.product", [pid], ["default_code"])[0]["default_code"]
    mine = [ln for ln in lines if ln["product_id"][0] == pid]
    res = call(ctx, "spend_analysis", product=code, compare_prices=True, group_by="warehouse")
    for dim, rows in (("warehouse", res.data["prices"]["by_warehouse"]["rows"]),
                      ("vendor", res.data["prices"]["by_vendor"]["rows"])):
        amount: dict[str, float] = defaultdict(float)
        qty: dict[str, float] = defaultdict(float)
        for ln in mine:
            amount[ln[dim]] += ln["price_subtotal"]
            qty[ln[dim]] += ln["product_uom_qty"]
        assert {r[dim]: r["avg_unit_price"] for r in rows} == {
            k: pytest.approx(amount[k] / qty[k], abs=0.005) for k in amount if qty[k]}  # 2 decimals shown
    by_wh = res.data["prices"]["by_warehouse"]
    if len(by_wh["rows"]) > 1:
        lo_p, hi_p = by_wh["rows"][0]["avg_unit_price"], by_wh["rows"][-1]["avg_unit_price"]
        assert by_wh["spread_pct"] == pytest.approx((hi_p - lo_p) / lo_p * 100, abs=0.1)
    res = run_tool(ctx, "spend_analysis", {"compare_prices": True})
    assert not res.ok and "product" in (res.error or "")


def test_warehouse_role_refused_and_money_redacted_when_lent(odoo: OdooClient) -> None:
    res = run_tool(ctx_for(odoo, "warehouse"), "spend_analysis", {})
    assert not res.ok and res.data["code"] == "forbidden"
    assert call(ctx_for(odoo, "finance"), "spend_analysis").data["total"] > 0
    res = call(ctx_for(odoo, "warehouse", policy(lend_to_warehouse="spend_analysis")), "spend_analysis")
    assert res.data["rows"] and money_keys(res.data) == [] and no_money_text(res, company_currency(odoo))


def test_unknown_and_ambiguous_category(ctx: ToolContext, odoo: OdooClient) -> None:
    res = run_tool(ctx, "spend_analysis", {"category": "Zyxwv Qqqq"})
    assert not res.ok and res.data["code"] == "not_found"
    cats = [c["complete_name"] for c in odoo.search_read("product.category", [], ["complete_name"], limit=500)]
    words: dict[str, int] = defaultdict(int)
    for c in cats:
        for w in {w.lower() for w in c.split(" / ")[-1].split() if len(w) > 3 and w.isalpha()}:
            words[w] += 1
    shared = [w for w, n in words.items() if n >= 2]
    if shared:
        res = run_tool(ctx, "spend_analysis", {"category": shared[0]})
        assert not res.ok and res.data["code"] == "ambiguous" and len(res.data["candidates"]) >= 2
    res = run_tool(ctx, "spend_analysis", {"supplier": "Zyxwv Qqqq Trading"})
    assert not res.ok and res.data["code"] == "not_found"
