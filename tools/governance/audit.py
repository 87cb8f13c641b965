"""The tamper-evident audit trail: append-only events, each hash-chained to the one before.

Why a chain: anyone with database access could quietly edit or delete an approval record; with
`hash = sha256(canonical row + prev_hash)` any edit, deletion or reordering breaks the chain at a
row that `verify()` names. A chain alone cannot show that its *end* was cut off (delete the last rows
and move the head back) or that it was rebuilt from scratch, so the log also writes signed
checkpoints (seq, head hash, count, time; HMAC with the server's signing key, tools.governance.keys)
every `checkpoint_every` events and on demand, in the database and optionally appended to a file
outside it (`QM_AUDIT_CHECKPOINT_FILE`). `verify()` checks the chain against every checkpoint it can
read: truncation, a removed head and a rewound tail all show. `export` writes the checkpoints too,
and `verify_export` checks an export on another machine with the key (or against a kept checkpoint file).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tools.governance.store import (
    AuditCheckpointRow,
    AuditEventRow,
    AuditHeadRow,
    StateStore,
    canonical_json,
    escape_surrogates,
    utcnow,
)

log = logging.getLogger(__name__)
GENESIS = "0" * 64
CHECKPOINT_EVERY = 100
TYPE_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")
EVENT_TYPES = frozenset({
    "tool_call", "proposal_created", "proposal_approved", "proposal_rejected", "proposal_expired",
    "proposal_executing", "proposal_executed", "proposal_failed", "proposal_stale", "proposal_refused",
    "proposal_deferred", "proposal_tampered", "proposal_confirmed", "login_lockout", "cli_admin_override",
    "login", "turn", "audit_checkpoint",
    "alert_delivered", "alert_failed", "alert_subscribed", "alert_unsubscribed",  # assistant/watch (issue #13)
})


def checkpoint_body(last_seq: int, head_hash: str, count: int, ts: datetime) -> dict[str, Any]:
    return {"v": 1, "last_seq": last_seq, "head_hash": head_hash, "count": count,
            "ts": ts.isoformat(timespec="microseconds")}


@dataclass(frozen=True)
class Checkpoint:
    last_seq: int
    head_hash: str
    count: int
    ts: datetime
    kid: str
    mac: str

    def to_json(self) -> dict[str, Any]:
        return {**checkpoint_body(self.last_seq, self.head_hash, self.count, self.ts), "kid": self.kid,
                "mac": self.mac}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Checkpoint:
        return cls(int(data["last_seq"]), str(data["head_hash"]), int(data["count"]),
                   datetime.fromisoformat(str(data["ts"])), str(data["kid"]), str(data["mac"]))

    def valid(self, keys: Any) -> bool:
        return bool(keys.verify(self.kid, checkpoint_body(self.last_seq, self.head_hash, self.count, self.ts),
                                self.mac))


def read_checkpoint_file(path: str | Path) -> list[Checkpoint]:
    """The checkpoints of a sink file (unreadable lines skipped: verify then lacks them, never trusts them)."""
    src = Path(path)
    if not src.exists():
        return []
    out: list[Checkpoint] = []
    for line in src.read_text(encoding="utf-8").splitlines():
        try:
            out.append(Checkpoint.from_json(json.loads(line)))
        except (ValueError, KeyError, TypeError):
            continue
    return out


def check_against_checkpoints(hashes: dict[int, str], checkpoints: list[Checkpoint], keys: Any,
                              where: str = "") -> list[str]:
    """Problems of a chain (seq -> hash of every row present) measured against signed checkpoints."""
    problems: list[str] = []
    last = max(hashes, default=0)
    for cp in checkpoints:
        label = f"checkpoint at seq {cp.last_seq} ({cp.ts:%Y-%m-%d %H:%M:%S} UTC{where})"
        if not cp.valid(keys):
            problems.append(f"{label}: signature does not verify (forged, edited, or an unknown key)")
            continue
        if last < cp.last_seq:
            problems.append(f"{label}: the chain ends at seq {last}; seq {last + 1}..{cp.last_seq} were cut "
                            "off the end (truncation or a rewound tail)")
        elif hashes.get(cp.last_seq) != cp.head_hash:
            problems.append(f"{label}: the row at seq {cp.last_seq} is not the one signed (chain rewritten)")
        present = sum(1 for s in hashes if s <= cp.last_seq)
        if last >= cp.last_seq and present != cp.count:
            problems.append(f"{label}: {cp.count} events were signed up to it, {present} are present")
    return problems


def row_hash(seq: int, ts: datetime, type_: str, actor: str, on_behalf_of: str | None,
             approver: str | None, run_id: str | None, payload_json: str, prev_hash: str) -> str:
    body = canonical_json({
        "seq": seq, "ts": ts.isoformat(timespec="microseconds"), "type": type_, "actor": actor,
        "on_behalf_of": on_behalf_of, "approver": approver, "run_id": run_id, "payload": payload_json,
    })
    return hashlib.sha256((body + prev_hash).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditEvent:
    seq: int
    ts: datetime
    type: str
    actor: str
    on_behalf_of: str | None
    approver: str | None
    run_id: str | None
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "ts": self.ts.isoformat(timespec="microseconds"), "type": self.type,
                "actor": self.actor, "on_behalf_of": self.on_behalf_of, "approver": self.approver,
                "run_id": self.run_id, "payload": self.payload, "prev_hash": self.prev_hash,
                "hash": self.hash}


def _event(row: AuditEventRow) -> AuditEvent:
    try:
        payload = json.loads(row.payload_json)
    except ValueError:
        payload = {"_unparseable": row.payload_json}
    return AuditEvent(row.seq, row.ts, row.type, row.actor, row.on_behalf_of, row.approver, row.run_id,
                      payload, row.prev_hash, row.hash)


class AuditLog:
    """Append and check the chain. Thread- and process-safe: appends serialise on the head row."""

    def __init__(self, store: StateStore, *, checkpoint_every: int = CHECKPOINT_EVERY,
                 checkpoint_file: str | Path | None = None) -> None:
        self.store = store
        self.checkpoint_every = checkpoint_every
        sink = checkpoint_file or os.environ.get("QM_AUDIT_CHECKPOINT_FILE")
        self.checkpoint_file = Path(sink) if sink else None

    def record(self, event_type: str, actor: str, run_id: str | None = None,
               payload: dict[str, Any] | None = None, *, on_behalf_of: str | None = None,
               approver: str | None = None) -> int:
        """Append one event in its own transaction; returns its seq."""
        with self.store.write() as s:
            return self.append(s, event_type, actor, run_id, payload, on_behalf_of=on_behalf_of,
                               approver=approver)

    def append(self, session: Session, event_type: str, actor: str, run_id: str | None = None,
               payload: dict[str, Any] | None = None, *, on_behalf_of: str | None = None,
               approver: str | None = None) -> int:
        """Append inside the caller's write transaction (so a state change and its event commit together)."""
        if not TYPE_PATTERN.fullmatch(event_type or ""):  # EVENT_TYPES are the documented ones
            raise ValueError(f"bad audit event type {event_type!r} (lower_snake_case, at most 64 chars)")
        head = session.scalars(sa.select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()).one()
        seq = head.last_seq + 1
        ts = utcnow()
        payload_json = canonical_json(payload or {})
        digest = row_hash(seq, ts, event_type, actor, on_behalf_of, approver, run_id, payload_json,
                          head.last_hash)
        session.add(AuditEventRow(seq=seq, ts=ts, type=event_type, actor=actor, on_behalf_of=on_behalf_of,
                                  approver=approver, run_id=run_id, payload_json=payload_json,
                                  prev_hash=head.last_hash, hash=digest))
        head.last_seq, head.last_hash = seq, digest
        session.flush()
        if self.checkpoint_every and seq % self.checkpoint_every == 0:
            self._checkpoint(session, seq, digest)
        return seq

    # -- checkpoints -----------------------------------------------------------------------------
    def _checkpoint(self, session: Session, seq: int, head_hash: str) -> Checkpoint:
        count = int(session.scalar(sa.select(sa.func.count()).select_from(AuditEventRow)
                                   .where(AuditEventRow.seq <= seq)) or 0)
        ts = utcnow()
        kid, mac = self.store.keys.sign(checkpoint_body(seq, head_hash, count, ts))
        session.add(AuditCheckpointRow(ts=ts, last_seq=seq, head_hash=head_hash, count=count, kid=kid, mac=mac))
        cp = Checkpoint(seq, head_hash, count, ts, kid, mac)
        session.flush()
        if self.checkpoint_file is not None:
            # written before the commit: a line for a rolled-back transaction would name a seq that
            # later holds another row; verify reports it, so the sink errs on the loud side
            self._sink(cp)
        return cp

    def _sink(self, cp: Checkpoint) -> None:
        assert self.checkpoint_file is not None
        try:
            self.checkpoint_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.checkpoint_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(cp.to_json(), sort_keys=True) + "\n")
        except OSError:
            log.exception("could not append the audit checkpoint to %s", self.checkpoint_file)

    def checkpoint(self) -> Checkpoint | None:
        """Sign the current head now (also done every `checkpoint_every` events); None if the log is empty
        or the head is already checkpointed."""
        with self.store.write() as s:
            head = s.scalars(sa.select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()).first()
            if head is None or head.last_seq == 0:
                return None
            done = s.scalar(sa.select(sa.func.max(AuditCheckpointRow.last_seq)))
            if done is not None and done >= head.last_seq:
                return None
            return self._checkpoint(s, head.last_seq, head.last_hash)

    def checkpoints(self) -> list[Checkpoint]:
        """The checkpoints in the database, then those of the sink file (when configured), oldest first."""
        with self.store.read() as s:
            out = [Checkpoint(r.last_seq, r.head_hash, r.count, r.ts, r.kid, r.mac)
                   for r in s.scalars(sa.select(AuditCheckpointRow).order_by(AuditCheckpointRow.id))]
        return out

    def file_checkpoints(self, path: str | Path | None = None) -> list[Checkpoint]:
        src = path or self.checkpoint_file
        return read_checkpoint_file(src) if src else []

    def events(self, *, type_: str | None = None, run_id: str | None = None, limit: int | None = None,
               after_seq: int = 0) -> list[AuditEvent]:
        with self.store.read() as s:
            q = sa.select(AuditEventRow).where(AuditEventRow.seq > after_seq).order_by(AuditEventRow.seq)
            if type_:
                q = q.where(AuditEventRow.type == type_)
            if run_id:
                q = q.where(AuditEventRow.run_id == run_id)
            if limit:
                q = q.limit(limit)
            return [_event(r) for r in s.scalars(q)]

    def head(self) -> tuple[int, str]:
        with self.store.read() as s:
            head = s.get(AuditHeadRow, 1)
            return (head.last_seq, head.last_hash) if head else (0, GENESIS)

    def verify(self, batch: int = 5000) -> list[str]:
        """Walk the chain; one message per problem, each naming the seq. Empty list = intact."""
        problems: list[str] = []
        expected_seq, prev = 1, GENESIS
        last_seen = 0
        hashes: dict[int, str] = {}
        with self.store.read() as s:
            while True:
                rows = s.scalars(sa.select(AuditEventRow).where(AuditEventRow.seq > last_seen)
                                 .order_by(AuditEventRow.seq).limit(batch)).all()
                if not rows:
                    break
                for r in rows:
                    if r.seq != expected_seq:
                        missing = (f"seq {expected_seq}" if r.seq == expected_seq + 1
                                   else f"seq {expected_seq}..{r.seq - 1}")
                        problems.append(f"{missing}: deleted (chain jumps to seq {r.seq})")
                    if r.prev_hash != prev:
                        problems.append(f"seq {r.seq}: prev_hash does not match the previous row's hash "
                                        "(a row before it was edited, deleted or reordered)")
                    actual = row_hash(r.seq, r.ts, r.type, r.actor, r.on_behalf_of, r.approver, r.run_id,
                                      r.payload_json, r.prev_hash)
                    if actual != r.hash:
                        problems.append(f"seq {r.seq}: content edited (stored hash does not match the row)")
                    prev, expected_seq, last_seen = r.hash, r.seq + 1, r.seq
                    hashes[r.seq] = r.hash
            head = s.get(AuditHeadRow, 1)
        if head is None:
            problems.append(f"the audit head row is missing (removed; {last_seen} events are present)")
        if head is not None:
            if head.last_seq != last_seen:
                if head.last_seq > last_seen:
                    problems.append(f"seq {last_seen + 1}..{head.last_seq}: deleted from the end of the chain")
                else:
                    problems.append(f"seq {head.last_seq + 1}..{last_seen}: rows appended around the "
                                    "audit writer (head does not know them)")
            elif head.last_hash != prev:
                problems.append(f"seq {last_seen}: head hash does not match the last row")
        problems += check_against_checkpoints(hashes, self.checkpoints(), self.store.keys)
        problems += check_against_checkpoints(hashes, self.file_checkpoints(), self.store.keys,
                                              f", file {self.checkpoint_file}")
        return problems

    def export(self, path: str | Path) -> tuple[int, str]:
        """Write every event as one JSON line, then every checkpoint as `{"checkpoint": {...}}` (a fresh
        one for the current head first); returns (count, head hash) so the head can be anchored."""
        self.checkpoint()
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        count, last = 0, GENESIS
        after = 0
        with out.open("w", encoding="utf-8") as fh:
            while True:
                chunk = self.events(after_seq=after, limit=5000)
                if not chunk:
                    break
                for ev in chunk:
                    fh.write(escape_surrogates(json.dumps(ev.to_json(), ensure_ascii=False, sort_keys=True)) + "\n")
                    count, last, after = count + 1, ev.hash, ev.seq
            for cp in self.checkpoints():
                fh.write(json.dumps({"checkpoint": cp.to_json()}, sort_keys=True) + "\n")
        return count, last


