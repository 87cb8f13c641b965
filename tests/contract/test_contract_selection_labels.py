"""The selection labels people read for states (issue #12): what tools.odoo.labels reads from the target is what
Odoo 18's web client shows, on a real Odoo and on both sandbox businesses alike."""

from __future__ import annotations

from typing import Any

from tools.odoo.labels import STATE_FIELDS, label_for, selection_labels

ODOO18 = {("purchase.order", "state"): {"draft": "RFQ", "sent": "RFQ Sent", "to approve": "To Approve",
                                        "purchase": "Purchase Order", "done": "Locked", "cancel": "Cancelled"},
          ("purchase.order", "receipt_status"): {"pending": "Not Received", "partial": "Partially Received",
                                                 "full": "Fully Received"},
          ("purchase.order", "invoice_status"): {"no": "Nothing to Bill", "to invoice": "Waiting Bills",
                                                 "invoiced": "Fully Billed"},
          ("stock.picking", "state"): {"draft": "Draft", "waiting": "Waiting Another Operation",
                                       "confirmed": "Waiting", "assigned": "Ready", "done": "Done",
                                       "cancel": "Cancelled"},
          ("account.move", "state"): {"draft": "Draft", "posted": "Posted", "cancel": "Cancelled"},
          ("account.move", "payment_state"): {"not_paid": "Not Paid", "in_payment": "In Payment", "paid": "Paid",
                                              "partial": "Partially Paid", "reversed": "Reversed"}}


def test_state_labels_are_odoo_18s(odoo: Any) -> None:
    for model, field in STATE_FIELDS:
        got = selection_labels(odoo, model, field)
        want = ODOO18[(model, field)]
        assert {k: got.get(k) for k in want} == want, f"{model}.{field}"
    assert label_for(odoo, "stock.picking", "state", "assigned") == "Ready"
    assert label_for(odoo, "purchase.order", "state", "no such key") == "no such key"
