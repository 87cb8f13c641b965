"""`quartermaster ask` through a running server of the same data dir: the same answer as in-process, the
same user and role rules, audited as a CLI turn of that user; only this data dir's key opens the route."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from webapi_support import LiveServer, RealRuntime, bearer

from assistant.channels.api import audit_page
from assistant.cli.remote import ask_server
from assistant.cli_link import ASK_PATH, KEY_HEADER, cli_key, write_link
from server import create_app

pytestmark = pytest.mark.slow
QUESTION = "show open purchase orders for Apex"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, LiveServer]]:
    with RealRuntime(tmp_path_factory.mktemp("cli-server"), ingest_corpus=False) as runtime, \
            LiveServer(create_app(runtime.settings, runtime)) as live:
        write_link(runtime.settings.data_dir, "127.0.0.1", live.port, runtime.settings)
        yield runtime, live


@pytest.fixture(autouse=True)
def _server_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QM_CLI_SERVER", raising=False)
    monkeypatch.delenv("QM_DEBUG", raising=False)


def _post(url: str, body: dict[str, Any], headers: dict[str, str]) -> int:
    req = urllib.request.Request(url + ASK_PATH, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _comparable(public: dict[str, Any]) -> dict[str, Any]:
    """A turn minus what differs between two runs of the same question (ids, timings)."""
    out = json.loads(json.dumps(public, default=str))
    out.pop("run_id"), out.pop("thread_id")
    for call in out.get("tool_calls") or []:
        call.pop("ms", None), call.pop("rpc_calls", None)  # the second run reads from caches
    return out


def test_the_server_answers_as_the_cli_would_with_the_same_role_rules(served: tuple[Any, LiveServer]) -> None:
    runtime, _live = served
    settings = runtime.settings
    answers = {}
    for user in ("ava.buyer", "wes.warehouse"):
        remote = ask_server(settings, QUESTION, user, None)
        assert remote is not None and "result" in remote, remote
        local = runtime.assistant.ask_as(user, QUESTION, channel="cli")
        assert _comparable(remote["result"]) == _comparable(local.public())
        assert remote["tables"] == json.loads(json.dumps(local.tables, default=str))
        assert remote["role"] == runtime.user(user).role
        answers[user] = remote
        # audited as this user's CLI turn, like in-process
        _total, events = audit_page(runtime, 50, 0, "turn", user)
        mine = [e for e in events if e.get("run_id") == remote["result"]["run_id"]]
        assert mine and mine[0]["payload"]["channel"] == "cli", events[:2]
    buyer_cols = answers["ava.buyer"]["tables"][0]["columns"]
    clerk_cols = answers["wes.warehouse"]["tables"][0]["columns"]
    assert set(clerk_cols) < set(buyer_cols), "the warehouse role must not see what only buyers see"
    assert "[redacted]" in answers["wes.warehouse"]["result"]["answer"]


def test_an_unknown_user_is_refused_by_the_server_as_in_process(served: tuple[Any, LiveServer]) -> None:
    runtime, _live = served
    remote = ask_server(runtime.settings, QUESTION, "mallory", None)
    assert remote is not None
    assert remote["result"]["error"] == "unknown_user" and remote["result"]["ok"] is False
    assert remote["result"]["answer"] == runtime.assistant.ask_as("mallory", QUESTION).answer


def test_only_this_data_dirs_key_opens_the_route(served: tuple[Any, LiveServer], tmp_path: Path) -> None:
    runtime, live = served
    body = {"question": QUESTION, "as_user": "admin"}
    key = cli_key(runtime.settings.data_dir)
    assert key
    assert _post(live.url, body, {KEY_HEADER: key}) == 200
    assert _post(live.url, body, {}) == 404
    assert _post(live.url, body, {KEY_HEADER: key[:-2]}) == 404
    assert _post(live.url, body, {KEY_HEADER: str(cli_key(tmp_path, create=True))}) == 404  # another data dir
    assert _post(live.url, body, bearer("admin")) == 404  # a user's API token does not let anyone act as others
    assert _post(live.url, {"question": 3, "as_user": "admin"}, {KEY_HEADER: key}) == 400
