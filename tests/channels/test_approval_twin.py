"""A Slack approval card and its web twin show the same facts for the same proposal.

Both are built from assistant.channels.present.approval_facts; this test renders the real web template
(approvals.html) and the real Slack blocks and checks every fact a person decides on is in both."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from assistant.channels.slack_approvals import SlackApprovals
from assistant.channels.slack_blocks import proposal_message_blocks
from assistant.channels.web import proposal_card, templates
from tools.governance.identity import Directory
from tools.governance.policy import Policy

ROOT = Path(__file__).resolve().parents[2]
GOV = ROOT / "tools" / "governance"


def _proposal() -> dict[str, Any]:
    return {"id": "P-twin1", "kind": "confirm_purchase_order", "summary": "Confirm P01608 for Pioneer Safety Products",
            "state": "pending", "amount": 12873.5, "currency": "USD", "odoo_ref": "purchase.order,1608",
            "requester": "ava.buyer", "eligible_approvers": ["omar.approver", "maria.manager"],
            "policy_rule": "confirm_up_to_25k", "created_at": "2026-12-03T15:04:00",
            "expires_at": "2026-12-06T15:04:00", "args": {"po_id": 1608},
            "before_after": {"state": ["draft", "purchase"], "po": "P01608"},
            "evidence": {"po_id": 1608, "po": "P01608", "state": "draft", "write_date": "",
                         "amount_total": 12873.5, "prices": {"74": 7.68}}}


def _text_of_web(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_slack_card_and_web_card_show_the_same_facts() -> None:
    policy = Policy.load(GOV / "default_policy.yaml")
    directory = Directory.load(GOV / "default_users.yaml")
    runtime = SimpleNamespace(policy=policy, directory=directory, odoo=None,
                              proposals=SimpleNamespace(list=lambda **kw: []))
    viewer = directory.get("omar.approver")
    assert viewer is not None
    odoo_url = "https://erp.example"

    web = proposal_card(runtime, viewer, _proposal(), odoo_url)
    page = templates.get_template("approvals.html").render(
        user=viewer, nav="approvals", tab="pending", tabs=("pending", "mine", "decided"), proposals=[web],
        csrf="t", flash=None, pending_count=1, trusted_header=False)
    slack = SlackApprovals(runtime, None, None, approvals_channel=None, submit=lambda *a: None,  # type: ignore[arg-type]
                           odoo_url=odoo_url)
    card = slack.card(_proposal(), viewer)
    blocks = json.dumps(proposal_message_blocks(card), ensure_ascii=False)
    blocks = html.unescape(blocks.replace("\\n", " "))
    web_text = _text_of_web(page)

    facts = [web["what"], web["amount"], web["record"], web["requester"], web["requested_at"], web["approvers"],
             web["expires"], *[v for _, v in web["evidence"]], *[c for row in web["changes"] for c in row]]
    assert web["amount"] == "12,873.50 USD" and web["expires"].endswith(("UTC", "CST", "CDT"))
    assert web["record_href"] == "https://erp.example/odoo/purchase/1608"
    for fact in facts:
        assert fact and fact in web_text, f"web card lacks {fact!r}"
        assert fact in blocks, f"Slack card lacks {fact!r}"
    assert web["record_href"] in page and web["record_href"] in blocks
    for raw in ('{"74": 7.68}', "write date", "Po id", "executed: Executed"):  # no raw dicts or empty rows
        assert raw not in web_text and raw not in blocks
    assert "Approve" in web_text and "qm_approve" in blocks  # both let the approver decide
