"""The tamper-evident audit trail: append-only events, each hash-chained to the one before.

Why a chain: anyone with database access could quietly edit or delete an approval record; with
`hash = sha256(canonical row + prev_hash)` any edit, deletion or reordering breaks the chain at a
row that `verify()` names. (Someone who rewrites *every* later hash can still forge it: export the
head hash elsewhere — `export` prints it — to anchor the chain.)
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tools.governance.store import (
    AuditEventRow,
    AuditHeadRow,
    StateStore,
    canonical_json,
    escape_surrogates,
    utcnow,
)

GENESIS = "0" * 64
TYPE_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")
EVENT_TYPES = frozenset({
    "tool_call", "proposal_created", "proposal_approved", "proposal_rejected", "proposal_expired",
    "proposal_executing", "proposal_executed", "proposal_failed", "proposal_stale", "proposal_refused",
    "proposal_deferred", "proposal_tampered", "proposal_confirmed", "login_lockout", "cli_admin_override",
    "login", "turn",
})


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

    def __init__(self, store: StateStore) -> None:
        self.store = store

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
        return seq

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
            head = s.get(AuditHeadRow, 1)
        if head is not None:
            if head.last_seq != last_seen:
                if head.last_seq > last_seen:
                    problems.append(f"seq {last_seen + 1}..{head.last_seq}: deleted from the end of the chain")
                else:
                    problems.append(f"seq {head.last_seq + 1}..{last_seen}: rows appended around the "
                                    "audit writer (head does not know them)")
            elif head.last_hash != prev:
                problems.append(f"seq {last_seen}: head hash does not match the last row")
        return problems

    def export(self, path: str | Path) -> tuple[int, str]:
        """Write every event as one JSON line; returns (count, head hash) so the head can be anchored."""
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
        return count, last
