"""Shared fixtures: a running sandbox (over real HTTP), an Odoo client on it, PostgreSQL databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("QM_SANDBOX_CACHE", ROOT / "var" / "cache" / "sandbox"))
os.environ.setdefault("QM_WARM_INTEL", "0")  # no background warm-up competing with the tests for the 2 cores
PG_ADMIN_URL = os.environ.get("QM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One sandbox server per test session, seeded at scale 1 (read-mostly tests share it)."""
    from sandbox.launch import start_sandbox

    running = start_sandbox(tmp_path_factory.mktemp("sandbox"), port=0, scale=1, cache_dir=CACHE)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture()
def fresh_sandbox(tmp_path: Path) -> Iterator[object]:
    """A private sandbox for tests that write (copied from the cached seed, so it starts fast)."""
    from sandbox.launch import start_sandbox

    running = start_sandbox(tmp_path / "sandbox", port=0, scale=1, cache_dir=CACHE)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def sandbox_hollander(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The second demo business (Hollander Horeca: EUR, two companies, WH/RTM/EIN, Dozens, GBP/USD vendors),
    one per session like ``sandbox``; /work/notes/business2.md and sandbox/seed/README.md describe it."""
    from sandbox.launch import start_sandbox

    running = start_sandbox(tmp_path_factory.mktemp("sandbox_hollander"), port=0, scale=1, cache_dir=CACHE,
                            business="hollander")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture()
def fresh_sandbox_hollander(tmp_path: Path) -> Iterator[object]:
    """A private Hollander sandbox for tests that write."""
    from sandbox.launch import start_sandbox

    running = start_sandbox(tmp_path / "sandbox_hollander", port=0, scale=1, cache_dir=CACHE, business="hollander")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def odoo_hollander(sandbox_hollander: object) -> object:
    """An OdooClient logged in as admin on the shared Hollander sandbox."""
    from tools.odoo.client import OdooClient

    return OdooClient.connect(sandbox_hollander.url, sandbox_hollander.db, "admin", "admin")  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def odoo(sandbox: object) -> object:
    """An OdooClient logged in as admin on the shared sandbox."""
    from tools.odoo.client import OdooClient

    return OdooClient.connect(sandbox.url, sandbox.db, "admin", "admin")  # type: ignore[attr-defined]


def _pg_reachable() -> str | None:
    try:
        import sqlalchemy as sa

        eng = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.execute(sa.text("select 1"))
        eng.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        return f"{type(exc).__name__}: {exc}"


@pytest.fixture()
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards.

    Skips with the reason where no server answers (a laptop); in CI (CI=true) that is a failure.
    """
    import sqlalchemy as sa

    problem = _pg_reachable()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but not reachable at {PG_ADMIN_URL}: {problem}")
        print(f"SKIP reason: PostgreSQL not reachable at {PG_ADMIN_URL}: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {problem}")
    name = f"qm_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = :n"), {"n": name})
            conn.execute(sa.text(f'drop database if exists "{name}"'))
        admin.dispose()


REDIS_URL = os.environ.get("QM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture()
def redis_url() -> str:
    """A Redis for the scale-out tests (shared throttles, Celery broker). Skips where none answers; in CI
    (CI=true) that is a failure."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI but not reachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL
