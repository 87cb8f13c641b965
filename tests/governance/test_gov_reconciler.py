"""Nothing waits for a person (issue #11): a background reconciler, exactly one across processes (a DB
lease), finishes `executing` proposals past their lease and deferred ones once Odoo is back."""

from __future__ import annotations

from typing import Any

from gov_kit import Clock, FakeExecutor, ctx_for, ident

from tools.governance.identity import Directory
from tools.governance.proposals import Proposal, ProposalService
from tools.governance.reconciler import Reconciler
from tools.governance.store import StateStore
from tools.odoo.errors import OdooUnavailable


def _propose(service: ProposalService, directory: Directory, po: int) -> Proposal:
    return service.create(ctx_for(directory, "ava.buyer"), "confirm_purchase_order", {"po": f"P{po:05d}"},
                          f"confirm P{po:05d}", amount=1000, odoo_ref=f"purchase.order,{po}")


def test_one_holder_across_processes(store: StateStore) -> None:
    assert store.acquire_lease("reconciler", "a", 60)
    assert not store.acquire_lease("reconciler", "b", 60)
    assert store.acquire_lease("reconciler", "a", 60)  # renew
    store.release_lease("reconciler", "a")
    assert store.acquire_lease("reconciler", "b", 0.0)  # expires at once
    assert store.acquire_lease("reconciler", "a", 60)  # b's lease is over: a takes over


def test_reconciler_finishes_stuck_and_deferred(service: ProposalService, directory: Directory,
                                                fake_exec: FakeExecutor, clock: Clock) -> None:
    stuck = _propose(service, directory, 801)
    assert service._approve_and_start(stuck.id, "omar.approver", None, "ok") is not None  # then the process died
    deferred = _propose(service, directory, 802)
    real = fake_exec.reconcile

    def down(odoo: Any, proposal: Proposal) -> Any:
        raise OdooUnavailable("connection refused")

    fake_exec.reconcile = down  # type: ignore[method-assign]
    assert service.decide(deferred.id, ident(directory, "omar.approver"), "approve").outcome == "deferred"
    first, second = Reconciler(service, holder="p1"), Reconciler(service, holder="p2")
    clock.advance(minutes=6)
    assert first.run_once() is not None and second.run_once() is None  # only the lease holder works
    assert service.get(deferred.id).state == "approved"  # type: ignore[union-attr]  # still down: kept
    fake_exec.reconcile = real  # type: ignore[method-assign]
    done = first.run_once()
    assert done is not None and {d.proposal.id for d in done if d.outcome == "executed"} == {  # type: ignore[union-attr]
        stuck.id, deferred.id}
    assert sorted(fake_exec.executed) == sorted([stuck.id, deferred.id])
    assert service.audit.checkpoints()  # each round anchors the audit chain
    assert service.verify_all() == {}
