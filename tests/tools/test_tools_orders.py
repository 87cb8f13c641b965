"""find_purchase_orders on the shared sandbox: counts, totals and rows checked against raw search_read."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from read_helpers import (  # type: ignore[import-not-found]
    BUSINESSES,
    ambiguous_product,
    ambiguous_vendor,
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
    utc_bounds,
)

from tools.base import ToolContext
from tools.odoo.client import OdooClient
from tools.registry import run_tool

FIELDS = ["name", "state", "amount_untaxed", "currency_id", "partner_id", "date_order", "date_planned",
          "receipt_status", "picking_type_id", "mail_reception_confirmed"]


@pytest.fixture(scope="module", params=BUSINESSES)
def odoo(request: pytest.FixtureRequest) -> OdooClient:
    return business_odoo(request)


@pytest.fixture(scope="module")
def ctx(odoo: OdooClient) -> ToolContext:
    return ctx_for(odoo, "buyer")


@pytest.fixture(scope="module")
def pos(odoo: OdooClient) -> list[dict[str, Any]]:
    rate = ["currency_rate"] if has_field(odoo, "purchase.order", "currency_rate") else []
    return odoo.search_read("purchase.order", [], FIELDS + rate, limit=100000)


def _total(odoo: OdooClient, rows: list[dict[str, Any]]) -> float:
    return sum(po_in_company(odoo, p, p["amount_untaxed"]) for p in rows)


def test_rfqs_count_states_and_total(ctx: ToolContext, odoo: OdooClient, pos: list[dict[str, Any]]) -> None:
    rfqs = [p for p in pos if p["state"] in ("draft", "sent")]
    assert rfqs, "the sandbox has RFQs"
    res = call(ctx, "find_purchase_orders", state="rfq", limit=3)
    d = res.data
    assert d["count"] == len(rfqs)
    assert d["by_state"] == {{"draft": "RFQ", "sent": "RFQ sent"}[s]: n
                             for s, n in Counter(p["state"] for p in rfqs).items()}
    assert d["total_untaxed"] == pytest.approx(_total(odoo, rfqs), abs=0.02)  # foreign POs at their own rate
    assert d["currency"] == company_currency(odoo)
    assert len(d["rows"]) == 3 and d["showing"] == f"3 of {len(rfqs)}"
    newest = sorted(rfqs, key=lambda p: (p["date_order"], p["id"]), reverse=True)[:3]
    assert [r["reference"] for r in d["rows"]] == [p["name"] for p in newest]
    assert res.rpc_calls <= 2 + 1 + 4  # two, one for POs in a foreign currency, the per-client facts when cold


def test_supplier_and_order_date_window(ctx: ToolContext, odoo: OdooClient, pos: list[dict[str, Any]]) -> None:
    vendor = Counter(p["partner_id"][1] for p in pos).most_common(1)[0][0]
    hi = local_today(odoo)
    lo = hi - timedelta(days=90)
    start, end = utc_bounds(odoo, lo, hi)
    want = [p for p in pos if p["partner_id"][1] == vendor and start <= p["date_order"] < end]
    res = call(ctx, "find_purchase_orders", supplier=vendor, date_from=lo.isoformat(), date_to=hi.isoformat(),
               limit=100)
    assert res.data["count"] == len(want)
    assert {r["reference"] for r in res.data["rows"]} == {p["name"] for p in want[:100]}
    assert all(lo <= local_date(odoo, p["date_order"]) <= hi for p in want)


def test_late_open_orders(ctx: ToolContext, odoo: OdooClient, pos: list[dict[str, Any]]) -> None:
    start, _ = utc_bounds(odoo, local_today(odoo), local_today(odoo))
    late = [p for p in pos if p["state"] in ("purchase", "done") and p["receipt_status"] in ("pending", "partial")
            and p["date_planned"] and p["date_planned"] < start]
    res = call(ctx, "find_purchase_orders", late=True, sort="expected", limit=100)
    assert res.data["count"] == len(late) > 0
    assert res.data["total_untaxed"] == pytest.approx(_total(odoo, late), abs=0.02)
    expected_days = [r["expected_date"] for r in res.data["rows"]]
    assert expected_days == sorted(expected_days)
    open_ = [p for p in pos if p["state"] in ("purchase", "done") and p["receipt_status"] in ("pending", "partial")]
    assert call(ctx, "find_purchase_orders", state="open").data["count"] == len(open_)


def test_product_and_warehouse_filters(ctx: ToolContext, odoo: OdooClient, pos: list[dict[str, Any]]) -> None:
    line = odoo.search_read("purchase.order.line", [("state", "=", "purchase"), ("product_id.default_code", "!=", False)],
                            ["product_id", "order_id"], limit=1, order="id desc")[0]
    product = odoo.read("product.product", [line["product_id"][0]], ["default_code"])[0]["default_code"]
    po = odoo.read("purchase.order", [line["order_id"][0]], ["name", "picking_type_id"])[0]
    wh = odoo.read("stock.picking.type", [po["picking_type_id"][0]], ["warehouse_id"])[0]["warehouse_id"]
    code = odoo.read("stock.warehouse", [wh[0]], ["code"])[0]["code"]
    with_product = {ln["order_id"][0] for ln in odoo.search_read(
        "purchase.order.line", [("product_id", "=", line["product_id"][0])], ["order_id"], limit=100000)}
    types = {t["id"] for t in odoo.search_read("stock.picking.type", [("warehouse_id", "=", wh[0])], ["id"])}
    want = [p for p in pos if p["id"] in with_product and p["picking_type_id"][0] in types]
    res = call(ctx, "find_purchase_orders", product=product, warehouse=code, limit=100)
    assert res.data["count"] == len(want) and po["name"] in {r["reference"] for r in res.data["rows"]}
    assert {r["warehouse"] for r in res.data["rows"]} == {code}


def test_sort_by_amount_and_unacknowledged(ctx: ToolContext, odoo: OdooClient, pos: list[dict[str, Any]]) -> None:
    res = call(ctx, "find_purchase_orders", state="purchase", sort="amount", limit=5)
    # ranked by the amount in the company currency (a 100 USD PO is not above a 95 EUR one by its bare number)
    confirmed = sorted((p for p in pos if p["state"] == "purchase"),
                       key=lambda p: -po_in_company(odoo, p, p["amount_untaxed"]))
    assert [r["amount_untaxed"] for r in res.data["rows"]] == pytest.approx(
        [p["amount_untaxed"] for p in confirmed[:5]], abs=0.01)
    unack = [p for p in pos if not p["mail_reception_confirmed"] and (
        p["state"] == "sent" or (p["state"] == "purchase" and p["receipt_status"] != "full"))]
    res = call(ctx, "find_purchase_orders", unacknowledged=True)
    assert res.data["count"] == len(unack) and "mail_reception_confirmed" in res.data["filters"]["unacknowledged"]


def test_warehouse_role_sees_no_money(odoo: OdooClient) -> None:
    res = call(ctx_for(odoo, "warehouse"), "find_purchase_orders", state="open", limit=5)
    assert res.data["count"] > 0 and res.data["rows"]
    assert money_keys(res.data) == [] and no_money_text(res, company_currency(odoo))
    full = call(ctx_for(odoo, "buyer"), "find_purchase_orders", state="open", limit=5)
    assert "total_untaxed" in full.data and "amount_untaxed" in full.data["rows"][0]


def test_unknown_and_ambiguous_names(ctx: ToolContext, odoo: OdooClient) -> None:
    res = run_tool(ctx, "find_purchase_orders", {"supplier": "Zyxwv Qqqq Trading"})
    assert not res.ok and res.data["code"] == "not_found" and "Zyxwv" in (res.error or "")
    if word := ambiguous_vendor(odoo):
        res = run_tool(ctx, "find_purchase_orders", {"supplier": word})
        assert not res.ok and res.data["code"] == "ambiguous" and len(res.data["candidates"]) >= 2
    res = run_tool(ctx, "find_purchase_orders", {"product": ambiguous_product(odoo)})
    assert not res.ok and res.data["code"] == "ambiguous" and len(res.data["candidates"]) >= 2
    res = run_tool(ctx, "find_purchase_orders", {"state": "shipped"})
    assert not res.ok and res.data["code"] == "bad_args"


def test_the_largest_open_po_is_ranked_in_the_company_currency_and_stated_in_its_own(
        ctx: ToolContext, odoo: OdooClient, pos: list[dict[str, Any]]) -> None:
    """'our biggest open PO' (issue #10 tryout): Odoo sorts amount_untaxed as a bare number across currencies,
    so the tool ranks by the amount in the company currency (the PO's own rate) and says the winner's amount in
    the PO's own currency (currency_id), never the company's."""
    open_pos = [p for p in pos if p["state"] in ("purchase", "done") and p["receipt_status"] in ("pending", "partial")]
    assert open_pos, "the sandbox has open POs"
    top = max(open_pos, key=lambda p: po_in_company(odoo, p, p["amount_untaxed"]))
    res = call(ctx, "find_purchase_orders", state="open", sort="amount", limit=1)
    row = res.data["rows"][0]
    assert row["reference"] == top["name"]
    assert row["currency"] == top["currency_id"][1]
    assert f"{top['amount_untaxed']:,.2f} {top['currency_id'][1]}" in res.text
    assert res.text.startswith(f"Largest of {len(open_pos)} ")
    if top["currency_id"][1] != company_currency(odoo):
        assert abs(row["amount_untaxed_company"] - po_in_company(odoo, top, top["amount_untaxed"])) < 0.01
