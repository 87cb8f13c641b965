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


def _strings(node: Any) -> list[str]:
    """Every string in Slack blocks (texts, URLs, button values), entities decoded, line breaks as spaces."""
    if isinstance(node, str):
        return [html.unescape(node).replace("\n", " ")]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


# -- the newer kinds, filed by the real tools on the sandbox (issue #14: requests, transfers, bulk RFQs, reminders) --
def _same_facts(runtime: Any, p: Any, odoo_url: str | None) -> tuple[dict[str, Any], str]:
    """The web card's facts for an eligible approver, each checked on the web page and in the Slack blocks."""
    viewer = runtime.directory.get(p.eligible_approvers[0])
    web = proposal_card(runtime, viewer, p, odoo_url)
    page = templates.get_template("approvals.html").render(
        user=viewer, nav="approvals", tab="pending", tabs=("pending", "mine", "decided"), proposals=[web],
        csrf="t", flash=None, pending_count=1, trusted_header=False)
    slack = SlackApprovals(runtime, None, None, approvals_channel=None, submit=lambda *a: None,  # type: ignore[arg-type]
                           odoo_url=odoo_url)
    blocks = " ".join(_strings(proposal_message_blocks(slack.card(p, viewer))))  # what Slack shows, unescaped
    web_text = _text_of_web(page)
    for key in ("what", "requester", "requested_at", "approvers", "expires", *(("record",) if odoo_url else ())):
        assert web[key], f"{p.kind}: the card has no {key}"
    facts = [web["what"], web["amount"], web["record"], web["requester"], web["requested_at"], web["approvers"],
             web["expires"], *[v for _, v in web["evidence"]], *[c for row in web["changes"] for c in row],
             *[c for row in web["lines"] for c in row], *[w["text"] for w in web["warnings"]]]
    for fact in filter(None, facts):
        assert fact in web_text, f"{p.kind}: the web card lacks {fact!r}"
        assert fact in blocks, f"{p.kind}: the Slack card lacks {fact!r}"
    for raw in (",", ):  # never a raw Odoo reference such as "stock.warehouse,3" as the record
        assert not re.fullmatch(r"[a-z_.]+" + raw + r"\d+", web["record"]), web["record"]
    assert "Approve" in web_text and "qm_approve" in blocks, p.kind
    return web, blocks


def test_newer_proposal_kinds_show_the_same_facts_on_slack_and_web() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from webapi_support import shared_real_runtime

    from tools.registry import run_tool

    rt = shared_real_runtime()
    odoo = rt.odoo

    def call(username: str, tool: str, **args: Any) -> list[str]:
        res = run_tool(rt.context_for(rt.user(username), "web", None), tool, args)
        assert res.ok and res.proposal_ids, (tool, res.error, res.text)
        return list(res.proposal_ids)

    whs = odoo.search_read("stock.warehouse", [], ["code", "company_id", "lot_stock_id"], order="id")
    info = odoo.search_read("product.supplierinfo", [["price", ">", 0], ["min_qty", "<=", 1]],
                            ["product_tmpl_id"], limit=1, order="id")[0]
    code = odoo.search_read("product.product", [["product_tmpl_id", "=", info["product_tmpl_id"][0]]],
                            ["default_code"], limit=1)[0]["default_code"]
    quant = next(q for q in odoo.search_read("stock.quant", [["location_id", "=", whs[0]["lot_stock_id"][0]],
                                                              ["quantity", ">", 40]], ["product_id"], limit=50)
                 if odoo.read("product.product", [q["product_id"][0]], ["default_code"])[0]["default_code"])
    moved = odoo.read("product.product", [quant["product_id"][0]], ["default_code"])[0]["default_code"]
    dst = next(w for w in whs[1:] if w["company_id"] == whs[0]["company_id"])
    po = odoo.search_read("purchase.order", [["state", "=", "purchase"], ["receipt_status", "!=", "full"]],
                          ["name"], limit=1, order="id desc")[0]["name"]

    def check(label: str, pids: list[str]) -> None:
        for odoo_url in ("https://erp.example", None):  # a real Odoo's web client, and the sandbox (our own pages)
            for pid in pids:
                p = rt.proposals.get(pid)
                assert p is not None and p.state == "pending", (label, pid, p and p.state)
                web, blocks = _same_facts(rt, p, odoo_url)
                if odoo_url:
                    assert web["record_href"] and web["record_href"].startswith(odoo_url), (label, web)
                    assert web["record_href"] in blocks, label
                if label.startswith("create_rfq"):
                    assert web["lines"] and web["amount"], (label, web)  # the lines and the total, both channels

    request = call("wes.warehouse", "request_purchase", product=code, quantity=30, warehouse=whs[0]["code"],
                   reason="twin test")
    check("request_purchase", request)  # before a buyer turns it into an RFQ proposal (that takes the request)
    check("create_rfq from a request", call("ava.buyer", "requests_to_rfqs", requests=request))
    check("transfer_stock", call("wes.warehouse", "transfer_stock", product=moved, quantity=3,
                                 from_warehouse=whs[0]["code"], to_warehouse=dst["code"]))
    check("create_rfq in bulk", call("ava.buyer", "order_suggestions", top=2))
    check("remind_supplier", call("ava.buyer", "remind_supplier", po=po,
                                  message="Please confirm the delivery date of the open lines."))
