"""Subscriptions: who gets which alert rule, scoped to a warehouse and/or vendor, where and when.

A subscription belongs to a user (their role decides what they may get and what is redacted) or to a
role (a team channel, e.g. a dock team's Slack channel; created by a manager or admin). Delivery is a
Slack channel or DM, or the web notifications list; `instant` alerts as conditions appear (held
during quiet hours), or one `digest` a day at a local time. Text commands (Slack `/qm subscribe …`)
are parsed here, so every channel accepts the same phrases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from assistant.watch.rules import RuleSet
from assistant.watch.tables import ConditionRow, SubscriptionRow
from tools.base import Identity
from tools.governance.store import StateStore, utcnow

CHANNELS = ("slack", "web")
MODES = ("instant", "digest")
ADMIN_ROLES = ("manager", "admin")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")

# everyday words people use for the rules (the rule names and titles work too)
ALIASES: dict[str, str] = {
    "due tomorrow": "receipts_due_tomorrow", "tomorrow": "receipts_due_tomorrow", "arrivals": "receipts_due_tomorrow",
    "overdue": "receipts_overdue", "overdue receipts": "receipts_overdue", "late receipts": "receipts_overdue",
    "late pos": "pos_late", "late orders": "pos_late", "late": "pos_late",
    "unconfirmed": "unconfirmed_by_vendor", "not confirmed": "unconfirmed_by_vendor",
    "stockout": "stockout_risk", "stock-out": "stockout_risk", "stock out": "stockout_risk",
    "three-way": "three_way_exceptions", "three way": "three_way_exceptions", "exceptions": "three_way_exceptions",
    "contracts": "contracts_expiring", "expiring contracts": "contracts_expiring",
    "supplier messages": "supplier_price_or_delay", "price increases": "supplier_price_or_delay",
    "delays": "supplier_price_or_delay", "all": "*", "everything": "*",
}


class SubscriptionError(ValueError):
    """A request we cannot honour; the message is one sentence for the person."""


@dataclass(frozen=True)
class Subscription:
    id: int
    username: str | None
    role: str
    rule: str
    warehouse: str | None
    vendor: str | None
    channel: str
    target: str | None
    mode: str
    digest_time: str | None
    quiet_start: str | None
    quiet_end: str | None
    tz: str | None

    @classmethod
    def of(cls, row: SubscriptionRow) -> Subscription:
        return cls(id=row.id, username=row.username, role=row.role, rule=row.rule, warehouse=row.warehouse,
                   vendor=row.vendor, channel=row.channel, target=row.target, mode=row.mode,
                   digest_time=row.digest_time, quiet_start=row.quiet_start, quiet_end=row.quiet_end, tz=row.tz)

    def covers(self, rule: str) -> bool:
        return self.rule in ("*", rule)

    def matches(self, item: Any) -> bool:
        """An item (queues.Item) is in scope: same warehouse (when set) and vendor (when set)."""
        if self.warehouse and (getattr(item, "warehouse", None) or "").lower() != self.warehouse.lower():
            return False
        vendor = (getattr(item, "vendor", None) or "").lower()
        return not (self.vendor and self.vendor.lower() not in vendor)

    def describe(self) -> str:
        what = "every alert you may get" if self.rule == "*" else self.rule.replace("_", " ")
        scope = "".join([f" at {self.warehouse}" if self.warehouse else "", f" from {self.vendor}" if self.vendor else ""])
        where = ("web notifications" if self.channel == "web" else
                 f"Slack <#{self.target}>" if self.target and self.target.startswith("C") else "a Slack DM")
        when = f"daily digest at {self.digest_time}" if self.mode == "digest" else "as they happen"
        quiet = f", quiet {self.quiet_start}-{self.quiet_end}" if self.quiet_start and self.quiet_end else ""
        return f"#{self.id}: {what}{scope}, {when}, to {where}{quiet}"


def check_hhmm(value: str | None, what: str) -> str | None:
    if value in (None, ""):
        return None
    m = _HHMM.match(str(value).strip())
    if not m:
        raise SubscriptionError(f"The {what} '{value}' is not a time like 07:30.")
    return f"{int(m.group(1)):02d}:{m.group(2)}"


class Subscriptions:
    def __init__(self, store: StateStore, rules: RuleSet, audit: Any = None, directory: Any = None) -> None:
        self.store = store
        self.rules = rules
        self.audit = audit
        self.directory = directory

    def _audit(self, event: str, actor: str, payload: dict[str, Any]) -> None:
        if self.audit is not None:
            self.audit.record(event, actor, None, payload)

    def resolve_rule(self, text: str) -> str:
        t = text.strip().lower().replace("_", " ")
        for name, rule in self.rules.rules.items():
            if t in (name.replace("_", " "), rule.title.lower()):
                return name
        if t in ALIASES and (ALIASES[t] == "*" or ALIASES[t] in self.rules.rules):
            return ALIASES[t]
        names = ", ".join(["due tomorrow", "overdue", "late pos", "unconfirmed", "stockout", "three-way",
                           "contracts", "supplier messages", "all"])
        raise SubscriptionError(f"I don't know the alert '{text.strip()}'; try one of: {names}.")

    def add(self, *, by: Identity, rule: str, username: str | None = None, role: str | None = None,
            warehouse: str | None = None, vendor: str | None = None, channel: str = "slack",
            target: str | None = None, mode: str = "instant", digest_time: str | None = None,
            quiet_start: str | None = None, quiet_end: str | None = None, tz: str | None = None) -> Subscription:
        """Create a subscription. People subscribe themselves; managers/admins may subscribe a role (a team
        channel) or someone else. The rule must be one the subscriber's role may get."""
        if username is None and role is None:
            username = by.username
        if (username not in (None, by.username) or role is not None) and by.role not in ADMIN_ROLES:
            raise SubscriptionError("Only a manager or admin may subscribe someone else or a whole role.")
        sub_role = role or (by.role if username == by.username else None)
        if sub_role is None and username and self.directory is not None:
            person = self.directory.get(username)
            if person is None:
                raise SubscriptionError(f"There is no user '{username}' in the users file.")
            sub_role = person.role
        if sub_role is None:
            raise SubscriptionError("Say which role the subscription is for.")
        if rule != "*":
            r = self.rules.get(rule)
            if r is None:
                raise SubscriptionError(f"There is no alert rule '{rule}'.")
            if not r.allows(sub_role):
                raise SubscriptionError(f"The {r.title.lower()} alert is not available to the {sub_role} role.")
        if channel not in CHANNELS:
            raise SubscriptionError(f"Alerts go to {' or '.join(CHANNELS)}, not '{channel}'.")
        if mode not in MODES:
            raise SubscriptionError(f"A subscription is {' or '.join(MODES)}, not '{mode}'.")
        digest_time = check_hhmm(digest_time, "digest time")
        if mode == "digest" and digest_time is None:
            digest_time = "07:00"
        quiet_start, quiet_end = check_hhmm(quiet_start, "quiet-hours start"), check_hhmm(quiet_end, "quiet-hours end")
        if bool(quiet_start) != bool(quiet_end):
            raise SubscriptionError("Quiet hours need a start and an end, like 20:00-06:00.")
        if channel == "web" and username is None:
            raise SubscriptionError("Web notifications belong to a person; subscribe a role to a Slack channel.")
        if channel == "slack" and username is None and not target:
            raise SubscriptionError("A role's Slack subscription needs a channel to post in.")
        row = SubscriptionRow(username=username, role=sub_role, rule=rule, warehouse=warehouse or None,
                              vendor=vendor or None, channel=channel, target=target or None, mode=mode,
                              digest_time=digest_time, quiet_start=quiet_start, quiet_end=quiet_end, tz=tz or None,
                              created_by=by.username, created_at=utcnow())
        with self.store.write() as s:
            s.add(row)
            s.flush()
            sub = Subscription.of(row)
        self._audit("alert_subscribed", by.username, {"subscription": sub.id, "describe": sub.describe(),
                                                      "username": username, "role": sub_role})
        return sub

    def remove(self, *, by: Identity, sub_id: int) -> bool:
        with self.store.write() as s:
            row = s.get(SubscriptionRow, sub_id)
            if row is None:
                return False
            if row.username != by.username and by.role not in ADMIN_ROLES:
                raise SubscriptionError(f"Subscription #{sub_id} is not yours.")
            s.delete(row)
            s.execute(sa.delete(ConditionRow).where(ConditionRow.subscription_id == sub_id))
        self._audit("alert_unsubscribed", by.username, {"subscription": sub_id})
        return True

    def remove_rule(self, *, by: Identity, rule: str) -> int:
        gone = 0
        for sub in self.list(username=by.username):
            if rule == "*" or sub.rule == rule:
                gone += int(self.remove(by=by, sub_id=sub.id))
        return gone

    def list(self, *, username: str | None = None, rule: str | None = None, mode: str | None = None
             ) -> list[Subscription]:
        q = sa.select(SubscriptionRow).order_by(SubscriptionRow.id)
        if username is not None:
            q = q.where(SubscriptionRow.username == username)
        if rule is not None:
            q = q.where(SubscriptionRow.rule.in_([rule, "*"]))
        if mode is not None:
            q = q.where(SubscriptionRow.mode == mode)
        with self.store.read() as s:
            return [Subscription.of(r) for r in s.scalars(q).all()]

    def get(self, sub_id: int) -> Subscription | None:
        with self.store.read() as s:
            row = s.get(SubscriptionRow, sub_id)
            return Subscription.of(row) if row else None