def verify_export(path: str | Path, keys: Any, extra_checkpoints: list[Checkpoint] | None = None
                  ) -> tuple[int, str, list[str]]:
    """Check an exported JSONL file on any machine: the chain (each row's hash recomputed) and every
    checkpoint in it or in `extra_checkpoints` (e.g. the sink file kept elsewhere). (count, head, problems)."""
    problems: list[str] = []
    prev, expected, hashes = GENESIS, 1, {}
    checkpoints = list(extra_checkpoints or [])
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        try:
            item = json.loads(line)
        except ValueError:
            problems.append(f"line {n}: not JSON")
            continue
        if "checkpoint" in item:
            try:
                checkpoints.append(Checkpoint.from_json(item["checkpoint"]))
            except (KeyError, TypeError, ValueError):
                problems.append(f"line {n}: malformed checkpoint")
            continue
        seq = int(item.get("seq", 0))
        if seq != expected:
            problems.append(f"seq {expected}: missing (export jumps to {seq})")
        if item.get("prev_hash") != prev:
            problems.append(f"seq {seq}: prev_hash does not match the previous row")
        payload_json = canonical_json(item.get("payload"))
        actual = row_hash(seq, datetime.fromisoformat(item["ts"]), item["type"], item["actor"],
                          item.get("on_behalf_of"), item.get("approver"), item.get("run_id"), payload_json,
                          item.get("prev_hash") or "")
        if actual != item.get("hash"):
            problems.append(f"seq {seq}: content does not match its hash")
        prev, expected, hashes[seq] = item.get("hash"), seq + 1, item.get("hash")
    if not checkpoints:
        problems.append("no checkpoint: the end of the chain cannot be confirmed")
    problems += check_against_checkpoints(hashes, checkpoints, keys)
    return len(hashes), prev or GENESIS, problems
