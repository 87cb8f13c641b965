"""End to end: signed Slack requests -> the REAL runtime (offline planner, governed tools, policy,
state store, audit) on a fresh sandbox Odoo -> an approval card -> a click -> a real Odoo write.
Only Slack's Web API is the local mock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_kit import (
    APPROVALS_CHANNEL,
    BOT_USER,
    SlackHarness,
    block_action,
    event_body,
    form_body,
    post,
    slack_settings,
)

FORM = "application/x-www-form-urlencoded"
THREAD = "1700002000.002000"


@pytest.fixture()
def live(fresh_sandbox: Any, tmp_path: Path, mock_slack: Any) -> Iterator[SlackHarness]:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from assistant.channels.slack import mount_slack
    from assistant.runtime import Runtime

    settings = slack_settings(tmp_path, mock_slack.url, ODOO_URL=fresh_sandbox.url, ODOO_DB=fresh_sandbox.db,
                              QM_BRAIN="offline")
    runtime = Runtime.build(settings, ingest_corpus=False)
    app = FastAPI()
    channel = mount_slack(app, runtime)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield SlackHarness(client, channel, runtime, mock_slack)
    finally:
        channel.close()
        runtime.close()


def _mention(h: SlackHarness, user: str, text: str, ts: str, thread_ts: str | None = None) -> None:
    ev = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}", "ts": ts, "channel": "CBUYERS",
          "event_ts": ts, **({"thread_ts": thread_ts} if thread_ts else {})}
    assert post(h.client, event_body(ev)).status_code == 200
    h.drain()


def _click(h: SlackHarness, user: str, pid: str, ts: str) -> None:
    resp = post(h.client, form_body(block_action(user, "qm_approve", pid, ts=ts)), content_type=FORM)
    assert resp.status_code == 200
    h.drain()


@pytest.mark.slow
def test_question_proposal_refusal_approval_and_odoo_write(live):
    rt = live.runtime
    _mention(live, "UQMAVA", "what is the stock of PPE-1042?", THREAD)
    (answer,) = live.mock.of("chat.update")
    assert "PPE-1042" in json.dumps(answer["blocks"]) and "DAL" in json.dumps(answer["blocks"])

    # a follow-up in the same thread proposes an RFQ above 5,000 USD (four-eyes rule)
    _mention(live, "UQMAVA", "order 2000 PPE-1042 from Apex Industrial Supply for Dallas",
             "1700002001.002001", thread_ts=THREAD)
    (pending,) = rt.proposals.list(state="pending")
    assert pending.requester == "ava.buyer" and pending.thread_id == f"slack:CBUYERS:{THREAD}"
    assert pending.amount > 5000
    (card,) = [c for c in live.mock.of("chat.postMessage") if c["channel"] == APPROVALS_CHANNEL]
    card_text = json.dumps(card["blocks"])
    assert pending.id in card_text and "rfq_up_to_25000_four_eyes" in card_text and "<@UQMOMAR>" in card_text
    from tools.governance.store import ConversationStore

    history = ConversationStore(rt.store).history(f"slack:CBUYERS:{THREAD}")
    assert sum(m["role"] == "user" for m in history) == 2  # one conversation per thread, both turns in it

    live.mock.reset()
    _click(live, "UQMAVA", pending.id, card["_ts"])  # the requester may not approve her own 15k RFQ
    assert rt.proposals.get(pending.id).state == "pending"
    assert "Not allowed" in live.mock.of("chat.postEphemeral")[0]["text"]

    before = rt.odoo.search_count("purchase.order", [])
    _click(live, "UQMOMAR", pending.id, card["_ts"])
    done = rt.proposals.get(pending.id)
    assert (done.state, done.decided_by) == ("executed", "omar.approver"), done.error
    assert rt.odoo.search_count("purchase.order", []) == before + 1  # the RFQ exists in Odoo now
    final = [u for u in live.mock.of("chat.update") if u["channel"] == APPROVALS_CHANNEL][-1]
    assert "Approved* by <@UQMOMAR>" in json.dumps(final["blocks"])
    told = [m for m in live.mock.of("chat.postMessage") if m.get("thread_ts") == THREAD]
    assert len(told) == 1 and "Executed" in told[0]["text"]

    live.mock.reset()
    _click(live, "UQMMARIA", pending.id, card["_ts"])  # a second click changes nothing
    assert rt.odoo.search_count("purchase.order", []) == before + 1
    assert live.mock.of("chat.update") == [] and "already executed" in live.mock.of("chat.postEphemeral")[0]["text"]
    assert rt.audit.verify() == []
