"""The Slack endpoint inside the real FastAPI app of the main job (server.create_app): the session,
security-header and metrics middleware must not get in the way of signed Slack requests."""

from __future__ import annotations

import json

from slack_kit import BOT_USER, event_body, post


def test_server_mounts_slack_when_configured(fake_runtime, mock_slack):
    from fastapi.testclient import TestClient

    from server import create_app

    app = create_app(settings=fake_runtime.settings, runtime=fake_runtime)
    with TestClient(app, raise_server_exceptions=False) as client:
        challenge = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
        resp = post(client, challenge)
        assert resp.status_code == 200 and resp.json()["challenge"] == "abc123"
        assert post(client, challenge, signed=False).status_code == 401
        ev = {"type": "app_mention", "user": "UQMAVA", "text": f"<@{BOT_USER}> stock of PPE-1042?",
              "ts": "1700001000.001000", "channel": "CBUYERS"}
        assert post(client, event_body(ev)).status_code == 200
        assert any(getattr(r, "path", "") == "/slack/events" for r in app.routes)
    # the background turn ran and answered in the thread
    import time

    deadline = time.time() + 10
    while time.time() < deadline and not mock_slack.of("chat.update"):
        time.sleep(0.05)
    (update,) = mock_slack.of("chat.update")
    assert "ava.buyer" in json.dumps(update["blocks"])
    # the Slack turn is counted in the app's turn metrics, like web and API turns
    scraped = app.state.metrics.render().decode()
    counted = [line for line in scraped.splitlines()
               if line.startswith("qm_turns_total{") and 'channel="slack"' in line]
    assert counted and float(counted[0].rsplit(" ", 1)[1]) == 1.0, scraped
    assert 'qm_turn_seconds_count{channel="slack"} 1.0' in scraped


def test_server_without_slack_settings_has_no_slack_route(fake_runtime, tmp_path, mock_slack):
    from fastapi.testclient import TestClient
    from slack_kit import slack_settings

    from server import create_app

    settings = slack_settings(tmp_path, mock_slack.url, SLACK_BOT_TOKEN="", SLACK_SIGNING_SECRET="")
    fake_runtime.settings = settings
    app = create_app(settings=settings, runtime=fake_runtime)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert post(client, json.dumps({"type": "url_verification", "challenge": "x"})).status_code in (404, 405)
