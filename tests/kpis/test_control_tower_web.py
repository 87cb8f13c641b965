"""The control tower page (`/` for managers) on both sandbox businesses, through FastAPI's TestClient."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.channels.webapi_support import SANDBOX_CACHE, page_csrf

ROOT = Path(__file__).resolve().parents[2]
BUSINESSES = {"bluebonnet": ("maria.manager", "wes.warehouse", "DAL"),
              "hollander": ("pieter.manager", "daan.magazijn", "WH")}


@pytest.fixture(scope="module", params=sorted(BUSINESSES))
def app_client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    from assistant.runtime import Runtime
    from assistant.settings import load_settings
    from sandbox.launch import start_sandbox
    from server import create_app

    business = str(request.param)
    tmp = tmp_path_factory.mktemp(f"tower-{business}")
    sb = start_sandbox(tmp / "sandbox", port=0, scale=1, cache_dir=SANDBOX_CACHE, business=business)
    extra = {"QM_USERS_FILE": str(ROOT / "sandbox" / "seed_hollander" / "users.yaml")} if business == "hollander" else {}
    settings = load_settings(QM_DATA_DIR=str(tmp / "data"), ODOO_URL=sb.url, ODOO_DB=sb.db, QM_BRAIN="offline",
                             QM_CORPUS_DIR=str(tmp / "empty"), **extra)
    runtime = Runtime.build(settings, ingest_corpus=False)
    try:
        with TestClient(create_app(runtime=runtime, settings=settings)) as client:
            client.runtime = runtime  # type: ignore[attr-defined]
            yield business, client
    finally:
        runtime.close()
        sb.stop()


def _login(client: TestClient, username: str) -> None:
    client.cookies.clear()
    token = page_csrf(client.get("/login").text)
    resp = client.post("/login", data={"username": username, "password": username, "csrf_token": token,
                                       "next": "/"}, follow_redirects=False)
    assert resp.status_code == 303


def test_manager_home_is_the_control_tower_with_kpis_queues_and_csv(app_client: tuple[str, Any]) -> None:
    business, client = app_client
    manager, _wh_user, code = BUSINESSES[business]
    _login(client, manager)
    page = client.get("/")
    assert page.status_code == 200, page.text[:400]
    html = page.text
    for title in ("Fill rate", "Inventory turns", "Stockout rate", "Emergency purchase ratio", "Supplier OTIF",
                  "RFQ to confirmed PO", "Procurement savings", "Overdue receipts", "Late purchase orders",
                  "Stock-out risk", "Three-way-match exceptions", "Contracts expiring"):
        assert title in html, title
    assert "<svg" in html and "Traceback" not in html
    # the late-PO queue agrees with Odoo: confirmed, not fully received, expected before today
    csv_resp = client.get("/tower.csv?table=late_orders")
    assert csv_resp.status_code == 200 and csv_resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(csv_resp.text)))
    assert rows[0][0] == "PO" and "Amount" in rows[0]
    from tools.reads.common import day_start_utc, today

    ctx = client.runtime.context_for(client.runtime.directory.get(manager), "web", None)
    truth = client.runtime.odoo.search_read(
        "purchase.order", [("state", "in", ["purchase", "done"]), ("receipt_status", "in", ["pending", "partial"]),
                           ("date_planned", "<", day_start_utc(ctx, today(ctx)))], ["name"], limit=1000)
    assert sorted(r[0] for r in rows[1:]) == sorted(t["name"] for t in truth) and truth
    assert all(r[rows[0].index("Amount")].split()[-1].isalpha() for r in rows[1:])  # amounts carry their currency
    kpis = list(csv.reader(io.StringIO(client.get("/tower.csv?table=kpis").text)))
    assert kpis[0] == ["kpi", "month", "value"] and len(kpis) > 10
    assert 'action="/tower/propose"' in html  # one-click proposals offered to a manager
    filtered = client.get(f"/?warehouse={code}")
    assert filtered.status_code == 200 and f"warehouse {code}" in filtered.text
    bad = client.get("/tower.csv?table=nope")
    assert bad.status_code == 404 and "Unknown table" in bad.text
    unknown = client.get("/?vendor=zzzz-no-such-vendor")
    assert unknown.status_code == 200 and "Traceback" not in unknown.text


def test_chase_button_files_a_reminder_proposal(app_client: tuple[str, Any]) -> None:
    business, client = app_client
    manager = BUSINESSES[business][0]
    _login(client, manager)
    html = client.get("/").text
    m = re.search(r'name="kind" value="chase"><input type="hidden" name="ref" value="([^"]+)"', html)
    assert m, "no chase button on a late or unconfirmed PO"
    resp = client.post("/tower/propose", data={"kind": "chase", "ref": m.group(1), "csrf_token": page_csrf(html),
                                               "back": "/"}, follow_redirects=False)
    assert resp.status_code == 303
    after = client.get("/chat").text
    assert "flash ok" in after or "flash info" in after or "P-" in after, after[:3000]
    listed = client.get("/api/proposals")
    assert listed.status_code == 200
    assert m.group(1) in listed.text, listed.text[:2000]


def test_warehouse_role_keeps_chat_at_home_and_sees_no_money_on_the_tower(app_client: tuple[str, Any]) -> None:
    business, client = app_client
    wh_user = BUSINESSES[business][1]
    _login(client, wh_user)
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/chat"
    page = client.get("/tower")
    assert page.status_code == 200
    assert "Procurement savings" not in page.text and "Amount" not in page.text and "Difference" not in page.text
    head = next(csv.reader(io.StringIO(client.get("/tower.csv?table=late_orders").text)))
    assert "Amount" not in head


def test_suppliers_overview_sorts_by_column(app_client: tuple[str, Any]) -> None:
    """#12 leftover: /suppliers is a table sortable by column; PO counts agree with Odoo."""
    import time as _time

    business, client = app_client
    _login(client, BUSINESSES[business][0])
    page = client.get("/suppliers", params={"sort": "pos"})
    assert page.status_code == 200
    body = page.text.split("<tbody>", 1)[1]
    names = re.findall(r'<tr><td><a href="/suppliers/[^"]+">([^<]+)</a></td><td class="nowrap">(\d+)</td>', body)
    counts = [int(n) for _name, n in names]
    assert names and counts == sorted(counts, reverse=True) and counts[0] > 0
    since = _time.strftime("%Y-%m-%d %H:%M:%S", _time.gmtime(_time.time() - 365 * 86400))
    import html as _html

    top = _html.unescape(names[0][0])
    truth = client.runtime.odoo.search_count("purchase.order", [("state", "in", ["purchase", "done"]),
                                                                ("date_approve", ">=", since),
                                                                ("partner_id.name", "=", top)])
    assert counts[0] == truth
    asc = client.get("/suppliers", params={"sort": "name", "dir": "asc"}).text.split("<tbody>", 1)[1]
    listed = [_html.unescape(n) for n in re.findall(r'<tr><td><a href="/suppliers/[^"]+">([^<]+)</a>', asc)]
    assert listed == sorted(listed, key=str.lower)
    assert 'aria-sort="ascending"' in client.get("/suppliers?sort=name").text


def test_unusual_purchases_queue_gives_checkable_reasons_and_links(app_client: tuple[str, Any]) -> None:
    """Issue #15: the anomaly flags reach the tower, each with its reason, both POs and the product linked."""
    business, client = app_client
    manager, _wh_user, _code = BUSINESSES[business]
    _login(client, manager)
    html = client.get("/").text
    assert "Unusual purchases" in html
    rows = list(csv.reader(io.StringIO(client.get("/tower.csv?table=purchase_anomalies").text)))
    head = rows[0]
    assert {"PO", "Product", "Issue", "Other PO"} <= set(head) and len(rows) > 1
    issue = head.index("Issue")
    assert any(r[issue].startswith("same order from two sites: ") for r in rows[1:])
    assert any(r[issue].startswith("unusual quantity: ordered ") for r in rows[1:])
    first = rows[1][head.index("PO")]
    assert re.search(r'href="[^"]*"[^>]*>\s*' + re.escape(first), html), first  # the PO opens its record
