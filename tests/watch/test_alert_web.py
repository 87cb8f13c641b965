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
