"""Digests: once a day at the subscriber's local time (or on request), everything still open in the
rules a subscription covers, scoped to its warehouse/vendor — not only what is new.

Scheduled digests are keyed by (subscription, local date): whichever run reaches it first queues it,
and a digest missed while everything was down goes out at the next tick. `/qm digest now` always
builds a fresh one. Sources are read once per (rule, warehouse) per run, so 200 subscriptions over five
warehouses cost a handful of Odoo round trips, not hundreds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from assistant.watch.evaluation import delivery_key, for_role, read_items
from assistant.watch.queues import Item
from assistant.watch.subscriptions import Subscription
from assistant.watch.tables import DeliveryRow
from tools.governance.store import canonical_json, utcnow


@dataclass
class Scope:
    """What a digest asks a source for: one warehouse (or all), with a per-run cache of Odoo answers."""

    warehouse: str | None
    receipts_until: str | None = None
    cache: dict[Any, Any] = field(default_factory=dict)


def rules_of(watcher: Any, sub: Subscription) -> list[Any]:
    if sub.rule == "*":
        return watcher.rules.for_role(sub.role)
    rule = watcher.rules.get(sub.rule)
    return [rule] if rule is not None and rule.allows(sub.role) else []


def sections_for(watcher: Any, sub: Subscription, tick: datetime, memo: dict[Any, list[Item]] | None = None,
                 scopes: dict[str | None, Scope] | None = None) -> list[tuple[str, list[Item]]]:
    memo = {} if memo is None else memo
    scopes = {} if scopes is None else scopes
    ctx_today = watcher.local_today(tick)
    scope = scopes.setdefault(sub.warehouse, Scope(warehouse=sub.warehouse,
                                                   receipts_until=_receipts_until(watcher, ctx_today)))
    out = []
    for rule in rules_of(watcher, sub):
        key = (rule.name, sub.warehouse)
        if key not in memo:
            memo[key] = read_items(watcher, rule, tick, scope)
        out.append((rule.title, [i for i in memo[key] if sub.matches(i)]))
    return out


def _receipts_until(watcher: Any, today: date) -> str:
    ahead = [int(r.params.get("days_ahead", 1)) for r in watcher.rules.rules.values() if r.source == "receipts_due"]
    return (today + timedelta(days=max(ahead or [1]))).isoformat()


def queue_digest(watcher: Any, sub: Subscription, tick: datetime, *, key: str, title: str,
                 memo: dict[Any, list[Item]] | None = None, scopes: dict[str | None, Scope] | None = None) -> int | None:
    sections = sections_for(watcher, sub, tick, memo, scopes)
    payload = {"title": title, "role": sub.role, "warehouse": sub.warehouse, "vendor": sub.vendor,
               "sections": [{"title": t, "items": for_role(items, watcher.policy, sub.role)} for t, items in sections]}
    row = DeliveryRow(delivery_key=key, subscription_id=sub.id, username=sub.username, rule=sub.rule, kind="digest",
                      condition_key=None, channel=sub.channel, target=sub.target, title=title,
                      payload_json=canonical_json(payload), state="pending", tick=tick, not_before=None, attempts=0,
                      created_at=utcnow())
    try:
        with watcher.store.write() as s:
            s.add(row)
            s.flush()
            return int(row.id)
    except IntegrityError:
        return None  # another run queued this digest first


def _title(watcher: Any, sub: Subscription, local_day: date) -> str:
    scope = " ".join(x for x in (f"at {sub.warehouse}" if sub.warehouse else "",
                                 f"for {sub.vendor}" if sub.vendor else "") if x)
    return f"Daily digest{(' ' + scope) if scope else ''}, {local_day.isoformat()}"


def run_digests(watcher: Any, tick: datetime) -> list[int]:
    """Queue today's digest for every digest subscription whose local time has come and that has none yet."""
    queued: list[int] = []
    memo: dict[Any, list[Item]] = {}
    scopes: dict[str | None, Scope] = {}
    subs = watcher.subscriptions.list(mode="digest")
    due = []
    for sub in subs:
        local = watcher.local_time(sub, tick)
        if local.strftime("%H:%M") < (sub.digest_time or "07:00"):
            continue
        due.append((sub, local.date(), delivery_key("digest", sub.id, local.date().isoformat())))
    if not due:
        return queued
    with watcher.store.read() as s:
        have = set(s.scalars(sa.select(DeliveryRow.delivery_key).where(
            DeliveryRow.delivery_key.in_([k for _, _, k in due]))).all())
    for sub, day, key in due:
        if key in have:
            continue
        did = queue_digest(watcher, sub, tick, key=key, title=_title(watcher, sub, day), memo=memo, scopes=scopes)
        if did is not None:
            queued.append(did)
    return queued


def digest_now(watcher: Any, sub: Subscription, tick: datetime) -> int | None:
    """A digest on request (`/qm digest now`): always a new message."""
    day = watcher.local_time(sub, tick).date()
    return queue_digest(watcher, sub, tick, key=delivery_key("digest-now", sub.id, uuid.uuid4().hex),
                        title=_title(watcher, sub, day).replace("Daily digest", "Digest"))
