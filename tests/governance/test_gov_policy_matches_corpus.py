"""The policy file says what the written policies say (issue #14.5): the approval matrix (POL-APM-007), the
emergency rule (POL-EMG-008) and the three-way-match tolerances (POL-3WM-009) are read out of the demo corpus
documents here, with their own wording, and compared with tools/governance/default_policy.yaml."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tools.governance.policy import Policy

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "knowledge" / "corpus" / "policies"


def _doc(name: str) -> str:
    return (POLICIES / name).read_text(encoding="utf-8")


def _num(text: str) -> float:
    return float(text.replace(",", ""))


def _section(text: str, heading: str) -> str:
    m = re.search(rf"^## \d+\. {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert m, f"no section '{heading}'"
    return m.group(1)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy.load(ROOT / "tools" / "governance" / "default_policy.yaml")


def _plain(policy: Policy, kind: str) -> list[Any]:
    """The kind's rules that apply to ordinary (not urgent) purchases, in order."""
    return [r for r in policy.rules[kind] if r.urgent is not True]


def test_matrix_thresholds_and_roles(policy: Policy) -> None:
    matrix = _doc("policy-approval-matrix.md")
    rfq = _section(matrix, "Requests for quotation (create RFQ)")
    self_limit = _num(re.search(r"Up to and including \*\*([\d,]+) USD\*\*.*?self-approval allowed", rfq, re.S)[1])
    upper = _num(re.search(r"up to and including \*\*([\d,]+) USD\*\*: a different person", rfq)[1])
    above = _num(re.search(r"Above \*\*([\d,]+) USD\*\*: only the procurement manager", rfq)[1])
    assert upper == above
    r1, r2, r3 = _plain(policy, "create_rfq")
    assert (r1.max_amount, r1.self_approval_allowed) == (self_limit, True)
    assert set(r1.approver_roles) == {"buyer", "approver", "manager"}  # "any buyer, approver or manager"
    assert (r2.max_amount, r2.self_approval_allowed, set(r2.approver_roles)) == (upper, False, {"approver", "manager"})
    assert r3.approver_roles == ("manager",) and r3.max_amount is None
    assert policy.cumulative["create_rfq"]["max_amount"] == self_limit  # 1.3: no splitting under the limit
    confirm = _section(matrix, "Confirming purchase orders")
    limit = _num(re.search(r"Up to and including ([\d,]+) USD: an approver or a manager", confirm)[1])
    assert "always needs a different person" in confirm
    for kind in ("confirm_purchase_order", "approve_purchase_order"):
        c1, c2 = _plain(policy, kind)
        assert (c1.max_amount, set(c1.approver_roles), c1.self_approval_allowed) == (limit, {"approver", "manager"},
                                                                                   False)
        assert c2.approver_roles == ("manager",) and not c2.self_approval_allowed
    hours = _num(re.search(r"\*\*expire after (\d+) hours\*\*", matrix)[1])
    assert policy.expiry_hours == hours
    days = _num(re.search(r"A move of \*\*(\d+) days\s+or less\*\*", matrix)[1])
    assert policy.rules["reschedule_receipt"][0].max_days_shift == days
    assert policy.rules["reschedule_receipt"][0].self_approval_allowed
    assert all(not r.self_approval_allowed for r in policy.rules["cancel_purchase_order"])
    assert policy.rules["remind_supplier"][0].self_approval_allowed  # 5.1 no spend
    assert "All amounts are in USD" in matrix  # the demo company's currency; the policy uses the company's


def test_emergency_rule(policy: Policy) -> None:
    emg = _doc("policy-emergency-purchase.md")
    threshold = _num(re.search(r"\*\*Emergency purchases over ([\d,]+) USD need the procurement manager", emg)[1])
    matrix_says = _num(re.search(r"Emergency purchases over \*\*([\d,]+) USD\*\* need the procurement manager",
                                 _doc("policy-approval-matrix.md"))[1])
    assert threshold == matrix_says
    for kind in ("create_rfq", "confirm_purchase_order", "approve_purchase_order"):
        rule = policy.rule_for(kind, threshold + 0.01, None, {"urgent": True})
        assert rule.approver_roles == ("manager",) and not rule.self_approval_allowed, kind
        assert rule.min_amount == threshold and rule.urgent is True
        assert policy.rule_for(kind, threshold, None, {"urgent": True}).approver_roles != ("manager",)


def test_three_way_match_tolerances(policy: Policy) -> None:
    doc = _section(_doc("policy-three-way-match.md"), "Tolerances")
    m = re.search(r"Price tolerance: ([\d.]+) % of the unit price or ([\d,]+) USD per line, whichever is lower", doc)
    assert m, doc
    assert policy.three_way_match["price_tolerance_pct"] == float(m[1])
    assert policy.three_way_match["price_tolerance_amount"] == _num(m[2])
    assert re.search(r"Quantity tolerance: zero\*\* for over-billing", doc)
    assert policy.three_way_match["quantity_tolerance"] == 0


@pytest.mark.parametrize("business,code", [("bluebonnet", "USD"), ("hollander", "EUR")])
def test_policy_amounts_are_in_the_connected_company_currency(business: str, code: str,
                                                              request: pytest.FixtureRequest,
                                                              policy: Policy) -> None:
    """`currency: company`: proposals carry the connected company's currency (Bluebonnet's matrix is written in
    its own USD; Hollander, with no written policy of its own, applies the same numbers in EUR)."""
    from tools.base import Identity, ToolContext
    from tools.governance.identity import Directory
    from tools.governance.proposals import ProposalService
    from tools.governance.store import StateStore

    odoo: Any = request.getfixturevalue("odoo" if business == "bluebonnet" else "odoo_hollander")
    assert policy.currency == "company"
    store = StateStore.open("sqlite://")
    try:
        svc = ProposalService(store, policy, Directory.load(ROOT / "tools" / "governance" / "default_users.yaml"),
                              odoo=odoo)
        ctx = ToolContext(user=Identity("ava.buyer", "buyer"), odoo=odoo, store=store, policy=policy)
        company = odoo.read("res.company", [odoo.search("res.company", [], limit=1)[0]], ["currency_id"])[0]
        assert company["currency_id"][1] == code
        p = svc.create(ctx, "create_rfq", {"x": business}, "test", amount=100.0)
        assert p.currency == code
    finally:
        store.close()
