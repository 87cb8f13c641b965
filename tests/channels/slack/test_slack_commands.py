"""The /qm slash command: immediate ack, answer in a thread, help, pending, private fallback."""

from __future__ import annotations

import json

from slack_kit import command_body, post

FORM = "application/x-www-form-urlencoded"


def _qm(h, user: str, text: str, channel: str = "CBUYERS"):
    return post(h.client, command_body(user, text, channel=channel, response_url=h.mock.hook_url + "cmd1"),
                content_type=FORM)


def test_question_is_acked_at_once_then_answered_in_a_thread(harness):
    resp = _qm(harness, "UQMBEN", "what is arriving in Houston this week?")
    assert resp.status_code == 200
    assert "Asking" in resp.text
    harness.drain()
    question, working = harness.mock.of("chat.postMessage")
    assert question["channel"] == "CBUYERS" and "<@UQMBEN> asked" in question["text"]
    assert working["thread_ts"] == question["_ts"] and "Working" in working["text"]
    (update,) = harness.mock.of("chat.update")
    assert update["ts"] == working["_ts"] and "ben.buyer" in json.dumps(update["blocks"])
    (call,) = harness.runtime.assistant.calls
    assert call["thread_id"] == f"slack:CBUYERS:{question['_ts']}"
    assert call["text"] == "what is arriving in Houston this week?"


def test_help_is_answered_in_the_ack_without_a_turn(harness):
    for text in ("", "help"):
        resp = _qm(harness, "UQMBEN", text)
        assert resp.status_code == 200 and "/qm" in resp.text
    harness.drain()
    assert harness.runtime.assistant.calls == []
    assert harness.mock.of("chat.postMessage") == []


def test_pending_lists_what_waits_for_the_approver(harness):
    props = harness.runtime.proposals
    p = props.create(requester="ava.buyer", summary="RFQ: 40 pallets of stretch film", amount=9_900.0,
                     eligible=["omar.approver"])
    props.create(requester="ava.buyer", summary="RFQ for a manager", amount=40_000.0, eligible=["maria.manager"])
    harness.drain()
    harness.mock.reset()
    assert _qm(harness, "UQMOMAR", "pending").status_code == 200
    harness.drain()
    (hook,) = harness.mock.of("response_url")
    assert hook["response_type"] == "ephemeral"
    assert p.id in hook["text"] and "stretch film" in hook["text"] and "for a manager" not in hook["text"]
    assert harness.runtime.assistant.calls == []


def test_unregistered_user_is_told_privately(harness):
    _qm(harness, "UNOBODY", "stock of PPE-1042?")
    harness.drain()
    (hook,) = harness.mock.of("response_url")
    assert "not registered" in hook["text"] and hook["response_type"] == "ephemeral"
    assert harness.runtime.assistant.calls == []
    assert harness.mock.of("chat.postMessage") == []


def test_channel_without_the_bot_gets_a_private_answer(harness):
    harness.mock.fail["chat.postMessage"] = "not_in_channel"
    _qm(harness, "UQMBEN", "open POs for Redline?", channel="CPRIVATE")
    harness.drain()
    (hook,) = harness.mock.of("response_url")
    assert hook["response_type"] == "ephemeral" and "ben.buyer" in hook["text"]
    assert harness.runtime.assistant.calls[0]["thread_id"] == "slack:CPRIVATE:cmd-UQMBEN"


def test_ack_is_fast_even_when_the_turn_is_slow(harness):
    import time

    harness.runtime.assistant.delay_s = 1.5
    t0 = time.perf_counter()
    resp = _qm(harness, "UQMBEN", "slow question")
    acked = time.perf_counter() - t0
    assert resp.status_code == 200
    assert acked < 1.0, f"ack took {acked:.2f}s while the turn takes 1.5s"
    harness.drain()
    assert len(harness.mock.of("chat.update")) == 1
