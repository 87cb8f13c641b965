"""The durable state of Quartermaster: proposals, decisions, audit chain, conversations, dedupe keys.

Why one store: approvals must survive restarts and be shared by every process (web, Slack, CLI),
so everything lives in one SQL database — SQLite in the data dir by default (WAL, busy timeout,
`BEGIN IMMEDIATE` for writers so concurrent writers queue instead of failing), PostgreSQL when
`QM_DATABASE_URL` points at one. The schema is owned by Alembic migrations that run on `open`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def utcnow() -> datetime:
    """Naive UTC with microseconds, the one clock format stored everywhere (like Odoo's)."""
    return datetime.now(UTC).replace(tzinfo=None)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: the form that hashes are computed over.

    Any str is accepted: lone surrogates (undecodable bytes from a terminal, `surrogateescape`d argv)
    are written as JSON `\\udXXX` escapes, so the result always encodes to UTF-8 and still decodes
    back to the same value. Text without them is unchanged (existing hashes stay valid)."""
    return escape_surrogates(json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                                        default=str))


def escape_surrogates(json_text: str) -> str:
    """JSON text with any lone surrogate written as a `\\udXXX` escape (UTF-8 encodable, same value)."""
    if _LONE_SURROGATE.search(json_text):
        return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)
    return json_text


def storable_text(text: str) -> str:
    """`text` as every backend stores it: lone surrogates and NUL (PostgreSQL refuses it) become U+FFFD."""
    if _LONE_SURROGATE.search(text) or "\x00" in text:
        return _LONE_SURROGATE.sub("\ufffd", text).replace("\x00", "\ufffd")
    return text


class Base(DeclarativeBase):
    pass


class ProposalRow(Base):
    """One proposed write, from creation to its final outcome."""

    __tablename__ = "proposals"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    schema_version: Mapped[int] = mapped_column(sa.Integer, default=1)
    kind: Mapped[str] = mapped_column(sa.String(64), index=True)
    args_json: Mapped[str] = mapped_column(sa.Text)
    args_sha256: Mapped[str] = mapped_column(sa.String(64))
    summary: Mapped[str] = mapped_column(sa.Text)
    before_after_json: Mapped[str] = mapped_column(sa.Text, default="{}")
    evidence_json: Mapped[str] = mapped_column(sa.Text, default="{}")
    requester: Mapped[str] = mapped_column(sa.String(128), index=True)
    requester_role: Mapped[str] = mapped_column(sa.String(32))
    channel: Mapped[str] = mapped_column(sa.String(32), default="cli")
    thread_id: Mapped[str | None] = mapped_column(sa.String(255), nullable=True)
    run_id: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    amount: Mapped[float] = mapped_column(sa.Float, default=0.0)
    currency: Mapped[str] = mapped_column(sa.String(8), default="USD")
    metrics_json: Mapped[str] = mapped_column(sa.Text, default="{}")
    odoo_ref: Mapped[str | None] = mapped_column(sa.String(128), nullable=True)
    policy_rule: Mapped[str] = mapped_column(sa.String(128))
    eligible_approvers_json: Mapped[str] = mapped_column(sa.Text, default="[]")
    state: Mapped[str] = mapped_column(sa.String(16), index=True, default="pending")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime, index=True)
    decided_by: Mapped[str | None] = mapped_column(sa.String(128), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    decision_comment: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    executing_since: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    result_json: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    error: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    # 0002: HMAC seal over the fields that decide who approves and what runs (tools.governance.keys)
    seal_kid: Mapped[str | None] = mapped_column(sa.String(16), nullable=True)
    seal: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    chain_head: Mapped[str | None] = mapped_column(sa.String(96), nullable=True)
    policy_version: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    origin: Mapped[str] = mapped_column(sa.String(16), default="user", server_default="user")
    origin_json: Mapped[str] = mapped_column(sa.Text, default="{}", server_default="{}")
    confirmed_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)


class ProposalEventRow(Base):
    """Every state transition of a proposal, with who caused it (decisions included)."""

    __tablename__ = "proposal_events"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    proposal_id: Mapped[str] = mapped_column(sa.ForeignKey("proposals.id"), index=True)
    ts: Mapped[datetime] = mapped_column(sa.DateTime)
    event: Mapped[str] = mapped_column(sa.String(32))
    actor: Mapped[str] = mapped_column(sa.String(128))
    from_state: Mapped[str | None] = mapped_column(sa.String(16), nullable=True)
    to_state: Mapped[str] = mapped_column(sa.String(16))
    comment: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    prev_hash: Mapped[str | None] = mapped_column(sa.String(96), nullable=True)  # "kid:hmac" of the previous link
    hash: Mapped[str | None] = mapped_column(sa.String(96), nullable=True)


class AuditEventRow(Base):
    """One link of the hash chain. Never updated, never deleted."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    ts: Mapped[datetime] = mapped_column(sa.DateTime)
    type: Mapped[str] = mapped_column(sa.String(64), index=True)
    actor: Mapped[str] = mapped_column(sa.String(128))
    on_behalf_of: Mapped[str | None] = mapped_column(sa.String(128), nullable=True)
    approver: Mapped[str | None] = mapped_column(sa.String(128), nullable=True)
    run_id: Mapped[str | None] = mapped_column(sa.String(64), nullable=True, index=True)
    payload_json: Mapped[str] = mapped_column(sa.Text)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class AuditHeadRow(Base):
    """The single lock row writers take (FOR UPDATE) so that concurrent appenders keep one chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_hash: Mapped[str] = mapped_column(sa.String(64))


class AuditCheckpointRow(Base):
    """A signed statement "the chain had `count` events ending at `last_seq` with `head_hash`"."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    ts: Mapped[datetime] = mapped_column(sa.DateTime)
    last_seq: Mapped[int] = mapped_column(sa.Integer)
    head_hash: Mapped[str] = mapped_column(sa.String(64))
    count: Mapped[int] = mapped_column(sa.Integer)
    kid: Mapped[str] = mapped_column(sa.String(16))
    mac: Mapped[str] = mapped_column(sa.String(64))


class WebSessionRow(Base):
    """A browser session the server can revoke (logout, password change)."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(128), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)


class LeaseRow(Base):
    """A named lease (e.g. the background reconciler): exactly one holder across processes."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(128))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime)


class ConversationRow(Base):
    __tablename__ = "conversations"

    thread_id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    channel: Mapped[str | None] = mapped_column(sa.String(32), nullable=True)
    username: Mapped[str | None] = mapped_column(sa.String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime)


class MessageRow(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    thread_id: Mapped[str] = mapped_column(sa.ForeignKey("conversations.thread_id"), index=True)
    ts: Mapped[datetime] = mapped_column(sa.DateTime)
    role: Mapped[str] = mapped_column(sa.String(16))
    content: Mapped[str] = mapped_column(sa.Text)
    meta_json: Mapped[str] = mapped_column(sa.Text, default="{}")


class IdempotencyKeyRow(Base):
    """A request key seen before, with the result it produced (retried HTTP requests, buttons)."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime)
    result_json: Mapped[str | None] = mapped_column(sa.Text, nullable=True)


class SeenEventRow(Base):
    """Processed inbound event ids (Slack retries the same event up to three times)."""

    __tablename__ = "seen_events"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime)


def _configure_sqlite(engine: Engine) -> None:
    """WAL + busy timeout; we emit BEGIN ourselves so writers can ask for BEGIN IMMEDIATE."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("qm_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine configured for our concurrency model on either backend."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                                                     "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return sa.create_engine(url, pool_recycle=1800, pool_size=5, max_overflow=10)


def _head_revision() -> str | None:
    """The newest revision in the migrations folder (the one no other revision names as its parent)."""
    revs: dict[str, str | None] = {}
    for f in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = f.read_text(encoding="utf-8")
        rev = re.search(r'^revision\s*=\s*["\']([^"\']+)', text, re.M)
        down = re.search(r'^down_revision\s*=\s*["\']([^"\']+)', text, re.M)
        if rev:
            revs[rev.group(1)] = down.group(1) if down else None
    heads = set(revs) - {d for d in revs.values() if d}
    return heads.pop() if len(heads) == 1 else None


def _at_head(engine: Engine) -> bool:
    """The schema is already at the newest revision: opening the store needs no Alembic (seconds of imports)."""
    head = _head_revision()
    if head is None:
        return False
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("select version_num from alembic_version")).fetchall()
    except sa.exc.SQLAlchemyError:
        return False
    return [r[0] for r in rows] == [head]


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent; safe with concurrent openers)."""
    if _at_head(engine):
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    with engine.connect().execution_options(qm_immediate=True) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class StateStore:
    """The engine plus session helpers. Build one per process with `StateStore.open(url)`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.url = engine.url.render_as_string(hide_password=True)
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(
            engine.execution_options(qm_immediate=True), expire_on_commit=False)
        # The ProposalService attaches itself here so proposal tools find it through ToolContext.store.
        self.proposals: Any = None
        self._keys: Any = None

    @property
    def keys(self) -> Any:
        """The signing keys (tools.governance.keys.SigningKeys): QM_SIGNING_KEY, else `signing.key` next to a
        SQLite state file or in QM_DATA_DIR. Assign to set them explicitly (tests, benches)."""
        if self._keys is None:
            from tools.governance.keys import SigningKeys

            data_dir = None
            if self.is_sqlite:
                db = self.engine.url.database
                if db and db != ":memory:":
                    data_dir = Path(db).resolve().parent
            self._keys = SigningKeys.load(data_dir)
        return self._keys

    @keys.setter
    def keys(self, value: Any) -> None:
        self._keys = value

    @classmethod
    def open(cls, url: str, *, run_migrations: bool = True) -> StateStore:
        engine = make_engine(url)
        if run_migrations:
            migrate(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- sessions ------------------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Session]:
        """A short read transaction (never blocks writers on SQLite/WAL)."""
        with self._sessions() as session:
            yield session  # close() ends the transaction without expiring loaded rows

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: BEGIN IMMEDIATE on SQLite, committed on success, rolled back on error."""
        with self._write_sessions() as session, session.begin():
            yield session

    def ping(self) -> None:
        """Raise if the database does not answer (health checks)."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    # -- leases --------------------------------------------------------------------------------
    def acquire_lease(self, name: str, holder: str, ttl_s: float) -> bool:
        """Take or renew the named lease for `ttl_s` seconds; False while another holder's lease lives.
        One row per name, changed in a write transaction: exactly one holder across processes."""
        from datetime import timedelta

        now = utcnow()
        try:
            with self.write() as s:
                row = s.scalars(sa.select(LeaseRow).where(LeaseRow.name == name).with_for_update()).first()
                if row is None:
                    s.add(LeaseRow(name=name, holder=holder, expires_at=now + timedelta(seconds=ttl_s)))
                    return True
                if row.holder != holder and row.expires_at > now:
                    return False
                row.holder, row.expires_at = holder, now + timedelta(seconds=ttl_s)
                return True
        except IntegrityError:  # another process inserted the row first
            return False

    def release_lease(self, name: str, holder: str) -> None:
        with self.write() as s:
            s.execute(sa.delete(LeaseRow).where(LeaseRow.name == name, LeaseRow.holder == holder))

    # -- dedupe helpers ------------------------------------------------------------------------
    def seen_event(self, key: str) -> bool:
        """Record an inbound event id. True if it had been seen before (then skip it), else False."""
        try:
            with self.write() as s:
                s.add(SeenEventRow(key=key, created_at=utcnow()))
            return False
        except IntegrityError:
            return True

    def claim_idempotency_key(self, key: str, scope: str = "") -> tuple[bool, Any]:
        """(True, None) the first time a key is claimed; (False, stored result) on every repeat."""
        try:
            with self.write() as s:
                s.add(IdempotencyKeyRow(key=key, scope=scope, created_at=utcnow()))
            return True, None
        except IntegrityError:
            with self.read() as s:
                row = s.get(IdempotencyKeyRow, key)
                raw = row.result_json if row else None
            return False, (json.loads(raw) if raw else None)

    def store_idempotency_result(self, key: str, result: Any) -> None:
        with self.write() as s:
            row = s.get(IdempotencyKeyRow, key)
            if row is not None:
                row.result_json = canonical_json(result)


