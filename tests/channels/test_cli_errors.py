"""`quartermaster ask` with bad input (wrong ODOO_URL, password or database; Odoo down): one sentence on
stderr and exit 1, or with --json one JSON error object on stdout; never a traceback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ask(tmp: Path, as_json: bool, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ODOO_", "QM_", "SLACK_", "CHROMA_"))}
    base.update(QM_DATA_DIR=str(tmp / "data"), QM_BRAIN="offline", PYTHONPATH=str(ROOT), QM_ODOO_TIMEOUT="10", **env)
    cmd = [sys.executable, "-m", "assistant.cli", "ask", "what is arriving this week?", *(["--json"] if as_json else [])]
    return subprocess.run(cmd, cwd=str(tmp), env=base, capture_output=True, text=True, timeout=120, check=False)


def _cases(sandbox: Any) -> dict[str, tuple[dict[str, str], str, str]]:
    """name → (environment, error code, a phrase the sentence must contain)."""
    down = f"http://127.0.0.1:{_free_port()}"
    return {
        "odoo down": ({"ODOO_URL": down}, "odoo_unreachable", "is not reachable"),
        "not a url": ({"ODOO_URL": "erp.example.com"}, "odoo_url", "is not a web address"),
        "unknown host": ({"ODOO_URL": "http://no-such-host.invalid"}, "odoo_unreachable", "host name is unknown"),
        "wrong password": ({"ODOO_URL": sandbox.url, "ODOO_DB": sandbox.db, "ODOO_PASSWORD": "not-the-password"},
                           "odoo_login", "refused the login 'admin'"),
        "wrong database": ({"ODOO_URL": sandbox.url, "ODOO_DB": "no_such_db"}, "odoo_database", "no_such_db"),
    }


def test_bad_odoo_settings_are_one_sentence_or_one_json_object(sandbox: Any, tmp_path: Path) -> None:
    for name, (env, code, phrase) in _cases(sandbox).items():
        if name in ("odoo down", "wrong password"):  # the plain form (each case costs a process start)
            text = _ask(tmp_path, False, **env)
            assert text.returncode == 1, (name, text.stdout, text.stderr)
            assert "Traceback" not in text.stderr and text.stdout == "", (name, text.stderr)
            sentence = " ".join(text.stderr.split())
            assert phrase in sentence, (name, sentence)
            assert len(text.stderr.strip().splitlines()) <= 3, (name, text.stderr)  # one sentence (wrapped)
        js = _ask(tmp_path, True, **env)
        assert js.returncode == 1 and "Traceback" not in js.stderr, (name, js.stderr)
        body = json.loads(js.stdout)
        assert body == {"ok": False, "error": code, "message": body["message"]}, (name, body)
        assert phrase in body["message"], (name, body)


def test_a_sandbox_port_bound_by_another_program_is_one_sentence(tmp_path: Path) -> None:
    """A real conflict the reuse logic cannot resolve (the port is bound but answers nothing): the sandbox
    cannot start, and `ask` says so in one sentence naming the setting, never a traceback."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))  # bound, not listening: nothing to reuse, nothing can start there
        port = str(holder.getsockname()[1])
        text = _ask(tmp_path, False, QM_SANDBOX_PORT=port)
        assert text.returncode == 1 and "Traceback" not in text.stderr, text.stderr
        sentence = " ".join(text.stderr.split())
        assert "could not start" in sentence and "already in use" in sentence and "QM_SANDBOX_PORT" in sentence, \
            sentence
        js = _ask(tmp_path, True, QM_SANDBOX_PORT=port)
        assert js.returncode == 1 and json.loads(js.stdout)["error"] == "sandbox_start", js.stdout
