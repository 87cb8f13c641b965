"""Events API over signed HTTP: verification, mentions, DMs, identity mapping, retries."""

from __future__ import annotations

import json
import time

from slack_kit import BOT_USER, event_body, post


def _mention(text: str, *, user: str = "UQMAVA", channel: str = "CBUYERS", ts: str = "1700000100.000100",
             thread_ts: str | None = None) -> dict:
    ev = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}", "ts": ts, "channel": channel,
          "event_ts": ts}
    if thread_ts:
        ev["thread_ts"] = thread_ts
    return ev


def test_url_verification_answers_the_challenge(harness):
    body = json.dumps({"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"})
    resp = post(harness.client, body)
    assert resp.status_code == 200
    assert resp.json()["challenge"] == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"


def test_unsigned_bad_and_stale_requests_are_refused(harness):
    body = event_body(_mention("stock of PPE-1042?"))
    assert post(harness.client, body, signed=False).status_code == 401
    wrong = {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64}
    assert post(harness.client, body, signed=False, headers=wrong).status_code == 401
    assert post(harness.client, body, timestamp=int(time.time()) - 6 * 60).status_code == 401
    harness.drain()
    assert harness.runtime.assistant.calls == []
    assert harness.mock.of("chat.postMessage") == []


def test_a_replayed_request_is_refused(harness):
    body = event_body(_mention("stock of PPE-1042?"))
    headers = {"Content-Type": "application/json"}
    from slack_kit import sign

    headers.update(sign(body))
    first = harness.client.post("/slack/events", content=body.encode(), headers=headers)
    again = harness.client.post("/slack/events", content=body.encode(), headers=headers)
    assert first.status_code == 200
    assert again.status_code == 401
    harness.drain()
    assert len(harness.runtime.assistant.calls) == 1


def test_mention_posts_working_then_replaces_it_with_the_answer_in_the_thread(harness):
    resp = post(harness.client, event_body(_mention("what is the stock of PPE-1042 in Dallas?")))
    assert resp.status_code == 200
    harness.drain()
    posted = harness.mock.of("chat.postMessage")
    assert len(posted) == 1
    assert posted[0]["channel"] == "CBUYERS"
    assert posted[0]["thread_ts"] == "1700000100.000100"
    assert "Working" in posted[0]["text"]
    updates = harness.mock.of("chat.update")
    assert len(updates) == 1
    working_ts = updates[0]["ts"]
    assert working_ts.startswith("1700000000.")  # the ts the mock gave the working message
    # markdown became Slack mrkdwn: **bold** -> *bold*, [t](u) -> <u|t>; the sources show as context
    rendered = json.dumps(updates[0]["blocks"])
    assert "*Stock* for ava.buyer" in rendered
    assert "<https://odoo.example/x|DAL>" in rendered
    assert "Receiving SOP" in rendered and "get_stock" in rendered
    call = harness.runtime.assistant.calls[0]
    assert call == {"user": "ava.buyer", "text": "what is the stock of PPE-1042 in Dallas?",
                    "thread_id": "slack:CBUYERS:1700000100.000100", "channel": "slack"}


def test_a_reply_inside_a_thread_continues_that_threads_conversation(harness):
    post(harness.client, event_body(_mention("and in Houston?", ts="1700000200.000200",
                                             thread_ts="1700000100.000100")))
    harness.drain()
    assert harness.runtime.assistant.calls[0]["thread_id"] == "slack:CBUYERS:1700000100.000100"
    assert harness.mock.of("chat.postMessage")[0]["thread_ts"] == "1700000100.000100"


