"""QM_SANDBOX_BUSINESS reaches the embedded sandbox, and a sandbox of another business is never reused."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from assistant.local_sandbox import SandboxPortTaken, attach_or_start, port_open
from assistant.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("QM_SANDBOX_CACHE", ROOT / "var" / "cache" / "sandbox"))


def test_settings_carry_the_business_to_start_sandbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sandbox.launch
    from assistant import runtime

    seen: dict[str, Any] = {}
    monkeypatch.setattr(sandbox.launch, "start_sandbox", lambda data_dir, **kw: seen.update(kw) or "started")
    monkeypatch.setenv("QM_SANDBOX_BUSINESS", "hollander")
    settings = load_settings(data_dir=tmp_path)
    assert settings.sandbox_business == "hollander"
    assert runtime._start_sandbox(settings) == "started" and seen["business"] == "hollander"


def test_a_sandbox_of_another_business_is_not_reused(tmp_path: Path) -> None:
    import socket

    from sandbox.launch import start_sandbox

    with socket.socket() as sock:  # a fixed port: the /proc lookup matches the sandbox by its --port
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    own = tmp_path / "sandbox"
    with start_sandbox(own, port=port, cache_dir=CACHE, business="hollander") as running:
        started: list[int] = []
        local = attach_or_start(own, running.port, db="db", start=lambda: started.append(1), business="hollander")
        assert not local.owned and not started
        with pytest.raises(SandboxPortTaken, match="serves the hollander sandbox of this data dir, not bluebonnet"):
            attach_or_start(own, running.port, db="db", start=lambda: started.append(1))
        assert not started
    assert not port_open(running.port)


def test_each_sandbox_business_has_its_own_logins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """README: the second business's logins are its own users file; a first-business demo login is refused."""
    from tools.governance.identity import Directory

    monkeypatch.delenv("QM_USERS_FILE", raising=False)
    monkeypatch.delenv("ODOO_URL", raising=False)
    monkeypatch.setenv("QM_SANDBOX_BUSINESS", "hollander")
    hollander = Directory.load(load_settings(data_dir=tmp_path).resolved_users_file)
    assert hollander.verify_token("qm-demo-ava.buyer") is None and hollander.get("maria.manager") is None
    assert hollander.verify_password("ava.buyer", "ava.buyer") is None
    assert hollander.verify_token("qm-demo-sanne.inkoop") is not None
    monkeypatch.setenv("QM_SANDBOX_BUSINESS", "bluebonnet")
    bluebonnet = Directory.load(load_settings(data_dir=tmp_path).resolved_users_file)
    assert bluebonnet.verify_token("qm-demo-ava.buyer") is not None and bluebonnet.get("sanne.inkoop") is None
    own = tmp_path / "users.yaml"  # QM_USERS_FILE always wins, and a real Odoo never gets a demo file by default
    own.write_text("users: []\n", encoding="utf-8")
    monkeypatch.setenv("QM_SANDBOX_BUSINESS", "hollander")
    assert load_settings(data_dir=tmp_path, users_file=own).resolved_users_file == own
    assert load_settings(data_dir=tmp_path, odoo_url="http://odoo.example").resolved_users_file.name == \
        "default_users.yaml"
