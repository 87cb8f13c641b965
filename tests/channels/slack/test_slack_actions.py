"""Approvals in Slack: cards on creation, Approve/Reject clicks, idempotency, bad payloads."""

from __future__ import annotations

import json

from slack_kit import APPROVALS_CHANNEL, BOT_USER, block_action, event_body, form_body, post

FORM = "application/x-www-form-urlencoded"


def _propose_in_thread(h, *, card: bool = True) -> str:
    """Ava asks in #buyers for something that creates a proposal; returns its id."""
    ev = {"type": "app_mention", "user": "UQMAVA", "text": f"<@{BOT_USER}> propose an RFQ for gloves",
          "ts": "1700000500.000500", "channel": "CBUYERS", "event_ts": "1700000500.000500"}
    assert post(h.client, event_body(ev)).status_code == 200
    h.drain()
    (p,) = h.runtime.proposals.list()
    if card:
        _card(h, p.id)
    return p.id


def _card(h, pid: str) -> dict:
    cards = [c for c in h.mock.of("chat.postMessage") if c.get("channel") == APPROVALS_CHANNEL]
    assert cards, "no approval card posted"
    h.card_ts = cards[-1]["_ts"]  # remembered across mock.reset()
    return cards[-1]


def _click(h, user: str, action_id: str, value: str | None, **kw):
    """A click on the approval card as Slack would deliver it (the card's real channel and ts)."""
    if "ts" not in kw and not kw.get("home"):
        cards = [c for c in h.mock.of("chat.postMessage") if c.get("channel") == APPROVALS_CHANNEL]
        kw["ts"] = cards[-1]["_ts"] if cards else h.card_ts
    return post(h.client, form_body(block_action(user, action_id, value, **kw)), content_type=FORM)


def test_a_new_proposal_posts_an_approval_card_with_buttons(harness):
    pid = _propose_in_thread(harness)
    card = _card(harness, pid)
    rendered = json.dumps(card["blocks"])
    assert pid in rendered and "RFQ: 500 nitrile gloves from Apex" in rendered
    assert "7,450.00 USD" in rendered
    assert "create_rfq &gt; 5,000 USD" in rendered or "create_rfq > 5,000 USD" in rendered  # the policy rule
    assert "Reorder point: 40" in rendered  # evidence, as a labelled row
    assert "https://odoo.bluebonnet.example/odoo/purchase/42" in rendered  # the Odoo record (17+ route)
    assert "<@UQMOMAR>" in rendered and "<@UQMMARIA>" in rendered  # who can approve
    (actions,) = [b for b in card["blocks"] if b["type"] == "actions"]
    approve, reject = actions["elements"]
    assert (approve["action_id"], approve["value"]) == ("qm_approve", pid)
    assert "confirm" in approve  # a confirm dialog on Approve
    assert (reject["action_id"], reject["value"]) == ("qm_reject", pid)
    # the answer in the requester's thread mentions the proposal
    (update,) = harness.mock.of("chat.update")
    assert pid in json.dumps(update["blocks"])


def test_eligible_approver_click_executes_updates_the_card_and_tells_the_requester(harness):
    pid = _propose_in_thread(harness)
    harness.mock.reset()
    resp = _click(harness, "UQMOMAR", "qm_approve", pid)
    assert resp.status_code == 200
    harness.drain()
    assert harness.runtime.proposals.get(pid).state == "executed"
    assert harness.runtime.proposals.decide_calls == [(pid, "omar.approver", "approve")]
    updates = [u for u in harness.mock.of("chat.update") if u["channel"] == APPROVALS_CHANNEL]
    assert updates, "the card was not updated"
    final = json.dumps(updates[-1]["blocks"])
    assert "Approved* by <@UQMOMAR>" in final and "RFQ P00042 created" in final
    assert all(b["type"] != "actions" for b in updates[-1]["blocks"])  # no buttons any more
    told = [m for m in harness.mock.of("chat.postMessage") if m.get("thread_ts") == "1700000500.000500"]
    assert len(told) == 1 and pid in told[0]["text"] and "Executed" in told[0]["text"]
    assert harness.mock.of("chat.postEphemeral") == []
    assert updates[-1]["ts"] == harness.card_ts  # the card we clicked


