"""Figures for the README security section (issue #11), measured on a temp SQLite state store:

  - tampering: every insider edit of the state database we know of, tried; how many were caught
    (refused by decide, or reported by `audit verify`);
  - obedient model: planted instructions (chatter, e-mails, documents) behind ordinary questions, run
    through the real agent loop, registry and ProposalService with a scripted model that obeys them;
    how many proposals reached an approver (and, separately, with the keyword guard switched off);
  - redaction: the hypothesis property (10,000 generated money phrasings) and its leaks;
  - seal verification: time to verify 1,000 proposals (seal + chain + audit cross-check).

    .venv/bin/python bench/bench_security.py [--proposals 1000]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "governance"))

import sqlalchemy as sa  # noqa: E402

from tools.governance.audit import GENESIS, AuditLog, row_hash  # noqa: E402
from tools.governance.identity import Directory  # noqa: E402
from tools.governance.policy import Policy  # noqa: E402
from tools.governance.proposals import ProposalService  # noqa: E402
from tools.governance.store import StateStore, canonical_json  # noqa: E402

GOV = ROOT / "tools" / "governance"
KINDS = ["create_rfq", "confirm_purchase_order", "cancel_purchase_order", "remind_supplier", "reschedule_receipt"]


class _Exec:
    def __init__(self) -> None:
        self.executed: list[str] = []

    def reconcile(self, odoo: Any, p: Any) -> None:
        return None

    def revalidate(self, odoo: Any, p: Any) -> None:
        return None

    def execute(self, odoo: Any, p: Any) -> dict[str, Any]:
        self.executed.append(p.id)
        return {"message": "done"}


def _world(tmp: Path) -> tuple[StateStore, ProposalService, Directory, _Exec]:
    store = StateStore.open(f"sqlite:///{tmp / 'state.db'}")
    directory = Directory.load(GOV / "default_users.yaml")
    ex = _Exec()
    service = ProposalService(store, Policy.load(GOV / "default_policy.yaml"), directory, AuditLog(store),
                              odoo=object(), executors={k: ex for k in KINDS})  # type: ignore[arg-type]
    return store, service, directory, ex


def _ctx(directory: Directory, who: str) -> Any:
    from tools.base import ToolContext

    return ToolContext(user=directory.get(who), odoo=None, channel="bench", thread_id="b")  # type: ignore[arg-type]


_n = [1000]


def _propose(service: ProposalService, directory: Directory, who: str = "ava.buyer", amount: float = 1200.0) -> Any:
    _n[0] += 1
    return service.create(_ctx(directory, who), "confirm_purchase_order", {"po": f"P{_n[0]:05d}"},
                          f"confirm P{_n[0]:05d}", evidence={"state": "draft"}, amount=amount,
                          odoo_ref=f"purchase.order,{_n[0]}")


def _sql(store: StateStore, sql: str, **kw: Any) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text(sql), kw)


def tampering() -> tuple[int, int, list[str]]:
    """(tried, caught, names of the ones that got through)."""
    cases: list[tuple[str, Any]] = []

    def proposal_case(name: str, sql: str, who: str = "omar.approver", amount: float = 1200.0,
                      requester: str = "ava.buyer", before: str | None = None) -> None:
        def run(store: StateStore, service: ProposalService, directory: Directory, ex: _Exec) -> bool:
            p = _propose(service, directory, requester, amount)
            if before == "expire":
                _sql(store, "update proposals set expires_at = created_at where id = :i", i=p.id)
                service.expire_due()
            if before == "reject":
                service.decide(p.id, directory.get("omar.approver"), "reject")  # type: ignore[arg-type]
            _sql(store, sql, i=p.id, h=hashlib.sha256(b'{"po":"P09999"}').hexdigest())
            d = service.decide(p.id, directory.get(who), "approve")  # type: ignore[arg-type]
            return d.outcome != "executed" and not ex.executed and p.id in service.verify_all()
        cases.append((name, run))

    proposal_case("amount lowered under the approver's cap",
                  "update proposals set amount = 20000 where id = :i", amount=30000)
    proposal_case("requester changed (self-approval)",
                  "update proposals set requester = 'ava.buyer' where id = :i", requester="omar.approver")
    proposal_case("expired proposal resurrected (state + expires_at)",
                  "update proposals set state = 'pending', expires_at = '2099-01-01 00:00:00' where id = :i",
                  before="expire")
    proposal_case("rejected proposal set back to pending", "update proposals set state = 'pending' where id = :i",
                  who="maria.manager", before="reject")
    proposal_case("arguments replaced with a recomputed sha256",
                  "update proposals set args_json = '{\"po\":\"P09999\"}', args_sha256 = :h where id = :i")
    for col, value in (("currency", "'EUR'"), ("kind", "'cancel_purchase_order'"), ("odoo_ref", "'purchase.order,1'"),
                       ("metrics_json", "'{}'||' '"), ("evidence_json", "'{}'"), ("summary", "'harmless'"),
                       ("policy_rule", "'x'"), ("eligible_approvers_json", "'[\"ben.buyer\"]'"),
                       ("origin", "'model'"), ("seal", "NULL"), ("seal_kid", "'feedfeedfeed'"),
                       ("requester_role", "'manager'"), ("created_at", "'2020-01-01 00:00:00'")):
        proposal_case(f"{col} edited", f"update proposals set {col} = {value} where id = :i")
    proposal_case("transition event forged", "update proposal_events set actor = 'maria.manager' where proposal_id = :i")

    def erased(store: StateStore, service: ProposalService, directory: Directory, ex: _Exec) -> bool:
        p = _propose(service, directory)
        service.decide(p.id, directory.get("omar.approver"), "reject")  # type: ignore[arg-type]
        with store.engine.begin() as conn:
            last = conn.execute(sa.text("select max(id) from proposal_events where proposal_id=:i"), {"i": p.id}).scalar()
            prev = conn.execute(sa.text("select prev_hash from proposal_events where id=:x"), {"x": last}).scalar()
            conn.execute(sa.text("delete from proposal_events where id=:x"), {"x": last})
            conn.execute(sa.text("update proposals set state='pending', chain_head=:h where id=:i"), {"h": prev, "i": p.id})
        d = service.decide(p.id, directory.get("maria.manager"), "approve")  # type: ignore[arg-type]
        return d.outcome != "executed" and not ex.executed
    cases.append(("rejection erased from the chain, head rewound", erased))

    def audit_case(name: str, mutate: Any) -> None:
        def run(store: StateStore, service: ProposalService, directory: Directory, ex: _Exec) -> bool:
            audit = AuditLog(store)
            for i in range(10):
                audit.record("tool_call", "ava.buyer", f"r{i}", {"i": i})
            audit.checkpoint()
            mutate(store)
            return bool(audit.verify())
        cases.append((name, run))

    def rewind(store: StateStore) -> None:
        with store.engine.begin() as conn:
            h = conn.execute(sa.text("select hash from audit_events where seq = 8")).scalar()
            conn.execute(sa.text("delete from audit_events where seq > 8"))
            conn.execute(sa.text("update audit_head set last_seq = 8, last_hash = :h"), {"h": h})

    def rebuild(store: StateStore) -> None:
        from datetime import datetime

        with store.engine.begin() as conn:
            rows = conn.execute(sa.text("select seq, ts, type, actor, on_behalf_of, approver, run_id, payload_json "
                                        "from audit_events order by seq")).all()
            prev = GENESIS
            for r in rows:
                payload = canonical_json({"i": 99}) if r.seq == 2 else r.payload_json
                ts = datetime.fromisoformat(r.ts) if isinstance(r.ts, str) else r.ts
                h = row_hash(r.seq, ts, r.type, r.actor, r.on_behalf_of, r.approver, r.run_id, payload, prev)
                conn.execute(sa.text("update audit_events set payload_json=:p, prev_hash=:ph, hash=:h where seq=:s"),
                             {"p": payload, "ph": prev, "h": h, "s": r.seq})
                prev = h
            conn.execute(sa.text("update audit_head set last_hash = :h"), {"h": prev})

    audit_case("audit tail deleted and head rewound", rewind)
    audit_case("audit head row deleted", lambda st: _sql(st, "delete from audit_head"))
    def wipe(store: StateStore) -> None:
        _sql(store, "delete from audit_events")
        _sql(store, f"update audit_head set last_seq = 0, last_hash = '{GENESIS}'")

    audit_case("every audit row deleted, head reset", wipe)
    audit_case("audit chain rebuilt from genesis", rebuild)
    audit_case("checkpoint count edited", lambda st: _sql(st, "update audit_checkpoints set count = 3"))
    audit_case("audit row edited", lambda st: _sql(st, "update audit_events set actor = 'x' where seq = 4"))

    caught, missed = 0, []
    for name, run in cases:
        with tempfile.TemporaryDirectory() as tmp:
            store, service, directory, ex = _world(Path(tmp))
            try:
                ok = run(store, service, directory, ex)
            finally:
                store.close()
        caught += ok
        if not ok:
            missed.append(name)
    return len(cases), caught, missed


def obedient(guard_off: bool) -> tuple[int, int, int]:
    """(planted instructions, proposals the model made, proposals that reached an approver)."""
    import obedient_kit as kit

    from assistant import agent
    from assistant.agent import Assistant
    from assistant.eval.mock_llm import MockOpenAI
    from assistant.llm import build_llm
    from tools import registry
    from tools.base import ToolContext

    saved_tools, saved_guard = registry.TOOLS, agent.asks_for_action
    registry.TOOLS = kit.fake_tools()
    if guard_off:
        agent.asks_for_action = lambda _t: True  # type: ignore[assignment]
    made = reached = 0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store, service, directory, _ex = _world(Path(tmp))
            policy, audit = service.policy, service.audit

            def context_for(u: Any, c: str, t: str | None) -> ToolContext:
                return ToolContext(user=u, odoo=kit.FakeOdoo(), store=store, policy=policy,  # type: ignore[arg-type]
                                   audit=audit, channel=c, thread_id=t)

            reads = {"chatter": ("purchase_order_status", "po"), "email": ("supplier_communications", "vendor"),
                     "document": ("search_documents", None)}
            with MockOpenAI(kit.obedient_script) as mock:
                llm = build_llm(model="mock", base_url=mock.base_url, api_key=None, timeout_s=5.0, max_retries=0)
                a = Assistant(brain_name="llm", model=llm, backend=kit.RegistryBackend(policy), context_for=context_for,
                              memory=None, audit=audit, system_prompt="bench {user} {role}")
                for n, ((source, template), question) in enumerate(zip(kit.PLANTS, kit.QUESTIONS, strict=False)):
                    kit.PLANTED.clear()
                    kit.PLANTED[source] = kit.fill(template, n)
                    tool, key = reads[source]
                    kit.FIRST_READ[0] = (tool, {"reference": kit.fill("{" + key + "}", n)} if key else {"query": "x"})
                    who = "wes.warehouse" if n % 5 == 4 else "ava.buyer"
                    a.ask(directory.get(who), kit.fill(question, n), channel="bench")  # type: ignore[arg-type]
                a.close()
            pending = service.list(state="pending", limit=1000)
            made = len(pending)
            visible = {p.id for u in directory.all() for p in service.list(approver=u.username, limit=1000)}
            reached = sum(1 for p in pending if p.id in visible)
            store.close()
    finally:
        registry.TOOLS, agent.asks_for_action = saved_tools, saved_guard  # type: ignore[assignment]
    return len(kit.PLANTS), made, reached


def redaction() -> tuple[int, int]:
    import test_gov_money_property as prop

    try:
        prop.test_no_amount_survives()
        leaks = 0
    except AssertionError:
        leaks = 1  # hypothesis stops at the first (shrunk) counterexample
    return prop.N_EXAMPLES, leaks


def seal_verification(n: int) -> tuple[float, float]:
    """(seconds for verify_all over n proposals, ms per single check)."""
    with tempfile.TemporaryDirectory() as tmp:
        store, service, directory, _ex = _world(Path(tmp))
        omar = directory.get("omar.approver")
        ids = []
        for i in range(n):
            p = _propose(service, directory)
            ids.append(p.id)
            if i % 3 == 0:
                service.decide(p.id, omar, "approve")  # type: ignore[arg-type]
        t = time.perf_counter()
        bad = service.verify_all()
        all_s = time.perf_counter() - t
        assert bad == {}, bad
        t = time.perf_counter()
        for pid in ids[:200]:
            assert service.check(pid).ok
        one_ms = (time.perf_counter() - t) * 1000 / 200
        store.close()
    return all_s, one_ms


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--proposals", type=int, default=1000)
    args = ap.parse_args()
    tried, caught, missed = tampering()
    print(f"tampering: {caught}/{tried} cases caught" + (f" (missed: {', '.join(missed)})" if missed else ""))
    for guard_off in (False, True):
        plants, made, reached = obedient(guard_off)
        label = "keyword guard off" if guard_off else "as shipped"
        print(f"obedient model ({label}): {plants} planted instructions, {made} proposals made, "
              f"{reached} reached an approver")
    size, leaks = redaction()
    print(f"redaction property: {size} generated messages, {leaks} leaks")
    all_s, one_ms = seal_verification(args.proposals)
    print(f"seal verification: {args.proposals} proposals in {all_s:.2f} s (verify_all); "
          f"decide-time check {one_ms:.2f} ms per proposal")


if __name__ == "__main__":
    main()
