"""Embedded mode (in-process scheduling over SQLite) and the `quartermaster alerts` commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alert_kit import ROOT, deliveries, local_today, make_watcher, receipts_due_truth, refs_in

from assistant.watch.clock import FakeClock
from assistant.watch.rules import load_rules
from assistant.watch.scheduler import InProcessWorker, Scheduler
from assistant.watch.tables import RunRow

RULES = """version: 1
tick_seconds: 60
rules:
  receipts_due_tomorrow: {title: Receipts due tomorrow, source: receipts_due, params: {days_ahead: 1}, every_minutes: 1,
                          roles: [warehouse, buyer]}
  pos_late: {title: Purchase orders late, source: late_pos, every_minutes: 5, roles: [buyer]}
"""


def test_two_embedded_schedulers_on_one_sqlite_run_each_tick_once(odoo: Any, tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(RULES)
    rules = load_rules(tmp_path / "rules.yaml")
    clock = FakeClock(datetime.now(UTC).replace(tzinfo=None, hour=15, minute=0, second=0, microsecond=0))
    w = make_watcher(odoo, f"sqlite:///{tmp_path}/state.db", "bluebonnet", clock, rules=rules)
    w.subscriptions.add(by=w.directory.get("ben.buyer"), rule="receipts_due_tomorrow", warehouse="HOU", channel="web")
    workers = [InProcessWorker(w), InProcessWorker(w)]
    scheds = [Scheduler(w.store, rules, workers[i], clock=clock) for i in range(2)]
    for _ in range(6):
        for s in scheds:
            s.step()
        for wk in workers:
            wk.drain()
        clock.advance(60)
    for wk in workers:
        wk.stop()
    with w.store.read() as s:
        runs = s.scalars(sa.select(RunRow)).all()
    keys = [(r.job, r.tick) for r in runs]
    assert len(keys) == len(set(keys)) and all(r.state == "done" for r in runs)
    assert sorted({r.job for r in runs}) == ["digests", "pos_late", "receipts_due_tomorrow"]
    assert sum(1 for r in runs if r.job == "receipts_due_tomorrow") == 6
    assert 1 <= sum(1 for r in runs if r.job == "pos_late") <= 2  # every 5 minutes
    (row,) = deliveries(w.store)
    assert refs_in(row) == receipts_due_truth(odoo, "HOU", local_today(odoo, clock()) + timedelta(days=1))


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("QM_", "ODOO_", "SLACK_"))}
    full.update(env, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=full, capture_output=True, text=True,
                          timeout=300)


def test_cli_subscribe_run_once_and_a_bad_rules_file(sandbox: Any, tmp_path: Path) -> None:
    env = {"ODOO_URL": sandbox.url, "ODOO_DB": sandbox.db, "QM_DATA_DIR": str(tmp_path), "QM_ALERTS_DOCUMENTS": "0"}
    out = _cli(["alerts", "subscribe", "due tomorrow", "--as", "wes.warehouse", "--warehouse", "HOU", "--channel",
                "web"], env)
    assert out.returncode == 0 and out.stdout.startswith("Subscribed #1"), out.stderr
    out = _cli(["alerts", "run-once", "--json"], env)
    assert out.returncode == 0, out.stderr
    results = {r["job"]: r for r in json.loads(out.stdout)}
    assert set(results) == {*load_rules().rules, "digests"}
    assert results["receipts_due_tomorrow"]["queued"] == 1
    assert results["receipts_due_tomorrow"]["delivered"]["sent"] == 1
    again = {r["job"]: r for r in json.loads(_cli(["alerts", "run-once", "--json"], env).stdout)}
    assert again["receipts_due_tomorrow"]["queued"] == 0  # alerted once

    (tmp_path / "bad.yaml").write_text("rules:\n  x: {source: nowhere}\n")
    bad = _cli(["alerts", "rules"], {**env, "QM_ALERT_RULES_FILE": str(tmp_path / "bad.yaml")})
    assert bad.returncode == 1 and "source 'nowhere'" in bad.stderr and "Traceback" not in bad.stderr
    nowhere = _cli(["alerts", "subscribe", "overdue", "--as", "wes.warehouse", "--warehouse", "Atlantis"], env)
    assert nowhere.returncode == 1 and "No warehouse matches" in nowhere.stderr and "Traceback" not in nowhere.stderr
    denied = _cli(["alerts", "subscribe", "three-way", "--as", "wes.warehouse"], env)
    assert denied.returncode == 1 and "not available to the warehouse role" in denied.stderr
