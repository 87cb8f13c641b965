"""Governance fixtures: every store-backed test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tools.base import Identity, ToolContext
from tools.governance.audit import AuditLog
from tools.governance.identity import Directory
from tools.governance.policy import Policy
from tools.governance.proposals import Proposal, ProposalService
from tools.governance.store import StateStore, utcnow

GOV = Path(__file__).resolve().parents[2] / "tools" / "governance"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture()
def store(db_url: str) -> Iterator[StateStore]:
    st = StateStore.open(db_url)
    try:
        yield st
    finally:
        st.close()


@pytest.fixture(scope="session")
def policy() -> Policy:
    return Policy.load(GOV / "default_policy.yaml")


@pytest.fixture(scope="session")
def directory() -> Directory:
    return Directory.load(GOV / "default_users.yaml")


class FakeExecutor:
    """Counts executions; can be told to go stale or to "crash" after the write."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.executed: list[str] = []
        self.written: set[str] = set()  # what "Odoo" holds (markers)
        self.stale_reason: str | None = None
        self.crash_after_write = False

    def reconcile(self, odoo: Any, proposal: Proposal) -> dict[str, Any] | None:
        with self.lock:
            return {"marker": proposal.id} if proposal.id in self.written else None

    def revalidate(self, odoo: Any, proposal: Proposal) -> str | None:
        return self.stale_reason

    def execute(self, odoo: Any, proposal: Proposal) -> dict[str, Any]:
        with self.lock:
            self.executed.append(proposal.id)
            self.written.add(proposal.id)
        if self.crash_after_write:
            raise SystemExit("simulated crash between the Odoo write and the status update")
        return {"message": f"did {proposal.kind}"}


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture()
def fake_exec() -> FakeExecutor:
    return FakeExecutor()


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def service(store: StateStore, policy: Policy, directory: Directory, fake_exec: FakeExecutor,
            clock: Clock) -> ProposalService:
    kinds = ["create_rfq", "confirm_purchase_order", "cancel_purchase_order", "remind_supplier",
             "reschedule_receipt"]
    return ProposalService(store, policy, directory, AuditLog(store), odoo=object(),  # type: ignore[arg-type]
                           executors={k: fake_exec for k in kinds}, clock=clock)


def ctx_for(directory: Directory, username: str, store: StateStore | None = None) -> ToolContext:
    user = directory.get(username)
    assert user is not None
    return ToolContext(user=user, odoo=None, store=store, channel="test",  # type: ignore[arg-type]
                       thread_id="t-1")


def ident(directory: Directory, username: str) -> Identity:
    user = directory.get(username)
    assert user is not None
    return user
