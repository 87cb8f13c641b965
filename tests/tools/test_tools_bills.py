"""vendor_bills on the shared sandbox: counts, amount due and rows checked against raw account.move reads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from read_helpers import (  # type: ignore[import-not-found]
    BUSINESSES,
    ambiguous_vendor,
    business_odoo,
    call,
    company_currency,
    company_currency_id,
    ctx_for,
    has_field,
    local_today,
    money_keys,
    no_money_text,
    policy,
    today_rates,
)

from tools.base import ToolContext
from tools.odoo.client import OdooClient
from tools.registry import run_tool

FIELDS = ["name", "move_type", "state", "payment_state", "partner_id", "invoice_date", "invoice_date_due",
          "amount_residual", "amount_total", "currency_id", "invoice_origin"]


@pytest.fixture(scope="module", params=BUSINESSES)
def odoo(request: pytest.FixtureRequest) -> OdooClient:
    return business_odoo(request)


@pytest.fixture(scope="module")
def ctx(odoo: OdooClient) -> ToolContext:
    return ctx_for(odoo, "finance")


@pytest.fixture(scope="module")
def bills(odoo: OdooClient) -> list[dict[str, Any]]:
    return odoo.search_read("account.move", [("move_type", "in", ["in_invoice", "in_refund"])], FIELDS, limit=100000)


def _due(odoo: OdooClient, rows: list[dict[str, Any]]) -> float:
    """Amount still due in the company currency: Odoo's signed residual where it has one, else each
    foreign bill at today's rate."""
    if has_field(odoo, "account.move", "amount_residual_signed"):
        signed = {r["id"]: r["amount_residual_signed"] for r in odoo.read(
            "account.move", [b["id"] for b in rows], ["amount_residual_signed"])}
        return -sum(signed[b["id"]] for b in rows)
    rates, home = today_rates(odoo), company_currency_id(odoo)
    return sum(b["amount_residual"] * (-1 if b["move_type"] == "in_refund" else 1)
               / (1.0 if b["currency_id"][0] == home else rates[b["currency_id"][0]]) for b in rows)


def _open(b: dict[str, Any]) -> bool:
    return b["state"] == "posted" and b["payment_state"] in ("not_paid", "partial")


def test_open_and_overdue_counts_and_amount_due(ctx: ToolContext, odoo: OdooClient,
                                                bills: list[dict[str, Any]]) -> None:
    open_ = [b for b in bills if _open(b)]
    res = call(ctx, "vendor_bills", limit=5)
    assert res.data["count"] == len(open_) and res.data["total_residual"] == pytest.approx(_due(odoo, open_), abs=0.01)
    first = sorted(open_, key=lambda b: (b["invoice_date_due"], b["id"]))[:5]
    assert [r["bill"] for r in res.data["rows"]] == [b["name"] for b in first]
    today = local_today(odoo).isoformat()
    overdue = [b for b in open_ if b["invoice_date_due"] and b["invoice_date_due"] < today]
    res = call(ctx, "vendor_bills", status="overdue")
    assert res.data["count"] == len(overdue) and res.data["total_residual"] == pytest.approx(_due(odoo, overdue), abs=0.01)
    assert res.rpc_calls <= 2 + 1 + 4  # +1: a foreign rate; +4: the per-client facts when cold


def test_due_window_paid_and_draft(ctx: ToolContext, odoo: OdooClient, bills: list[dict[str, Any]]) -> None:
    today = local_today(odoo)
    soon = [b for b in bills if _open(b) and today.isoformat() <= str(b["invoice_date_due"])
            <= (today + timedelta(days=7)).isoformat()]
    assert call(ctx, "vendor_bills", status="due").data["count"] == len(soon)
    paid = [b for b in bills if b["state"] == "posted" and b["payment_state"] in ("paid", "in_payment")]
    assert call(ctx, "vendor_bills", status="paid").data["count"] == len(paid)
    drafts = [b for b in bills if b["state"] == "draft"]
    assert call(ctx, "vendor_bills", status="draft").data["count"] == len(drafts)
    assert call(ctx, "vendor_bills", status="any").data["count"] == len(bills)


def test_supplier_dates_and_po_reference(ctx: ToolContext, odoo: OdooClient, bills: list[dict[str, Any]]) -> None:
    bill = next(b for b in sorted(bills, key=lambda b: -b["id"]) if b["invoice_origin"] and b["state"] == "posted")
    vendor = bill["partner_id"][1]
    mine = [b for b in bills if b["partner_id"][1] == vendor and b["invoice_date"]
            and b["invoice_date"] >= "2000-01-01"]
    res = call(ctx, "vendor_bills", status="any", supplier=vendor, date_from="2000-01-01", limit=100)
    assert res.data["count"] == len(mine)
    po = bill["invoice_origin"].split(",")[0].strip()
    lines = odoo.search_read("account.move.line", [("purchase_line_id.order_id.name", "=", po)], ["move_id"],
                             limit=10000)
    want = {ln["move_id"][1].split(" ")[0] for ln in lines} | {
        b["name"] for b in bills if po in str(b["invoice_origin"])}
    res = call(ctx, "vendor_bills", status="any", reference=po, limit=100)
    assert {r["bill"] for r in res.data["rows"]} == want
    assert all(po in r["purchase_orders"] for r in res.data["rows"])
    res = call(ctx, "vendor_bills", status="any", reference=bill["name"])
    assert [r["bill"] for r in res.data["rows"]] == [bill["name"]]


def test_warehouse_role_refused_and_money_redacted_when_lent(odoo: OdooClient) -> None:
    res = run_tool(ctx_for(odoo, "warehouse"), "vendor_bills", {})
    assert not res.ok and res.data["code"] == "forbidden"
    res = call(ctx_for(odoo, "warehouse", policy(lend_to_warehouse="vendor_bills")), "vendor_bills", limit=5)
    assert res.data["count"] > 0 and res.data["rows"]
    assert money_keys(res.data) == [] and no_money_text(res, company_currency(odoo))


def test_unknown_and_ambiguous_names(ctx: ToolContext, odoo: OdooClient) -> None:
    res = run_tool(ctx, "vendor_bills", {"supplier": "Zyxwv Qqqq Trading"})
    assert not res.ok and res.data["code"] == "not_found"
    if word := ambiguous_vendor(odoo):
        res = run_tool(ctx, "vendor_bills", {"supplier": word})
        assert not res.ok and res.data["code"] == "ambiguous" and len(res.data["candidates"]) >= 2
    res = call(ctx, "vendor_bills", status="any", reference="NO-SUCH-BILL-999")
    assert res.data["count"] == 0 and "0 vendor bill" in res.text
