"""Sealed proposals: an insider editing the state database cannot make an approver execute what the
rules forbid. Each case is an attack from issue #11 (it executed on the unsealed schema)."""

from __future__ import annotations

import hashlib
import itertools
import os
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from gov_kit import Clock, FakeExecutor, ctx_for, ident

from tools.governance.audit import AuditLog
from tools.governance.identity import Directory
from tools.governance.keys import SigningKeyError, SigningKeys
from tools.governance.policy import Policy
from tools.governance.proposals import Proposal, ProposalService
from tools.governance.store import StateStore

_po = itertools.count(500)


def _propose(service: ProposalService, directory: Directory, who: str = "ava.buyer",
             kind: str = "confirm_purchase_order", amount: float = 1200.0, **metrics: Any) -> Proposal:
    po = next(_po)
    return service.create(ctx_for(directory, who), kind, {"po": f"P{po:05d}"}, f"{kind} P{po:05d}",
                          evidence={"state": "draft"}, amount=amount, odoo_ref=f"purchase.order,{po}",
                          metrics=metrics)


def _sql(store: StateStore, sql: str, **params: Any) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text(sql), params)


def _refused(service: ProposalService, fake_exec: FakeExecutor, pid: str, who: str, directory: Directory) -> None:
    d = service.decide(pid, ident(directory, who), "approve")
    assert d.outcome == "refused" and "tampered" in d.message, d.message
    assert fake_exec.executed == []
    assert pid in service.verify_all()
    assert AuditLog(service.store).events(type_="proposal_tampered")


def test_over_limit_amount_lowered_in_db_is_refused(service: ProposalService, directory: Directory,
                                                    store: StateStore, fake_exec: FakeExecutor) -> None:
    p = _propose(service, directory, amount=30_000)  # only a manager may approve
    _sql(store, "update proposals set amount = 20000, policy_rule = 'confirm_up_to_25000_four_eyes', "
                "eligible_approvers_json = '[\"maria.manager\",\"omar.approver\"]' where id = :i", i=p.id)
    _refused(service, fake_exec, p.id, "omar.approver", directory)


def test_requester_changed_for_self_approval_is_refused(service: ProposalService, directory: Directory,
                                                        store: StateStore, fake_exec: FakeExecutor) -> None:
    p = _propose(service, directory, who="omar.approver")  # omar may not approve his own confirmation
    _sql(store, "update proposals set requester = 'ava.buyer', requester_role = 'buyer' where id = :i", i=p.id)
    _refused(service, fake_exec, p.id, "omar.approver", directory)


def test_expired_proposal_resurrected_is_refused(service: ProposalService, directory: Directory,
                                                 store: StateStore, fake_exec: FakeExecutor, clock: Clock) -> None:
    p = _propose(service, directory)
    clock.advance(hours=73)
    assert service.expire_due() == 1
    _sql(store, "update proposals set state = 'pending', expires_at = :e where id = :i",
         i=p.id, e=clock.now + (p.expires_at - p.created_at))
    _refused(service, fake_exec, p.id, "omar.approver", directory)


def test_state_only_edit_is_refused(service: ProposalService, directory: Directory, store: StateStore,
                                    fake_exec: FakeExecutor) -> None:
    p = _propose(service, directory)
    assert service.decide(p.id, ident(directory, "omar.approver"), "reject").outcome == "rejected"
    _sql(store, "update proposals set state = 'pending' where id = :i", i=p.id)
    _refused(service, fake_exec, p.id, "maria.manager", directory)


def test_rejection_erased_from_chain_is_caught_by_the_audit_trail(
        service: ProposalService, directory: Directory, store: StateStore, fake_exec: FakeExecutor) -> None:
    p = _propose(service, directory)
    assert service.decide(p.id, ident(directory, "omar.approver"), "reject").outcome == "rejected"
    with store.engine.begin() as conn:  # delete the last link and rewind the head to the one before
        last = conn.execute(sa.text("select max(id) from proposal_events where proposal_id = :i"),
                            {"i": p.id}).scalar()
        prev = conn.execute(sa.text("select prev_hash from proposal_events where id = :x"), {"x": last}).scalar()
        conn.execute(sa.text("delete from proposal_events where id = :x"), {"x": last})
        conn.execute(sa.text("update proposals set state='pending', chain_head=:h, decided_by=null, "
                             "decided_at=null, finished_at=null where id=:i"), {"h": prev, "i": p.id})
    _refused(service, fake_exec, p.id, "maria.manager", directory)


