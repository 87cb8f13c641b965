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


@pytest.mark.parametrize("client", ["odoo", "odoo_hollander"])
def test_receipt_and_billing_status_are_odoos_own_labels(request: pytest.FixtureRequest, client: str) -> None:
    """Odoo's form shows "Receipt Status: Not Received" and "Billing Status: Nothing to Bill"; the answer said the
    codes ("receipt pending, billing no") and "receipt n/a" (seen on a real Odoo 18 demo)."""
    odoo: Any = request.getfixturevalue(client)
    fields = odoo.call("purchase.order", "fields_get", [["receipt_status", "invoice_status"]],
                       {"attributes": ["selection"]})
    labels = {f: dict(fields[f]["selection"]) for f in ("receipt_status", "invoice_status")}
    seen: set[tuple[str, str]] = set()
    for po in odoo.search_read("purchase.order", [("state", "in", ["draft", "purchase", "done"])],
                               ["name", "receipt_status", "invoice_status"], limit=300, order="id desc"):
        key = (str(po["receipt_status"]), str(po["invoice_status"]))
        if key in seen or len(seen) >= 4:
            continue
        seen.add(key)
        res = run_tool(ToolContext(user=Identity(username="admin", role="admin"), odoo=odoo),
                       "purchase_order_status", {"reference": po["name"]})
        assert res.ok, res.error
        head = res.text.split(";")[0] + ";" + res.text.split(";")[1] if ";" in res.text else res.text
        receipt = f"receipt: {labels['receipt_status'][po['receipt_status']]}" if po["receipt_status"] \
            else "no receipt"
        billing = f"billing: {labels['invoice_status'][po['invoice_status']]}"
        assert receipt in head and billing in head, res.text
        assert "n/a" not in head and f"billing {po['invoice_status']}" not in head
    assert len(seen) >= 2
