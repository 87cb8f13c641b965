"""The fast path of `quartermaster ask` (assistant/cli/fast.py): only the plain forms are taken, anything else
goes to the command framework; and taking it imports neither the framework nor the agent stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from assistant.cli.fast import parse_ask

ROOT = Path(__file__).resolve().parents[2]


def test_the_plain_forms_of_ask_are_parsed_like_the_command() -> None:
    assert parse_ask(["what is late?"]) == ("what is late?", "admin", None, False)
    assert parse_ask(["what is late?", "--as", "ava.buyer", "--json"]) == ("what is late?", "ava.buyer", None, True)
    assert parse_ask(["--json", "--as=wes.warehouse", "--thread", "t1", "q"]) == ("q", "wes.warehouse", "t1", True)
    assert parse_ask(["q", "--thread=abc"]) == ("q", "admin", "abc", False)


def test_anything_else_is_left_to_the_command() -> None:
    for argv in (["--help"], ["q", "--help"], [], ["q", "--as"], ["q", "--as", "--json"], ["q", "extra"],
                 ["q", "--unknown"], ["-q"], ["q", "--as="], ["--json"]):
        assert parse_ask(argv) is None, argv


def test_the_server_path_imports_no_command_framework_nor_agent(tmp_path: Path) -> None:
    """With a (fake) server of this data dir up, `ask` must not import typer, langchain or the runtime."""
    probe = """
import json, sys, threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from assistant.cli_link import write_link
from assistant.settings import load_settings

class H(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps({"result": {"answer": "ok", "brain": "offline", "tool_calls": [], "citations": [],
                           "proposals": [], "run_id": "r1", "thread_id": "t", "usage": {}, "ok": True,
                           "error": None}, "tables": [], "ms": 1.0, "people_answer": "ok", "role": "admin"})
        self.send_response(200); self.send_header("Content-Type", "application/json"); self.end_headers()
        self.wfile.write(body.encode())
    def log_message(self, *a): pass

srv = HTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
write_link(load_settings().data_dir, "127.0.0.1", srv.server_address[1], load_settings())
for m in [m for m in sys.modules if m.startswith(("typer", "langchain", "assistant.runtime", "assistant.agent"))]:
    del sys.modules[m]
sys.argv = ["quartermaster", "ask", "hello", "--json"]
from assistant.cli import main
try:
    main()
except SystemExit as exc:
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("typer", "langchain", "langchain_core")
                    or m in ("assistant.runtime", "assistant.agent", "assistant.cli.commands"))
    print(json.dumps({"code": exc.code, "loaded": loaded}))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "QM_", "OPENAI_"))}
    env.update(QM_DATA_DIR=str(tmp_path), QM_BRAIN="offline", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    lines = proc.stdout.strip().splitlines()
    assert lines, proc.stderr[-2000:]
    printed, report = "\n".join(lines[:-1]), json.loads(lines[-1])
    assert json.loads(printed)["answer"] == "ok" and report["code"] == 0, proc.stdout
    assert report["loaded"] == [], report
