"""Every API error has one JSON shape {error, message[, details]} with a message a person can act on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webapi_support import bearer, governed_runtime

from server import create_app


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:
    rt = governed_runtime(tmp_path)
    try:
        with TestClient(create_app(rt.settings, rt), raise_server_exceptions=False) as c:
            yield c
    finally:
        rt.close()


def _shape(r: object) -> dict[str, object]:
    body = r.json()  # type: ignore[attr-defined]
    assert set(body) <= {"error", "message", "details", "id"} and "detail" not in body, body
    assert isinstance(body["error"], str) and isinstance(body["message"], str) and body["message"], body
    return dict(body)


@pytest.mark.parametrize(("content", "ctype", "problem"), [
    (b"\x00\xff\xfe raw bytes", "application/json", "not valid JSON"),
    (b'{"message": "hi",,}', "application/json", "not valid JSON"),
    (b"[1, 2]", "application/json", "must be a JSON object"),
    (b"", "application/json", "JSON body is required"),
    (b"\x00\xff\xfe raw bytes", "application/octet-stream", "must be a JSON object"),
    (b"\x00\xff--", "multipart/form-data; boundary=zz", "must be a JSON object"),
])
def test_bad_bodies_name_the_body_not_a_character_offset(client: TestClient, content: bytes, ctype: str,
                                                         problem: str) -> None:
    r = client.post("/api/chat", content=content, headers={**bearer("ava.buyer"), "Content-Type": ctype})
    assert r.status_code == 422
    body = _shape(r)
    assert body["error"] == "invalid_input" and problem in str(body["message"])
    assert all(d["field"] == "body" for d in body["details"])  # type: ignore[union-attr]


def test_field_errors_name_the_field(client: TestClient) -> None:
    r = client.post("/api/chat", json={"message": 5}, headers=bearer("ava.buyer"))
    body = _shape(r)
    assert r.status_code == 422 and body["details"][0]["field"] == "message"  # type: ignore[index]


def test_routing_and_parser_errors_share_the_shape(client: TestClient) -> None:
    r = client.get("/api/nothing-here", headers=bearer("ava.buyer"))
    assert r.status_code == 404 and _shape(r)["error"] == "not_found"
    r = client.put("/api/chat", json={}, headers=bearer("ava.buyer"))
    assert r.status_code == 405 and _shape(r)["error"] == "method_not_allowed" and "allow" in r.headers
    r = client.post("/login", content=b"\x00\xff--", headers={"Content-Type": "multipart/form-data; boundary=zz"})
    assert r.status_code == 400 and _shape(r)["error"] == "bad_request"