# -- the text command ------------------------------------------------------------------------------------
@dataclass
class SubscribeRequest:
    rule: str
    warehouse: str | None = None
    vendor: str | None = None
    mode: str = "instant"
    digest_time: str | None = None
    here: bool = False
    quiet_start: str | None = None
    quiet_end: str | None = None


_QUIET = re.compile(r"\bquiet\s+(\d{1,2}:\d{2})\s*(?:-|to)\s*(\d{1,2}:\d{2})\b", re.I)
_DIGEST = re.compile(r"\b(?:daily\s+)?digest(?:\s+at\s+(\d{1,2}:\d{2}))?\b", re.I)
_HERE = re.compile(r"\b(?:here|in this channel|to this channel)\b", re.I)
_FROM = re.compile(r"\bfrom\s+(.+?)(?=\s+(?:at|for|in)\s+|$)", re.I)
_AT = re.compile(r"\b(?:at|for|in)\s+([^\s].*?)(?=\s+from\s+|$)", re.I)


def parse_subscribe(text: str, subs: Subscriptions, resolve_warehouse: Any = None) -> SubscribeRequest:
    """'due tomorrow at <warehouse> digest at 06:30 here quiet 20:00-06:00' -> a SubscribeRequest.

    `resolve_warehouse(text) -> code` checks the warehouse against Odoo (raising with a sentence)."""
    rest = text.strip()
    if not rest:
        raise SubscriptionError("Say what to subscribe to, e.g. `/qm subscribe due tomorrow at <warehouse code>`.")
    req = SubscribeRequest(rule="")
    if m := _QUIET.search(rest):
        req.quiet_start, req.quiet_end = check_hhmm(m.group(1), "quiet-hours start"), check_hhmm(m.group(2), "quiet-hours end")
        rest = (rest[:m.start()] + rest[m.end():]).strip()
    if m := _DIGEST.search(rest):
        req.mode, req.digest_time = "digest", check_hhmm(m.group(1), "digest time") if m.group(1) else "07:00"
        rest = (rest[:m.start()] + rest[m.end():]).strip()
    if m := _HERE.search(rest):
        req.here = True
        rest = (rest[:m.start()] + rest[m.end():]).strip()
    if m := _FROM.search(rest):
        req.vendor = m.group(1).strip()
        rest = (rest[:m.start()] + rest[m.end():]).strip()
    if m := _AT.search(rest):
        wh = m.group(1).strip()
        req.warehouse = resolve_warehouse(wh) if resolve_warehouse else wh
        rest = rest[:m.start()].strip()
    req.rule = subs.resolve_rule(rest or "all")
    return req


def warehouse_code(odoo: Any, text: str) -> str:
    """A warehouse code or name as Odoo's code (one clear sentence when Odoo has no such warehouse)."""
    from tools.base import ToolError
    from tools.odoo.resolve import resolve_warehouse

    try:
        return str(resolve_warehouse(odoo, text)["code"])
    except ToolError as exc:
        raise SubscriptionError(exc.message) from None
