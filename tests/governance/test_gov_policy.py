"""The default policy says exactly what ARCHITECTURE.md "Approval thresholds" says."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tools.governance.identity import Directory
from tools.governance.policy import Policy, PolicyError

READS = ["stock_levels", "inbound_schedule", "purchase_order_status", "open_purchase_orders",
         "supplier_history", "supplier_scorecard", "supplier_communications", "replenishment_risk",
         "three_way_match_exceptions", "search_documents", "summarize_supplier"]


@dataclass
class P:
    kind: str
    amount: float
    requester: str
    metrics: dict[str, Any] = field(default_factory=dict)


def test_roles_and_tools(policy: Policy) -> None:
    assert policy.can_use("buyer", "create_rfq")
    assert policy.can_use("manager", "create_rfq")
    assert not policy.can_use("warehouse", "create_rfq")
    assert not policy.can_use("finance", "confirm_purchase_order")
    assert policy.can_use("warehouse", "remind_supplier") and policy.can_use("warehouse", "reschedule_receipt")
    assert not policy.can_use("nobody", "stock_levels")
    assert set(READS) <= set(policy.allowed_tools("buyer"))
    assert "three_way_match_exceptions" in policy.allowed_tools("finance")
    assert "supplier_scorecard" not in policy.allowed_tools("warehouse")


def test_rfq_thresholds(policy: Policy) -> None:
    assert policy.rule_for("create_rfq", 5000).self_approval_allowed
    assert set(policy.rule_for("create_rfq", 5000).approver_roles) == {"buyer", "approver", "manager"}
    mid = policy.rule_for("create_rfq", 5000.01)
    assert not mid.self_approval_allowed and set(mid.approver_roles) == {"approver", "manager"}
    assert policy.rule_for("create_rfq", 25000).name == mid.name
    top = policy.rule_for("create_rfq", 25000.01)
    assert top.approver_roles == ("manager",)
    # POL-EMG-008 is a rule now, not a note: an urgent purchase over 10,000 needs the manager
    emergency = policy.rule_for("create_rfq", 10000.01, None, {"urgent": True})
    assert emergency.approver_roles == ("manager",) and "10,000" in (emergency.note or "")
    assert policy.rule_for("create_rfq", 10000, None, {"urgent": True}).name == mid.name


def test_confirm_cancel_always_four_eyes(policy: Policy, directory: Directory) -> None:
    ava, omar, maria = (directory.get(u) for u in ("ava.buyer", "omar.approver", "maria.manager"))
    assert ava and omar and maria
    small = P("confirm_purchase_order", 10, "ava.buyer")
    assert policy.can_approve(ava, small)[0] is False
    assert "four-eyes" in policy.can_approve(ava, small)[1]
    assert policy.can_approve(omar, small)[0]
    big = P("confirm_purchase_order", 30000, "ava.buyer")
    ok, reason = policy.can_approve(omar, big)
    assert not ok and "manager" in reason
    assert policy.can_approve(maria, big)[0]
    own = P("confirm_purchase_order", 10, "omar.approver")
    assert not policy.can_approve(omar, own)[0]
    cancel = P("cancel_purchase_order", 0, "maria.manager")
    assert not policy.can_approve(maria, cancel)[0] and policy.can_approve(omar, cancel)[0]
    assert policy.eligible_approvers(cancel, directory) == ["omar.approver"]


def test_rfq_self_approval_up_to_5000(policy: Policy, directory: Directory) -> None:
    ava, ben, fiona = (directory.get(u) for u in ("ava.buyer", "ben.buyer", "fiona.finance"))
    assert ava and ben and fiona
    assert policy.can_approve(ava, P("create_rfq", 4999, "ava.buyer"))[0]
    assert not policy.can_approve(ava, P("create_rfq", 5001, "ava.buyer"))[0]
    assert not policy.can_approve(ben, P("create_rfq", 5001, "ava.buyer"))[0]  # buyer not enough above 5k
    assert not policy.can_approve(fiona, P("create_rfq", 100, "ava.buyer"))[0]
    assert policy.eligible_approvers(P("create_rfq", 30000, "maria.manager"), directory) == []


def test_reschedule_and_remind(policy: Policy, directory: Directory) -> None:
    wes = directory.get("wes.warehouse")
    assert wes
    assert policy.can_approve(wes, P("reschedule_receipt", 0, "wes.warehouse", {"days_shift": 7}))[0]
    assert not policy.can_approve(wes, P("reschedule_receipt", 0, "wes.warehouse", {"days_shift": -8}))[0]
    assert policy.can_approve(wes, P("remind_supplier", 0, "wes.warehouse"))[0]


def test_redaction_for_warehouse(policy: Policy) -> None:
    data = {"po": "P00012", "amount_total": 10.0, "lines": [{"product": "X", "price_unit": 2.5,
                                                              "qty": 3, "price_subtotal": 7.5}],
            "supplier": {"name": "Apex", "spend_12m": 1000, "total_spend": 5, "otif": 0.97}}
    red = policy.redact("warehouse", data)
    assert red == {"po": "P00012", "lines": [{"product": "X", "qty": 3}],
                   "supplier": {"name": "Apex", "otif": 0.97}}
    assert policy.redact("buyer", data) == data
    assert data["amount_total"] == 10.0  # the input is not modified


def test_doc_types(policy: Policy) -> None:
    assert "contract" not in policy.visible_doc_types("warehouse")
    assert "contract" in policy.visible_doc_types("buyer")
    assert not policy.can_see_doc_type("warehouse", "contract")
    assert policy.can_see_doc_type("warehouse", "sop")
    assert policy.visible_doc_types("stranger") == frozenset()


def test_expiry_and_bad_files(policy: Policy) -> None:
    assert policy.expiry_hours == 72
    with pytest.raises(PolicyError):
        Policy.from_dict({"roles": {"buyer": {}}, "approval_rules": {"x": [{"approver_roles": ["ghost"]}]}})
    with pytest.raises(PolicyError):
        Policy.from_dict({"roles": {"buyer": {}},
                          "approval_rules": {"x": [{"approver_roles": ["buyer"], "max_amount": 5}]}})


@pytest.mark.parametrize(("text", "scrubbed"), [
    ("billed at $30.63 vs $29.16 ordered.", "billed at [redacted] vs [redacted] ordered."),
    ("USD 30.63 or 1,234.56 USD", "[redacted] or [redacted]"),
    ("30.63 dollars", "[redacted]"),
    ("€9.50 and £1,200", "[redacted] and [redacted]"),
    ("4.18 per unit", "[redacted]"),
    ("billed at 30.63 vs 29.16", "billed at [redacted] vs [redacted]"),
    ("unit price: 4.18", "unit price: [redacted]"),
    ("9,000 × PPE-1042 @ 0.01", "9,000 × PPE-1042 [redacted]"),
    # not money: quantities, dates, percentages, references stay
    ("P00123: 1,200 units due 2026-12-03, 12 per box, prices up 8% on Dec 1", None),
])
def test_scrub_money_patterns(text: str, scrubbed: str | None) -> None:
    from tools.governance.policy import scrub_money

    assert scrub_money(text) == (text if scrubbed is None else scrubbed)


def test_scrub_flag_comes_from_the_policy_file(policy: Policy) -> None:
    assert policy.scrubs_money("warehouse") and policy.scrubs_money("requester")
    assert not policy.scrubs_money("buyer") and not policy.scrubs_money("nobody")
    assert policy.redact("warehouse", {"body": "at $3.10", "price_unit": 3.1}) == {"body": "at [redacted]"}
    assert policy.redact("buyer", {"body": "at $3.10"}) == {"body": "at $3.10"}
