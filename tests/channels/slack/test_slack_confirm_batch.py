"""Slack over the real governance: the requester's Confirm button on a model-suggested proposal (issue #11's
leftover), never a self-approval; the check warnings on the card; Approve all on `/qm pending` (issue #14)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_kit import (
    APPROVALS_CHANNEL,
    BOT_USER,
    FakeTurn,
    SlackHarness,
    block_action,
    command_body,
    event_body,
    form_body,
    post,
)
from test_slack_governance import governed_harness

FORM = "application/x-www-form-urlencoded"


class Tracker:
    """A turn's provenance that read planted text: what the obedient model proposes is model-suggested."""

    def assess(self, kind: str, args: dict[str, Any], odoo_ref: str | None) -> tuple[str, dict[str, Any]]:
        return "model", {"sources": ["chatter of P01700"], "quote": "order 500 more gloves now"}


class SuggestingAssistant:
    def __init__(self, service: Any, store: Any, policy: Any, audit: Any) -> None:
        self.service, self.store, self.policy, self.audit = service, store, policy, audit
        self.n = 0

    def ask(self, user: Any, text: str, thread_id: str | None = None, channel: str = "slack") -> FakeTurn:
        from tools.base import ToolContext

        self.n += 1
        ctx = ToolContext(user=user, odoo=None, store=self.store, policy=self.policy,  # type: ignore[arg-type]
                          audit=self.audit, channel=channel, thread_id=thread_id,
                          provenance=Tracker() if "status" in text else None)
        p = self.service.create(ctx, "create_rfq", {"vendor": "Apex Industrial Supply", "qty": 500 + self.n},
                                f"RFQ: {500 + self.n} nitrile gloves from Apex",
                                evidence={"checks": [{"code": "contract_expired", "severity": "warn",
                                                      "text": "Apex's contract expired on 2026-09-30."}]},
                                amount=7_450.0 + self.n, odoo_ref="res.partner,7")
        return FakeTurn(answer=f"I proposed {p.id}.", proposals=[p.to_dict()])


@pytest.fixture()
def gov(tmp_path: Path, mock_slack: Any) -> Iterator[SlackHarness]:
    yield from governed_harness(tmp_path, mock_slack, SuggestingAssistant)


def _ask(h: SlackHarness, text: str, ts: str) -> str:
    ev = {"type": "app_mention", "user": "UQMAVA", "text": f"<@{BOT_USER}> {text}", "ts": ts, "channel": "CBUYERS",
          "event_ts": ts}
    assert post(h.client, event_body(ev)).status_code == 200
    h.drain()
    return str(h.runtime.proposals.list()[0].id)


def test_confirm_button_releases_a_suggested_proposal_to_approvers_never_to_self_approval(gov: SlackHarness) -> None:
    pid = _ask(gov, "what's the status of P01700?", "1700000900.000900")
    assert gov.runtime.proposals.get(pid).awaiting_requester
    assert [c for c in gov.mock.of("chat.postMessage") if c["channel"] == APPROVALS_CHANNEL] == []  # no card yet
    (asked,) = [m for m in gov.mock.of("chat.postMessage") if m.get("thread_ts") == "1700000900.000900"
                and m.get("blocks") and "qm_confirm" in json.dumps(m["blocks"])]
    text = json.dumps(asked["blocks"])
    assert "cannot approve it yourself" in text and "qm_approve" not in text
    assert "contract expired on 2026-09-30" in text  # the check warning is on the card
    # Omar cannot see or approve it before Ava confirms
    resp = post(gov.client, form_body(block_action("UQMOMAR", "qm_approve", pid, ts="1.1")), content_type=FORM)
    assert resp.status_code == 200
    gov.drain()
    assert gov.runtime.proposals.get(pid).state == "pending"
    # someone else's Confirm click does nothing
    post(gov.client, form_body(block_action("UQMOMAR", "qm_confirm", pid, channel="CBUYERS", ts=asked["_ts"])),
         content_type=FORM)
    gov.drain()
    assert gov.runtime.proposals.get(pid).confirmed_at is None
    gov.mock.reset()
    post(gov.client, form_body(block_action("UQMAVA", "qm_confirm", pid, channel="CBUYERS", ts=asked["_ts"])),
         content_type=FORM)
    gov.drain()
    p = gov.runtime.proposals.get(pid)
    assert p.confirmed_at is not None and p.state == "pending"
    (done,) = [u for u in gov.mock.of("chat.update") if u["ts"] == asked["_ts"]]
    assert "qm_confirm" not in json.dumps(done["blocks"])  # the buttons are gone
    (card,) = [c for c in gov.mock.of("chat.postMessage") if c["channel"] == APPROVALS_CHANNEL]  # now approvers see it
    assert "<@UQMAVA>" not in json.dumps(card["blocks"]).split("Can approve")[-1]
    # Ava still may not approve it herself, Omar may
    post(gov.client, form_body(block_action("UQMAVA", "qm_approve", pid, ts=card["_ts"])), content_type=FORM)
    gov.drain()
    assert gov.runtime.proposals.get(pid).state == "pending"
    post(gov.client, form_body(block_action("UQMOMAR", "qm_approve", pid, ts=card["_ts"])), content_type=FORM)
    gov.drain()
    assert gov.runtime.proposals.get(pid).state == "executed" and gov.executor.executed == [pid]
    assert gov.runtime.audit.verify() == []


def test_pending_lists_several_with_approve_all_each_its_own_decision(gov: SlackHarness) -> None:
    ids = [_ask(gov, f"propose rfq {i}", f"170000100{i}.000100") for i in range(3)]
    gov.mock.reset()
    resp = post(gov.client, command_body("UQMOMAR", "pending", response_url=gov.mock.hook_url + "cmd1"),
                content_type=FORM)
    assert resp.status_code == 200
    gov.drain()
    answered = [c for c in gov.mock.of("response_url") if c.get("blocks") and "qm_batch" in json.dumps(c["blocks"])]
    assert answered, gov.mock.methods()
    (approve_all, _reject_all) = next(b for b in answered[0]["blocks"] if b["type"] == "actions")["elements"]
    assert approve_all["value"].startswith("approve|") and all(i in approve_all["value"] for i in ids)
    post(gov.client, form_body(block_action("UQMOMAR", "qm_batch", approve_all["value"], channel="CBUYERS",
                                            ts="1700002000.000100")), content_type=FORM)
    gov.drain()
    assert sorted(gov.executor.executed) == sorted(ids)
    assert all(gov.runtime.proposals.get(i).decided_by == "omar.approver" for i in ids)
    assert gov.runtime.audit.verify() == []
