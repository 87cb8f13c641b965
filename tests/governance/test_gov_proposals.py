"""Proposal lifecycle: four eyes, thresholds, re-authorisation, no-ops, staleness, tampering,
expiry and crash reconciliation (with a fake executor; real Odoo executors: test_gov_actions_sandbox)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import sqlalchemy as sa
from gov_kit import Clock, FakeExecutor, ctx_for, ident

from tools.base import ToolError
from tools.governance.audit import AuditLog
from tools.governance.identity import Directory
from tools.governance.policy import Policy
from tools.governance.proposals import Proposal, ProposalService, service_for
from tools.governance.store import StateStore

_po_ids = itertools.count(12)


def _propose(service: ProposalService, directory: Directory, who: str = "ava.buyer",
             kind: str = "confirm_purchase_order", amount: float = 1200.0, po_id: int | None = None,
             **metrics: Any) -> Proposal:
    """A proposal on its own PO (a new one per call unless `po_id` is given: same PO = duplicate)."""
    po_id = next(_po_ids) if po_id is None else po_id
    return service.create(ctx_for(directory, who), kind, {"po": f"P{po_id:05d}", "n": amount},
                          f"{kind} P{po_id:05d}", before_after={"state": ["draft", "purchase"]},
                          evidence={"state": "draft"}, amount=amount, odoo_ref=f"purchase.order,{po_id}",
                          metrics=metrics)


def test_create_records_everything(service: ProposalService, directory: Directory, store: StateStore) -> None:
    events: list[tuple[str, str]] = []
    service.subscribe(lambda e, p: events.append((e, p.state)))
    p = _propose(service, directory)
    assert p.id.startswith("P-") and p.state == "pending" and p.schema_version == 1
    assert p.requester == "ava.buyer" and p.channel == "test" and p.thread_id == "t-1"
    assert p.policy_rule == "confirm_up_to_25000_four_eyes"
    assert p.eligible_approvers == ["maria.manager", "omar.approver"]
    assert (p.expires_at - p.created_at).total_seconds() == 72 * 3600
    assert p.hash_ok and service.get(p.id) == p
    assert events == [("created", "pending")]
    assert [e.type for e in AuditLog(store).events()] == ["proposal_created"]
    assert service_for(ctx_for(directory, "ava.buyer", store)) is service


def test_requester_may_not_propose_forbidden_kind(service: ProposalService, directory: Directory) -> None:
    with pytest.raises(ToolError, match="may not propose"):
        _propose(service, directory, who="wes.warehouse", kind="create_rfq")


def test_four_eyes_then_execute_once(service: ProposalService, directory: Directory,
                                     fake_exec: FakeExecutor, store: StateStore) -> None:
    events: list[tuple[str, str]] = []
    service.subscribe(lambda e, p: events.append((e, p.state)))
    p = _propose(service, directory)
    d = service.decide(p.id, ident(directory, "ava.buyer"), "approve")
    assert d.outcome == "refused" and "four-eyes" in d.message
    d = service.decide(p.id, ident(directory, "ben.buyer"), "approve")
    assert d.outcome == "refused" and "approver or manager" in d.message
    d = service.decide(p.id, ident(directory, "omar.approver"), "approve", "ok")
    assert d.outcome == "executed" and d.proposal and d.proposal.state == "executed"
    assert d.proposal.decided_by == "omar.approver" and d.proposal.decision_comment == "ok"
    again = service.decide(p.id, ident(directory, "maria.manager"), "approve")
    assert again.outcome == "noop" and "already executed" in again.message
    assert fake_exec.executed == [p.id]
    types = [e.type for e in AuditLog(store).events()]
    assert types == ["proposal_created", "proposal_refused", "proposal_refused", "proposal_approved",
                     "proposal_executing", "proposal_executed"]
    approved = AuditLog(store).events(type_="proposal_approved")[0]
    assert approved.approver == "omar.approver" and approved.on_behalf_of == "ava.buyer"
    assert events == [("created", "pending"), ("decided", "approved"), ("executed", "executed")]
    assert AuditLog(store).verify() == []


def test_thresholds_route_to_manager(service: ProposalService, directory: Directory) -> None:
    big = _propose(service, directory, amount=30000)
    assert big.eligible_approvers == ["maria.manager"]
    assert service.decide(big.id, ident(directory, "omar.approver"), "approve").outcome == "refused"
    assert service.decide(big.id, ident(directory, "maria.manager"), "approve").outcome == "executed"
    small_rfq = _propose(service, directory, kind="create_rfq", amount=4000)
    assert service.decide(small_rfq.id, ident(directory, "ava.buyer"), "approve").outcome == "executed"
    mid_rfq = _propose(service, directory, kind="create_rfq", amount=6000)
    assert service.decide(mid_rfq.id, ident(directory, "ava.buyer"), "approve").outcome == "refused"
    assert service.decide(mid_rfq.id, ident(directory, "omar.approver"), "approve").outcome == "executed"
    far = _propose(service, directory, who="wes.warehouse", kind="reschedule_receipt", amount=0, days_shift=10)
    assert service.decide(far.id, ident(directory, "wes.warehouse"), "approve").outcome == "refused"
    near = _propose(service, directory, who="wes.warehouse", kind="reschedule_receipt", amount=0, days_shift=3)
    assert service.decide(near.id, ident(directory, "wes.warehouse"), "approve").outcome == "executed"


def test_reauthorisation_uses_current_directory_and_policy(service: ProposalService, directory: Directory,
                                                           policy: Policy) -> None:
    p = _propose(service, directory)
    # the clicker claims a manager role, but the users file says otherwise
    from dataclasses import replace
    fake_manager = replace(ident(directory, "ben.buyer"), role="manager")
    d = service.decide(p.id, fake_manager, "approve")
    assert d.outcome == "refused" and "role buyer" in d.message
    stranger = replace(ident(directory, "ben.buyer"), username="eve")
    assert service.decide(p.id, stranger, "approve").outcome == "refused"
    # Omar was eligible at creation; a stricter policy at decision time wins
    stricter = Policy.from_dict({
        "roles": {r: {"tools": list(rp.tools)} for r, rp in policy.roles.items()},
        "approval_rules": {"confirm_purchase_order": [{"name": "only_manager", "approver_roles": ["manager"]}]},
    })
    service.policy = stricter
    d = service.decide(p.id, ident(directory, "omar.approver"), "approve")
    assert d.outcome == "refused" and "only_manager" in d.message
    assert service.get(p.id).state == "pending"  # type: ignore[union-attr]


def test_reject_and_then_approve_is_noop(service: ProposalService, directory: Directory,
                                         fake_exec: FakeExecutor) -> None:
    p = _propose(service, directory)
    assert service.decide(p.id, ident(directory, "fiona.finance"), "reject").outcome == "refused"
    d = service.decide(p.id, ident(directory, "ava.buyer"), "reject", "changed my mind")  # requester withdraws
    assert d.outcome == "rejected" and d.proposal and d.proposal.state == "rejected"
    assert service.decide(p.id, ident(directory, "omar.approver"), "approve").outcome == "noop"
    assert fake_exec.executed == []
    assert service.decide("P-nope", ident(directory, "omar.approver"), "approve").outcome == "not_found"
    assert service.decide(p.id, ident(directory, "omar.approver"), "maybe").outcome == "invalid"


def test_stale_writes_nothing(service: ProposalService, directory: Directory, fake_exec: FakeExecutor) -> None:
    p = _propose(service, directory)
    fake_exec.stale_reason = "P00012 is now 'purchase' (was 'draft')"
    d = service.decide(p.id, ident(directory, "omar.approver"), "approve")
    assert d.outcome == "stale" and "was 'draft'" in d.message
    assert d.proposal and d.proposal.state == "stale" and fake_exec.executed == []


def test_tampered_args_refused(service: ProposalService, directory: Directory, fake_exec: FakeExecutor,
                               store: StateStore) -> None:
    p = _propose(service, directory)
    with store.engine.begin() as conn:
        conn.execute(sa.text("update proposals set args_json = :a where id = :i"),
                     {"a": '{"n":1200.0,"po":"P00099"}', "i": p.id})
    d = service.decide(p.id, ident(directory, "omar.approver"), "approve")
    assert d.outcome == "refused" and "tampered" in d.message
    assert service.get(p.id).state == "failed"  # type: ignore[union-attr]
    assert fake_exec.executed == []


def test_tamper_between_approval_and_execution(service: ProposalService, directory: Directory,
                                               fake_exec: FakeExecutor, store: StateStore, clock: Clock) -> None:
    p = _propose(service, directory)
    # a crash right after approval leaves it `approved`; then someone edits the stored args
    with store.engine.begin() as conn:
        conn.execute(sa.text("update proposals set state='approved', decided_by='omar.approver', "
                             "decided_at=:t, args_json='{\"po\":\"P00099\"}' where id = :i"),
                     {"i": p.id, "t": clock.now})
    assert service.reconcile(p.id).outcome == "noop"  # within the lease the approver's process may still run it
    clock.advance(minutes=6)
    d = service.reconcile(p.id)
    assert d.outcome == "refused" and "tampered" in d.message and fake_exec.executed == []
    assert service.get(p.id).state == "failed"  # type: ignore[union-attr]


def test_expiry(service: ProposalService, directory: Directory, clock: Clock, fake_exec: FakeExecutor) -> None:
    p = _propose(service, directory)
    q = _propose(service, directory)
    clock.advance(hours=71, minutes=59)
    assert service.expire_due() == 0
    clock.advance(minutes=2)
    d = service.decide(p.id, ident(directory, "omar.approver"), "approve")
    assert d.outcome == "expired" and d.proposal and d.proposal.state == "expired"
    assert service.expire_due() == 1 and service.get(q.id).state == "expired"  # type: ignore[union-attr]
    assert fake_exec.executed == []


def test_crash_between_write_and_status_is_reconciled(service: ProposalService, directory: Directory,
                                                      fake_exec: FakeExecutor, clock: Clock) -> None:
    p = _propose(service, directory)
    fake_exec.crash_after_write = True
    with pytest.raises(SystemExit):
        service.decide(p.id, ident(directory, "omar.approver"), "approve")
    assert service.get(p.id).state == "executing"  # type: ignore[union-attr]
    fake_exec.crash_after_write = False
    # within the lease another worker leaves it alone
    assert service.reconcile(p.id).outcome == "noop"
    clock.advance(minutes=6)
    d = service.reconcile(p.id)
    assert d.outcome == "executed" and d.proposal and d.proposal.result
    assert d.proposal.result.get("reconciled") is True
    assert fake_exec.executed == [p.id]  # the write happened once, never repeated
    assert service.reconcile(p.id).outcome == "noop"


def test_list_filters(service: ProposalService, directory: Directory) -> None:
    a = _propose(service, directory)
    b = _propose(service, directory, amount=30000)
    c = _propose(service, directory, who="ben.buyer", kind="create_rfq", amount=100)
    assert {p.id for p in service.list(requester="ava.buyer")} == {a.id, b.id}
    assert {p.id for p in service.list(approver="omar.approver")} == {a.id, c.id}
    assert {p.id for p in service.list(approver="maria.manager")} == {a.id, b.id, c.id}
    assert {p.id for p in service.list(approver="ben.buyer")} == {c.id}  # self-approval up to 5,000
    service.decide(c.id, ident(directory, "ben.buyer"), "approve")
    assert [p.id for p in service.list(state="executed")] == [c.id]


def test_odoo_down_fails_cleanly_within_timeout(store: StateStore, policy: Policy, directory: Directory) -> None:
    import time

    from tools.actions import EXECUTORS
    from tools.odoo.client import OdooClient

    dead = OdooClient("http://127.0.0.1:9", "quartermaster", "admin", "admin", timeout=2)
    service = ProposalService(store, policy, directory, AuditLog(store), odoo=dead, executors=EXECUTORS)
    p = service.create(ctx_for(directory, "ava.buyer"), "confirm_purchase_order",
                       {"po_id": 12, "po": "P00012"}, "confirm P00012",
                       evidence={"po_id": 12, "po": "P00012", "state": "draft", "write_date": "",
                                 "amount_total": 10.0}, amount=10.0)
    t0 = time.perf_counter()
    d = service.decide(p.id, ident(directory, "omar.approver"), "approve")
    assert time.perf_counter() - t0 < 10
    assert d.outcome == "deferred" and "unreachable" in d.message and "nothing was written" in d.message
    kept = service.get(p.id)
    assert kept is not None and kept.state == "approved" and kept.decided_by == "omar.approver"
    assert kept.error and "reconcile" in kept.error
    assert [e.type for e in AuditLog(store).events()][-1] == "proposal_deferred"
    assert AuditLog(store).verify() == []


@pytest.mark.parametrize("retry", ["reconcile", "approve_again"])
def test_approval_during_outage_is_kept_and_runs_when_odoo_is_back(
        service: ProposalService, directory: Directory, fake_exec: FakeExecutor, retry: str) -> None:
    from tools.odoo.errors import OdooUnavailable

    p = _propose(service, directory)
    real_reconcile = fake_exec.reconcile

    def down(odoo: Any, proposal: Proposal) -> Any:
        raise OdooUnavailable("connection refused")

    fake_exec.reconcile = down  # type: ignore[method-assign]
    events: list[tuple[str, str]] = []
    service.subscribe(lambda e, q: events.append((e, q.state)))
    d = service.decide(p.id, ident(directory, "omar.approver"), "approve", "go")
    assert d.outcome == "deferred" and d.proposal and d.proposal.state == "approved"
    assert fake_exec.executed == [] and ("deferred", "approved") in events
    assert service.reconcile(p.id).outcome == "deferred"  # still down: still kept, nothing lost
    fake_exec.reconcile = real_reconcile  # type: ignore[method-assign]
    if retry == "reconcile":  # no lease wait: nobody else is about to run a deferred approval
        again = service.reconcile(p.id)
    else:
        assert service.decide(p.id, ident(directory, "ava.buyer"), "approve").outcome == "refused"
        again = service.decide(p.id, ident(directory, "omar.approver"), "approve")
    assert again.outcome == "executed" and fake_exec.executed == [p.id]
    final = service.get(p.id)
    assert final is not None and final.state == "executed" and final.error is None
    assert service.reconcile(p.id).outcome == "noop"
    assert [h["to"] for h in service.history(p.id)][:5] == ["pending", "approved", "executing", "approved",
                                                             "executing"]


def test_odoo_silent_during_write_stays_executing_until_reconciled(
        service: ProposalService, directory: Directory, fake_exec: FakeExecutor, clock: Clock) -> None:
    from tools.odoo.errors import OdooUnavailable

    p = _propose(service, directory)
    real_execute = fake_exec.execute

    def write_then_timeout(odoo: Any, proposal: Proposal) -> dict[str, Any]:
        real_execute(odoo, proposal)
        raise OdooUnavailable("read timed out")

    fake_exec.execute = write_then_timeout  # type: ignore[method-assign]
    d = service.decide(p.id, ident(directory, "omar.approver"), "approve")
    assert d.outcome == "unknown" and d.proposal and d.proposal.state == "executing"
    assert d.proposal.error and "timed out" in d.proposal.error
    fake_exec.execute = real_execute  # type: ignore[method-assign]
    clock.advance(minutes=6)
    assert service.reconcile_stuck()[0].outcome == "executed"
    assert fake_exec.executed == [p.id]


def test_list_shows_overdue_pending_as_expired(service: ProposalService, directory: Directory,
                                               clock: Clock) -> None:
    events: list[tuple[str, str]] = []
    service.subscribe(lambda e, p: events.append((e, p.state)))
    p = _propose(service, directory)
    clock.advance(hours=73)
    assert service.list(state="pending") == []
    assert [x.id for x in service.list(state="expired")] == [p.id]
    assert ("decided", "expired") in events


def test_operator_expire(service: ProposalService, directory: Directory, fake_exec: FakeExecutor) -> None:
    p = _propose(service, directory)
    expired = service.expire(p.id)
    assert expired and expired.state == "expired"
    assert service.expire(p.id) is None
    assert service.decide(p.id, ident(directory, "omar.approver"), "approve").outcome == "noop"
    assert fake_exec.executed == []


def test_odoo_connection_failure_keeps_the_approval(store: StateStore, policy: Policy, directory: Directory,
                                                    fake_exec: FakeExecutor) -> None:
    from tools.odoo.errors import OdooUnavailable

    def cannot_connect() -> Any:
        raise OdooUnavailable("Odoo at http://127.0.0.1:9 is not reachable")

    service = ProposalService(store, policy, directory, AuditLog(store), odoo_factory=cannot_connect,
                              executors={"confirm_purchase_order": fake_exec})
    p = _propose(service, directory)
    d = service.decide(p.id, ident(directory, "omar.approver"), "approve")
    assert d.outcome == "deferred" and "not reachable" in d.message and "nothing was written" in d.message
    assert fake_exec.executed == [] and service.get(p.id).state == "approved"  # type: ignore[union-attr]


def test_no_spend_kinds_show_no_amount(service: ProposalService, directory: Directory) -> None:
    r = service.create(ctx_for(directory, "ava.buyer"), "reschedule_receipt", {"picking_id": 5, "d": "x"},
                       "reschedule receipt DAL/IN/00005 (+10 days)", amount=0, metrics={"days_shift": 10})
    ok, reason = service.policy.can_approve(ident(directory, "ava.buyer"), r)
    assert not ok and "reschedule_receipt needs a different person" in reason and "0.00" not in reason
    ok, reason = service.policy.can_approve(ident(directory, "wes.warehouse"), r)
    assert not ok and "USD" not in reason
    assert r.to_dict()["amount"] is None and not r.has_spend
    c = _propose(service, directory, amount=1200)
    assert c.to_dict()["amount"] == 1200 and c.has_spend
    ok, reason = service.policy.can_approve(ident(directory, "ava.buyer"), c)
    assert "confirm_purchase_order of 1,200.00 USD" in reason


def test_proposal_answer_has_one_full_stop_after_a_summary_ending_with_one(
        store: StateStore, service: ProposalService, directory: Directory) -> None:
    from tools.actions.common import propose

    res = propose(ctx_for(directory, "ava.buyer", store), "cancel_purchase_order",
                  args={"po_id": 12}, summary="cancel P00012 — Cancellation requested in chat by the buyer.",
                  before_after={}, evidence={}, amount=100.0)
    assert ".." not in res.text and "by the buyer. Needs approval" in res.text
    assert not (service.get(res.proposal_ids[0]).summary or "").endswith(".")  # type: ignore[union-attr]


def test_managers_own_big_request_escalates_to_admin(service: ProposalService, directory: Directory) -> None:
    p = _propose(service, directory, who="maria.manager", kind="create_rfq", amount=30000)
    assert p.policy_rule == "rfq_above_25000_manager" and p.eligible_approvers == ["admin"]
    assert service.decide(p.id, ident(directory, "maria.manager"), "approve").outcome == "refused"
    assert service.decide(p.id, ident(directory, "omar.approver"), "approve").outcome == "refused"
    assert service.decide(p.id, ident(directory, "admin"), "approve").outcome == "executed"
    # a buyer's big request is still the manager's alone (escalation is only for an approver's own request)
    b = _propose(service, directory, who="ava.buyer", kind="create_rfq", amount=30000)
    assert b.eligible_approvers == ["maria.manager"]


def test_proposal_nobody_could_approve_is_refused_at_creation(store: StateStore, directory: Directory,
                                                              fake_exec: FakeExecutor, clock: Clock) -> None:
    import yaml
    from gov_kit import GOV

    raw = yaml.safe_load((GOV / "default_policy.yaml").read_text())
    for rule in raw["approval_rules"]["create_rfq"]:
        rule.pop("escalate_to", None)
    svc = ProposalService(store, Policy.from_dict(raw), directory, AuditLog(store), odoo=object(),  # type: ignore[arg-type]
                          executors={"create_rfq": fake_exec}, clock=clock)
    with pytest.raises(ToolError, match="no one but you may approve this.*another manager.*split"):
        _propose(svc, directory, who="maria.manager", kind="create_rfq", amount=30000)
    assert svc.list() == []
    assert [e.type for e in AuditLog(store).events()] == []


def test_duplicate_pending_proposal_returns_the_existing_one(service: ProposalService, directory: Directory,
                                                             store: StateStore) -> None:
    first = _propose(service, directory, po_id=500)
    again = _propose(service, directory, po_id=500)  # same kind, same args
    assert again.id == first.id and again.duplicate_of_request and not first.duplicate_of_request
    other_args = _propose(service, directory, who="ben.buyer", po_id=500, amount=999)  # same kind + target
    assert other_args.id == first.id
    assert _propose(service, directory, kind="cancel_purchase_order", po_id=500).id != first.id  # other kind
    rfq = {"supplier_id": 3, "lines": [{"product_id": 1, "quantity": 5}]}
    a = service.create(ctx_for(directory, "ava.buyer"), "create_rfq", rfq, "rfq", amount=10,
                       odoo_ref="res.partner,3")
    b = service.create(ctx_for(directory, "ava.buyer"), "create_rfq", {**rfq, "lines": [{"product_id": 2,
                                                                                        "quantity": 5}]},
                       "rfq 2", amount=10, odoo_ref="res.partner,3")
    assert a.id != b.id  # two different RFQs to one vendor are fine
    assert service.create(ctx_for(directory, "ava.buyer"), "create_rfq", rfq, "rfq", amount=10,
                          odoo_ref="res.partner,3").id == a.id
    assert len([e for e in AuditLog(store).events() if e.type == "proposal_created"]) == 4
    service.decide(first.id, ident(directory, "ava.buyer"), "reject", "withdrawn")
    assert _propose(service, directory, po_id=500).id != first.id  # no longer pending: a new one


def test_duplicate_answer_names_the_existing_proposal(store: StateStore, service: ProposalService,
                                                      directory: Directory) -> None:
    from tools.actions.common import propose

    ctx = ctx_for(directory, "ava.buyer", store)
    kw: dict[str, Any] = {"args": {"po_id": 77}, "summary": "remind P00077", "before_after": {}, "evidence": {},
                          "odoo_ref": "purchase.order,77", "show_amount": False}
    one = propose(ctx, "remind_supplier", **kw)
    two = propose(ctx, "remind_supplier", **{**kw, "args": {"po_id": 77, "message": "other words"}})
    assert two.proposal_ids == one.proposal_ids and two.data["duplicate"] is True
    assert two.text.startswith(f"Already proposed: {one.proposal_ids[0]}") and "no second proposal" in two.text
    assert len(service.list()) == 1


def test_racing_duplicate_creates_store_one_proposal(service: ProposalService, directory: Directory) -> None:
    import threading

    barrier = threading.Barrier(4)
    ids: list[str] = []

    def create(who: str) -> None:
        barrier.wait()
        ids.append(_propose(service, directory, who=who, po_id=900).id)

    threads = [threading.Thread(target=create, args=(u,))
               for u in ("ava.buyer", "ben.buyer", "ava.buyer", "maria.manager")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 4 and len(set(ids)) == 1
    assert len(service.list(state="pending")) == 1


def test_a_reminder_that_emails_the_vendor_is_not_a_duplicate_of_a_pending_note(store: StateStore,
                                                                                service: ProposalService,
                                                                                directory: Directory) -> None:
    """qa-25: "chase P… and email the supplier" after a note-only reminder on the same PO is pending must
    give a proposal that e-mails the vendor, not the pending note (the e-mail request would be lost)."""
    from tools.actions.common import propose

    ctx = ctx_for(directory, "ava.buyer", store)
    kw: dict[str, Any] = {"summary": "remind P00078", "before_after": {}, "evidence": {},
                          "odoo_ref": "purchase.order,78", "show_amount": False}
    note = propose(ctx, "remind_supplier", args={"po_id": 78, "message": "any news?", "notify_vendor": False}, **kw)
    mail = propose(ctx, "remind_supplier", args={"po_id": 78, "message": "any news?", "notify_vendor": True}, **kw)
    assert mail.proposal_ids != note.proposal_ids and not mail.data.get("duplicate")
    assert service.get(mail.proposal_ids[0]).args["notify_vendor"] is True  # type: ignore[union-attr]
    # the pending e-mail reminder does cover a later note-only or e-mail request on that PO
    again = propose(ctx, "remind_supplier", args={"po_id": 78, "message": "where is it?", "notify_vendor": True}, **kw)
    assert again.proposal_ids == mail.proposal_ids and again.data["duplicate"] is True  # the one that covers it
    assert len(service.list(state="pending")) == 2
