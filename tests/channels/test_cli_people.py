"""What the terminal shows people: one table per answer with whole references, a plain start-up line,
one sentence for a busy sandbox port."""

from __future__ import annotations

import io
import socket
from types import SimpleNamespace

from rich.console import Console
from typer.testing import CliRunner

from assistant.cli.chat import _render
from assistant.cli.run import startup_line
from sandbox.cli import app as sandbox_app


def test_one_table_per_answer_and_references_are_not_cut() -> None:
    ref = "WAREHOUSE-WITH-A-LONG-CODE/IN/000123456789"
    answer = ("Two receipts are late.\n\n| ref | supplier |\n|---|---|\n"
              f"| {ref} | Acme |\n| X/IN/2 | Beta |\n\nThe warehouse role may not use supplier_history.")
    result = SimpleNamespace(answer=answer, tables=[{"title": "inbound_schedule: receipts", "columns": ["ref", "days_late"],
                                                     "rows": [[ref, "Acme"], ["X/IN/2", "Beta"]]}],
                             proposals=[], tool_calls=[], brain="offline", ms=12.0, run_id="r1")
    out = io.StringIO()
    _render(Console(file=out, width=60, color_system=None), result)
    text = out.getvalue()
    assert text.count("Acme") == 1  # the rows once, not the Markdown table and then the structured one
    assert ref in text  # not cut at the terminal's width
    assert "supplier_history" not in text and "inbound_schedule" not in text and "days_late" not in text
    assert "Inbound schedule: receipts" in text and "Days late" in text


def test_startup_line_is_a_sentence_not_a_dict() -> None:
    rt = SimpleNamespace(sandbox_shared=False, sandbox=object(), timings={"sandbox_s": 1.25, "knowledge_s": 2.0},
                         brain_name="offline", odoo=SimpleNamespace(url="http://127.0.0.1:8069"))
    line = startup_line(rt, None, "127.0.0.1", 8000)
    assert "{" not in line and "3.2 s" in line and "http://127.0.0.1:8000/" in line and "offline planner" in line


def test_sandbox_serve_on_a_busy_port_says_so_in_one_sentence() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        result = CliRunner().invoke(sandbox_app, ["serve", "--port", str(port)])
    assert result.exit_code == 1
    assert "already in use" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
