"""Issue #14 on Slack over the real governance: a purchase request's card lands with the buyers, accepting it
writes nothing to Odoo, and when the RFQ proposal made for it is settled the request's requester is told too."""

from __future__ import annotations

import json
from typing import Any

from slack_kit import APPROVALS_CHANNEL, block_action, form_body, post
from test_slack_governance import gov  # noqa: F401 - the fixture

from tools.actions.requests import RequestExecutor
from tools.base import ToolContext

FORM = "application/x-www-form-urlencoded"


def _ctx(h: Any, username: str) -> ToolContext:
    rt = h.runtime
    return ToolContext(user=rt.directory.get(username), odoo=None, store=rt.store,  # type: ignore[arg-type]
                       policy=rt.policy, audit=rt.audit, channel="slack", thread_id=None)


def _card_ts(h: Any, pid: str) -> str:
    cards = [c for c in h.mock.of("chat.postMessage") if c["channel"] == APPROVALS_CHANNEL and pid in json.dumps(c)]
    assert cards, f"no card for {pid}"
    return str(cards[-1]["_ts"])


def test_request_card_then_the_requester_hears_about_the_rfq(gov: Any) -> None:  # noqa: F811
    service = gov.runtime.proposals
    service._executors["request_purchase"] = RequestExecutor()  # the real one: it never touches Odoo
    req = service.create(_ctx(gov, "wes.warehouse"), "request_purchase",
                         {"product": "ABC-1", "quantity": 10, "warehouse": "HOU", "uom": "Units"},
                         "purchase request: 10 Units ABC-1 for HOU")
    gov.drain()
    ts = _card_ts(gov, req.id)
    card = [c for c in gov.mock.of("chat.postMessage") if c.get("_ts") == ts][0]
    assert "Purchase request" in json.dumps(card) and "<@UQMAVA>" in json.dumps(card["blocks"])
    assert post(gov.client, form_body(block_action("UQMAVA", "qm_approve", req.id, ts=ts)), content_type=FORM
                ).status_code == 200
    gov.drain()
    done = service.get(req.id)
    assert done.state == "executed" and done.result["odoo_written"] is False
    gov.mock.reset()
    rfq = service.create(_ctx(gov, "ava.buyer"), "create_rfq",
                         {"vendor": "Apex Industrial Supply", "qty": 10, "links": {"requests": [req.id]}},
                         f"RFQ to Apex (for request {req.id})", amount=7_000.0, odoo_ref="res.partner,7")
    gov.drain()
    rts = _card_ts(gov, rfq.id)
    assert post(gov.client, form_body(block_action("UQMOMAR", "qm_approve", rfq.id, ts=rts)), content_type=FORM
                ).status_code == 200
    gov.drain()
    assert service.get(rfq.id).state == "executed"
    told = [m for m in gov.mock.of("chat.postMessage") if f"purchase request `{req.id}`" in m.get("text", "")]
    assert len(told) == 1 and "RFQ P00042 created" in told[0]["text"]
    gov.runtime.proposals._notify("executed", service.get(rfq.id))  # a second event: told once only
    gov.drain()
    assert len([m for m in gov.mock.of("chat.postMessage") if f"purchase request `{req.id}`" in m.get("text", "")]) == 1
