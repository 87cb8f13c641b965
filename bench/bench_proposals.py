"""Benchmark of proposal decide+execute throughput, and two processes racing to approve.

Prints, for SQLite (a temp file, WAL) and PostgreSQL (127.0.0.1:5432, user postgres, a temp database
created and dropped here):
  - store figure: approve + execute N proposals one after the other with a no-op executor
    (everything but Odoo: re-authorisation, CAS transitions, events, hash-chained audit) in proposals/s;
  - race: two processes approving the same N proposals at once (as two different approvers);
    executions must equal proposals — both numbers are printed;
  - with --sandbox: the same with the real remind_supplier executor against the embedded sandbox
    (a chatter message + a To-Do per proposal), executions counted from the markers found in Odoo.

    .venv/bin/python bench/bench_proposals.py [-n 300] [--sandbox-n 40] [--no-sandbox]
"""

from __future__ import annotations

import argparse
import fcntl
import multiprocessing as mp
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.base import ToolContext  # noqa: E402
from tools.governance.audit import AuditLog  # noqa: E402
from tools.governance.identity import Directory  # noqa: E402
from tools.governance.policy import Policy  # noqa: E402
from tools.governance.proposals import Proposal, ProposalService  # noqa: E402
from tools.governance.store import StateStore  # noqa: E402

GOV = ROOT / "tools" / "governance"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CACHE = ROOT / "var" / "cache" / "sandbox"


