"""Sessions (issue #11): logout and a password change end the session server-side (a copied cookie
stopped working only after 12 h before); cookies are Secure when the request came over https."""

from __future__ import annotations

from pathlib import Path

import yaml
from fastapi.testclient import TestClient
from webapi_support import GovernedRuntime, web_login

from server import create_app
from tools.governance.identity import Directory, hash_password


def test_logout_revokes_the_session_server_side(client: TestClient) -> None:
    csrf = web_login(client, "ava.buyer")
    stolen = dict(client.cookies)
    assert client.get("/api/proposals").status_code == 200
    r = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    client.cookies.clear()
    for k, v in stolen.items():
        client.cookies.set(k, v)
    assert client.get("/api/proposals").status_code == 401  # the copied cookie is dead


def test_password_change_ends_older_sessions(client: TestClient, rt: GovernedRuntime) -> None:
    web_login(client, "ben.buyer")
    assert client.get("/api/proposals").status_code == 200
    data = yaml.safe_load(Path(rt.settings.resolved_users_file).read_text(encoding="utf-8"))
    for entry in data["users"] if isinstance(data.get("users"), list) else []:
        if entry.get("username") == "ben.buyer":
            entry["password_hash"] = hash_password("a-new-password")
    before = rt.directory.credential_stamp("ben.buyer")
    rt.directory = Directory.from_dict(data)  # the users file was edited and reloaded
    assert rt.directory.get("ben.buyer") and rt.directory.credential_stamp("ben.buyer") not in ("", before)
    assert client.get("/api/proposals").status_code == 401


def test_cookies_are_secure_over_https(rt: GovernedRuntime) -> None:
    with TestClient(create_app(rt.settings, rt), base_url="https://testserver") as c:
        r = c.get("/login")
        cookies = [v for k, v in r.headers.multi_items() if k.lower() == "set-cookie"]
        assert cookies and all("Secure" in v for v in cookies)