def test_args_edited_with_recomputed_hash_is_refused(service: ProposalService, directory: Directory,
                                                     store: StateStore, fake_exec: FakeExecutor) -> None:
    p = _propose(service, directory)
    other = '{"po":"P09999"}'
    _sql(store, "update proposals set args_json = :a, args_sha256 = :h where id = :i",
         a=other, h=hashlib.sha256(other.encode()).hexdigest(), i=p.id)
    _refused(service, fake_exec, p.id, "omar.approver", directory)


@pytest.mark.parametrize("edit", [
    "currency = 'EUR'", "kind = 'cancel_purchase_order'", "metrics_json = '{\"days_shift\"\\:3}'",
    "odoo_ref = 'purchase.order,1'", "evidence_json = '{\"state\"\\:\"purchase\"}'", "summary = 'harmless'",
    "origin_json = '[]'", "seal = null", "seal_kid = 'feedfeedfeed'",
])
def test_any_sealed_field_edit_is_refused(service: ProposalService, directory: Directory, store: StateStore,
                                          fake_exec: FakeExecutor, edit: str) -> None:
    p = _propose(service, directory)
    _sql(store, f"update proposals set {edit} where id = :i", i=p.id)
    _refused(service, fake_exec, p.id, "omar.approver", directory)


def test_forged_transition_event_is_refused(service: ProposalService, directory: Directory, store: StateStore,
                                            fake_exec: FakeExecutor) -> None:
    p = _propose(service, directory)
    _sql(store, "update proposal_events set actor = 'maria.manager' where proposal_id = :i", i=p.id)
    _refused(service, fake_exec, p.id, "omar.approver", directory)


def test_tamper_after_approval_before_execution(service: ProposalService, directory: Directory,
                                                store: StateStore, fake_exec: FakeExecutor, clock: Clock) -> None:
    p = _propose(service, directory)
    started = service._approve_and_start(p.id, "omar.approver", None, "ok")  # then the process dies
    assert started is not None and started.state == "executing"
    other = '{"po":"P09999"}'
    _sql(store, "update proposals set args_json = :a, args_sha256 = :h where id = :i",
         a=other, h=hashlib.sha256(other.encode()).hexdigest(), i=p.id)
    clock.advance(minutes=6)
    d = service.reconcile(p.id)
    assert d.outcome == "refused" and "tampered" in d.message and fake_exec.executed == []


def test_untampered_proposals_verify_and_execute(service: ProposalService, directory: Directory,
                                                 fake_exec: FakeExecutor) -> None:
    p = _propose(service, directory)
    q = _propose(service, directory)
    assert service.decide(p.id, ident(directory, "omar.approver"), "approve").outcome == "executed"
    assert service.decide(q.id, ident(directory, "omar.approver"), "reject").outcome == "rejected"
    assert service.verify_all() == {}
    assert AuditLog(service.store).verify() == []


def test_old_key_still_verifies_after_rotation(store: StateStore, policy: Policy, directory: Directory,
                                               fake_exec: FakeExecutor, tmp_path: Path) -> None:
    keyfile = tmp_path / "k" / "signing.key"
    old = SigningKeys.from_file(keyfile)
    kinds = ["confirm_purchase_order"]
    svc = ProposalService(store, policy, directory, AuditLog(store), odoo=object(),  # type: ignore[arg-type]
                          executors={k: fake_exec for k in kinds}, keys=old)
    p = _propose(svc, directory)
    new_id = SigningKeys.rotate_file(keyfile)
    rotated = SigningKeys.from_file(keyfile)
    assert rotated.active_id == new_id != old.active_id and old.active_id in rotated.keys
    store.keys = rotated
    assert svc.check(p.id).ok
    q = _propose(svc, directory)
    assert svc.get(q.id).seal_kid == new_id  # type: ignore[union-attr]
    assert svc.decide(p.id, ident(directory, "omar.approver"), "approve").outcome == "executed"
    store.keys = SigningKeys.ephemeral()  # a server without the key refuses rather than trusts
    assert not svc.check(q.id).ok


def test_key_file_is_private_and_env_key_wins(tmp_path: Path) -> None:
    keys = SigningKeys.load(tmp_path, env={})
    path = tmp_path / "signing.key"
    assert path.stat().st_mode & 0o777 == 0o600 and keys.source == str(path)
    os.chmod(path, 0o644)
    with pytest.raises(SigningKeyError, match="readable by others"):
        SigningKeys.load(tmp_path, env={})
    env = {"QM_SIGNING_KEY": "x" * 40, "QM_SIGNING_KEYS_OLD": "y" * 40}
    from_env = SigningKeys.load(tmp_path, env=env)
    assert from_env.source == "QM_SIGNING_KEY" and len(from_env.keys) == 2
    with pytest.raises(SigningKeyError, match="at least"):
        SigningKeys.load(tmp_path, env={"QM_SIGNING_KEY": "short"})
