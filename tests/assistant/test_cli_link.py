"""The CLI's link to a running server: the data-dir key, the settings fingerprint, the link file, and the
client's rule "fall back in-process only when nothing was sent" (assistant/cli_link.py, assistant/cli/remote.py)."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from assistant.cli.remote import ask_server
from assistant.cli_link import (
    KEY_HEADER,
    LINK_FILE,
    clear_link,
    cli_key,
    fingerprint,
    key_matches,
    read_link,
    write_link,
)
from assistant.settings import load_settings


def _settings(tmp: Path, **kw: Any) -> Any:
    return load_settings(**{"QM_DATA_DIR": str(tmp), "QM_BRAIN": "offline", **kw})


def test_the_key_is_private_stable_and_compared_exactly(tmp_path: Path) -> None:
    assert cli_key(tmp_path) is None and not key_matches(tmp_path, "anything")
    key = cli_key(tmp_path, create=True)
    assert key and len(key) >= 32
    assert stat.S_IMODE(os.stat(tmp_path / "cli.key").st_mode) == 0o600
    assert cli_key(tmp_path, create=True) == key  # created once
    assert key_matches(tmp_path, key)
    assert not key_matches(tmp_path, key[:-1]) and not key_matches(tmp_path, "") and not key_matches(tmp_path, None)


def test_the_fingerprint_changes_with_anything_that_changes_an_answer(tmp_path: Path) -> None:
    base = fingerprint(_settings(tmp_path))
    assert fingerprint(_settings(tmp_path)) == base
    for change in ({"ODOO_PASSWORD": "wrong"}, {"ODOO_URL": "http://127.0.0.1:1"}, {"ODOO_DB": "other"},
                   {"ODOO_LOGIN": "someone"}, {"QM_SANDBOX_BUSINESS": "hollander"}, {"QM_SANDBOX_PORT": "18999"},
                   {"QM_USERS_FILE": str(tmp_path / "users.yaml")}, {"QM_BRAIN": "llm"}):
        assert fingerprint(_settings(tmp_path, **change)) != base, change
    link = write_link(tmp_path, "0.0.0.0", 8123, _settings(tmp_path))  # noqa: S104 - a bind address
    text = link.read_text(encoding="utf-8")
    assert "admin" not in text  # the password and login are hashed in, never written


def test_the_link_names_a_live_process_and_only_its_writer_removes_it(tmp_path: Path) -> None:
    assert read_link(tmp_path) is None
    write_link(tmp_path, "0.0.0.0", 8123, _settings(tmp_path))  # noqa: S104 - a bind address
    link = read_link(tmp_path)
    assert link is not None and link["url"] == "http://127.0.0.1:8123" and link["pid"] == os.getpid()
    data = json.loads((tmp_path / LINK_FILE).read_text(encoding="utf-8"))
    data["pid"] = 2 ** 22 + 12345  # no such process: a `run` that was killed
    (tmp_path / LINK_FILE).write_text(json.dumps(data), encoding="utf-8")
    assert read_link(tmp_path) is None
    clear_link(tmp_path)
    assert (tmp_path / LINK_FILE).exists(), "another process's link file is not ours to remove"
    write_link(tmp_path, "127.0.0.1", 8123, _settings(tmp_path))
    clear_link(tmp_path)
    assert not (tmp_path / LINK_FILE).exists()


class _Recorder(BaseHTTPRequestHandler):
    status = 200
    body: bytes = b"{}"
    seen: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        length = int(self.headers.get("Content-Length") or 0)
        type(self).seen.append({"path": self.path, "key": self.headers.get(KEY_HEADER),
                                "body": json.loads(self.rfile.read(length))})
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def fake_server() -> Iterator[tuple[HTTPServer, type[_Recorder]]]:
    handler = type("H", (_Recorder,), {"seen": [], "status": 200, "body": b"{}"})
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server, handler
    finally:
        server.shutdown()
        server.server_close()


def test_the_client_sends_the_key_and_the_question_and_reads_the_turn(
        tmp_path: Path, fake_server: tuple[HTTPServer, type[_Recorder]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QM_DEBUG", raising=False)
    monkeypatch.delenv("QM_CLI_SERVER", raising=False)
    server, handler = fake_server
    settings = _settings(tmp_path)
    write_link(tmp_path, "127.0.0.1", server.server_address[1], settings)
    handler.body = json.dumps({"result": {"answer": "hi", "error": None}, "tables": [], "ms": 1.0}).encode()
    got = ask_server(settings, "what is late?", "ava.buyer", "t-1")
    assert got is not None and got["result"]["answer"] == "hi"
    assert handler.seen == [{"path": "/api/cli/ask", "key": cli_key(tmp_path),
                             "body": {"question": "what is late?", "as_user": "ava.buyer", "thread_id": "t-1"}}]
    # a server that refuses the key (another data dir's, an older version) → run in-process
    handler.status = 404
    assert ask_server(settings, "what is late?", "ava.buyer", None) is None
    # a server that took the question and failed → its sentence, never a second run in-process
    handler.status, handler.body = 500, json.dumps({"problem": {"ok": False, "error": "odoo_unreachable",
                                                                "message": "Odoo is down."}}).encode()
    assert ask_server(settings, "q", "ava.buyer", None) == {"problem": {"ok": False, "error": "odoo_unreachable",
                                                                        "message": "Odoo is down."}}
    handler.status, handler.body = 200, b"not json"
    problem = ask_server(settings, "q", "ava.buyer", None)
    assert problem is not None and problem["problem"]["error"] == "server"
    sent = len(handler.seen)
    # other settings (here: another Odoo password) never use this server
    assert ask_server(_settings(tmp_path, ODOO_PASSWORD="wrong"), "q", "ava.buyer", None) is None
    monkeypatch.setenv("QM_CLI_SERVER", "off")
    assert ask_server(settings, "q", "ava.buyer", None) is None
    assert len(handler.seen) == sent


def test_nothing_listening_means_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    monkeypatch.delenv("QM_CLI_SERVER", raising=False)
    monkeypatch.delenv("QM_DEBUG", raising=False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = _settings(tmp_path)
    write_link(tmp_path, "127.0.0.1", port, settings)
    assert ask_server(settings, "q", "admin", None) is None


def test_the_raw_environment_decides_only_when_it_is_the_servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   fake_server: tuple[HTTPServer, type[_Recorder]]
                                                                   ) -> None:
    from assistant.cli.remote import UNDECIDED, ask_server_raw
    from assistant.cli_link import env_fingerprint, settings_env_names

    names = settings_env_names()
    assert {"qm_data_dir", "odoo_url", "odoo_password", "odoo_api_key", "qm_users_file"} <= set(names)
    env = {"QM_DATA_DIR": str(tmp_path), "PATH": "/bin"}
    base = env_fingerprint(names, env, tmp_path)
    assert base and env_fingerprint(names, {**env, "PATH": "/usr/bin"}, tmp_path) == base  # not a setting
    assert env_fingerprint(names, {**env, "odoo_password": "x"}, tmp_path) != base  # any case, like pydantic
    (tmp_path / "sub").mkdir()
    assert env_fingerprint(names, env, tmp_path / "sub") != base  # relative paths would resolve elsewhere
    (tmp_path / ".env").write_text("ODOO_PASSWORD=x\n", encoding="utf-8")
    assert env_fingerprint(names, env, tmp_path) is None  # a .env file: only the settings parser can tell
    (tmp_path / ".env").unlink()

    for k in [k for k in os.environ if k.lower() in set(names)]:
        monkeypatch.delenv(k)
    monkeypatch.setenv("QM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("QM_BRAIN", "offline")
    monkeypatch.chdir(tmp_path)
    server, handler = fake_server
    handler.body = json.dumps({"result": {"answer": "hi", "error": None}, "tables": [], "ms": 1.0}).encode()
    assert ask_server_raw("q", "admin", None) is None  # no server announced: in-process, settings never parsed
    write_link(tmp_path, "127.0.0.1", server.server_address[1], load_settings())
    got = ask_server_raw("q", "admin", None)
    assert got is not None and got["result"]["answer"] == "hi"
    monkeypatch.setenv("ODOO_PASSWORD", "wrong")
    assert ask_server_raw("q", "admin", None) is UNDECIDED
    assert ask_server(load_settings(), "q", "admin", None) is None  # and the settings differ too
    assert len(handler.seen) == 1
