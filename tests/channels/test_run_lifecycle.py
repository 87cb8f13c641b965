"""`quartermaster run` as a real process: `ask` reuses its sandbox, SIGTERM stops the sandbox child,
and a port held by something else gives a clear message instead of a traceback."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from assistant.local_sandbox import SandboxPortTaken, attach_or_start, port_open

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("QM_SANDBOX_CACHE", ROOT / "var" / "cache" / "sandbox"))
CLI = [sys.executable, "-m", "assistant.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(tmp: Path, sandbox_port: int, web_port: int) -> dict[str, str]:
    data = tmp / "data"
    data.mkdir(parents=True, exist_ok=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    if not (data / "cache").exists():
        (data / "cache").symlink_to(CACHE)  # the seeded sandbox DBs: start in seconds, not a minute
    corpus = tmp / "corpus"
    corpus.mkdir(exist_ok=True)
    (corpus / "note.md").write_text("# Receiving\nCount every pallet on arrival.\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OPENAI_", "ODOO_", "QM_", "SLACK_", "CHROMA_"))}
    env.update(QM_DATA_DIR=str(data), QM_SANDBOX_PORT=str(sandbox_port), QM_PORT=str(web_port),
               QM_BRAIN="offline", QM_CORPUS_DIR=str(corpus), PYTHONPATH=str(ROOT))
    return env


def _wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 150.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"`run` exited early with {proc.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout} s")


@pytest.fixture()
def running(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], dict[str, str], int, int]]:
    sandbox_port, web_port = _free_port(), _free_port()
    env = _env(tmp_path, sandbox_port, web_port)
    log = open(tmp_path / "run.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([*CLI, "run"], cwd=str(tmp_path), env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_http(f"http://127.0.0.1:{web_port}/healthz", proc)
        yield proc, env, sandbox_port, web_port
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def test_ask_reuses_the_running_sandbox_and_sigterm_stops_it(
        running: tuple[subprocess.Popen[bytes], dict[str, str], int, int], tmp_path: Path) -> None:
    proc, env, sandbox_port, _ = running
    assert port_open(sandbox_port)
    question = ["ask", "How many PPE-1042 in stock at Dallas?", "--as", "ava.buyer", "--json"]
    # in-process: a second process with the same port and data dir connects instead of failing
    # "Address already in use"
    ask = subprocess.run([*CLI, *question], cwd=str(tmp_path), env={**env, "QM_CLI_SERVER": "off"},
                         capture_output=True, timeout=180)
    assert ask.returncode == 0, ask.stderr.decode()[-2000:]
    assert b"Traceback" not in ask.stderr and b"Address already in use" not in ask.stderr
    turn = json.loads(ask.stdout)
    assert turn["brain"] == "offline" and turn["answer"] and turn["run_id"], turn
    assert port_open(sandbox_port), "ask must not stop the sandbox it borrowed"
    assert proc.poll() is None
    # through the running server (it announced itself in the data dir): the same turn, printed the same way
    served = subprocess.run([*CLI, *question], cwd=str(tmp_path), env=env, capture_output=True, timeout=180)
    assert served.returncode == 0, served.stderr.decode()[-2000:]
    again = json.loads(served.stdout)
    assert again["run_id"] != turn["run_id"]
    assert {k: v for k, v in again.items() if k not in ("run_id", "thread_id", "tool_calls")} == \
           {k: v for k, v in turn.items() if k not in ("run_id", "thread_id", "tool_calls")}
    assert "POST /api/cli/ask" in (tmp_path / "run.log").read_text(errors="replace"), "not answered by the server"
    # other settings than the server's (a wrong Odoo password) are never answered by it: the CLI's own sentence
    wrong = subprocess.run([*CLI, *question], cwd=str(tmp_path), env={**env, "ODOO_PASSWORD": "wrong"},
                           capture_output=True, timeout=180)
    assert wrong.returncode == 1 and b"Traceback" not in wrong.stderr
    assert json.loads(wrong.stdout)["error"] == "odoo_login", wrong.stdout
    # SIGTERM: the web server stops and takes its sandbox child with it
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while port_open(sandbox_port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not port_open(sandbox_port), "the sandbox outlived `quartermaster run`"
    assert not (tmp_path / "data" / "sandbox" / "sandbox.owner.json").exists()


def test_a_second_ask_in_the_same_data_dir_restarts_the_sandbox_cleanly(tmp_path: Path) -> None:
    """No server up: each `ask` starts the data dir's sandbox on QM_SANDBOX_PORT and stops it; the next one
    must start it again on the same port (its old connections in TIME_WAIT used to read as "in use")."""
    env = _env(tmp_path, _free_port(), _free_port())
    for _ in range(2):
        ask = subprocess.run([*CLI, "ask", "what is arriving this week?", "--json"], cwd=str(tmp_path), env=env,
                             capture_output=True, timeout=240)
        assert ask.returncode == 0, (ask.stdout.decode()[-1000:], ask.stderr.decode()[-2000:])
        assert json.loads(ask.stdout)["answer"]
        assert b"Traceback" not in ask.stderr


def test_run_with_workers_shares_one_sandbox_and_stops_it(tmp_path: Path) -> None:
    sandbox_port, web_port = _free_port(), _free_port()
    env = _env(tmp_path, sandbox_port, web_port)
    log = open(tmp_path / "run.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([*CLI, "run", "--workers", "2"], cwd=str(tmp_path), env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        _wait_http(f"http://127.0.0.1:{web_port}/readyz", proc, timeout=240)
        sandboxes = _sandbox_dirs(sandbox_port)
        assert len(sandboxes) == 1, sandboxes  # the workers connect to the parent's sandbox
        for _ in range(4):  # several turns: the connections land on both workers
            req = urllib.request.Request(
                f"http://127.0.0.1:{web_port}/api/chat", data=json.dumps({"message": "help"}).encode(),
                headers={"Content-Type": "application/json", "Authorization": "Bearer qm-demo-ava.buyer"})
            with urllib.request.urlopen(req, timeout=60) as resp:
                assert json.loads(resp.read())["answer"]
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 10
        while (port_open(sandbox_port) or port_open(web_port)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not port_open(sandbox_port) and not port_open(web_port)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
    text = (tmp_path / "run.log").read_text(errors="replace")
    assert text.count("Application startup complete") == 2 and "Traceback" not in text, text[-3000:]


def _sandbox_dirs(port: int) -> list[Path]:
    from assistant.local_sandbox import _proc_sandbox_dirs

    return _proc_sandbox_dirs(port)


class _Other(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server API
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"hello, not odoo")

    def log_message(self, *args: object) -> None:
        pass


def test_a_port_held_by_another_server_is_a_clear_message(tmp_path: Path) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Other)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        started: list[int] = []
        with pytest.raises(SandboxPortTaken, match=f"Port {port} .*not a Quartermaster sandbox"):
            attach_or_start(tmp_path / "sandbox", port, db="x", start=lambda: started.append(1))
        assert not started, "must not try to start a second server on a taken port"
        ask = subprocess.run([*CLI, "ask", "hello"], cwd=str(tmp_path), env=_env(tmp_path, port, _free_port()),
                             capture_output=True, timeout=120)
        assert ask.returncode == 1
        assert b"Traceback" not in ask.stderr
        assert f"Port {port}".encode() in ask.stderr and b"QM_SANDBOX_PORT" in ask.stderr
    finally:
        server.shutdown()
        server.server_close()


def test_a_sandbox_is_reused_only_for_its_own_data_dir(tmp_path: Path) -> None:
    from sandbox.launch import start_sandbox

    own_dir = tmp_path / "own"
    with start_sandbox(own_dir, port=_free_port(), scale=1, cache_dir=CACHE) as running:
        started: list[int] = []
        local = attach_or_start(own_dir, running.port, db="db", start=lambda: started.append(1))
        assert local.url == f"http://127.0.0.1:{running.port}" and not local.owned and not started
        with pytest.raises(SandboxPortTaken, match="another data dir"):
            attach_or_start(tmp_path / "elsewhere", running.port, db="db", start=lambda: started.append(1))
        assert not started
