"""Helpers shared by the governance tests (imported as `gov_kit`; fixtures live in conftest.py)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tools.base import Identity, ToolContext
from tools.governance.identity import Directory
from tools.governance.proposals import Proposal
from tools.governance.store import StateStore, utcnow

GOV = Path(__file__).resolve().parents[2] / "tools" / "governance"


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


def ctx_for(directory: Directory, username: str, store: StateStore | None = None) -> ToolContext:
    user = directory.get(username)
    assert user is not None
    return ToolContext(user=user, odoo=None, store=store, channel="test",  # type: ignore[arg-type]
                       thread_id="t-1")


def ident(directory: Directory, username: str) -> Identity:
    user = directory.get(username)
    assert user is not None
    return user
