"""Governance fixtures: every store-backed test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from gov_kit import GOV, Clock, FakeExecutor

from tools.governance.audit import AuditLog
from tools.governance.identity import Directory
from tools.governance.policy import Policy
from tools.governance.proposals import ProposalService
from tools.governance.store import StateStore


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
    pol = Policy.load(GOV / "default_policy.yaml")
    pol.currency = "USD"  # `currency: company`, and these tests have no Odoo: the demo company's currency
    return pol


@pytest.fixture(scope="session")
def directory() -> Directory:
    return Directory.load(GOV / "default_users.yaml")


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