class ConversationStore:
    """Chat memory for the assistant: one thread = one conversation, messages in order."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    def append(self, thread_id: str, role: str, content: str, meta: dict[str, Any] | None = None,
               *, channel: str | None = None, username: str | None = None) -> int:
        now = utcnow()
        with self.store.write() as s:
            conv = s.get(ConversationRow, thread_id)
            if conv is None:
                s.add(ConversationRow(thread_id=thread_id, channel=channel, username=username,
                                      created_at=now, updated_at=now))
                s.flush()
            else:
                conv.updated_at = now
            msg = MessageRow(thread_id=thread_id, ts=now, role=role, content=storable_text(content),
                             meta_json=canonical_json(meta or {}))
            s.add(msg)
            s.flush()
            return int(msg.id)

    def history(self, thread_id: str, limit: int = 20) -> list[dict[str, Any]]:
        """The last `limit` messages, oldest first."""
        with self.store.read() as s:
            rows = s.scalars(sa.select(MessageRow).where(MessageRow.thread_id == thread_id)
                             .order_by(MessageRow.id.desc()).limit(limit)).all()
        return [{"role": r.role, "content": r.content, "meta": json.loads(r.meta_json or "{}"),
                 "ts": r.ts.isoformat()} for r in reversed(rows)]

    def threads(self, username: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        with self.store.read() as s:
            q = sa.select(ConversationRow).order_by(ConversationRow.updated_at.desc()).limit(limit)
            if username:
                q = q.where(ConversationRow.username == username)
            rows = s.scalars(q).all()
        return [{"thread_id": r.thread_id, "channel": r.channel, "username": r.username,
                 "updated_at": r.updated_at.isoformat()} for r in rows]
