"""The scale-out topology on loopback: three scheduler processes (the alert part of a web replica), two
Celery workers over Redis, PostgreSQL as the state store, a sandbox Odoo, the mock Slack Web API, and a
fake clock in a file all processes read. Used by test_alert_topology.py and bench/bench_alerts.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RULES = """version: 1
tick_seconds: 60
rules:
  receipts_due_tomorrow:
    title: Receipts due tomorrow
    source: receipts_due
    params: {days_ahead: 1}
    every_minutes: 1
    roles: [warehouse, buyer, manager, admin]
  pos_late:
    title: Purchase orders late
    source: late_pos
    params: {min_days_late: 1}
    every_minutes: 1
    roles: [buyer, manager, admin]
"""


@dataclass
class Report:
    ticks: int
    runs: int = 0
    runs_expected: int = 0
    duplicate_runs: int = 0
    missed_runs: int = 0
    alerts_expected: int = 0
    alerts_delivered: int = 0
    duplicate_alerts: int = 0
    missed_alerts: int = 0
    digests: int = 0
    killed_worker: bool = False
    killed_replica: bool = False
    web_replicas: bool = False
    taken_over_runs: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def _env(base: dict[str, str], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QM_", "ODOO_", "SLACK_"))}
    env.update(base)
    env.update(extra)
    env["PYTHONPATH"] = str(ROOT)
    return env


def run_topology(*, odoo: Any, odoo_url: str, odoo_db: str, pg_url: str, redis_url: str, slack: Any,
                 work: Path, ticks: int = 10, kill_at: int | None = 4, schedulers: int = 3, workers: int = 2,
                 moves_per_tick: int = 1, web: bool = True, kill_replica_at: int | None = 7) -> Report:
    """Drive `ticks` one-minute ticks of fake time through the topology; count runs and alerts against
    truth read from Odoo and the mock Slack."""
    import sqlalchemy as sa
    from alert_kit import local_today, make_watcher, receipts_due_truth

    from assistant.watch.clock import FileClock
    from assistant.watch.tables import DeliveryRow, RunRow

    t_start = time.perf_counter()
    work.mkdir(parents=True, exist_ok=True)
    (work / "rules.yaml").write_text(RULES, encoding="utf-8")
    clock = FileClock(work / "clock")
    start = datetime.now(UTC).replace(tzinfo=None, hour=15, minute=0, second=0, microsecond=0)
    clock.set(start)
    queue = f"qm-test-{uuid.uuid4().hex[:8]}"
    base = {"QM_DATABASE_URL": pg_url, "QM_BROKER_URL": redis_url, "QM_ALERT_QUEUE": queue,
            "QM_FAKE_CLOCK_FILE": str(work / "clock"), "QM_ALERT_RULES_FILE": str(work / "rules.yaml"),
            "ODOO_URL": odoo_url, "ODOO_DB": odoo_db, "QM_DATA_DIR": str(work / "data"),
            "SLACK_BOT_TOKEN": "xoxb-test", "QM_SLACK_API_URL": slack.url, "QM_ALERTS_DOCUMENTS": "0",
            "QM_ALERT_RUN_LEASE_S": "6", "QM_ALERT_REQUEUE_S": "6"}
    # subscriptions, in the shared PostgreSQL store: per warehouse a dock user (DM), a team channel, a buyer (web)
    w = make_watcher(odoo, pg_url, "bluebonnet", clock)
    rep = Report(ticks=ticks, web_replicas=web)
    dock, buyer, manager = (w.directory.get(u) for u in ("wes.warehouse", "ben.buyer", "maria.manager"))
    dm = {"HOU": dock, "DAL": w.directory.get("ava.buyer")}
    codes = ["HOU", "DAL"]
    subs = []
    for code in codes:
        subs.append(w.subscriptions.add(by=dm[code], rule="receipts_due_tomorrow", warehouse=code, channel="slack"))
        subs.append(w.subscriptions.add(by=manager, role="warehouse", rule="receipts_due_tomorrow", warehouse=code,
                                        channel="slack", target=f"CDOCK{code}"))
        subs.append(w.subscriptions.add(by=buyer, rule="receipts_due_tomorrow", warehouse=code, channel="web"))
    subs.append(w.subscriptions.add(by=buyer, rule="pos_late", channel="web"))
    digest_at = (start + timedelta(minutes=5)).replace(tzinfo=UTC).astimezone(w.company_zone()).strftime("%H:%M")
    subs.append(w.subscriptions.add(by=dock, rule="*", warehouse="HOU", channel="slack", target="CDIGEST",
                                    mode="digest", digest_time=digest_at))
    # receipts that later ticks move into "tomorrow": new conditions appear while the topology runs
    tomorrow = local_today(odoo, start) + timedelta(days=1)
    later = odoo.search_read("stock.picking", [("picking_type_code", "=", "incoming"),
                                               ("state", "not in", ["done", "cancel"]),
                                               ("picking_type_id.warehouse_id.code", "in", codes),
                                               ("scheduled_date", ">", (start + timedelta(days=3)).isoformat(" "))],
                             ["name", "scheduled_date"], limit=ticks * moves_per_tick, order="scheduled_date desc")
    noon = datetime.combine(tomorrow, datetime.min.time()).replace(hour=12, tzinfo=w.company_zone())
    noon_utc = noon.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")

    procs: list[subprocess.Popen[bytes]] = []
    logs = []
    py = sys.executable
    try:
        for i in range(workers):
            log = open(work / f"worker{i}.log", "wb")  # noqa: SIM115 - closed below
            logs.append(log)
            procs.append(subprocess.Popen([py, "-m", "assistant.cli", "worker", "--concurrency", "1"],
                                          env=_env(base), stdout=log, stderr=subprocess.STDOUT, cwd=work))
        (work / "corpus").mkdir(exist_ok=True)
        ports = [_free_port() for _ in range(schedulers)]
        for i in range(schedulers):
            log = open(work / f"sched{i}.log", "wb")  # noqa: SIM115
            logs.append(log)
            # a web replica (`quartermaster run`: serves the app, and its lifespan starts the alert scheduler), or
            # the scheduler alone (`quartermaster alerts scheduler`, the same claim/dispatch code without the web app)
            cmd = [py, "-m", "assistant.cli", "run", "--port", str(ports[i])] if web else \
                [py, "-m", "assistant.cli", "alerts", "scheduler", "--poll", "0.2"]
            procs.append(subprocess.Popen(cmd, env=_env(base, QM_DATA_DIR=str(work / f"replica{i}"), QM_BRAIN="offline",
                                                        QM_CORPUS_DIR=str(work / "corpus"), QM_RECONCILE_INTERVAL="0"),
                                          stdout=log, stderr=subprocess.STDOUT, cwd=work))
        worker_pids = [p.pid for p in procs[:workers]]
        replica_pids = [p.pid for p in procs[workers:]]
        if web:
            _wait_http(ports, 300)

        def runs_of(tick: datetime) -> list[Any]:
            with w.store.read() as s:
                return list(s.scalars(sa.select(RunRow).where(RunRow.tick == tick)).all())

        def wait_done(tick: datetime, n: int, timeout: float = 90.0) -> None:
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                rows = runs_of(tick)
                if len(rows) >= n and all(r.state == "done" for r in rows):
                    return
                time.sleep(0.1)
            rep.problems.append(f"tick {tick} not finished: {[(r.job, r.state) for r in runs_of(tick)]}")

        jobs_per_tick = 3  # two rules + digests
        tick = start
        wait_done(tick, jobs_per_tick)
        moved = 0
        for step in range(1, ticks):
            for p in later[moved:moved + moves_per_tick]:
                odoo.call("stock.picking", "write", [[p["id"]], {"scheduled_date": noon_utc}])
            moved += moves_per_tick
            tick = start + timedelta(minutes=step)
            clock.set(tick)
            if kill_at is not None and step == kill_at:
                victim = worker_pids[0]
                end = time.monotonic() + 10
                while time.monotonic() < end and not any(r.state == "running" and f":{victim}:" in (r.holder or "")
                                                         for r in runs_of(tick)):
                    time.sleep(0.02)
                os.kill(victim, signal.SIGKILL)
                rep.killed_worker = True
            if web and kill_replica_at is not None and step == kill_replica_at:
                os.kill(replica_pids[0], signal.SIGKILL)
                rep.killed_replica = True
            wait_done(tick, jobs_per_tick)
        # every delivery sent
        end = time.monotonic() + 60
        while time.monotonic() < end:
            with w.store.read() as s:
                pending = s.scalar(sa.select(sa.func.count()).select_from(DeliveryRow)
                                   .where(DeliveryRow.state != "sent"))
            if not pending:
                break
            time.sleep(0.2)
        time.sleep(1.0)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        for log in logs:
            log.close()
        try:
            import redis

            redis.Redis.from_url(redis_url).delete(queue)
        except Exception:  # noqa: BLE001 - best effort cleanup
            pass
    rep.seconds = round(time.perf_counter() - t_start, 1)

    # -- runs: exactly one per (job, tick), all done --
    with w.store.read() as s:
        runs = list(s.scalars(sa.select(RunRow).where(RunRow.tick >= start, RunRow.tick <= tick)).all())
        rows = list(s.scalars(sa.select(DeliveryRow)).all())
    rep.runs, rep.runs_expected = len(runs), ticks * jobs_per_tick
    per = Counter((r.job, r.tick) for r in runs)
    rep.duplicate_runs = sum(n - 1 for n in per.values() if n > 1)
    rep.missed_runs = sum(1 for i in range(ticks) for j in ("receipts_due_tomorrow", "pos_late", "digests")
                          if per[(j, start + timedelta(minutes=i))] == 0 or
                          next(r for r in runs if r.job == j and r.tick == start + timedelta(minutes=i)).state != "done")
    rep.taken_over_runs = sum(1 for r in runs if r.attempts > 1)

    # -- alerts: per subscription, every receipt due tomorrow (truth from Odoo at the end) exactly once --
    posted = [m for m in slack.of("chat.postMessage")]
    delivered: Counter[tuple[int, str]] = Counter()
    by_target = {("slack", s.target or w.directory.get(s.username).slack_user_id): s
                 for s in subs if s.channel == "slack" and s.mode == "instant"}
    for m in posted:
        sub = by_target.get(("slack", m["channel"]))
        if sub is None:
            continue
        text = json.dumps(m.get("blocks"))
        if "Receipts due tomorrow" not in text:
            continue
        for ref in _refs(text):
            delivered[(sub.id, ref)] += 1
    for r in rows:
        if r.channel == "web" and r.kind == "alert":
            for item in json.loads(r.payload_json)["items"]:
                delivered[(r.subscription_id, str(item["key"]).split(":", 1)[1])] += 1
    expected: set[tuple[int, str]] = set()
    for sub in subs:
        if sub.mode != "instant":
            continue
        if sub.rule == "receipts_due_tomorrow":
            expected |= {(sub.id, ref) for ref in receipts_due_truth(odoo, str(sub.warehouse), tomorrow)}
        elif sub.rule == "pos_late":
            expected |= {(sub.id, ref) for ref in _late_truth(odoo, local_today(odoo, start))}
    rep.alerts_expected = len(expected)
    rep.alerts_delivered = sum(delivered.values())
    rep.duplicate_alerts = sum(n - 1 for n in delivered.values() if n > 1) + len(set(delivered) - expected)
    rep.missed_alerts = len(expected - set(delivered))
    rep.digests = sum(1 for m in posted if m["channel"] == "CDIGEST")
    slack_rows = [r for r in rows if r.channel == "slack"]
    if len(slack_rows) != len([m for m in posted if m["channel"] in {t for _, t in by_target} | {"CDIGEST"}]):
        rep.problems.append(f"{len(slack_rows)} Slack delivery rows but {len(posted)} messages posted")
    return rep


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(ports: list[int], timeout: float) -> None:
    import urllib.request

    end = time.monotonic() + timeout
    for port in ports:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except Exception:  # noqa: BLE001 - not up yet
                if time.monotonic() > end:
                    raise RuntimeError(f"web replica on port {port} did not start") from None
                time.sleep(0.3)


def _refs(text: str) -> set[str]:
    import re

    return set(re.findall(r"\b[A-Z]{2,5}/IN/\d{3,6}\b", text))


def _late_truth(odoo: Any, today: Any) -> set[str]:
    from alert_kit import local_today

    return {p["name"] for p in odoo.search_read("purchase.order", [
        ("state", "in", ["purchase", "done"]), ("receipt_status", "in", ["pending", "partial"])],
        ["name", "date_planned"], limit=5000) if p["date_planned"] and
        local_today(odoo, datetime.fromisoformat(p["date_planned"])) < today}
