"""Evaluation: run one rule at one tick and queue a message for each subscriber with new conditions.

Dedupe ("each condition alerted once until it changes") lives in the state store, per subscription and
condition: `alert_conditions` keeps the fingerprint and an episode number. A condition that is new, has
a new fingerprint (e.g. rescheduled), or cleared and came back starts a new episode and is alerted;
anything else is silent. The condition rows and the delivery row are written in one transaction, and
the delivery key (subscription, rule, conditions with their episodes) is unique: two runs of the same
tick (a worker died and its run was taken over) queue one message, never two.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from assistant.watch.queues import SOURCES, Item
from assistant.watch.rules import Rule
from assistant.watch.subscriptions import Subscription
from assistant.watch.tables import ConditionRow, DeliveryRow
from tools.governance.store import canonical_json, utcnow

log = logging.getLogger(__name__)


@dataclass
class RuleRun:
    rule: str
    tick: datetime
    items: int
    subscriptions: int
    queued: list[int]


def delivery_key(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode("utf-8")).hexdigest()


def condition_key(prefix: str, key: str) -> str:
    """`rule|key`, hashed when it would not fit the column (long product names)."""
    full = prefix + key
    return full if len(full) <= 255 else prefix + hashlib.sha256(key.encode("utf-8")).hexdigest()


def for_role(items: list[Item], policy: Any, role: str) -> list[dict[str, Any]]:
    """The items as stored for one subscriber: no money part, and money scrubbed from text, unless the
    role's policy shows money."""
    from assistant.watch.messages import shows_money

    out = []
    money = shows_money(policy, role)
    for item in items:
        d = item.to_dict()
        if not money:
            d.pop("money", None)
            d["text"] = policy.scrub_text(role, d["text"]) if policy is not None else d["text"]
            d["facts"] = {k: v for k, v in (d.get("facts") or {}).items() if not str(k).startswith(("price", "amount"))}
        out.append(d)
    return out


def read_items(watcher: Any, rule: Rule, tick: datetime, scope: Any = None) -> list[Item]:
    ctx = watcher.context(tick)
    return SOURCES[rule.source](ctx, rule.params, scope)


def evaluate_rule(watcher: Any, rule: Rule, tick: datetime) -> RuleRun:
    """Read the rule's queue once (as the system), then record/queue per instant subscription."""
    subs = [s for s in watcher.subscriptions.list(rule=rule.name, mode="instant") if rule.allows(s.role)]
    items = read_items(watcher, rule, tick) if subs else []
    queued = []
    for sub in subs:
        scoped = [i for i in items if sub.matches(i)]
        did = record(watcher, sub, rule, scoped, tick)
        if did is not None:
            queued.append(did)
    return RuleRun(rule=rule.name, tick=tick, items=len(items), subscriptions=len(subs), queued=queued)


def record(watcher: Any, sub: Subscription, rule: Rule, items: list[Item], tick: datetime) -> int | None:
    """Update the subscription's conditions for this rule; queue one message with what is new. Retried once
    when a concurrent run got there first (then usually nothing is new)."""
    for attempt in range(3):
        try:
            return _record(watcher, sub, rule, items, tick)
        except IntegrityError:
            if attempt == 2:
                raise
            log.info("alert %s for subscription %s: concurrent run, re-reading", rule.name, sub.id)
    return None


def _record(watcher: Any, sub: Subscription, rule: Rule, items: list[Item], tick: datetime) -> int | None:
    prefix = f"{rule.name}|"
    keyed = {condition_key(prefix, i.key): i for i in items}
    now = utcnow()
    with watcher.store.write() as s:
        rows = {r.condition_key: r for r in s.scalars(
            sa.select(ConditionRow).where(ConditionRow.subscription_id == sub.id,
                                          ConditionRow.condition_key.like(prefix + "%")).with_for_update())}
        fresh: list[tuple[str, int, Item]] = []
        for ck, item in keyed.items():
            row = rows.get(ck)
            if row is None:
                s.add(ConditionRow(subscription_id=sub.id, condition_key=ck, fingerprint=item.fingerprint,
                                   episode=1, active=True, updated_at=now))
                fresh.append((ck, 1, item))
            elif not row.active or row.fingerprint != item.fingerprint:
                row.episode, row.fingerprint, row.active, row.updated_at = row.episode + 1, item.fingerprint, True, now
                fresh.append((ck, row.episode, item))
        for ck, row in rows.items():
            if ck not in keyed and row.active:
                row.active, row.updated_at = False, now
        if not fresh:
            return None
        key = delivery_key("alert", sub.id, rule.name, sorted((ck, ep) for ck, ep, _ in fresh))
        payload = {"title": rule.title, "rule": rule.name, "items": for_role([f[2] for f in fresh], watcher.policy, sub.role),
                   "role": sub.role, "warehouse": sub.warehouse, "vendor": sub.vendor}
        row = DeliveryRow(delivery_key=key, subscription_id=sub.id, username=sub.username, rule=rule.name,
                          kind="alert", condition_key=",".join(ck for ck, _, _ in fresh)[:255], channel=sub.channel,
                          target=sub.target, title=rule.title, payload_json=canonical_json(payload), state="pending",
                          tick=tick, not_before=watcher.quiet_until(sub, tick), attempts=0, created_at=now)
        s.add(row)
        s.flush()
        return int(row.id)
