"""REST API rules over the real governance (users file, policy, proposals, audit) with a scripted brain."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from webapi_support import GovernedRuntime, bearer, web_login

from server import create_app


def _propose(client: TestClient, who: str, amount: int) -> str:
    r = client.post("/api/chat", json={"message": f"propose rfq {amount}"}, headers=bearer(who))
    assert r.status_code == 200, r.text
    return str(r.json()["proposals"][0]["id"])


def test_unauthenticated_calls_get_401_with_a_bearer_challenge(client: TestClient) -> None:
    for method, path in [("post", "/api/chat"), ("get", "/api/proposals"), ("get", "/api/audit"),
                         ("post", "/api/proposals/P-1/approve")]:
        r = client.request(method.upper(), path, json={"message": "hi"})
        assert r.status_code == 401, (path, r.text)
        assert r.headers["www-authenticate"] == "Bearer"
        assert r.json()["error"] == "unauthenticated"
    r = client.get("/api/proposals", headers={"Authorization": "Bearer wrong-token"})
    assert r.status_code == 401


def test_chat_returns_the_turn_and_keeps_threads_private(client: TestClient) -> None:
    r = client.post("/api/chat", json={"message": "stock of PPE-1042?"}, headers=bearer("ava.buyer"))
    assert r.status_code == 200
    body = r.json()
    assert body["brain"] == "scripted" and "PPE-1042" in body["answer"]
    assert body["thread_id"] and body["tool_calls"][0]["name"] == "stock_levels"
    assert body["citations"][0]["href"] == "https://example.invalid/sop"


def test_bad_input_is_422_with_a_clear_message_never_500(client: TestClient) -> None:
    h = bearer("ava.buyer")
    cases = [{"message": ""}, {"message": "   "}, {}, {"message": "x", "thread_id": "../../etc"},
             {"message": "x" * 9000}, {"message": 5}]
    for body in cases:
        r = client.post("/api/chat", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"] == "invalid_input" and r.json()["message"].startswith("Bad input")
    r = client.post("/api/chat", content=b"{not json", headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 422
    assert client.get("/api/proposals?limit=0", headers=h).status_code == 422
    assert client.get("/api/proposals/..%2F..", headers=h).status_code in (404, 422)


def test_stream_sends_status_tokens_and_a_final_event_with_safe_html(client: TestClient) -> None:
    r = client.post("/api/chat/stream", json={"message": "stock?"}, headers=bearer("ava.buyer"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = [json.loads(line[5:]) for line in r.text.splitlines() if line.startswith("data:")]
    kinds = [e["type"] for e in events]
    assert kinds[0] == "thread" and "status" in kinds and "token" in kinds and kinds[-1] == "final"
    html = events[-1]["html"]
    assert "<table>" in html and "<td>PPE-1042</td>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_proposal_rules_403_self_approval_above_threshold_409_twice_404_unknown(
        client: TestClient, rt: GovernedRuntime) -> None:
    big = _propose(client, "ava.buyer", 12000)
    # the requester may not approve her own 12,000 USD RFQ (four eyes above 5,000)
    r = client.post(f"/api/proposals/{big}/approve", json={"comment": "mine"}, headers=bearer("ava.buyer"))
    assert r.status_code == 403 and r.json()["outcome"] == "refused"
    assert "four-eyes" in r.json()["message"]
    # a warehouse user cannot decide it either, and learns nothing about it
    r = client.post(f"/api/proposals/{big}/approve", headers=bearer("wes.warehouse"))
    assert r.status_code == 403 and r.json()["proposal"] is None
    assert client.get(f"/api/proposals/{big}", headers=bearer("wes.warehouse")).status_code == 404
    # the approver approves; execution happens once
    r = client.post(f"/api/proposals/{big}/approve", json={"comment": "ok"}, headers=bearer("omar.approver"))
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "executed" and r.json()["proposal"]["state"] == "executed"
    assert rt.executor.executed == [big]
    # a second click changes nothing
    r = client.post(f"/api/proposals/{big}/reject", json={"comment": "late"}, headers=bearer("maria.manager"))
    assert r.status_code == 409 and r.json()["outcome"] == "noop"
    assert rt.executor.executed == [big]
    assert client.post("/api/proposals/P-unknown/approve", headers=bearer("omar.approver")).status_code == 404


def test_proposal_listing_scopes_and_redaction(client: TestClient) -> None:
    small = _propose(client, "ava.buyer", 1200)
    big = _propose(client, "ava.buyer", 30000)
    mine = client.get("/api/proposals?scope=mine", headers=bearer("ava.buyer")).json()
    assert {p["id"] for p in mine["items"]} == {small, big}
    # above 25,000 only a manager may approve: it waits for Maria, not for Omar
    omar = client.get("/api/proposals?scope=to_approve", headers=bearer("omar.approver")).json()
    maria = client.get("/api/proposals?scope=to_approve", headers=bearer("maria.manager")).json()
    assert big not in {p["id"] for p in omar["items"]} and big in {p["id"] for p in maria["items"]}
    # Ava may approve her own small one (self-approval up to 5,000)
    ava = client.get("/api/proposals?scope=to_approve&state=pending", headers=bearer("ava.buyer")).json()
    assert [p["id"] for p in ava["items"]] == [small]
    page = client.get("/api/proposals?limit=1&offset=1", headers=bearer("maria.manager")).json()
    assert page["total"] >= 2 and len(page["items"]) == 1
    assert client.get("/api/proposals?kind=remind_supplier", headers=bearer("maria.manager")).json()["total"] == 0
    assert client.get("/api/proposals?kind=create_rfq", headers=bearer("maria.manager")).json()["total"] == 2


def test_audit_is_for_managers_and_admins_and_paginates(client: TestClient) -> None:
    _propose(client, "ava.buyer", 100)
    assert client.get("/api/audit", headers=bearer("ava.buyer")).status_code == 403
    r = client.get("/api/audit?limit=1", headers=bearer("maria.manager"))
    assert r.status_code == 200
    body = r.json()
    assert body["total"] >= 1 and len(body["items"]) == 1 and body["items"][0]["hash"]
    only = client.get("/api/audit?event_type=proposal_created", headers=bearer("admin")).json()
    assert only["items"] and {e["type"] for e in only["items"]} == {"proposal_created"}


def test_cookie_session_needs_the_csrf_header_for_posts(client: TestClient) -> None:
    csrf = web_login(client, "ava.buyer")
    assert client.post("/api/chat", json={"message": "hi"}).status_code == 403
    assert client.post("/api/chat", json={"message": "hi"}, headers={"X-CSRF-Token": "nope"}).status_code == 403
    assert client.post("/api/chat", json={"message": "hi"}, headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.get("/api/proposals").status_code == 200  # reads need no CSRF token


def test_readyz_reports_each_dependency_and_fails_when_odoo_is_down(client: TestClient, rt: GovernedRuntime) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200, r.text
    assert set(r.json()["checks"]) == {"odoo", "state_store", "vector_store", "model"}
    rt.odoo.up = False
    r = client.get("/readyz")
    assert r.status_code == 503
    checks = r.json()["checks"]
    assert not checks["odoo"]["ok"] and "not reachable" in checks["odoo"]["detail"]
    assert checks["state_store"]["ok"]
    assert client.get("/healthz").json() == {"status": "ok"}


def test_metrics_count_turns_tools_decisions_and_proposals_by_state(client: TestClient) -> None:
    pid = _propose(client, "ava.buyer", 100)
    client.post(f"/api/proposals/{pid}/reject", json={"comment": "no"}, headers=bearer("ava.buyer"))
    text = client.get("/metrics").text
    assert 'qm_turns_total{brain="scripted",channel="api",outcome="ok"} 1.0' in text
    assert 'qm_tool_calls_total{ok="true",tool="stock_levels"} 1.0' in text
    assert 'qm_proposal_decisions_total{decision="reject",outcome="rejected"} 1.0' in text
    assert 'qm_proposals{state="rejected"} 1.0' in text
    assert "qm_odoo_rpc_calls_total" in text and "qm_odoo_rpc_seconds_total" in text


def test_openapi_documents_the_api_and_no_page_loads_from_a_cdn(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/chat", "/api/chat/stream", "/api/proposals", "/api/proposals/{proposal_id}/approve",
                 "/api/audit", "/healthz", "/readyz", "/metrics"):
        assert path in spec["paths"], path
    assert client.get("/docs").status_code == 404  # FastAPI's docs page would load from a CDN


def test_importing_the_server_module_starts_nothing() -> None:
    import server

    assert server.app.state.runtime is None and server.app.state.settings is None
    assert server.app.state.secret_key is None  # resolved in the lifespan, not at import


def test_slack_is_mounted_only_when_configured(rt: GovernedRuntime, tmp_path: Path) -> None:
    plain = create_app(rt.settings, rt)
    assert "/slack/events" not in {getattr(r, "path", "") for r in plain.routes}
    from assistant.settings import load_settings

    slack_settings = load_settings(QM_DATA_DIR=str(tmp_path / "s"), SLACK_BOT_TOKEN="xoxb-test",
                                   SLACK_SIGNING_SECRET="shh", QM_SLACK_API_URL="http://127.0.0.1:9/api/")
    app = create_app(slack_settings, rt)
    assert "/slack/events" in {getattr(r, "path", "") for r in app.routes}
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.post("/slack/events", content=b"{}").status_code == 401  # unsigned


def test_expired_and_stale_proposals_are_409_with_the_reason(client: TestClient, rt: GovernedRuntime) -> None:
    from datetime import timedelta

    old = _propose(client, "ava.buyer", 300)
    real_clock = rt.proposals.clock
    rt.proposals.clock = lambda: real_clock() + timedelta(hours=73)  # past the 72 h expiry
    try:
        r = client.post(f"/api/proposals/{old}/approve", json={}, headers=bearer("omar.approver"))
    finally:
        rt.proposals.clock = real_clock
    assert r.status_code == 409 and r.json()["outcome"] == "expired" and "expired" in r.json()["message"]
    moved = _propose(client, "ava.buyer", 300)
    rt.executor.stale_reason = "the price of PPE-1042 changed from 7.68 to 8.10"
    r = client.post(f"/api/proposals/{moved}/approve", json={}, headers=bearer("omar.approver"))
    assert r.status_code == 409 and r.json()["outcome"] == "stale" and "8.10" in r.json()["message"]
    assert rt.executor.executed == []