def test_requester_cannot_approve_their_own_proposal(harness):
    pid = _propose_in_thread(harness)
    harness.mock.reset()
    _click(harness, "UQMAVA", "qm_approve", pid)
    harness.drain()
    assert harness.runtime.proposals.get(pid).state == "pending"
    (eph,) = harness.mock.of("chat.postEphemeral")
    assert eph["user"] == "UQMAVA" and "Not allowed" in eph["text"]
    assert harness.mock.of("chat.update") == []


def test_a_second_click_or_retried_delivery_changes_nothing(harness):
    pid = _propose_in_thread(harness)
    _click(harness, "UQMOMAR", "qm_approve", pid)
    harness.drain()
    harness.mock.reset()
    for user in ("UQMOMAR", "UQMMARIA"):
        assert _click(harness, user, "qm_approve", pid).status_code == 200
    harness.drain()
    assert harness.runtime.proposals.get(pid).state == "executed"
    assert harness.mock.of("chat.update") == []
    ephemerals = harness.mock.of("chat.postEphemeral")
    assert len(ephemerals) == 2 and all("already executed" in e["text"] for e in ephemerals)
    assert [m for m in harness.mock.of("chat.postMessage")] == []  # the requester is not told twice


def test_reject_opens_a_modal_and_the_submission_rejects_with_the_comment(harness):
    pid = _propose_in_thread(harness)
    harness.mock.reset()
    _click(harness, "UQMMARIA", "qm_reject", pid)
    harness.drain()
    (opened,) = harness.mock.of("views.open")
    view = opened["view"]
    assert view["callback_id"] == "qm_reject_modal"
    meta = json.loads(view["private_metadata"])
    assert meta["pid"] == pid and meta["channel"] == APPROVALS_CHANNEL
    assert harness.runtime.proposals.get(pid).state == "pending"  # a click alone decides nothing
    submission = {"type": "view_submission", "team": {"id": "T"}, "user": {"id": "UQMMARIA"},
                  "view": {**view, "id": "V1", "state": {"values": {
                      "qm_comment": {"comment": {"type": "plain_text_input", "value": "Use Lonestar, cheaper"}}}}}}
    resp = post(harness.client, form_body(submission), content_type=FORM)
    assert resp.status_code == 200
    harness.drain()
    p = harness.runtime.proposals.get(pid)
    assert (p.state, p.decided_by, p.decision_comment) == ("rejected", "maria.manager", "Use Lonestar, cheaper")
    final = json.dumps(harness.mock.of("chat.update")[-1]["blocks"])
    assert "Rejected* by <@UQMMARIA>" in final and "Use Lonestar, cheaper" in final
    told = [m for m in harness.mock.of("chat.postMessage") if m.get("thread_ts") == "1700000500.000500"]
    assert len(told) == 1 and "Rejected" in told[0]["text"]


def test_reject_without_comment_is_accepted(harness):
    pid = _propose_in_thread(harness)
    _click(harness, "UQMOMAR", "qm_reject", pid)
    harness.drain()
    view = harness.mock.of("views.open")[-1]["view"]
    submission = {"type": "view_submission", "user": {"id": "UQMOMAR"},
                  "view": {**view, "state": {"values": {"qm_comment": {"comment": {"value": None}}}}}}
    post(harness.client, form_body(submission), content_type=FORM)
    harness.drain()
    p = harness.runtime.proposals.get(pid)
    assert (p.state, p.decision_comment) == ("rejected", None)


