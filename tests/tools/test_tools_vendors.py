"""product_vendors on the shared sandbox: price rows, cheapest/fastest and last price paid from raw reads."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from read_helpers import (  # type: ignore[import-not-found]
    BUSINESSES,
    ambiguous_product,
    ambiguous_vendor,
    business_odoo,
    call,
    company_currency,
    company_currency_id,
    ctx_for,
    local_date,
    local_today,
    money_keys,
    no_money_text,
    policy,
    today_rates,
)

from tools.base import ToolContext
from tools.odoo.client import OdooClient
from tools.registry import run_tool


@pytest.fixture(scope="module", params=BUSINESSES)
def odoo(request: pytest.FixtureRequest) -> OdooClient:
    return business_odoo(request)


@pytest.fixture(scope="module")
def ctx(odoo: OdooClient) -> ToolContext:
    return ctx_for(odoo, "buyer")


@pytest.fixture(scope="module")
def product(odoo: OdooClient) -> dict[str, Any]:
    """The product with the most vendor price rows (several vendors, some rows possibly out of date)."""
    rows = odoo.search_read("product.supplierinfo", [], ["product_tmpl_id"], limit=100000)
    tmpl = Counter(r["product_tmpl_id"][0] for r in rows).most_common(1)[0][0]
    return odoo.search_read("product.product", [("product_tmpl_id", "=", tmpl)],
                            ["id", "default_code", "display_name", "product_tmpl_id"], limit=1)[0]


def _rows(odoo: OdooClient, product: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in odoo.search_read(
        "product.supplierinfo", [("product_tmpl_id", "=", product["product_tmpl_id"][0])],
        ["partner_id", "price", "min_qty", "delay", "date_start", "date_end", "product_id", "currency_id",
         "product_uom"],
        limit=1000) if not r["product_id"] or r["product_id"][0] == product["id"]]


def _factors(odoo: OdooClient) -> dict[int, float]:
    return {u["id"]: float(u["factor"]) for u in odoo.search_read("uom.uom", [], ["factor"], limit=1000)}


def _unit_price(odoo: OdooClient, row: dict[str, Any], product: dict[str, Any]) -> float:
    """A price row per product unit in the company currency (Odoo's UoM factors and today's rate)."""
    unit = odoo.read("product.product", [product["id"]], ["uom_id"])[0]["uom_id"][0]
    f = _factors(odoo)
    per_unit = row["price"] * f[row["product_uom"][0]] / f[unit]
    cur = row["currency_id"][0]
    return per_unit if cur == company_currency_id(odoo) else per_unit / today_rates(odoo)[cur]


def _valid(r: dict[str, Any], today: str) -> bool:
    return (not r["date_start"] or r["date_start"] <= today) and (not r["date_end"] or r["date_end"] >= today)


def test_price_rows_cheapest_and_fastest(ctx: ToolContext, odoo: OdooClient, product: dict[str, Any]) -> None:
    raw = _rows(odoo, product)
    res = call(ctx, "product_vendors", product=product["default_code"] or product["display_name"])
    got = [r for r in res.data["rows"] if not r.get("no_price_row")]
    assert sorted((r["vendor"], round(r["price"], 2), r.get("min_qty") or 0, r.get("lead_time_days", 0)) for r in got) == sorted(
        (r["partner_id"][1], round(r["price"], 2), r["min_qty"], r["delay"]) for r in raw)
    today = local_today(odoo).isoformat()
    valid = [r for r in raw if _valid(r, today)]
    cheapest = min(valid, key=lambda r: _unit_price(odoo, r, product))  # per product unit, company currency
    assert res.data["cheapest"]["price"] == pytest.approx(cheapest["price"], abs=0.005)
    assert res.data["cheapest"]["vendor"] == cheapest["partner_id"][1]
    for r in got:
        raw_row = next(x for x in raw if x["partner_id"][1] == r["vendor"] and round(x["price"], 2) == r["price"])
        assert r["price_per_product_uom"] == pytest.approx(_unit_price(odoo, raw_row, product), abs=0.006)
    assert res.data["fastest"]["lead_time_days"] == min(r["delay"] for r in valid)
    assert sum(1 for r in got if r.get("valid_today")) == len(valid)
    prices = [float(r["price_per_product_uom"]) for r in got if r.get("valid_today")]
    assert prices == sorted(prices)  # sort=price: valid rows cheapest first
    assert res.rpc_calls <= 2 + 1 + 5  # +1: a foreign rate; +5: the per-client facts and product fields when cold


def test_last_price_paid_per_vendor(ctx: ToolContext, odoo: OdooClient, product: dict[str, Any]) -> None:
    lines = odoo.search_read("purchase.order.line", [("product_id", "=", product["id"]),
                                                     ("state", "in", ["purchase", "done"])],
                             ["partner_id", "price_subtotal", "product_qty", "order_id", "product_uom"], limit=100000)
    row_uom = {r["partner_id"][1]: r["product_uom"][0] for r in _rows(odoo, product)}
    f = _factors(odoo)
    assert lines
    orders = {o["id"]: o for o in odoo.read("purchase.order", list({ln["order_id"][0] for ln in lines}),
                                            ["name", "date_approve"])}
    latest: dict[str, dict[str, Any]] = {}
    for ln in lines:
        when = orders[ln["order_id"][0]]["date_approve"]
        v = ln["partner_id"][1]
        if v not in latest or when > orders[latest[v]["order_id"][0]]["date_approve"]:
            latest[v] = ln
    res = call(ctx, "product_vendors", product=product["default_code"] or product["display_name"])
    by_vendor = {r["vendor"]: r for r in res.data["rows"] if "last_paid_price" in r}
    assert set(by_vendor) == set(latest)
    for v, ln in latest.items():
        order = orders[ln["order_id"][0]]
        per_line_unit = ln["price_subtotal"] / ln["product_qty"]  # in the row's unit (the product's without a row)
        to = row_uom.get(v) or odoo.read("product.product", [product["id"]], ["uom_id"])[0]["uom_id"][0]
        assert by_vendor[v]["last_paid_price"] == pytest.approx(
            per_line_unit * f[ln["product_uom"][0]] / f[to], abs=0.005)
        assert by_vendor[v]["last_paid_on"] == local_date(odoo, order["date_approve"]).isoformat()
        assert by_vendor[v]["last_po"] == order["name"]


def test_supplier_filter_and_sorts(ctx: ToolContext, odoo: OdooClient, product: dict[str, Any]) -> None:
    raw = _rows(odoo, product)
    vendor = raw[0]["partner_id"][1]
    res = call(ctx, "product_vendors", product=product["default_code"], supplier=vendor)
    assert {r["vendor"] for r in res.data["rows"]} == {vendor}
    assert len([r for r in res.data["rows"] if not r.get("no_price_row")]) == sum(
        1 for r in raw if r["partner_id"][1] == vendor)
    names = [r["vendor"].lower() for r in call(ctx, "product_vendors", product=product["default_code"],
                                               sort="vendor").data["rows"]]
    assert names == sorted(names)


def test_warehouse_role_refused_and_prices_redacted_when_lent(odoo: OdooClient, product: dict[str, Any]) -> None:
    res = run_tool(ctx_for(odoo, "warehouse"), "product_vendors", {"product": product["default_code"]})
    assert not res.ok and res.data["code"] == "forbidden"
    lent = ctx_for(odoo, "warehouse", policy(lend_to_warehouse="product_vendors"))
    res = call(lent, "product_vendors", product=product["default_code"])
    assert res.data["rows"] and money_keys(res.data) == [] and no_money_text(res, company_currency(odoo))
    assert all("vendor" in r for r in res.data["rows"])  # who and how fast stay visible


def test_unknown_and_ambiguous_names(ctx: ToolContext, odoo: OdooClient, product: dict[str, Any]) -> None:
    res = run_tool(ctx, "product_vendors", {"product": "Zyxwv Qqqq Frobnicator"})
    assert not res.ok and res.data["code"] == "not_found"
    res = run_tool(ctx, "product_vendors", {"product": ambiguous_product(odoo)})
    assert not res.ok and res.data["code"] == "ambiguous" and len(res.data["candidates"]) >= 2
    if word := ambiguous_vendor(odoo):
        res = run_tool(ctx, "product_vendors", {"product": product["default_code"], "supplier": word})
        assert not res.ok and res.data["code"] == "ambiguous"
    res = run_tool(ctx, "product_vendors", {})
    assert not res.ok and res.data["code"] == "bad_args"
