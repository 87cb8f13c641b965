"""The demand forecast page (/forecast): an SVG chart of delivered and forecast weeks from demand_forecast,
the forecast weeks in a table, and one sentence for a product Odoo does not know."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from webapi_support import shared_real_runtime, web_login

from assistant.channels.forecast_page import weekly_points
from server import create_app


def test_weekly_points_keep_zero_weeks() -> None:
    past, ahead = weekly_points({"last_weeks": [{"week": "2026-11-16", "qty": 4}, {"week": "2026-11-23"}],
                                 "forecast": [{"week": "2026-11-30", "qty": 2.5, "high": 6}]})
    assert past == [("2026-11-16", 4.0), ("2026-11-23", 0.0)] and ahead == [("2026-11-30", 2.5)]


@pytest.fixture(scope="module")
def client() -> Iterator[tuple[TestClient, Any]]:
    rt = shared_real_runtime()
    with TestClient(create_app(rt.settings, rt), raise_server_exceptions=False) as c:
        yield c, rt


def test_forecast_page_draws_the_weeks(client: tuple[TestClient, Any]) -> None:
    c, _rt = client
    web_login(c, "ava.buyer")
    r = c.get("/forecast", params={"product": "MED-2210", "warehouse": "AUS", "weeks": 6})
    assert r.status_code == 200, r.text[:500]
    assert r.text.count("<svg") == 1 and "weekly deliveries" in r.text
    rows = re.findall(r'<td class="nowrap">(\d{4}-\d{2}-\d{2})</td>', r.text)
    assert len(rows) == 6 and rows == sorted(rows)
    points = re.findall(r"<circle ", r.text)
    assert len(points) >= 6 + 1  # delivered weeks, then the six forecast weeks
    bad = c.get("/forecast", params={"product": "NO-SUCH-THING-42"})
    assert bad.status_code == 404 and "Traceback" not in bad.text and "flash error" in bad.text
    empty = c.get("/forecast")
    assert empty.status_code == 200 and "<svg" not in empty.text
