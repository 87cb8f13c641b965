"""The audit chain: appends stay one chain under concurrency; verify names edited/deleted rows."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from tools.governance.audit import AuditLog
from tools.governance.store import StateStore


def _fill(audit: AuditLog, n: int = 5) -> None:
    for i in range(n):
        audit.record("tool_call", "ava.buyer", f"run{i}", {"tool": "stock_levels", "i": i, "ms": 1.5},
                     on_behalf_of="ava.buyer")


def test_chain_verifies_and_exports(store: StateStore, tmp_path: Path) -> None:
    audit = AuditLog(store)
    _fill(audit)
    assert audit.verify() == []
    count, head = audit.export(tmp_path / "audit.jsonl")
    everything = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    lines = [x for x in everything if "checkpoint" not in x]
    assert everything[-1]["checkpoint"]["last_seq"] == 5  # export signs the head it exports
    assert count == 5 and [x["seq"] for x in lines] == [1, 2, 3, 4, 5]
    assert lines[-1]["hash"] == head == audit.head()[1]
    assert lines[1]["prev_hash"] == lines[0]["hash"] and lines[2]["payload"]["i"] == 2
    with pytest.raises(ValueError):
        audit.record("Not A Type!", "x")


def test_verify_detects_edit(store: StateStore) -> None:
    audit = AuditLog(store)
    _fill(audit)
    with store.engine.begin() as conn:
        conn.execute(sa.text("update audit_events set payload_json = :p where seq = 3"),
                     {"p": json.dumps({"tool": "stock_levels", "i": 99})})
    problems = audit.verify()
    assert problems and all("seq 3" in p for p in problems), problems


def test_verify_detects_actor_edit_even_with_rehash_of_that_row(store: StateStore) -> None:
    audit = AuditLog(store)
    _fill(audit)
    with store.engine.begin() as conn:
        conn.execute(sa.text("update audit_events set actor = 'mallory', hash = :h where seq = 2"),
                     {"h": "f" * 64})
    problems = audit.verify()
    assert any(p.startswith("seq 2:") for p in problems) and any(p.startswith("seq 3:") for p in problems)


def test_verify_detects_delete_middle_and_tail(store: StateStore) -> None:
    audit = AuditLog(store)
    _fill(audit, 6)
    with store.engine.begin() as conn:
        conn.execute(sa.text("delete from audit_events where seq = 4"))
    problems = audit.verify()
    assert any("seq 4: deleted" in p for p in problems), problems
    with store.engine.begin() as conn:
        conn.execute(sa.text("delete from audit_events where seq = 6"))
    assert any("seq 6..6: deleted from the end" in p for p in audit.verify())


def test_concurrent_writers_keep_one_chain(store: StateStore) -> None:
    audit = AuditLog(store)
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for i in range(15):
                audit.record("turn", f"user{k}", None, {"k": k, "i": i})
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert audit.head()[0] == 60
    assert audit.verify() == []


def test_verify_detects_reordering(store: StateStore) -> None:
    audit = AuditLog(store)
    _fill(audit, 4)
    with store.engine.begin() as conn:
        rows = {r.seq: r for r in conn.execute(sa.text("select seq, payload_json, hash, prev_hash "
                                                       "from audit_events where seq in (2, 3)"))}
        for a, b in ((2, 3), (3, 2)):  # swap the two rows' contents, keeping their seq numbers
            conn.execute(sa.text("update audit_events set payload_json = :p, hash = :h, prev_hash = :ph "
                                 "where seq = :s"),
                         {"p": rows[b].payload_json, "h": rows[b].hash, "ph": rows[b].prev_hash, "s": a})
    problems = audit.verify()
    assert any(p.startswith("seq 2:") for p in problems) and any(p.startswith("seq 3:") for p in problems)


def test_any_str_is_audited_stored_verified_and_exported(store: StateStore, tmp_path: Path) -> None:
    """`quartermaster ask "<binary garbage>"`: argv bytes that are not UTF-8 arrive as lone surrogates."""
    import os

    from tools.governance.store import ConversationStore, canonical_json

    garbage = os.fsdecode(b"\xff\xfe\x00\x9c ask \xed\xa0\x80 \xf0\x9f\x98\x80 ok")
    assert "\udcff" in garbage and "\x00" in garbage
    assert json.loads(canonical_json({"q": garbage}))["q"] == garbage  # same value back
    assert canonical_json({"q": "été"}) == '{"q":"été"}'  # ordinary text unchanged (old hashes hold)
    audit = AuditLog(store)
    seq = audit.record("turn", "ava.buyer", "run-1", {"question": garbage, "\udc80key": garbage})
    assert audit.verify() == []
    conv = ConversationStore(store)
    conv.append("thread-garbage", "user", garbage, {"raw": garbage}, channel="cli", username="ava.buyer")
    (msg,) = conv.history("thread-garbage", 5)
    assert "ask" in msg["content"] and msg["meta"]["raw"] == garbage
    count, _head = audit.export(tmp_path / "audit.jsonl")
    (line,) = [x for x in (json.loads(y) for y in (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines())
               if "checkpoint" not in x]
    assert count == seq == 1 and line["payload"]["question"] == garbage
