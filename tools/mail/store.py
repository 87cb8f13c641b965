"""The mailbox's tables in the state store: messages (de-duplicated by Message-ID) and the sync cursor.

Why in the state store: the cursor (UIDVALIDITY, last UID per folder) and the messages it produced are
written in one transaction, so a sync killed at any point resumes where the last committed batch ended:
nothing read twice, nothing missed. Messages are keyed by the SHA-256 of their Message-ID, so the same
mail in two folders, re-imported from a file, or re-fetched after a UIDVALIDITY change is stored once.
The schema is created by the Alembic migration `0004_mailbox` with the rest of the state store.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tools.governance.store import Base, StateStore, storable_text, utcnow
from tools.mail.message import MailMessage, summary_of


class MailMessageRow(Base):
    __tablename__ = "mail_messages"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    msgid_sha: Mapped[str] = mapped_column(sa.String(64), unique=True)
    message_id: Mapped[str] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.String(255))
    date: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True, index=True)
    sender: Mapped[str] = mapped_column(sa.String(320), default="")
    sender_name: Mapped[str] = mapped_column(sa.String(255), default="")
    original_sender: Mapped[str] = mapped_column(sa.String(320), default="")
    to_json: Mapped[str] = mapped_column(sa.Text, default="[]")
    subject: Mapped[str] = mapped_column(sa.Text, default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    attachments_json: Mapped[str] = mapped_column(sa.Text, default="[]")
    in_reply_to: Mapped[str] = mapped_column(sa.Text, default="")
    references_json: Mapped[str] = mapped_column(sa.Text, default="[]")
    language: Mapped[str] = mapped_column(sa.String(16), default="")
    raw_sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    vendor_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True, index=True)
    vendor_name: Mapped[str | None] = mapped_column(sa.String(255), nullable=True)
    links_json: Mapped[str] = mapped_column(sa.Text, default="[]")  # [{"model", "id", "name"}]
    link_state: Mapped[str] = mapped_column(sa.String(16), default="new", index=True)  # new|auto|manual|unlinked
    linked_by: Mapped[str | None] = mapped_column(sa.String(128), nullable=True)
    kind: Mapped[str | None] = mapped_column(sa.String(32), nullable=True, index=True)
    facts_json: Mapped[str] = mapped_column(sa.Text, default="{}")
    understood_by: Mapped[str | None] = mapped_column(sa.String(16), nullable=True)
    injection: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime)


class MailCursorRow(Base):
    __tablename__ = "mail_sync_state"

    account: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    folder: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(sa.BigInteger)
    last_uid: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime)


def msgid_key(message_id: str) -> str:
    return hashlib.sha256(message_id.strip().lower().encode("utf-8", "replace")).hexdigest()


@dataclass
class Cursor:
    uidvalidity: int
    last_uid: int


class MailStore:
    """Read and write the mailbox tables through the state store's transactions."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    # -- cursor ---------------------------------------------------------------------------------
    def cursor(self, account: str, folder: str) -> Cursor | None:
        with self.store.read() as s:
            row = s.get(MailCursorRow, (account, folder))
            return Cursor(int(row.uidvalidity), int(row.last_uid)) if row else None

    # -- messages -------------------------------------------------------------------------------
    def add_batch(self, messages: list[tuple[str, MailMessage]], *, account: str | None = None,
                  folder: str | None = None, uidvalidity: int | None = None, last_uid: int | None = None) -> int:
        """Store `(source, message)` pairs not seen before and, in the same transaction, move the folder's
        cursor to `last_uid`. Returns how many were new."""
        new = 0
        now = utcnow()
        keys = [msgid_key(m.message_id) for _, m in messages]
        with self.store.write() as s:
            seen = set(s.scalars(sa.select(MailMessageRow.msgid_sha).where(MailMessageRow.msgid_sha.in_(keys)))) \
                if keys else set()
            for (source, m), key in zip(messages, keys, strict=True):
                if key in seen:
                    continue
                seen.add(key)
                s.add(MailMessageRow(
                    msgid_sha=key, message_id=storable_text(m.message_id), source=source[:255], date=m.date,
                    sender=m.sender[:320], sender_name=storable_text(m.sender_name)[:255],
                    original_sender=m.original_sender[:320], to_json=json.dumps(m.to[:50]),
                    subject=storable_text(m.subject), body=storable_text(m.body),
                    attachments_json=storable_text(json.dumps([summary_of(a) for a in m.attachments],
                                                              ensure_ascii=False)),
                    in_reply_to=m.in_reply_to, references_json=json.dumps(m.references),
                    language=m.language, raw_sha256=m.raw_sha256, created_at=now))
                new += 1
            if account is not None and folder is not None and uidvalidity is not None and last_uid is not None:
                row = s.get(MailCursorRow, (account, folder))
                if row is None:
                    s.add(MailCursorRow(account=account, folder=folder, uidvalidity=uidvalidity, last_uid=last_uid,
                                        updated_at=now))
                else:
                    row.uidvalidity, row.last_uid, row.updated_at = uidvalidity, last_uid, now
        return new

    def count(self) -> int:
        with self.store.read() as s:
            return int(s.scalar(sa.select(sa.func.count()).select_from(MailMessageRow)) or 0)

    def pending(self, limit: int = 500) -> list[MailMessageRow]:
        """Messages not linked/understood yet, oldest first."""
        with self.store.read() as s:
            return list(s.scalars(sa.select(MailMessageRow).where(MailMessageRow.link_state == "new")
                                  .order_by(MailMessageRow.date, MailMessageRow.id).limit(limit)))

    def get(self, row_id: int) -> MailMessageRow | None:
        with self.store.read() as s:
            return s.get(MailMessageRow, row_id)

    def by_message_ids(self, message_ids: list[str]) -> list[MailMessageRow]:
        keys = [msgid_key(m) for m in message_ids if m]
        if not keys:
            return []
        with self.store.read() as s:
            return list(s.scalars(sa.select(MailMessageRow).where(MailMessageRow.msgid_sha.in_(keys))))

    def save_understanding(self, row_id: int, *, vendor_id: int | None, vendor_name: str | None,
                           links: list[dict[str, Any]], kind: str, facts: dict[str, Any], understood_by: str,
                           injection: bool) -> None:
        with self.store.write() as s:
            row = s.get(MailMessageRow, row_id)
            if row is None:
                return
            row.vendor_id, row.vendor_name = vendor_id, vendor_name
            row.links_json = json.dumps(links)
            if row.link_state != "manual":
                row.link_state = "auto" if (vendor_id or links) else "unlinked"
            row.kind, row.facts_json = kind, json.dumps(facts, ensure_ascii=False, default=str)
            row.understood_by, row.injection = understood_by, injection

    def link_by_hand(self, row_id: int, *, vendor_id: int | None, vendor_name: str | None,
                     links: list[dict[str, Any]], user: str) -> bool:
        with self.store.write() as s:
            row = s.get(MailMessageRow, row_id)
            if row is None:
                return False
            row.vendor_id, row.vendor_name = vendor_id, vendor_name
            row.links_json = json.dumps(links)
            row.link_state, row.linked_by = "manual", user
            return True

    def triage(self, limit: int = 100) -> list[MailMessageRow]:
        """Messages no vendor or document could be found for, newest first."""
        with self.store.read() as s:
            return list(s.scalars(sa.select(MailMessageRow).where(MailMessageRow.link_state == "unlinked")
                                  .order_by(MailMessageRow.date.desc(), MailMessageRow.id.desc()).limit(limit)))

    def for_vendor(self, vendor_id: int, *, since: datetime | None = None, kinds: tuple[str, ...] = (),
                   limit: int = 50) -> list[MailMessageRow]:
        with self.store.read() as s:
            q = sa.select(MailMessageRow).where(MailMessageRow.vendor_id == vendor_id)
            if since is not None:
                q = q.where(MailMessageRow.date >= since)
            if kinds:
                q = q.where(MailMessageRow.kind.in_(kinds))
            return list(s.scalars(q.order_by(MailMessageRow.date.desc(), MailMessageRow.id.desc()).limit(limit)))

    def for_document(self, model: str, name: str, limit: int = 20) -> list[MailMessageRow]:
        """Messages linked to one document (by its reference), newest first."""
        needle = json.dumps(name)[1:-1]
        with self.store.read() as s:
            rows = s.scalars(sa.select(MailMessageRow).where(MailMessageRow.links_json.contains(f'"{needle}"'))
                             .order_by(MailMessageRow.date.desc(), MailMessageRow.id.desc()).limit(limit * 4))
            return [r for r in rows if any(lk.get("model") == model and lk.get("name") == name
                                           for lk in links_of(r))][:limit]


def links_of(row: MailMessageRow) -> list[dict[str, Any]]:
    try:
        value = json.loads(row.links_json or "[]")
    except ValueError:
        return []
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def facts_of(row: MailMessageRow) -> dict[str, Any]:
    try:
        value = json.loads(row.facts_json or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def mail_tables_exist(store: Any) -> bool:
    """True when the state store has the mailbox tables (an older database before its migration has not)."""
    try:
        return bool(sa.inspect(store.engine).has_table("mail_messages"))
    except Exception:  # noqa: BLE001
        return False
