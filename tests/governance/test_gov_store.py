"""The state store: migrations on open, schema matches the models, dedupe and memory helpers."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import tools.mail.store  # noqa: F401 - the mailbox's tables live in the same schema (migration 0004_mailbox)
from tools.governance.store import MIGRATIONS_DIR, Base, ConversationStore, StateStore, make_engine


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return str(ScriptDirectory.from_config(cfg).get_current_head())


def test_open_migrates_and_schema_matches_models(store: StateStore, db_url: str) -> None:
    import assistant.watch.tables  # noqa: F401 - the alert tables (migration 0003) register on Base

    with store.engine.connect() as conn:
        version = conn.execute(sa.text("select version_num from alembic_version")).scalar()
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert version == _head()
    assert diff == [], f"models and migrations disagree: {diff}"
    again = StateStore.open(db_url)  # re-opening is a no-op
    again.close()
    if store.is_sqlite:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("pragma busy_timeout").scalar() == 30000


def test_seen_event_dedupes_across_threads(store: StateStore) -> None:
    results: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        r = store.seen_event("Ev123")
        with lock:
            results.append(r)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True, True, True, True, True]
    assert store.seen_event("Ev124") is False


def test_idempotency_keys(store: StateStore) -> None:
    assert store.claim_idempotency_key("req-1", "api") == (True, None)
    store.store_idempotency_result("req-1", {"proposal": "P-1"})
    assert store.claim_idempotency_key("req-1", "api") == (False, {"proposal": "P-1"})


def test_conversation_memory(store: StateStore) -> None:
    conv = ConversationStore(store)
    for i in range(5):
        conv.append("th-1", "user" if i % 2 == 0 else "assistant", f"m{i}", {"i": i}, channel="web",
                    username="ava.buyer")
    conv.append("th-2", "user", "other")
    hist = conv.history("th-1", limit=3)
    assert [h["content"] for h in hist] == ["m2", "m3", "m4"]
    assert hist[-1]["meta"] == {"i": 4} and hist[0]["role"] == "user"
    assert conv.history("nope") == []
    assert [t["thread_id"] for t in conv.threads("ava.buyer")] == ["th-1"]



def test_ping(store: StateStore) -> None:
    store.ping()
    dead = StateStore(make_engine("postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=2"))
    with pytest.raises(sa.exc.OperationalError):
        dead.ping()
