"""Signed audit checkpoints: the end of the chain can be anchored. Truncation, a removed head, a
rewound tail and a rebuilt chain all read "intact" without them (issue #11)."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from tools.governance.audit import GENESIS, AuditLog, row_hash, verify_export
from tools.governance.keys import SigningKeys
from tools.governance.store import StateStore, canonical_json


def _fill(audit: AuditLog, n: int) -> None:
    for i in range(n):
        audit.record("tool_call", "ava.buyer", f"run{i}", {"tool": "stock_levels", "i": i})


def _sql(store: StateStore, *statements: str) -> None:
    with store.engine.begin() as conn:
        for stmt in statements:
            conn.execute(sa.text(stmt))


def test_periodic_checkpoints_are_signed(store: StateStore) -> None:
    audit = AuditLog(store, checkpoint_every=5)
    _fill(audit, 12)
    cps = audit.checkpoints()
    assert [c.last_seq for c in cps] == [5, 10] and [c.count for c in cps] == [5, 10]
    assert all(c.valid(store.keys) for c in cps)
    assert audit.checkpoint() is not None and audit.checkpoint() is None  # head 12 signed once
    assert audit.verify() == []


def test_tail_rewind_is_detected(store: StateStore) -> None:
    audit = AuditLog(store)
    _fill(audit, 10)
    audit.checkpoint()
    with store.engine.begin() as conn:
        h8 = conn.execute(sa.text("select hash from audit_events where seq = 8")).scalar()
        conn.execute(sa.text("delete from audit_events where seq > 8"))
        conn.execute(sa.text("update audit_head set last_seq = 8, last_hash = :h"), {"h": h8})
    problems = audit.verify()
    assert any("cut off the end" in p for p in problems), problems


def test_head_removal_and_total_truncation_are_detected(store: StateStore) -> None:
    audit = AuditLog(store)
    _fill(audit, 6)
    audit.checkpoint()
    _sql(store, "delete from audit_head")
    assert any("head row is missing" in p for p in audit.verify())
    _sql(store, "delete from audit_events")
    problems = audit.verify()
    assert any("seq 1..6 were cut off" in p for p in problems), problems


def test_rebuilt_chain_is_detected(store: StateStore) -> None:
    audit = AuditLog(store)
    _fill(audit, 4)
    audit.checkpoint()
    with store.engine.begin() as conn:  # rewrite every hash from genesis with an edited row 2
        rows = conn.execute(sa.text("select seq, ts, type, actor, on_behalf_of, approver, run_id, payload_json "
                                    "from audit_events order by seq")).all()
        prev = GENESIS
        for r in rows:
            payload = canonical_json({"tool": "stock_levels", "i": 99}) if r.seq == 2 else r.payload_json
            ts = r.ts if not isinstance(r.ts, str) else __import__("datetime").datetime.fromisoformat(r.ts)
            h = row_hash(r.seq, ts, r.type, r.actor, r.on_behalf_of, r.approver, r.run_id, payload, prev)
            conn.execute(sa.text("update audit_events set payload_json=:p, prev_hash=:ph, hash=:h where seq=:s"),
                         {"p": payload, "ph": prev, "h": h, "s": r.seq})
            prev = h
        conn.execute(sa.text("update audit_head set last_hash = :h"), {"h": prev})
    problems = audit.verify()
    assert any("not the one signed" in p for p in problems), problems


def test_forged_checkpoint_and_file_sink(store: StateStore, tmp_path: Path) -> None:
    sink = tmp_path / "anchor" / "checkpoints.jsonl"
    audit = AuditLog(store, checkpoint_file=sink)
    _fill(audit, 5)
    audit.checkpoint()
    assert len(sink.read_text().splitlines()) == 1 and sink.stat().st_mode & 0o777 == 0o600
    _sql(store, "update audit_checkpoints set count = 4")
    assert any("signature does not verify" in p for p in audit.verify())
    # the insider deletes the DB checkpoints and the tail: the file outside the DB still tells
    with store.engine.begin() as conn:
        h3 = conn.execute(sa.text("select hash from audit_events where seq = 3")).scalar()
        conn.execute(sa.text("delete from audit_checkpoints"))
        conn.execute(sa.text("delete from audit_events where seq > 3"))
        conn.execute(sa.text("update audit_head set last_seq = 3, last_hash = :h"), {"h": h3})
    problems = audit.verify()
    assert any("file" in p and "cut off" in p for p in problems), problems


def test_export_carries_checkpoints_and_verifies_elsewhere(store: StateStore, tmp_path: Path) -> None:
    audit = AuditLog(store, checkpoint_every=3)
    _fill(audit, 7)
    out = tmp_path / "audit.jsonl"
    count, head = audit.export(out)
    auditor_keys = SigningKeys(active_id=store.keys.active_id, keys=dict(store.keys.keys))  # a copy of the key
    assert verify_export(out, auditor_keys) == (7, head, [])
    lines = out.read_text().splitlines()
    events = [x for x in lines if "checkpoint" not in json.loads(x)]
    cps = [x for x in lines if "checkpoint" in json.loads(x)]
    (tmp_path / "cut.jsonl").write_text("\n".join(events[:5] + cps) + "\n")
    _, _, problems = verify_export(tmp_path / "cut.jsonl", auditor_keys)
    assert any("cut off" in p for p in problems), problems
    (tmp_path / "nocp.jsonl").write_text("\n".join(events[:5]) + "\n")
    assert verify_export(tmp_path / "nocp.jsonl", auditor_keys)[2] == [
        "no checkpoint: the end of the chain cannot be confirmed"]
    _, _, problems = verify_export(out, SigningKeys.ephemeral())
    assert problems and all("signature does not verify" in p for p in problems)


def test_cli_export_and_verify_export_on_another_machine(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from assistant.cli import app

    monkeypatch.setenv("QM_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("QM_DATABASE_URL", raising=False)
    monkeypatch.setenv("QM_SIGNING_KEY", "k" * 48)
    monkeypatch.chdir(tmp_path)
    store = StateStore.open(f"sqlite:///{tmp_path / 'state.db'}")
    _fill(AuditLog(store), 4)
    store.close()
    runner = CliRunner()
    out = runner.invoke(app, ["audit", "export", str(tmp_path / "x.jsonl")])
    assert out.exit_code == 0 and "1 signed checkpoints" in out.output, out.output
    (tmp_path / "state.db").unlink()  # the auditor has the file and the key, not the database
    out = runner.invoke(app, ["audit", "verify-export", str(tmp_path / "x.jsonl")])
    assert out.exit_code == 0 and "export intact: 4 events" in out.output, out.output
    monkeypatch.setenv("QM_SIGNING_KEY", "z" * 48)
    out = runner.invoke(app, ["audit", "verify-export", str(tmp_path / "x.jsonl")])
    assert out.exit_code == 1 and "signature does not verify" in out.output