def test_direct_message_is_answered_and_bot_or_edited_messages_are_ignored(harness):
    dm = {"type": "message", "channel_type": "im", "channel": "DAVA", "user": "UQMAVA",
          "text": "what's late from Redline?", "ts": "1700000300.000300", "event_ts": "1700000300.000300"}
    assert post(harness.client, event_body(dm)).status_code == 200
    edited = {**dm, "subtype": "message_changed", "ts": "1700000301.000000"}
    from_bot = {**dm, "bot_id": "BOTHER", "ts": "1700000302.000000"}
    in_channel = {**dm, "channel_type": "channel", "channel": "CBUYERS", "ts": "1700000303.000000"}
    for ev in (edited, from_bot, in_channel):
        assert post(harness.client, event_body(ev)).status_code == 200
    harness.drain()
    assert [c["text"] for c in harness.runtime.assistant.calls] == ["what's late from Redline?"]
    assert harness.runtime.assistant.calls[0]["thread_id"] == "slack:DAVA:1700000300.000300"
    assert len(harness.mock.of("chat.update")) == 1


def test_unknown_person_is_told_they_are_not_registered(harness):
    harness.mock.users["UNOBODY"] = {"id": "UNOBODY", "profile": {"email": "someone@else.example"}}
    post(harness.client, event_body(_mention("stock?", user="UNOBODY")))
    harness.drain()
    assert harness.runtime.assistant.calls == []
    assert [c["user"] for c in harness.mock.of("users.info")] == ["UNOBODY"]
    (reply,) = harness.mock.of("chat.postMessage")
    assert "not registered" in reply["text"] and "UNOBODY" in reply["text"]
    assert reply["thread_ts"] == "1700000100.000100"


def test_person_is_found_by_email_when_the_slack_id_is_not_in_the_users_file(harness):
    harness.mock.users["UNEWBEN"] = {"id": "UNEWBEN", "profile": {"email": "Ben.Buyer@bluebonnet-supply.example"}}
    post(harness.client, event_body(_mention("open POs?", user="UNEWBEN")))
    post(harness.client, event_body(_mention("and late ones?", user="UNEWBEN", ts="1700000400.000400")))
    harness.drain()
    assert [c["user"] for c in harness.runtime.assistant.calls] == ["ben.buyer", "ben.buyer"]
    assert len(harness.mock.of("users.info")) == 1  # cached after the first look-up


def test_retried_event_is_processed_once(harness):
    body = event_body(_mention("stock of PPE-1042?"), event_id="EvRETRY0001")
    assert post(harness.client, body).status_code == 200
    time.sleep(1.1)  # a retry is a new request: new timestamp, new signature, same event_id
    retry = post(harness.client, body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status_code == 200
    harness.drain()
    assert len(harness.runtime.assistant.calls) == 1
    assert len(harness.mock.of("chat.update")) == 1


def test_a_failing_turn_still_replaces_the_working_message(harness):
    post(harness.client, event_body(_mention("boom please")))
    harness.drain()
    (update,) = harness.mock.of("chat.update")
    assert "Sorry" in update["text"] and "RuntimeError" in update["text"]


def test_answer_is_posted_when_the_working_message_cannot_be_updated(harness):
    harness.mock.fail["chat.update"] = "message_not_found"
    post(harness.client, event_body(_mention("stock?")))
    harness.drain()
    posted = harness.mock.of("chat.postMessage")
    assert len(posted) == 2 and "ava.buyer" in posted[1]["text"]


def test_unsubscribed_events_and_garbage_never_cause_a_5xx(harness):
    reaction = {"type": "reaction_added", "user": "UQMAVA", "reaction": "thumbsup", "event_ts": "1.0",
                "item": {"type": "message", "channel": "CBUYERS", "ts": "1.0"}}
    assert post(harness.client, event_body(reaction)).status_code == 200
    assert post(harness.client, "{not json").status_code < 500
    assert post(harness.client, "payload=%7Bnot-json", content_type="application/x-www-form-urlencoded"
                ).status_code < 500
    no_event = json.dumps({"type": "event_callback", "event_id": "EvX", "team_id": "T"})
    assert post(harness.client, no_event).status_code < 500
    mention_without_channel = {"type": "app_mention", "user": "UQMAVA", "text": "hi"}
    assert post(harness.client, event_body(mention_without_channel)).status_code < 500
    harness.drain()
    assert harness.runtime.assistant.calls == []