def test_reject_click_on_a_decided_proposal_opens_nothing(harness):
    pid = _propose_in_thread(harness)
    _click(harness, "UQMOMAR", "qm_approve", pid)
    harness.drain()
    harness.mock.reset()
    _click(harness, "UQMMARIA", "qm_reject", pid)
    harness.drain()
    assert harness.mock.of("views.open") == []
    (eph,) = harness.mock.of("chat.postEphemeral")
    assert "already executed" in eph["text"]
    assert harness.runtime.proposals.get(pid).state == "executed"


def test_expired_proposal_button_says_so_and_approves_nothing(harness):
    pid = _propose_in_thread(harness)
    harness.runtime.proposals.expire(pid)
    harness.mock.reset()
    _click(harness, "UQMOMAR", "qm_approve", pid)
    harness.drain()
    p = harness.runtime.proposals.get(pid)
    assert p.state == "expired" and p.decided_by is None
    (eph,) = harness.mock.of("chat.postEphemeral")
    assert "expired" in eph["text"]
    (update,) = harness.mock.of("chat.update")  # the card now says expired, without buttons
    assert "Expired" in json.dumps(update["blocks"])


def test_decision_made_elsewhere_updates_the_slack_card(harness):
    pid = _propose_in_thread(harness)
    harness.mock.reset()
    omar = harness.runtime.directory.get("omar.approver")
    harness.runtime.proposals.decide(pid, omar, "approve", None)  # e.g. from the web inbox
    harness.drain()
    updates = harness.mock.of("chat.update")
    assert updates and "Approved* by <@UQMOMAR>" in json.dumps(updates[-1]["blocks"])


def test_without_an_approvals_channel_eligible_approvers_get_a_dm(harness):
    harness.channel.approvals.approvals_channel = None
    pid = _propose_in_thread(harness, card=False)
    opened = sorted(c["users"] for c in harness.mock.of("conversations.open"))
    assert opened == ["UQMMARIA", "UQMOMAR"]
    dms = [m for m in harness.mock.of("chat.postMessage") if m["channel"] in ("DQMOMAR", "DQMMARIA")]
    assert len(dms) == 2 and all(pid in json.dumps(m["blocks"]) for m in dms)


def test_malformed_payloads_and_unknown_actions_get_a_clear_message_and_no_5xx(harness):
    pid = _propose_in_thread(harness)
    harness.mock.reset()
    assert _click(harness, "UQMOMAR", "qm_approve", None).status_code == 200  # no value
    assert _click(harness, "UQMOMAR", "qm_approve", "P-nope").status_code == 200  # unknown id
    assert _click(harness, "UQMOMAR", "qm_approve", "'; drop table--").status_code == 200
    assert _click(harness, "UQMOMAR", "launch_missiles", pid).status_code == 200  # unknown action
    assert _click(harness, "UNOBODY", "qm_approve", pid).status_code == 200  # unregistered clicker
    no_user = block_action("UQMOMAR", "qm_approve", pid)
    del no_user["user"]
    assert post(harness.client, form_body(no_user), content_type=FORM).status_code < 500
    bad_modal = {"type": "view_submission", "user": {"id": "UQMOMAR"},
                 "view": {"callback_id": "qm_reject_modal", "private_metadata": "{not json"}}
    assert post(harness.client, form_body(bad_modal), content_type=FORM).status_code < 500
    assert post(harness.client, "payload=%7B%22type%22%3A%22block_actions%22%7D", content_type=FORM
                ).status_code < 500
    assert post(harness.client, "payload=not-json-at-all", content_type=FORM).status_code == 400
    assert post(harness.client, "payload=not-json-at-all", content_type=FORM, signed=False).status_code == 401
    harness.drain()
    texts = [e["text"] for e in harness.mock.of("chat.postEphemeral")]
    assert sum("no valid proposal id" in t for t in texts) == 2
    assert sum("can't find proposal" in t for t in texts) == 1
    assert any("launch_missiles" in t and "Nothing was changed" in t for t in texts)
    assert any("not registered" in t for t in texts)
    assert harness.runtime.proposals.get(pid).state == "pending"
    assert harness.mock.of("chat.update") == []
