"""purchase_order_status answers "is it billed / paid?": each posted bill with Odoo's payment state in words
("not paid", "partially paid"), never the raw code (seen on a real Odoo 18: "Payment: not_paid")."""

from __future__ import annotations

from typing import Any

import pytest

from tools.base import Identity, ToolContext
from tools.registry import run_tool

WORDS = {"not_paid": "not paid", "in_payment": "in payment", "paid": "paid", "partial": "partially paid",
         "reversed": "reversed"}


@pytest.mark.parametrize("client", ["odoo", "odoo_hollander"])
def test_posted_bills_and_their_payment_state_are_said(request: pytest.FixtureRequest, client: str) -> None:
    odoo: Any = request.getfixturevalue(client)
    bills = odoo.search_read("account.move", [("move_type", "=", "in_invoice"), ("state", "=", "posted"),
                                              ("invoice_origin", "!=", False)],
                             ["name", "payment_state", "invoice_origin"], limit=5, order="id desc")
    assert bills, "the demo business has posted vendor bills from POs"
    bill = bills[0]
    po = str(bill["invoice_origin"]).split(",")[0].strip()
    res = run_tool(ToolContext(user=Identity(username="admin", role="admin"), odoo=odoo),
                   "purchase_order_status", {"reference": po})
    assert res.ok, res.error
    assert f"bill {bill['name']} {WORDS[bill['payment_state']]}" in res.text, res.text
    shown = {b["ref"]: b for b in res.data["bills"]}
    assert shown[bill["name"]]["payment"] == WORDS[bill["payment_state"]]
    assert "_" not in str(shown[bill["name"]]["payment"])
