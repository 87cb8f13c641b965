"""Alerts and digests (issue #13): the three figures, printed.

1. A digest for one warehouse (the warehouse role's rules: receipts due tomorrow, receipts overdue, stock-out
   risk), warm caches: wall time p50/p95 and Odoo round trips. Targets <= 300 ms, <= 3 round trips.
2. 200 subscriptions (instant and daily digests, users and team channels, five warehouses, every rule) processed
   by one `alerts run-once` equivalent (evaluate every rule, queue, send to the mock Slack Web API over HTTP,
   audit each). Target <= 30 s on 2 cores.
3. The scale-out topology: three schedulers (`quartermaster alerts scheduler`, the alert part of a web replica;
   `--web` for three full `quartermaster run` replicas, one of them SIGKILLed too) + two Celery workers over Redis,
   PostgreSQL state, 10 minutes of fake time with 1-minute ticks: duplicate and missed runs and alerts
   (targets 0 / 0), with one worker SIGKILLed mid-run (--no-kill to skip).

    python bench/bench_alerts.py [--scale 1] [--skip-topology] [--web]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "watch"))
sys.path.insert(0, str(ROOT / "tests" / "channels" / "slack"))

from alert_kit import make_watcher  # noqa: E402
from slack_kit import MockSlack  # noqa: E402

PG_ADMIN_URL = os.environ.get("QM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("QM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


class HttpSlack:
    def __init__(self, url: str) -> None:
        from slack_sdk import WebClient

        self.client = WebClient(token="xoxb-bench", base_url=url)

    def send(self, target: str, text: str, blocks: list[dict[str, Any]]) -> str | None:
        return str(self.client.chat_postMessage(channel=target, text=text, blocks=blocks).get("ts"))


def bench_digest(odoo: Any, work: Path, runs: int = 20) -> dict[str, Any]:
    from assistant.watch.clock import FakeClock
    from assistant.watch.digests import sections_for

    clock = FakeClock(datetime.now(UTC).replace(tzinfo=None, hour=15, minute=0, second=0, microsecond=0))
    w = make_watcher(odoo, f"sqlite:///{work}/digest.db", "bluebonnet", clock)
    sub = w.subscriptions.add(by=w.directory.get("wes.warehouse"), rule="*", warehouse="HOU", channel="web",
                              mode="digest", digest_time="07:00")
    sections_for(w, sub, w.tick_now())  # warm the reference caches (warehouses, vendors, pricelist)
    ms, rts, items = [], [], 0
    for _ in range(runs):
        t = time.perf_counter()
        with odoo.measure() as stats:
            secs = sections_for(w, sub, w.tick_now())
        ms.append((time.perf_counter() - t) * 1000)
        rts.append(stats.calls)
        items = sum(len(i) for _, i in secs)
    ms.sort()
    return {"p50_ms": round(statistics.median(ms), 1), "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1),
            "round_trips": max(rts), "items": items, "sections": len(secs)}


def bench_200(odoo: Any, work: Path, slack: MockSlack) -> dict[str, Any]:
    from assistant.watch.clock import FakeClock

    clock = FakeClock(datetime.now(UTC).replace(tzinfo=None, hour=15, minute=0, second=0, microsecond=0))
    w = make_watcher(odoo, f"sqlite:///{work}/subs.db", "bluebonnet", clock, {"slack": HttpSlack(slack.url)})
    manager = w.directory.get("maria.manager")
    people = [u for u in w.directory.all() if u.role != "admin"]
    codes = [x["code"] for x in odoo.search_read("stock.warehouse", [], ["code"])]
    n = 0
    while n < 200:
        for person in people:
            for rule in w.rules.for_role(person.role):
                if n >= 200:
                    break
                code = codes[n % len(codes)] if rule.source in ("receipts_due", "receipts_overdue", "stockout_risk") \
                    else None
                if n % 4 == 3:  # a team channel for the role
                    w.subscriptions.add(by=manager, role=person.role, rule=rule.name, warehouse=code, channel="slack",
                                        target=f"CTEAM{n}")
                else:
                    w.subscriptions.add(by=manager, username=person.username, rule=rule.name, warehouse=code,
                                        channel="slack" if n % 2 else "web", mode="digest" if n % 5 == 0 else "instant",
                                        digest_time="07:00")
                n += 1
    slack.reset()
    t = time.perf_counter()
    with odoo.measure() as stats:
        results = w.run_once()
    seconds = time.perf_counter() - t
    sent = sum(r["delivered"]["sent"] for r in results)
    return {"subscriptions": n, "seconds": round(seconds, 2), "messages_sent": sent,
            "slack_posts": len(slack.of("chat.postMessage")), "round_trips": stats.calls}


def _pg_database() -> tuple[str, Any]:
    import sqlalchemy as sa

    name = f"qm_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text("select pg_terminate_backend(pid) from pg_stat_activity where datname = :n"),
                         {"n": name})
            conn.execute(sa.text(f'drop database if exists "{name}"'))
        admin.dispose()

    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, drop


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--skip-topology", action="store_true")
    ap.add_argument("--no-kill", action="store_true")
    ap.add_argument("--web", action="store_true", help="full web replicas (`quartermaster run`) instead of the "
                                                       "scheduler processes (+40-60 s start-up on 2 cores)")
    args = ap.parse_args()
    from sandbox.launch import start_sandbox
    from tools.odoo.client import OdooClient

    work = Path(tempfile.mkdtemp(prefix="qm-bench-alerts-"))
    cache = Path(os.environ.get("QM_SANDBOX_CACHE", ROOT / "var" / "cache" / "sandbox"))
    sb = start_sandbox(work / "sandbox", port=0, scale=args.scale, cache_dir=cache)
    slack = MockSlack().start()
    try:
        odoo = OdooClient.connect(sb.url, sb.db, "admin", "admin")
        d = bench_digest(odoo, work)
        print(f"digest, one warehouse (warehouse role, 3 rules, {d['items']} items), scale {args.scale}: "
              f"p50 {d['p50_ms']} ms, p95 {d['p95_ms']} ms, {d['round_trips']} Odoo round trips "
              f"(targets <= 300 ms, <= 3)")
        s = bench_200(odoo, work, slack)
        print(f"{s['subscriptions']} subscriptions, every rule + digests, one run: {s['seconds']} s, "
              f"{s['messages_sent']} messages sent ({s['slack_posts']} Slack posts over HTTP), "
              f"{s['round_trips']} Odoo round trips (target <= 30 s)")
        if not args.skip_topology:
            from topology_kit import run_topology

            pg_url, drop = _pg_database()
            try:
                fresh = start_sandbox(work / "sandbox2", port=0, scale=1, cache_dir=cache)
                try:
                    odoo2 = OdooClient.connect(fresh.url, fresh.db, "admin", "admin")
                    slack2 = MockSlack().start()
                    try:
                        rep = run_topology(odoo=odoo2, odoo_url=fresh.url, odoo_db=fresh.db, pg_url=pg_url,
                                           redis_url=REDIS_URL, slack=slack2, work=work / "topology", ticks=10,
                                           kill_at=None if args.no_kill else 4, web=args.web)
                    finally:
                        slack2.stop()
                finally:
                    fresh.stop()
            finally:
                drop()
            who = "3 web replicas" if args.web else "3 schedulers"
            killed = "" if args.no_kill else ", one worker SIGKILLed" + (" and one replica" if args.web else "")
            print(f"{who} + 2 workers, 10 min fake time, 1-min ticks{killed}"
                  f": runs {rep.runs}/{rep.runs_expected} ({rep.duplicate_runs} duplicate, {rep.missed_runs} missed, "
                  f"{rep.taken_over_runs} taken over), alerts {rep.alerts_delivered}/{rep.alerts_expected} "
                  f"({rep.duplicate_alerts} duplicate, {rep.missed_alerts} missed), digests {rep.digests}, "
                  f"{rep.seconds} s wall" + (f"; problems: {rep.problems}" if rep.problems else ""))
    finally:
        slack.stop()
        sb.stop()


if __name__ == "__main__":
    main()
