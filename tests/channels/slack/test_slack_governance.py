"""Slack approvals over the REAL governance stack (StateStore on SQLite, YAML policy, users file,
hash-chained audit, ProposalService with compare-and-set); only the Odoo write is a stub executor."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from slack_kit import (
    APPROVALS_CHANNEL,
    BOT_USER,
    ROOT,
    FakeTurn,
    SlackHarness,
    block_action,
    event_body,
    form_body,
    post,
)

FORM = "application/x-www-form-urlencoded"
GOV = ROOT / "tools" / "governance"


class StubRfqExecutor:
    """Stands in for the Odoo write: records executions, returns what the real executor would."""

    def __init__(self) -> None:
        self.executed: list[str] = []

    def reconcile(self, odoo: Any, proposal: Any) -> dict[str, Any] | None:
        return None

    def revalidate(self, odoo: Any, proposal: Any) -> str | None:
        return None

    def execute(self, odoo: Any, proposal: Any) -> dict[str, Any]:
        self.executed.append(proposal.id)
        return {"message": "RFQ P00042 created for Apex Industrial Supply", "po_id": 42}


class ProposingAssistant:
    """Creates proposals through the real ProposalService.create, the way proposal tools do."""

    def __init__(self, service: Any, store: Any, policy: Any, audit: Any) -> None:
        self.service, self.store, self.policy, self.audit = service, store, policy, audit

    def ask(self, user: Any, text: str, thread_id: str | None = None, channel: str = "slack") -> FakeTurn:
        from tools.base import ToolContext

        ctx = ToolContext(user=user, odoo=None, store=self.store, policy=self.policy,  # type: ignore[arg-type]
                          audit=self.audit, channel=channel, thread_id=thread_id)
        amount = 30_000.0 if "big" in text else 7_450.0
        p = self.service.create(ctx, "create_rfq", {"vendor": "Apex Industrial Supply", "qty": 500},
                                f"RFQ: 500 nitrile gloves from Apex ({amount:,.0f} USD)",
                                evidence={"on_hand": 12, "reorder_point": 40}, amount=amount,
                                odoo_ref="res.partner,7")
        return FakeTurn(answer=f"I proposed {p.id}.", proposals=[p.to_dict()])


@dataclass
class GovRuntime:
    settings: Any
    assistant: Any
    proposals: Any
    directory: Any
    store: Any
    policy: Any
    audit: Any
    odoo: Any = None


def governed_harness(tmp_path: Path, mock_slack: Any, assistant_cls: Any) -> Iterator[SlackHarness]:
    """The Slack channel over the real proposal service (SQLite), with `assistant_cls(service, store, policy, audit)`
    as the brain; shared by the governance and confirm/batch tests."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from slack_kit import slack_settings

    from assistant.channels.slack import mount_slack
    from tools.governance.audit import AuditLog
    from tools.governance.identity import Directory
    from tools.governance.policy import Policy
    from tools.governance.proposals import ProposalService
    from tools.governance.store import StateStore

    store = StateStore.open(f"sqlite:///{tmp_path / 'state.db'}")
    policy = Policy.load(GOV / "default_policy.yaml")
    directory = Directory.load(GOV / "default_users.yaml")
    audit = AuditLog(store)
    executor = StubRfqExecutor()
    service = ProposalService(store, policy, directory, audit, odoo=object(),  # type: ignore[arg-type]
                              executors={"create_rfq": executor})  # type: ignore[dict-item]
    runtime = GovRuntime(settings=slack_settings(tmp_path, mock_slack.url),
                         assistant=assistant_cls(service, store, policy, audit), proposals=service,
                         directory=directory, store=store, policy=policy, audit=audit)
    app = FastAPI()
    channel = mount_slack(app, runtime)
    with TestClient(app, raise_server_exceptions=False) as client:
        h = SlackHarness(client, channel, runtime, mock_slack)
        h.executor = executor  # type: ignore[attr-defined]
        yield h
    channel.close()
    store.close()


@pytest.fixture()
def gov(tmp_path: Path, mock_slack: Any) -> Iterator[SlackHarness]:
    yield from governed_harness(tmp_path, mock_slack, ProposingAssistant)


def _propose(h: SlackHarness, text: str = "propose an RFQ for gloves") -> tuple[str, str]:
    ev = {"type": "app_mention", "user": "UQMAVA", "text": f"<@{BOT_USER}> {text}",
          "ts": "1700000800.000800", "channel": "CBUYERS", "event_ts": "1700000800.000800"}
    assert post(h.client, event_body(ev)).status_code == 200
    h.drain()
    (p,) = h.runtime.proposals.list()
    (card,) = [c for c in h.mock.of("chat.postMessage") if c["channel"] == APPROVALS_CHANNEL]
    return p.id, card["_ts"]


def _click(h: SlackHarness, user: str, action: str, pid: str, ts: str) -> int:
    return post(h.client, form_body(block_action(user, action, pid, ts=ts)), content_type=FORM).status_code


def test_card_shows_the_real_policy_rule_and_eligible_approvers(gov):
    pid, _ts = _propose(gov)
    card = [c for c in gov.mock.of("chat.postMessage") if c["channel"] == APPROVALS_CHANNEL][0]
    text = json.dumps(card["blocks"])
    assert "rfq_up_to_25000_four_eyes" in text and "a different person" in text
    assert "<@UQMOMAR>" in text and "<@UQMMARIA>" in text and "<@UQMAVA>" not in text


