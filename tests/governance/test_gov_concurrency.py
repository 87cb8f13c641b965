"""Two threads / two processes approving the same proposals: each executes exactly once."""

from __future__ import annotations

import fcntl
import multiprocessing as mp
import threading
from pathlib import Path
from typing import Any

from gov_kit import GOV, FakeExecutor, ctx_for, ident

from tools.governance.audit import AuditLog
from tools.governance.identity import Directory
from tools.governance.policy import Policy
from tools.governance.proposals import Proposal, ProposalService
from tools.governance.store import StateStore


class FileExecutor:
    """An executor whose "Odoo" is a file shared by processes (one line per write)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _lines(self) -> list[str]:
        return self.path.read_text().splitlines() if self.path.exists() else []

    def reconcile(self, odoo: Any, proposal: Proposal) -> dict[str, Any] | None:
        return {"marker": proposal.id} if proposal.id in self._lines() else None

    def revalidate(self, odoo: Any, proposal: Proposal) -> str | None:
        return None

    def execute(self, odoo: Any, proposal: Proposal) -> dict[str, Any]:
        with self.path.open("a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.write(proposal.id + "\n")
        return {"message": "written"}


def _racer(url: str, approver: str, ids: list[str], out: Path, queue: Any) -> None:
    store = StateStore.open(url)
    directory = Directory.load(GOV / "default_users.yaml")
    service = ProposalService(store, Policy.load(GOV / "default_policy.yaml"), directory, AuditLog(store),
                              odoo=object(),  # type: ignore[arg-type]
                              executors={"confirm_purchase_order": FileExecutor(out)})
    outcomes = [service.decide(pid, ident(directory, approver), "approve").outcome for pid in ids]
    store.close()
    queue.put(outcomes)


def _make(service: ProposalService, directory: Directory, n: int) -> list[str]:
    return [service.create(ctx_for(directory, "ava.buyer"), "confirm_purchase_order", {"po": f"P{i:05d}"},
                           f"confirm P{i:05d}", amount=100.0).id for i in range(n)]


def test_two_threads_execute_once(service: ProposalService, directory: Directory,
                                  fake_exec: FakeExecutor, store: StateStore) -> None:
    ids = _make(service, directory, 12)
    results: dict[str, list[str]] = {"omar.approver": [], "maria.manager": []}
    barrier = threading.Barrier(2)

    def worker(who: str) -> None:
        barrier.wait()
        for pid in ids:
            results[who].append(service.decide(pid, ident(directory, who), "approve").outcome)

    threads = [threading.Thread(target=worker, args=(w,)) for w in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(fake_exec.executed) == sorted(ids)
    outcomes = results["omar.approver"] + results["maria.manager"]
    assert outcomes.count("executed") == len(ids) and outcomes.count("noop") == len(ids)
    assert AuditLog(store).verify() == []
    assert len(AuditLog(store).events(type_="proposal_executed")) == len(ids)


def test_two_processes_execute_once(service: ProposalService, directory: Directory, store: StateStore,
                                    db_url: str, tmp_path: Path) -> None:
    ids = _make(service, directory, 15)
    out = tmp_path / "odoo_writes.txt"
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_racer, args=(db_url, who, ids, out, queue))
             for who in ("omar.approver", "maria.manager")]
    for p in procs:
        p.start()
    outcomes = queue.get(timeout=120) + queue.get(timeout=120)
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    writes = out.read_text().splitlines()
    assert sorted(writes) == sorted(ids), "every proposal written to Odoo exactly once"
    assert outcomes.count("executed") == len(ids)
    assert {service.get(pid).state for pid in ids} == {"executed"}  # type: ignore[union-attr]
    assert AuditLog(store).verify() == []


def _opener(url: str, queue: Any) -> None:
    try:
        StateStore.open(url).close()
        queue.put("ok")
    except Exception as exc:  # noqa: BLE001 - report to the parent
        queue.put(f"{type(exc).__name__}: {exc}")


def test_two_processes_migrate_a_fresh_database_at_once(db_url: str) -> None:
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_opener, args=(db_url, queue)) for _ in range(3)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert results == ["ok", "ok", "ok"]
    store = StateStore.open(db_url)
    assert AuditLog(store).head()[0] == 0  # the genesis row was inserted exactly once
    store.close()