class FileExecutor:
    """A no-op "Odoo": one line per execution in a file shared by the racing processes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def reconcile(self, odoo: Any, proposal: Proposal) -> dict[str, Any] | None:
        return None

    def revalidate(self, odoo: Any, proposal: Proposal) -> str | None:
        return None

    def execute(self, odoo: Any, proposal: Proposal) -> dict[str, Any]:
        with self.path.open("a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.write(proposal.id + "\n")
        return {"message": "ok"}


def _service(url: str, out: Path | None, odoo: Any = None) -> ProposalService:
    store = StateStore.open(url)
    executors: dict[str, Any] | None = {"remind_supplier": FileExecutor(out)} if out else None
    return ProposalService(store, Policy.load(GOV / "default_policy.yaml"), Directory.load(GOV / "default_users.yaml"),
                           AuditLog(store), odoo=odoo or object(), executors=executors)  # type: ignore[arg-type]


def _create(service: ProposalService, n: int, args_for: Any) -> list[str]:
    user = service.directory.get("ava.buyer")
    assert user is not None
    ids = []
    for i in range(n):
        ctx = ToolContext(user=user, odoo=None, store=service.store, channel="bench")  # type: ignore[arg-type]
        ids.append(service.create(ctx, "remind_supplier", args_for(i), f"bench reminder {i}").id)
    return ids


def _racer(url: str, approver: str, ids: list[str], out: str | None, odoo_url: str | None,
           queue: Any, start: Any) -> None:
    odoo = None
    if odoo_url:
        from tools.odoo.client import OdooClient

        odoo = OdooClient.connect(odoo_url, "quartermaster", "admin", "admin")
    service = _service(url, Path(out) if out else None, odoo)
    user = service.directory.get(approver)
    start.wait()
    outcomes = [service.decide(pid, user, "approve").outcome for pid in ids]  # type: ignore[arg-type]
    service.store.close()
    queue.put(outcomes)


def race(url: str, ids: list[str], out: Path | None, odoo_url: str | None = None) -> tuple[float, list[str]]:
    ctx = mp.get_context("spawn")
    queue, start = ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=_racer, args=(url, who, ids, str(out) if out else None, odoo_url, queue, start))
             for who in ("omar.approver", "maria.manager")]
    for p in procs:
        p.start()
    time.sleep(2.5 if not odoo_url else 4.0)  # let both import, open the store (and log in)
    t0 = time.perf_counter()
    start.set()
    outcomes = queue.get(timeout=600) + queue.get(timeout=600)
    elapsed = time.perf_counter() - t0
    for p in procs:
        p.join(timeout=60)
    return elapsed, outcomes


@contextmanager
def backends(skip_pg: bool) -> Iterator[list[tuple[str, str]]]:
    tmp = Path(tempfile.mkdtemp(prefix="qm-bench-"))
    out = [("SQLite", f"sqlite:///{tmp / 'state.db'}")]
    name = None
    admin = None
    if not skip_pg:
        try:
            import sqlalchemy as sa

            admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            name = f"qm_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as conn:
                conn.execute(sa.text(f'create database "{name}"'))
            out.append(("PostgreSQL", PG_ADMIN.rsplit("/", 1)[0] + "/" + name))
        except Exception as exc:  # noqa: BLE001 - print the reason, still bench SQLite
            print(f"PostgreSQL skipped: {type(exc).__name__}: {exc}")
            name = None
    try:
        yield out
    finally:
        if admin is not None and name:
            import sqlalchemy as sa

            with admin.connect() as conn:
                conn.execute(sa.text("select pg_terminate_backend(pid) from pg_stat_activity where datname = :n"),
                             {"n": name})
                conn.execute(sa.text(f'drop database if exists "{name}"'))
            admin.dispose()


def bench_store(label: str, url: str, n: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="qm-bench-exec-"))
    out = tmp / "writes.txt"
    service = _service(url, out)
    omar = service.directory.get("omar.approver")
    assert omar is not None
    ids = _create(service, n, lambda i: {"po": f"P{i:05d}", "message": "bench"})
    t0 = time.perf_counter()
    outcomes = [service.decide(pid, omar, "approve").outcome for pid in ids]
    seq = time.perf_counter() - t0
    assert outcomes.count("executed") == n, outcomes
    ids2 = _create(service, n, lambda i: {"po": f"P{i:05d}", "message": "race"})
    out.write_text("")
    elapsed, race_out = race(url, ids2, out)
    writes = out.read_text().splitlines()
    problems = AuditLog(service.store).verify()
    print(f"{label:<11} sequential decide+execute: {n / seq:7.1f} proposals/s  ({seq * 1000 / n:.2f} ms each, "
          f"n={n}, no-op executor)")
    print(f"{label:<11} two processes racing:      {n / elapsed:7.1f} proposals/s  proposals={n} "
          f"executions={len(writes)} distinct={len(set(writes))} executed-outcomes={race_out.count('executed')} "
          f"no-ops={race_out.count('noop')}  audit chain {'intact' if not problems else problems[:2]}")
    service.store.close()


def bench_sandbox(backend_list: list[tuple[str, str]], n: int) -> None:
    try:
        from sandbox.launch import start_sandbox
    except ImportError as exc:
        print(f"sandbox figures skipped: {exc}")
        return
    from tools.odoo.client import OdooClient

    tmp = Path(tempfile.mkdtemp(prefix="qm-bench-sbx-"))
    running = start_sandbox(tmp / "sandbox", port=0, scale=1, cache_dir=CACHE)
    try:
        odoo = OdooClient.connect(running.url, running.db, "admin", "admin")
        pos = odoo.search_read("purchase.order", [("state", "=", "purchase"), ("receipt_status", "!=", "full")],
                               ["id", "name", "partner_id"], limit=20)
        users = odoo.search_read("res.users", [("login", "=", "ava.buyer")], ["id"], limit=1)
        deadline = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 3 * 86400))

        def args_for(i: int) -> dict[str, Any]:
            po = pos[i % len(pos)]
            return {"po_id": po["id"], "po": po["name"], "vendor_id": po["partner_id"][0],
                    "vendor": po["partner_id"][1], "message": f"bench reminder {i}", "deadline": deadline,
                    "notify_vendor": False, "activity_user_id": users[0]["id"] if users else None}

        for label, url in backend_list:
            service = _service(url, None, odoo)
            omar = service.directory.get("omar.approver")
            assert omar is not None
            ids = _create(service, n, args_for)
            t0 = time.perf_counter()
            outcomes = [service.decide(pid, omar, "approve").outcome for pid in ids]
            seq = time.perf_counter() - t0
            ids2 = _create(service, n, args_for)
            elapsed, race_out = race(url, ids2, None, running.url)
            found = sum(1 for pid in ids2 if odoo.search_count(
                "mail.message", [("model", "=", "purchase.order"), ("body", "ilike", f"QM-{pid}")]) == 1)
            acts = sum(odoo.search_count("mail.activity", [("summary", "ilike", f"QM-{pid}")]) for pid in ids2)
            print(f"{label:<11} sandbox remind_supplier sequential: {n / seq:6.1f} proposals/s "
                  f"({outcomes.count('executed')}/{n} executed)")
            print(f"{label:<11} sandbox remind_supplier racing:     {n / elapsed:6.1f} proposals/s  proposals={n} "
                  f"chatter-markers={found} activities={acts} executed-outcomes={race_out.count('executed')}")
            service.store.close()
    finally:
        running.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=300, help="proposals per figure (store)")
    ap.add_argument("--sandbox-n", type=int, default=40, help="proposals per figure (sandbox)")
    ap.add_argument("--no-sandbox", action="store_true")
    ap.add_argument("--no-postgres", action="store_true")
    opts = ap.parse_args()
    import os

    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (other work on the box "
          "lowers these figures)")
    with backends(opts.no_postgres) as bl:
        for label, url in bl:
            bench_store(label, url, opts.n)
        if not opts.no_sandbox:
            bench_sandbox(bl, opts.sandbox_n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
