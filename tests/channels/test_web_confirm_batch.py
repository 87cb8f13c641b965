"""The web approvals page: the requester's Confirm button on a model-suggested proposal (never a self-approval),
the checks' warnings on the card, and the batch form / API (each proposal its own audited decision)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from webapi_support import GovernedRuntime, bearer, governed_runtime, web_login


class Tracker:
    def assess(self, kind: str, args: dict[str, Any], odoo_ref: str | None) -> tuple[str, dict[str, Any]]:
        return "model", {"sources": ["an e-mail from the vendor"], "quote": "please reorder 900 units"}


@pytest.fixture()
def rt(tmp_path: Path) -> Iterator[GovernedRuntime]:
    runtime = governed_runtime(tmp_path)
    runtime.policy.currency = "USD"  # no Odoo here to say the company's
    yield runtime
    runtime.close()



def _propose(rt: GovernedRuntime, user: str, n: int, *, suggested: bool = False, checks: list[Any] | None = None
             ) -> str:
    ident = rt.directory.get(user)
    ctx = rt.context_for(ident, "web", f"web-{n}")
    if suggested:
        ctx.provenance = Tracker()
    p = rt.proposals.create(ctx, "create_rfq", {"vendor": "Apex Industrial Supply", "n": n}, f"RFQ number {n}",
                            evidence={"checks": checks or []}, amount=6000.0 + n, odoo_ref="res.partner,7")
    return str(p.id)


def _form(client: TestClient, action: str, **data: Any) -> Any:
    page = client.get("/approvals?tab=mine")
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert token
    return client.post(action, data={"csrf_token": token.group(1), **data}, follow_redirects=True)


def test_confirm_button_then_approvers_see_it_and_the_requester_never_approves(client: TestClient,
                                                                               rt: GovernedRuntime) -> None:
    pid = _propose(rt, "ava.buyer", 1, suggested=True,
                   checks=[{"code": "incoming", "severity": "warn", "text": "472 of PPE-1042 already incoming to DAL."}])
    web_login(client, "omar.approver")
    assert pid not in client.get("/approvals").text  # not before the requester confirms
    web_login(client, "ava.buyer")
    mine = client.get("/approvals?tab=mine").text
    assert f'action="/approvals/{pid}/confirm"' in mine and "you cannot approve it yourself" in mine
    assert "472 of PPE-1042 already incoming to DAL." in mine  # the warning on the card
    assert f'action="/approvals/{pid}/decide"' in mine  # Discard only; no Approve for her
    assert 'value="approve"' not in mine.split(f'id="proposal-{pid}"')[1].split("</article>")[0]
    done = _form(client, f"/approvals/{pid}/confirm", tab="mine")
    assert "confirmed" in done.text and rt.proposals.get(pid).confirmed_at is not None
    assert f'action="/approvals/{pid}/confirm"' not in client.get("/approvals?tab=mine").text
    # Ava still may not approve; Omar now sees and approves it
    r = client.post(f"/api/proposals/{pid}/approve", json={}, headers=bearer("ava.buyer"))
    assert r.status_code == 403 and rt.proposals.get(pid).state == "pending"
    web_login(client, "omar.approver")
    assert pid in client.get("/approvals").text
    r = client.post(f"/api/proposals/{pid}/approve", json={}, headers=bearer("omar.approver"))
    assert r.status_code == 200 and rt.executor.executed == [pid]


def test_confirm_by_someone_else_and_api_confirm(client: TestClient, rt: GovernedRuntime) -> None:
    pid = _propose(rt, "ava.buyer", 2, suggested=True)
    r = client.post(f"/api/proposals/{pid}/confirm", headers=bearer("omar.approver"))
    assert r.status_code in (403, 404) and rt.proposals.get(pid).confirmed_at is None
    r = client.post(f"/api/proposals/{pid}/confirm", headers=bearer("ava.buyer"))
    assert r.status_code == 200 and r.json()["outcome"] == "confirmed"
    again = client.post(f"/api/proposals/{pid}/confirm", headers=bearer("ava.buyer"))
    assert again.status_code == 409  # nothing more to confirm


def test_batch_approve_each_its_own_decision(client: TestClient, rt: GovernedRuntime) -> None:
    ids = [_propose(rt, "ava.buyer", 10 + i) for i in range(3)]
    blocked_policy_free = _propose(rt, "ben.buyer", 20)
    web_login(client, "omar.approver")
    page = client.get("/approvals").text
    assert 'action="/approvals/batch"' in page and all(f'value="{i}" form="batch"' in page for i in ids)
    r = _form(client, "/approvals/batch", ids=[*ids, "P-doesnotexist"], decision="approve", tab="pending")
    assert "3 of 4 approved" in r.text
    assert sorted(rt.executor.executed) == sorted(ids)
    assert rt.proposals.get(blocked_policy_free).state == "pending"  # not ticked: untouched
    events = rt.audit.verify()
    assert events == []
    r = client.post("/api/proposals/batch", json={"ids": [blocked_policy_free, ids[0]], "decision": "reject"},
                    headers=bearer("omar.approver"))
    body = r.json()
    assert r.status_code == 200 and body["decided"] == 1
    assert [x["outcome"] for x in body["results"]] == ["rejected", "noop"]


def test_a_warning_the_policy_blocks_shows_as_a_block_and_approval_is_refused(client: TestClient,
                                                                              rt: GovernedRuntime) -> None:
    pid = _propose(rt, "ben.buyer", 30, checks=[{"code": "cheaper_elsewhere", "severity": "info",
                                                 "text": "Bought for HOU at 4.10 USD last time."},
                                                {"code": "contract_expired", "severity": "warn",
                                                 "text": "The vendor's contract expired on 2026-09-30."}])
    web_login(client, "omar.approver")
    assert "Check:</strong> The vendor&#39;s contract expired" in client.get("/approvals").text or \
        "Check:</strong> The vendor's contract expired" in client.get("/approvals").text
    rt.policy.prechecks = {"block": ["contract_expired"]}
    page = client.get("/approvals").text
    assert "Blocked by policy:</strong>" in page and "Note:</strong> Bought for HOU at 4.10 USD" in page
    assert page.index("Blocked by policy") < page.index("Note:</strong>")  # blocks first
    r = client.post(f"/api/proposals/{pid}/approve", json={}, headers=bearer("omar.approver"))
    assert r.status_code == 403 and "blocks it" in r.json()["message"] and rt.executor.executed == []
    r = client.post(f"/api/proposals/{pid}/reject", json={"comment": "expired contract"},
                    headers=bearer("omar.approver"))
    assert r.status_code == 200 and rt.proposals.get(pid).state == "rejected"
