"""App Home tab: pending approvals with buttons, recent proposals, decisions from the tab."""

from __future__ import annotations

import json

from slack_kit import block_action, event_body, form_body, post

FORM = "application/x-www-form-urlencoded"


def _open_home(h, user: str) -> dict:
    ev = {"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home",
          "event_ts": "1700000600.000600"}
    assert post(h.client, event_body(ev)).status_code == 200
    h.drain()
    published = [v for v in h.mock.of("views.publish") if v["user_id"] == user]
    assert published, "views.publish was not called"
    return published[-1]["view"]


def _seed(h) -> tuple[str, str]:
    props = h.runtime.proposals
    a = props.create(requester="ava.buyer", summary="RFQ: 500 nitrile gloves from Apex", amount=7_450.0,
                     eligible=["omar.approver", "maria.manager"])
    b = props.create(requester="ava.buyer", summary="Remind Redline about PO P00017", amount=0.0,
                     eligible=["ava.buyer"], kind="remind_supplier")
    h.drain()
    return a.id, b.id


def test_approver_sees_pending_approvals_with_buttons(harness):
    a, b = _seed(harness)
    view = _open_home(harness, "UQMOMAR")
    assert view["type"] == "home"
    text = json.dumps(view)
    assert a in text and "7,450.00 USD" in text and "Waiting for your approval* (1)" in text
    assert b not in text  # Omar is not an eligible approver of Ava's reminder
    buttons = [e for blk in view["blocks"] if blk["type"] == "actions" for e in blk["elements"]]
    assert {(x["action_id"], x["value"]) for x in buttons} == {("qm_approve", a), ("qm_reject", a)}


def test_requester_sees_their_recent_proposals(harness):
    a, b = _seed(harness)
    view = _open_home(harness, "UQMAVA")
    text = json.dumps(view)
    assert "Your recent proposals" in text and a in text and b in text
    assert "Signed in as *Ava Thompson*" in text


def test_unregistered_user_sees_how_to_get_access(harness):
    view = _open_home(harness, "UNOBODY")
    assert "not registered" in json.dumps(view) and "UNOBODY" in json.dumps(view)


def test_messages_tab_is_not_published(harness):
    ev = {"type": "app_home_opened", "user": "UQMAVA", "channel": "DQMAVA", "tab": "messages", "event_ts": "1.0"}
    post(harness.client, event_body(ev))
    harness.drain()
    assert harness.mock.of("views.publish") == []


def test_approving_from_the_home_tab_decides_and_republishes(harness):
    a, _b = _seed(harness)
    harness.mock.reset()
    body = block_action("UQMOMAR", "qm_approve", a, home=True)
    assert post(harness.client, form_body(body), content_type=FORM).status_code == 200
    harness.drain()
    assert harness.runtime.proposals.get(a).state == "executed"
    view = harness.mock.of("views.publish")[-1]["view"]
    text = json.dumps(view)
    assert "Waiting for your approval* (0)" in text and "Approved and executed" in text
    # the channel card was updated too
    assert any(a in json.dumps(u["blocks"]) for u in harness.mock.of("chat.update"))


def test_refusal_on_the_home_tab_is_shown_as_a_notice(harness):
    a, _b = _seed(harness)
    harness.mock.reset()
    post(harness.client, form_body(block_action("UQMAVA", "qm_approve", a, home=True)), content_type=FORM)
    harness.drain()
    assert harness.runtime.proposals.get(a).state == "pending"
    notice = json.dumps(harness.mock.of("views.publish")[-1]["view"]["blocks"][1])
    assert "Not allowed" in notice


def test_home_hides_prices_from_roles_that_may_not_see_them(harness):
    from slack_kit import ROOT

    from tools.governance.policy import Policy

    harness.runtime.policy = Policy.load(ROOT / "tools" / "governance" / "default_policy.yaml")
    p = harness.runtime.proposals.create(requester="wes.warehouse", summary="Reschedule HOU/IN/00042 to Friday",
                                         amount=1_234.5, eligible=["ben.buyer"], kind="reschedule_receipt")
    harness.runtime.proposals._items[p.id].evidence = {"price_unit": 7.68, "scheduled": "2026-12-01"}
    harness.drain()
    wes = json.dumps(_open_home(harness, "UQMWES"))
    assert p.id in wes and "2026-12-01" not in wes  # evidence is not on the Home list anyway
    assert "1,234.50" not in wes and "7.68" not in wes
    ben = json.dumps(_open_home(harness, "UQMBEN"))  # a buyer approving it sees the amount
    assert p.id in ben and "1,234.50" in ben
    card = harness.channel.approvals.card(harness.runtime.proposals.get(p.id),
                                          harness.runtime.directory.get("wes.warehouse"))
    assert card.amount is None and all("7.68" not in e for e in card.evidence)
    assert any("2026-12-01" in e for e in card.evidence)
