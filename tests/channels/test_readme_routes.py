"""Every page and endpoint the README's web section names answers (no 404), read from the README itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from webapi_support import shared_real_runtime, web_login, web_pages

from server import create_app

ROOT = Path(__file__).resolve().parents[2]


def readme_routes() -> list[tuple[str, str]]:
    """(method, path) for each `…/path…` in the README's "Web, REST API" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Web, REST API", 1)[1].split("\n## ", 1)[0]
    routes: list[tuple[str, str]] = []
    for token in re.findall(r"`((?:GET |POST )?/[^`\s]*)`", section):
        method, _, path = token.rpartition(" ")
        for one in re.sub(r"\|(\w+)$", "", path), *(
                [path.rsplit("/", 1)[0] + "/" + alt for alt in path.rsplit("/", 1)[1].split("|")] if "|" in path
                else []):
            routes.append((method or "GET", one))
    return sorted(set(routes))


@pytest.fixture(scope="module")
def client() -> Iterator[tuple[TestClient, Any]]:
    rt = shared_real_runtime()
    with TestClient(create_app(rt.settings, rt), raise_server_exceptions=False) as c:
        yield c, rt


def test_readme_names_the_pages() -> None:
    paths = {p for _, p in readme_routes()}
    assert {"/chat", "/approvals", "/suppliers/<name>", "/inbound/<warehouse>", "/api/chat"} <= paths


def test_readme_names_every_page_the_app_serves() -> None:
    """Each web page of the app (read from its routes) is in the README's list: a new page cannot go unmentioned."""
    def shape(path: str) -> str:
        return re.sub(r"<[^>]+>|\{[^}]+\}", "*", path)

    named = {shape(p) for _, p in readme_routes()}
    not_pages = {"/favicon.ico"}  # what a browser asks for by itself
    missing = [p for p in web_pages(create_app(None, None)) if shape(p) not in named and p not in not_pages]
    assert missing == [], f"pages the README's web section does not name: {missing}"


@pytest.mark.slow
def test_every_readme_route_answers(client: tuple[TestClient, Any]) -> None:
    c, rt = client
    web_login(c, "ava.buyer")
    vendor = rt.odoo.search_read("res.partner", [["supplier_rank", ">", 0]], ["name"], limit=1)[0]["name"]
    warehouse = rt.odoo.search_read("stock.warehouse", [], ["code"], limit=1)[0]["code"]
    fill = {"<name>": vendor, "<warehouse>": warehouse, "{id}": "P-doesnotexist",
            "<document>": "policies/policy-approval-matrix.md"}  # one of the documents the shared runtime has
    for method, path in readme_routes():
        url = path
        for k, v in fill.items():
            url = url.replace(k, v)
        auth = {"Authorization": "Bearer qm-demo-ava.buyer"} if url.startswith("/api") else {}
        # a POST with an empty body: a 422 says the route exists; 404/405 would say it does not
        r = c.get(url, headers=auth) if method == "GET" else c.post(url, headers=auth, json={})
        if "{id}" in path:  # an unknown proposal is a 404 by design, saying so in words
            assert r.status_code != 405 and (r.status_code != 404 or "proposal" in r.text.lower()), (path, r.text)
        else:
            assert r.status_code not in (404, 405) and r.status_code < 500, (method, path, r.status_code)
