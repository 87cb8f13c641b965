"""The Watcher: the alert engine over one Odoo connection and one state store.

It evaluates rules (evaluation.py), queues digests (digests.py) and sends what is due (deliveries.py);
the scheduler (scheduler.py) decides when, the workers (workers.py) where. Built from the runtime in the
web process, or standalone (`quartermaster worker`, `quartermaster alerts run-once`) from the settings.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.watch import deliveries, digests, evaluation
from assistant.watch.clock import Clock, floor_tick, system_clock
from assistant.watch.rules import DELIVERY_JOB, DIGEST_JOB, RuleSet, load_rules
from assistant.watch.subscriptions import Subscription, Subscriptions
from tools.base import SYSTEM, ToolContext
from tools.odoo.resolve import company_tz

log = logging.getLogger(__name__)
TZ_TTL_S = 600.0


class Watcher:
    def __init__(self, *, odoo: Any, store: Any, policy: Any, directory: Any, audit: Any, knowledge: Any = None,
                 rules: RuleSet | None = None, clock: Clock | None = None, senders: dict[str, Any] | None = None,
                 holder: str | None = None) -> None:
        self.odoo, self.store, self.policy, self.directory, self.audit = odoo, store, policy, directory, audit
        self.knowledge = knowledge
        self.rules = rules or load_rules(os.environ.get("QM_ALERT_RULES_FILE") or None)
        self.clock: Clock = clock or system_clock
        self.senders: dict[str, Any] = dict(senders or {})
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.subscriptions = Subscriptions(store, self.rules, audit, directory)
        self._user_tz: tuple[float, dict[str, str]] = (0.0, {})

    @classmethod
    def from_runtime(cls, runtime: Any, *, clock: Clock | None = None, senders: dict[str, Any] | None = None,
                     rules: RuleSet | None = None) -> Watcher:
        return cls(odoo=runtime.odoo, store=runtime.store, policy=runtime.policy, directory=runtime.directory,
                   audit=runtime.audit, knowledge=getattr(runtime, "knowledge", None), clock=clock, senders=senders,
                   rules=rules)

    # -- time ------------------------------------------------------------------------------------------
    def context(self, at: datetime) -> ToolContext:
        return ToolContext(user=SYSTEM, odoo=self.odoo, store=self.store, policy=self.policy, audit=self.audit,
                           knowledge=self.knowledge, channel="alerts", clock=lambda: at)

    def tick_now(self) -> datetime:
        return floor_tick(self.clock(), self.rules.tick_seconds)

    def company_zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(company_tz(self.odoo))
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def zone_for(self, sub: Subscription) -> ZoneInfo:
        """The subscription's own zone, else the user's Odoo time zone, else the company's."""
        for name in (sub.tz, self.user_tz(sub.username) if sub.username else None):
            if name:
                try:
                    return ZoneInfo(name)
                except (ZoneInfoNotFoundError, ValueError):
                    continue
        return self.company_zone()

    def user_tz(self, username: str) -> str | None:
        """res.users.tz of the person's Odoo login (all users read in one round trip, kept 10 minutes)."""
        loaded, table = self._user_tz
        if time.monotonic() - loaded > TZ_TTL_S:
            logins = {i.odoo_login or i.username: i.username for i in self.directory.all()}
            try:
                rows = self.odoo.search_read("res.users", [("login", "in", sorted(logins))], ["login", "tz"], limit=1000)
                table = {logins[r["login"]]: r["tz"] for r in rows if r.get("tz") and r.get("login") in logins}
            except Exception:  # noqa: BLE001 - a user without read rights on res.users: company zone
                log.info("could not read users' time zones; using the company's", exc_info=True)
                table = {}
            self._user_tz = (time.monotonic(), table)
        return table.get(username)

    def local_time(self, sub: Subscription, at: datetime) -> datetime:
        return at.replace(tzinfo=UTC).astimezone(self.zone_for(sub)).replace(tzinfo=None)

    def local_today(self, at: datetime) -> date:
        return at.replace(tzinfo=UTC).astimezone(self.company_zone()).date()

    def quiet_until(self, sub: Subscription, at: datetime) -> datetime | None:
        """When a message queued at `at` may go out: None now, or the end of the subscriber's quiet hours."""
        if not (sub.quiet_start and sub.quiet_end) or sub.mode == "digest":
            return None
        zone = self.zone_for(sub)
        local = at.replace(tzinfo=UTC).astimezone(zone)
        start, end = (dtime.fromisoformat(sub.quiet_start), dtime.fromisoformat(sub.quiet_end))
        now_t = local.time().replace(tzinfo=None)
        inside = (start <= now_t < end) if start < end else (now_t >= start or now_t < end)
        if not inside:
            return None
        day = local.date() if (start < end or now_t < end) else local.date() + timedelta(days=1)
        wake = datetime.combine(day, end, tzinfo=zone)
        return wake.astimezone(UTC).replace(tzinfo=None)

    # -- jobs ------------------------------------------------------------------------------------------
    def run_job(self, job: str, tick: datetime) -> dict[str, Any]:
        """One scheduled unit of work: a rule, the digests, or only the sending. Always ends by sending."""
        out: dict[str, Any] = {"job": job, "tick": tick.isoformat()}
        if job == DIGEST_JOB:
            out["queued"] = len(digests.run_digests(self, tick))
        elif job != DELIVERY_JOB:
            rule = self.rules.get(job)
            if rule is None:
                out["error"] = "unknown rule"
                return out
            run = evaluation.evaluate_rule(self, rule, tick)
            out.update(items=run.items, subscriptions=run.subscriptions, queued=len(run.queued))
        out["delivered"] = deliveries.deliver_due(self)
        return out

    def run_once(self, at: datetime | None = None) -> list[dict[str, Any]]:
        """Every rule now (whatever its interval), the digests that are due, then every delivery due."""
        tick = floor_tick(at or self.clock(), self.rules.tick_seconds)
        results = [self.run_job(name, tick) for name in self.rules.rules]
        results.append(self.run_job(DIGEST_JOB, tick))
        return results

    def digest_now(self, sub: Subscription) -> dict[str, Any]:
        did = digests.digest_now(self, sub, self.clock())
        return {"queued": did, "delivered": deliveries.deliver_due(self)}

    # -- audit -----------------------------------------------------------------------------------------
    def audit_delivery(self, row: Any, *, ok: bool, target: str | None = None, error: str | None = None) -> None:
        if self.audit is None:
            return
        try:
            self.audit.record("alert_delivered" if ok else "alert_failed", "system", None,
                              {"delivery": row.id, "kind": row.kind, "rule": row.rule, "subscription": row.subscription_id,
                               "username": row.username, "channel": row.channel, "target": target or row.target,
                               "conditions": (row.condition_key or "")[:255],
                               "tick": row.tick.isoformat() if row.tick else None, "error": error})
        except Exception:  # noqa: BLE001 - the message went out; the audit problem is logged
            log.exception("could not audit alert delivery %s", row.id)
