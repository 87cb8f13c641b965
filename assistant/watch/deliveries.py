"""Deliveries: send queued alert and digest messages, each exactly once, and audit every one.

A delivery row is claimed with a short lease (compare-and-set on the row), sent, then marked sent. A
process that dies while holding a claim loses it when the lease lapses and another process sends it —
the one window where a message could go out twice is between Slack's answer and the "sent" write
(milliseconds; Slack's chat.postMessage has no idempotency key). Web notifications are the row itself.
Held rows (quiet hours) wait until `not_before`, in the subscriber's business time.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa

from assistant.watch.messages import alert_blocks, alert_text, digest_sections, render_items
from assistant.watch.tables import DeliveryRow
from tools.governance.store import utcnow

log = logging.getLogger(__name__)

LEASE_S = 60.0
MAX_ATTEMPTS = 5


class Sender(Protocol):
    """A channel's way out (the Slack adapter provides one): returns the message reference (Slack ts)."""

    def send(self, target: str, text: str, blocks: list[dict[str, Any]]) -> str | None: ...


def render(row: DeliveryRow, policy: Any) -> tuple[str, list[dict[str, Any]]]:
    payload = json.loads(row.payload_json)
    role = str(payload.get("role") or "")
    if row.kind == "digest":
        sections = [(str(s["title"]), list(s["items"])) for s in payload.get("sections") or []]
        text, blocks = digest_sections(sections, policy, role)
        title = str(payload.get("title") or row.title)
        return f"{title}\n\n{text}", [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
                                       *blocks][:50]
    items = list(payload.get("items") or [])
    footer = "Alerted once per condition until it changes. `/qm unsubscribe " + str(row.subscription_id) + "` to stop."
    return alert_text(row.title, render_items(items, policy, role)), alert_blocks(row.title, items, policy, role,
                                                                                     footer=footer)


def deliver_due(watcher: Any, *, limit: int = 500) -> dict[str, int]:
    """Send every pending delivery whose time has come; returns counts by outcome."""
    business_now: datetime = watcher.clock()
    wall = utcnow()
    channels = ["web", *watcher.senders]
    with watcher.store.read() as s:
        ids = list(s.scalars(sa.select(DeliveryRow.id).where(
            DeliveryRow.state == "pending", DeliveryRow.channel.in_(channels),
            sa.or_(DeliveryRow.not_before.is_(None), DeliveryRow.not_before <= business_now),
            sa.or_(DeliveryRow.lease_until.is_(None), DeliveryRow.lease_until < wall)).order_by(DeliveryRow.id)
            .limit(limit)).all())
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    for did in ids:
        counts[_deliver_one(watcher, int(did))] += 1
    return counts


def _claim(watcher: Any, did: int) -> DeliveryRow | None:
    wall = utcnow()
    with watcher.store.write() as s:
        done = s.execute(sa.update(DeliveryRow).where(
            DeliveryRow.id == did, DeliveryRow.state == "pending",
            sa.or_(DeliveryRow.lease_until.is_(None), DeliveryRow.lease_until < wall))
            .values(holder=watcher.holder, lease_until=wall + timedelta(seconds=LEASE_S),
                    attempts=DeliveryRow.attempts + 1))
        if int(getattr(done, "rowcount", 0) or 0) != 1:
            return None
        return s.get(DeliveryRow, did)


def _finish(watcher: Any, did: int, *, state: str, ref: str | None = None, error: str | None = None,
            release: bool = False) -> None:
    with watcher.store.write() as s:
        values: dict[str, Any] = {"error": error}
        if state == "sent":
            values.update(state="sent", sent_at=utcnow(), external_ref=ref, lease_until=None)
        elif state == "failed":
            values.update(state="failed", lease_until=None)
        elif release:  # try again after a short pause
            values.update(lease_until=utcnow() + timedelta(seconds=30))
        s.execute(sa.update(DeliveryRow).where(DeliveryRow.id == did, DeliveryRow.holder == watcher.holder)
                  .values(**values))


def _deliver_one(watcher: Any, did: int) -> str:
    row = _claim(watcher, did)
    if row is None:
        return "skipped"  # another process has it, or it is done
    target = row.target
    try:
        if row.channel == "web":
            ref = None
        else:
            if not target:
                user = watcher.directory.get(row.username) if row.username else None
                target = getattr(user, "slack_user_id", None)
                if not target:
                    _finish(watcher, did, state="failed", error="the subscriber has no Slack id in the users file")
                    watcher.audit_delivery(row, ok=False, error="no Slack id")
                    return "failed"
            text, blocks = render(row, watcher.policy)
            ref = watcher.senders[row.channel].send(target, text, blocks)
    except Exception as exc:  # noqa: BLE001 - Slack down or refusing: retried, then given up and audited
        log.warning("delivery %s failed: %s", did, exc)
        if row.attempts >= MAX_ATTEMPTS:
            _finish(watcher, did, state="failed", error=f"{type(exc).__name__}: {exc}"[:500])
            watcher.audit_delivery(row, ok=False, error=type(exc).__name__)
            return "failed"
        _finish(watcher, did, state="pending", error=f"{type(exc).__name__}: {exc}"[:500], release=True)
        return "skipped"
    _finish(watcher, did, state="sent", ref=ref)
    watcher.audit_delivery(row, ok=True, target=target)
    return "sent"


def web_notifications(store: Any, username: str, limit: int = 50) -> list[dict[str, Any]]:
    """The user's web notifications, newest first (sent web deliveries of their subscriptions)."""
    with store.read() as s:
        rows = s.scalars(sa.select(DeliveryRow).where(DeliveryRow.username == username, DeliveryRow.channel == "web",
                                                      DeliveryRow.state == "sent")
                         .order_by(DeliveryRow.id.desc()).limit(limit)).all()
    return [{"id": r.id, "title": r.title, "kind": r.kind, "rule": r.rule, "sent_at": r.sent_at,
             "read": r.read_at is not None, "payload": json.loads(r.payload_json)} for r in rows]


def mark_read(store: Any, username: str) -> int:
    with store.write() as s:
        done = s.execute(sa.update(DeliveryRow).where(DeliveryRow.username == username, DeliveryRow.channel == "web",
                                                      DeliveryRow.read_at.is_(None)).values(read_at=utcnow()))
        return int(getattr(done, "rowcount", 0) or 0)
