"""Done-when of issue #13 (alerts): a dock user subscribed to a warehouse in Slack gets "due tomorrow" with the
right receipts — signed /qm commands -> the REAL runtime on the sandbox -> the alert engine on a fake clock ->
chat.postMessage on the mock Slack Web API. The receipts are checked against Odoo read directly."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_kit import SlackHarness, block_action, command_body, form_body, post, slack_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "watch"))
from alert_kit import local_today, receipts_due_truth  # noqa: E402

FORM = "application/x-www-form-urlencoded"


@pytest.fixture()
def live(sandbox: Any, tmp_path: Path, mock_slack: Any) -> Iterator[SlackHarness]:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from assistant.channels.slack import mount_slack
    from assistant.runtime import Runtime

    settings = slack_settings(tmp_path, mock_slack.url, ODOO_URL=sandbox.url, ODOO_DB=sandbox.db, QM_BRAIN="offline")
    runtime = Runtime.build(settings, ingest_corpus=False)
    app = FastAPI()
    channel = mount_slack(app, runtime)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield SlackHarness(client, channel, runtime, mock_slack)
    finally:
        channel.close()
        runtime.close()


def _command(h: SlackHarness, user: str, text: str, channel: str = "CDOCK") -> str:
    h.mock.reset()
    resp = post(h.client, command_body(user, text, channel=channel, response_url=h.mock.hook_url + "cmd"),
                content_type=FORM)
    assert resp.status_code == 200
    h.drain()
    (hook,) = h.mock.of("response_url")
    return str(hook.get("text"))


@pytest.mark.slow
def test_dock_user_subscribes_in_slack_and_gets_due_tomorrow(live: SlackHarness) -> None:
    from assistant.channels.slack_alerts import watcher_for
    from assistant.watch.clock import FakeClock

    odoo = live.runtime.odoo
    answer = _command(live, "UQMWES", "subscribe due tomorrow at Houston")
    assert answer.startswith("Subscribed #") and "at HOU" in answer and "Slack DM" in answer
    assert "not a time" in _command(live, "UQMWES", "subscribe overdue digest at 25:99")
    assert "not available to the warehouse role" in _command(live, "UQMWES", "subscribe three-way")
    assert "#" in _command(live, "UQMWES", "subscriptions")

    watcher = watcher_for(live.channel)
    watcher.clock = FakeClock(datetime.now(UTC).replace(tzinfo=None, hour=15, minute=0, second=0, microsecond=0))
    truth = receipts_due_truth(odoo, "HOU", local_today(odoo, watcher.clock()) + timedelta(days=1))
    assert truth, "the seed has receipts due tomorrow at HOU"
    live.mock.reset()
    watcher.run_job("receipts_due_tomorrow", watcher.tick_now())
    (msg,) = live.mock.of("chat.postMessage")
    assert msg["channel"] == "UQMWES"
    shown = json.dumps(msg["blocks"])
    assert msg["blocks"][0]["type"] == "header" and "Receipts due tomorrow" in shown
    for ref in truth:
        assert ref in shown
    others = {p["name"] for p in odoo.search_read("stock.picking", [("picking_type_code", "=", "incoming"),
                                                                     ("state", "not in", ["done", "cancel"])],
                                                  ["name"], limit=2000)} - truth
    assert not any(ref in shown for ref in others)
    assert "USD" not in shown and "$" not in shown  # warehouse staff get no money

    # once per condition: the next tick sends nothing
    live.mock.reset()
    watcher.clock.advance(3600)
    watcher.run_job("receipts_due_tomorrow", watcher.tick_now())
    assert live.mock.of("chat.postMessage") == []

    # a digest on request, then unsubscribe
    live.mock.reset()
    assert "Sent 1 digest" in _command(live, "UQMWES", "digest now")
    digests = [m for m in live.mock.of("chat.postMessage") if "Digest" in json.dumps(m["blocks"])]
    assert len(digests) == 1 and all(ref in json.dumps(digests[0]["blocks"]) for ref in truth)
    sub_id = watcher.subscriptions.list(username="wes.warehouse")[0].id
    assert _command(live, "UQMWES", f"unsubscribe {sub_id}") == f"Unsubscribed #{sub_id}."
    assert watcher.subscriptions.list(username="wes.warehouse") == []


@pytest.mark.slow
def test_chase_button_on_a_late_po_makes_a_reminder_proposal_in_the_clickers_name(live: SlackHarness) -> None:
    from assistant.channels.slack_alerts import watcher_for
    from assistant.watch.clock import FakeClock

    assert _command(live, "UQMAVA", "subscribe late pos at Dallas").startswith("Subscribed")
    watcher = watcher_for(live.channel)
    watcher.clock = FakeClock(datetime.now(UTC).replace(tzinfo=None, hour=15, minute=0, second=0, microsecond=0))
    live.mock.reset()
    watcher.run_job("pos_late", watcher.tick_now())
    (msg,) = live.mock.of("chat.postMessage")
    buttons = [b["accessory"] for b in msg["blocks"] if b.get("accessory", {}).get("action_id") == "qm_alert_chase"]
    assert buttons and "USD" in json.dumps(msg["blocks"])  # a buyer sees the order value
    ref = buttons[0]["value"]
    live.mock.reset()
    resp = post(live.client, form_body(block_action("UQMAVA", "qm_alert_chase", ref, channel="UQMAVA")),
                content_type=FORM)
    assert resp.status_code == 200
    live.drain()
    (p,) = live.runtime.proposals.list(state="pending", requester="ava.buyer") or \
        live.runtime.proposals.list(requester="ava.buyer")
    assert p.kind == "remind_supplier" and ref in json.dumps(p.args if hasattr(p, "args") else p.__dict__, default=str)


@pytest.mark.slow
def test_request_quote_button_on_a_stockout_risk_for_buyers_only(live: SlackHarness) -> None:
    from assistant.channels.slack_alerts import watcher_for
    from assistant.watch.clock import FakeClock

    assert _command(live, "UQMAVA", "subscribe stockout at Dallas").startswith("Subscribed")
    assert _command(live, "UQMWES", "subscribe stockout at Dallas").startswith("Subscribed")
    watcher = watcher_for(live.channel)
    watcher.clock = FakeClock(datetime.now(UTC).replace(tzinfo=None, hour=15, minute=0, second=0, microsecond=0))
    live.mock.reset()
    watcher.run_job("stockout_risk", watcher.tick_now())
    msgs = {m["channel"]: m for m in live.mock.of("chat.postMessage")}
    assert set(msgs) == {"UQMAVA", "UQMWES"}

    def buttons(m: dict[str, Any]) -> list[dict[str, Any]]:
        return [b["accessory"] for b in m["blocks"] if b.get("accessory", {}).get("action_id") == "qm_alert_rfq"]

    assert buttons(msgs["UQMAVA"]) and not buttons(msgs["UQMWES"])  # the warehouse role asks for no quotes
    value = buttons(msgs["UQMAVA"])[0]["value"]
    assert value.startswith("order ") and value.endswith(" for DAL")
    resp = post(live.client, form_body(block_action("UQMAVA", "qm_alert_rfq", value, channel="UQMAVA")),
                content_type=FORM)
    assert resp.status_code == 200
    live.drain()
    mine = live.runtime.proposals.list(requester="ava.buyer")
    assert [p.kind for p in mine] == ["create_rfq"]
    code = value.split()[2]
    assert code in json.dumps(mine[0].args if hasattr(mine[0], "args") else mine[0].__dict__, default=str)
