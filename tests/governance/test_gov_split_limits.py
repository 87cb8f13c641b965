"""Limits that cannot be split (issue #11): three 7-day reschedules of one receipt, or three RFQs just
under 5,000 USD to one vendor, were each self-approved. Now the policy's rolling window adds them up."""

from __future__ import annotations

from gov_kit import Clock, FakeExecutor, ctx_for, ident

from tools.governance.identity import Directory
from tools.governance.proposals import Proposal, ProposalService


def _rfq(service: ProposalService, directory: Directory, n: int, amount: float = 4900.0,
         vendor: int = 7) -> Proposal:
    return service.create(ctx_for(directory, "ava.buyer"), "create_rfq", {"supplier": "V", "n": n},
                          f"RFQ {n}", amount=amount, odoo_ref=f"res.partner,{vendor}")


def _resched(service: ProposalService, directory: Directory, n: int, days: float, picking: int = 40) -> Proposal:
    return service.create(ctx_for(directory, "wes.warehouse"), "reschedule_receipt",
                          {"receipt": f"HOU/IN/{picking}", "n": n}, f"move {n}",
                          odoo_ref=f"stock.picking,{picking}", metrics={"days_shift": days})


def test_rfqs_to_one_vendor_cannot_be_split_under_the_self_approval_limit(
        service: ProposalService, directory: Directory, fake_exec: FakeExecutor, clock: Clock) -> None:
    ava = ident(directory, "ava.buyer")
    first = _rfq(service, directory, 1)
    assert service.decide(first.id, ava, "approve").outcome == "executed"
    second = _rfq(service, directory, 2)
    assert "ava.buyer" not in second.eligible_approvers
    d = service.decide(second.id, ava, "approve")
    assert d.outcome == "refused" and "would total 9,800.00" in d.message
    other_vendor = _rfq(service, directory, 3, vendor=8)
    assert service.decide(other_vendor.id, ava, "approve").outcome == "executed"
    assert service.decide(second.id, ident(directory, "omar.approver"), "approve").outcome == "executed"
    clock.advance(hours=169)  # outside the rolling window: self-approval again
    assert service.decide(_rfq(service, directory, 4).id, ava, "approve").outcome == "executed"


def test_reschedules_of_one_receipt_add_up(service: ProposalService, directory: Directory,
                                          fake_exec: FakeExecutor) -> None:
    wes = ident(directory, "wes.warehouse")
    for n in range(2):
        p = _resched(service, directory, n, 3)
        assert service.decide(p.id, wes, "approve").outcome == "executed"
    third = _resched(service, directory, 2, 3)  # 3 + 3 + 3 = 9 > 7
    d = service.decide(third.id, wes, "approve")
    assert d.outcome == "refused" and "total 9 days" in d.message
    elsewhere = _resched(service, directory, 3, 7, picking=41)
    assert service.decide(elsewhere.id, wes, "approve").outcome == "executed"
    assert service.decide(third.id, ident(directory, "ben.buyer"), "approve").outcome == "executed"
