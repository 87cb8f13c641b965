"""The web side of alerts: a warehouse user subscribes on /alerts and reads the notifications there."""

from __future__ import annotations

import html
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alert_kit import local_today, receipts_due_truth
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "channels"))
from webapi_support import page_csrf, web_login  # noqa: E402


@pytest.fixture()
def app_client(sandbox: Any, tmp_path: Path) -> Iterator[tuple[TestClient, Any]]:
    from assistant.runtime import Runtime
    from assistant.settings import load_settings
    from server import create_app

    settings = load_settings(QM_DATA_DIR=str(tmp_path), ODOO_URL=sandbox.url, ODOO_DB=sandbox.db, QM_BRAIN="offline",
                             QM_ALERTS="0")
    runtime = Runtime.build(settings, ingest_corpus=False)
    app = create_app(settings, runtime)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client, app
    finally:
        runtime.close()


@pytest.mark.slow
def test_warehouse_user_subscribes_on_the_web_and_reads_due_tomorrow(app_client: tuple[TestClient, Any]) -> None:
    from assistant.watch.clock import FakeClock

    client, app = app_client
    web_login(client, "wes.warehouse")
    page = client.get("/alerts")
    assert page.status_code == 200 and "No notifications yet" in page.text
    assert "Receipts due tomorrow" in page.text and "three-way" not in page.text.lower()  # rules for the role only
    assert ">HOU<" in page.text  # warehouses from Odoo
    token = page_csrf(page.text)
    bad = client.post("/alerts/subscribe", data={"rule": "receipts_overdue", "mode": "digest", "digest_time": "7pm",
                                                 "csrf_token": token})
    assert bad.status_code == 200 and "is not a time like 07:30" in html.unescape(bad.text)
    ok = client.post("/alerts/subscribe", data={"rule": "receipts_due_tomorrow", "warehouse": "HOU", "channel": "web",
                                                "csrf_token": token})
    assert "Subscribed #1" in ok.text
    forged = client.post("/alerts/subscribe", data={"rule": "receipts_due_tomorrow", "csrf_token": "nope"})
    assert forged.status_code == 403

    watcher = app.state.watcher
    watcher.clock = FakeClock(datetime.now(UTC).replace(tzinfo=None, hour=15, minute=0, second=0, microsecond=0))
    watcher.run_job("receipts_due_tomorrow", watcher.tick_now())
    odoo = app.state.runtime.odoo
    truth = receipts_due_truth(odoo, "HOU", local_today(odoo, watcher.clock()) + timedelta(days=1))
    page = client.get("/alerts")
    assert truth and all(ref in page.text for ref in truth) and 'class="card alert unread"' in page.text
    assert "USD" not in page.text and " UTC<" not in page.text and ("CST" in page.text or "CDT" in page.text)
    metrics = client.get("/metrics").text
    assert 'qm_alert_deliveries{state="sent"} 1.0' in metrics  # read from the shared store
    client.post("/alerts/read", data={"csrf_token": token})
    assert 'class="card alert unread"' not in client.get("/alerts").text
    gone = client.post("/alerts/1/delete", data={"csrf_token": token})
    assert "Unsubscribed #1." in gone.text and "You have no subscriptions." in gone.text


@pytest.mark.slow
def test_the_web_process_schedules_alerts_itself_embedded_mode(sandbox: Any, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """`quartermaster run`'s app: its lifespan starts the scheduler and worker threads over the SQLite state."""
    import time

    from assistant.runtime import Runtime
    from assistant.settings import load_settings
    from assistant.watch.clock import FileClock
    from server import create_app

    (tmp_path / "rules.yaml").write_text("rules:\n  receipts_due_tomorrow: {source: receipts_due, every_minutes: 1, "
                                         "title: Receipts due tomorrow, roles: [warehouse]}\n")
    clock = FileClock(tmp_path / "clock")
    clock.set(datetime.now(UTC).replace(tzinfo=None, hour=15, minute=0, second=0, microsecond=0))
    monkeypatch.setenv("QM_FAKE_CLOCK_FILE", str(tmp_path / "clock"))
    settings = load_settings(QM_DATA_DIR=str(tmp_path), ODOO_URL=sandbox.url, ODOO_DB=sandbox.db, QM_BRAIN="offline",
                             QM_ALERT_RULES_FILE=str(tmp_path / "rules.yaml"))
    runtime = Runtime.build(settings, ingest_corpus=False)
    from assistant.watch.rules import load_rules
    from assistant.watch.subscriptions import Subscriptions

    subs = Subscriptions(runtime.store, load_rules(tmp_path / "rules.yaml"))
    subs.add(by=runtime.directory.get("wes.warehouse"), rule="receipts_due_tomorrow", warehouse="HOU", channel="web")
    try:
        with TestClient(create_app(settings, runtime), raise_server_exceptions=False):
            from alert_kit import deliveries

            end = time.monotonic() + 60
            while time.monotonic() < end and not deliveries(runtime.store):
                time.sleep(0.2)
            clock.set(clock() + timedelta(minutes=1))
            end = time.monotonic() + 30
            while time.monotonic() < end and len(_done_runs(runtime.store, "receipts_due_tomorrow")) < 2:
                time.sleep(0.2)
            runs = _done_runs(runtime.store, "receipts_due_tomorrow")
            rows = deliveries(runtime.store)
    finally:
        runtime.close()
    odoo = runtime.odoo
    truth = receipts_due_truth(odoo, "HOU", local_today(odoo, clock()) + timedelta(days=1))
    assert len(runs) == 2 and runs[1] - runs[0] == timedelta(minutes=1)  # the minute the clock moved: run too
    assert len(rows) == 1 and rows[0].state == "sent"  # nothing new the second time
    from alert_kit import refs_in

    assert refs_in(rows[0]) == truth


def _done_runs(store: Any, job: str) -> list[datetime]:
    import sqlalchemy as sa

    from assistant.watch.tables import RunRow

    with store.read() as s:
        return sorted(s.scalars(sa.select(RunRow.tick).where(RunRow.job == job, RunRow.state == "done")).all())
