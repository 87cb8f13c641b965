"""Web pages over the real governance with a scripted brain: login, CSRF, inbox, safe corpus links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webapi_support import GovernedRuntime, bearer, governed_runtime, page_csrf, web_login

from server import create_app


@pytest.fixture()
def rt(tmp_path: Path) -> Iterator[GovernedRuntime]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "receiving-sop.md").write_text("---\ndoc_type: sop\ntitle: Receiving SOP\n---\n# Receiving\n\n"
                                             "## Put-away\n\nScan every pallet.\n", encoding="utf-8")
    (corpus / "apex-contract.md").write_text("---\ndoc_type: contract\ntitle: Apex contract\n---\n# Prices\n\n"
                                             "Unit price 3.20 USD.\n", encoding="utf-8")
    (tmp_path / "secret.md").write_text("# outside the corpus\n", encoding="utf-8")
    runtime = governed_runtime(tmp_path, QM_CORPUS_DIR=str(corpus))
    yield runtime
    runtime.close()


def test_pages_redirect_to_login_and_login_checks_the_password(client: TestClient) -> None:
    r = client.get("/approvals?tab=mine", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fapprovals%3Ftab%3Dmine"
    token = page_csrf(client.get("/login").text)
    bad = client.post("/login", data={"username": "ava.buyer", "password": "wrong", "csrf_token": token})
    assert bad.status_code == 401 and "wrong password" in bad.text
    ok = client.post("/login", data={"username": "ava.buyer", "password": "ava.buyer", "csrf_token": token,
                                     "next": "//evil.example/"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/chat"  # no open redirect
    page = client.get("/chat")
    assert "Ava Thompson" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_login_and_logout_without_the_csrf_token_are_rejected(client: TestClient) -> None:
    client.get("/login")
    r = client.post("/login", data={"username": "ava.buyer", "password": "ava.buyer"})
    assert r.status_code == 403
    web_login(client, "ava.buyer")
    r = client.post("/logout", data={}, follow_redirects=False)
    assert r.status_code == 403
    assert client.get("/chat", follow_redirects=False).status_code == 200  # still logged in


def test_session_cookie_is_signed_httponly_and_tamper_evident(client: TestClient) -> None:
    client.get("/login")
    token = page_csrf(client.get("/login").text)
    r = client.post("/login", data={"username": "ava.buyer", "password": "ava.buyer", "csrf_token": token},
                    follow_redirects=False)
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    value = client.cookies.get("qm_session")
    assert value
    client.cookies.set("qm_session", value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    assert client.get("/chat", follow_redirects=False).status_code == 303


def test_approvals_inbox_flow_with_csrf_and_outcome_message(client: TestClient, rt: GovernedRuntime) -> None:
    r = client.post("/api/chat", json={"message": "propose rfq 12000"}, headers=bearer("ava.buyer"))
    pid = r.json()["proposals"][0]["id"]
    web_login(client, "ava.buyer")
    mine = client.get("/approvals?tab=mine")
    assert pid in mine.text and "Approve" not in mine.text  # Ava may not approve her own 12,000 RFQ
    web_login(client, "omar.approver")
    inbox = client.get("/approvals")
    assert f'id="proposal-{pid}"' in inbox.text and 'class="badge"' in inbox.text
    # a forged form (no token) changes nothing
    forged = client.post(f"/approvals/{pid}/decide", data={"decision": "approve"})
    assert forged.status_code == 403 and rt.proposals.get(pid).state == "pending"
    token = page_csrf(inbox.text)
    done = client.post(f"/approvals/{pid}/decide", data={"decision": "approve", "comment": "fine",
                                                         "csrf_token": token})
    assert done.status_code == 200 and "RFQ created" in done.text  # the outcome message is shown
    assert rt.proposals.get(pid).state == "executed"
    decided = client.get("/approvals?tab=decided").text
    assert pid in decided and "fine" in decided and "RFQ created" in decided  # who decided, why, result


def test_odoo_links_point_at_the_record_form() -> None:
    from assistant.channels.web import odoo_form_url

    assert odoo_form_url("https://erp.example/", "purchase.order", 42) == \
        "https://erp.example/web#id=42&model=purchase.order&view_type=form"
    assert odoo_form_url(None, "purchase.order", 42) is None  # the sandbox has no web client
    assert odoo_form_url("https://erp.example", "res.partner", "15 or 1=1") is None


def test_corpus_documents_are_confined_and_follow_doc_type_visibility(client: TestClient) -> None:
    web_login(client, "wes.warehouse")
    sop = client.get("/corpus/receiving-sop.md")
    assert sop.status_code == 200 and 'id="put-away"' in sop.text
    assert client.get("/corpus/apex-contract.md").status_code == 403  # warehouse never sees contracts
    for bad in ("/corpus/../secret.md", "/corpus/%2e%2e/secret.md", "/corpus/..%2Fsecret.md",
                "/corpus//etc/passwd", "/corpus/nothing.md"):
        assert client.get(bad).status_code == 404, bad
    web_login(client, "ava.buyer")
    assert client.get("/corpus/apex-contract.md").status_code == 200


def test_chat_page_lists_threads_and_renders_nothing_unsafe(client: TestClient) -> None:
    web_login(client, "ava.buyer")
    page = client.get("/chat?thread=<script>")
    assert page.status_code == 200 and "<script>" not in page.text.replace('<script src="/static/chat.js">', "")
    assert re.search(r'data-thread=""', page.text)
    js = client.get("/static/chat.js")
    assert js.status_code == 200 and "/api/chat/stream" in js.text
    assert "http://" not in js.text and "https://" not in js.text


def test_trusted_proxy_header_logs_people_in_and_still_needs_csrf(tmp_path: Path) -> None:
    runtime = governed_runtime(tmp_path, QM_TRUSTED_USER_HEADER="X-Remote-User")
    try:
        with TestClient(create_app(runtime.settings, runtime), raise_server_exceptions=False) as c:
            h = {"X-Remote-User": "maria.manager"}
            page = c.get("/approvals", headers=h)
            assert page.status_code == 200 and "Maria Gonzalez" in page.text and "Log out" not in page.text
            assert c.get("/approvals", headers={"X-Remote-User": "mallory"}, follow_redirects=False).status_code == 303
            assert c.post("/api/chat", json={"message": "hi"}, headers=h).status_code == 403  # no CSRF token
            token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            ok = c.post("/api/chat", json={"message": "hi"}, headers={**h, "X-CSRF-Token": token})
            assert ok.status_code == 200
    finally:
        runtime.close()


def _login_events(rt: GovernedRuntime) -> list[tuple[str, dict[str, object]]]:
    return [(e.actor, e.payload) for e in rt.audit.events(type_="login")]


def test_wrong_passwords_are_throttled_per_user_and_ip_and_every_login_is_audited(
        client: TestClient, rt: GovernedRuntime) -> None:
    token = page_csrf(client.get("/login").text)
    for _ in range(5):
        r = client.post("/login", data={"username": "ben.buyer", "password": "guess", "csrf_token": token})
        assert r.status_code == 401
    r = client.post("/login", data={"username": "ben.buyer", "password": "ben.buyer", "csrf_token": token})
    assert r.status_code == 429 and "Too many failed attempts" in r.text
    ok = client.post("/login", data={"username": "ava.buyer", "password": "ava.buyer", "csrf_token": token},
                     follow_redirects=False)
    assert ok.status_code == 303  # other users are not affected
    # the guesser's address is throttled, not Ben: from his own machine he still gets in
    with TestClient(client.app, raise_server_exceptions=False, client=("10.0.0.7", 40000)) as ben:
        assert web_login(ben, "ben.buyer")
    events = _login_events(rt)
    fails = [(a, p) for a, p in events if not p["ok"]]
    assert len([1 for a, p in fails if a == "ben.buyer" and p.get("reason") == "bad_credentials"]) == 5
    assert any(a == "ben.buyer" and p.get("reason") == "throttled" for a, p in fails)
    oks = {(a, p["ip"]) for a, p in events if p["ok"] and p["channel"] == "web"}
    assert ("ava.buyer", "testclient") in oks and ("ben.buyer", "10.0.0.7") in oks


def test_one_address_guessing_many_names_is_throttled(client: TestClient) -> None:
    token = page_csrf(client.get("/login").text)
    for i in range(20):
        r = client.post("/login", data={"username": f"nobody{i}", "password": "x", "csrf_token": token})
        assert r.status_code == 401
    r = client.post("/login", data={"username": "ava.buyer", "password": "ava.buyer", "csrf_token": token})
    assert r.status_code == 429


def test_bad_api_tokens_are_audited_and_throttled_per_address(client: TestClient, rt: GovernedRuntime) -> None:
    for _ in range(20):
        r = client.get("/api/proposals", headers={"Authorization": "Bearer wrong-token"})
        assert r.status_code == 401 and r.json()["error"] == "unauthenticated"
    r = client.get("/api/proposals", headers={"Authorization": "Bearer wrong-token"})
    assert r.status_code == 429 and "Retry-After" in r.headers and r.json()["error"] == "rate_limited"
    api_fails = [p for a, p in _login_events(rt) if p["channel"] == "api" and not p["ok"]]
    assert len(api_fails) == 20 and all("wrong-token" not in str(p) for p in api_fails)
    with TestClient(client.app, raise_server_exceptions=False, client=("10.0.0.8", 40000)) as other:
        assert other.get("/api/proposals", headers=bearer("ava.buyer")).status_code == 200


def test_oversized_bodies_are_refused_before_parsing(client: TestClient) -> None:
    r = client.post("/api/chat", content=b"x" * (300 * 1024), headers={**bearer("ava.buyer"),
                                                                       "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "too_large"