def test_requester_refused_then_approver_executes_once(gov):
    pid, ts = _propose(gov)
    gov.mock.reset()
    assert _click(gov, "UQMAVA", "qm_approve", pid, ts) == 200  # self-approval above 5,000: refused
    gov.drain()
    assert gov.runtime.proposals.get(pid).state == "pending"
    (eph,) = gov.mock.of("chat.postEphemeral")
    assert "Not allowed" in eph["text"]
    assert gov.mock.of("chat.update") == []

    assert _click(gov, "UQMOMAR", "qm_approve", pid, ts) == 200
    gov.drain()
    p = gov.runtime.proposals.get(pid)
    assert (p.state, p.decided_by) == ("executed", "omar.approver")
    assert gov.executor.executed == [pid]
    final = json.dumps(gov.mock.of("chat.update")[-1]["blocks"])
    assert "Approved* by <@UQMOMAR>" in final and "RFQ P00042 created" in final
    told = [m for m in gov.mock.of("chat.postMessage") if m.get("thread_ts") == "1700000800.000800"]
    assert len(told) == 1 and "Executed" in told[0]["text"]

    gov.mock.reset()
    assert _click(gov, "UQMMARIA", "qm_approve", pid, ts) == 200  # a second click: nothing happens
    gov.drain()
    assert gov.executor.executed == [pid]
    assert gov.mock.of("chat.update") == [] and gov.mock.of("chat.postMessage") == []
    assert "already executed" in gov.mock.of("chat.postEphemeral")[0]["text"]
    assert gov.runtime.audit.verify() == []  # the hash chain is intact after all of it


def test_approver_cannot_approve_above_their_limit(gov):
    pid, ts = _propose(gov, "propose a big RFQ")
    gov.mock.reset()
    _click(gov, "UQMOMAR", "qm_approve", pid, ts)
    gov.drain()
    assert gov.runtime.proposals.get(pid).state == "pending"
    assert "Not allowed" in gov.mock.of("chat.postEphemeral")[0]["text"]
    _click(gov, "UQMMARIA", "qm_approve", pid, ts)
    gov.drain()
    assert gov.runtime.proposals.get(pid).state == "executed"


def test_retried_events_are_deduplicated_in_the_state_store(gov):
    ev = {"type": "app_mention", "user": "UQMAVA", "text": f"<@{BOT_USER}> propose an RFQ",
          "ts": "1700000900.000900", "channel": "CBUYERS", "event_ts": "1700000900.000900"}
    body = event_body(ev, event_id="EvGOVRETRY")
    post(gov.client, body)
    import time

    time.sleep(1.1)
    post(gov.client, body, headers={"X-Slack-Retry-Num": "1"})
    gov.drain()
    assert len(gov.runtime.proposals.list()) == 1
    assert gov.runtime.store.seen_event("slack:EvGOVRETRY") is True


def test_web_process_and_socket_process_keep_the_same_cards_true(tmp_path, mock_slack):
    """Two processes on one data dir and one state store: the Socket Mode process posted the card, the
    web process (no signing secret: it serves no Slack route) decides the proposal and updates that card."""
    from fastapi import FastAPI
    from slack_kit import slack_settings

    from assistant.channels.slack import SlackChannel, mount_slack
    from tools.base import ToolContext
    from tools.governance.audit import AuditLog
    from tools.governance.identity import Directory
    from tools.governance.policy import Policy
    from tools.governance.proposals import ProposalService
    from tools.governance.store import StateStore

    policy = Policy.load(GOV / "default_policy.yaml")
    directory = Directory.load(GOV / "default_users.yaml")
    url = f"sqlite:///{tmp_path / 'state.db'}"

    def process(**env: str) -> tuple[GovRuntime, Any]:
        store = StateStore.open(url)
        audit = AuditLog(store)
        service = ProposalService(store, policy, directory, audit, odoo=object(),  # type: ignore[arg-type]
                                  executors={"create_rfq": StubRfqExecutor()})  # type: ignore[dict-item]
        rt = GovRuntime(settings=slack_settings(tmp_path, mock_slack.url, **env), assistant=None,
                        proposals=service, directory=directory, store=store, policy=policy, audit=audit)
        return rt, store

    socket_rt, socket_store = process(SLACK_APP_TOKEN="xapp-1", SLACK_SIGNING_SECRET="")
    web_rt, web_store = process(SLACK_SIGNING_SECRET="")
    socket_side = SlackChannel(socket_rt, socket_rt.settings, socket_mode=True)
    web_app = FastAPI()
    web_side = mount_slack(web_app, web_rt)
    try:
        assert not any(getattr(r, "path", "") == "/slack/events" for r in web_app.routes)
        ava = directory.get("ava.buyer")
        ctx = ToolContext(user=ava, odoo=None, store=socket_store, policy=policy,  # type: ignore[arg-type]
                          audit=socket_rt.audit, channel="slack", thread_id="slack:CBUYERS:1700003000.000001")
        p = socket_rt.proposals.create(ctx, "create_rfq", {"qty": 500}, "RFQ: gloves", amount=7_450.0)
        assert socket_side.work.drain(30)
        (card,) = [c for c in mock_slack.of("chat.postMessage") if c["channel"] == APPROVALS_CHANNEL]

        decision = web_rt.proposals.decide(p.id, directory.get("omar.approver"), "approve", None)  # web inbox
        assert decision.outcome == "executed"
        assert web_side.work.drain(30)
        updates = mock_slack.of("chat.update")  # "executing…" may show first, then the outcome
        assert updates and {u["ts"] for u in updates} == {card["_ts"]}
        assert "Approved* by <@UQMOMAR>" in json.dumps(updates[-1]["blocks"])
        assert "Executed in Odoo" in json.dumps(updates[-1]["blocks"])
        told = [m for m in mock_slack.of("chat.postMessage") if m.get("thread_ts") == "1700003000.000001"]
        assert len(told) == 1
    finally:
        socket_side.close()
        web_side.close()
        socket_store.close()
        web_store.close()
