"""`quartermaster eval` never touches live data (issue #12 point 1).

The eval asks for RFQs, cancellations and reminders. These tests run the CLI command with a "live" data dir
that already holds a proposal, audit events and a conversation, and check afterwards that the live state
store has exactly the same rows and that Odoo was not written to; the eval's own proposals were made (its
report says so) but in its own throw-away store.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.runtime import Runtime
from assistant.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
CHROMA_CACHE = ROOT / "var" / "cache" / "assistant-tests-chroma"
SANDBOX_CACHE = Path(os.environ.get("QM_SANDBOX_CACHE", ROOT / "var" / "cache" / "sandbox"))
TABLES = ("proposals", "proposal_events", "audit_events", "conversations", "messages")

pytestmark = pytest.mark.slow


def _counts(data: Path) -> dict[str, int]:
    with sqlite3.connect(data / "state.db") as db:
        return {t: int(db.execute(f"select count(*) from {t}").fetchone()[0]) for t in TABLES}


def _live_dir(tmp_path: Path, url: str, db: str) -> Path:
    """A data dir as `quartermaster run` leaves it: a pending proposal, audit events, a conversation."""
    live = tmp_path / "live"
    live.mkdir()
    if CHROMA_CACHE.is_dir():
        shutil.copytree(CHROMA_CACHE, live / "chroma")
    (live / "cache").symlink_to(SANDBOX_CACHE, target_is_directory=True)
    runtime = Runtime.build(load_settings(data_dir=live, brain="offline", odoo_url=url, odoo_db=db))
    try:
        from assistant.eval.fixtures import Fixtures

        po = Fixtures(runtime.odoo).get("po_late", None)
        result = runtime.assistant.ask_as("ben.buyer", f"Remind the supplier about {po}", channel="cli")
        assert result.proposals, result.answer
    finally:
        runtime.close()
    return live


def _run_eval(env: dict[str, str]) -> tuple[int, dict[str, Any], str]:
    return _run_eval_args(["eval", "--set", "dev", "--category", "proposals", "--json"], env)


def _run_eval_args(args: list[str], env: dict[str, str]) -> tuple[int, dict[str, Any], str]:
    from assistant.cli import app

    clean = {k: "" for k in ("ODOO_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "QM_DATABASE_URL", "CHROMA_HOST")}
    res = CliRunner().invoke(app, args, env={**clean, "QM_BRAIN": "offline", **env})
    out = res.stdout
    start = out.find("{")
    return res.exit_code, json.loads(out[start:]) if start >= 0 else {}, out + str(res.exception or "")


def test_eval_against_an_odoo_leaves_the_live_inbox_audit_and_odoo_untouched(sandbox: Any, odoo: Any,
                                                                             tmp_path: Path) -> None:
    live = _live_dir(tmp_path, sandbox.url, sandbox.db)
    before = _counts(live)
    assert before["proposals"] >= 1 and before["audit_events"] >= 1
    odoo_before = {m: odoo.search_count(m, []) for m in ("purchase.order", "mail.activity", "mail.message")}

    code, report, out = _run_eval({"QM_DATA_DIR": str(live), "ODOO_URL": sandbox.url, "ODOO_DB": sandbox.db})

    assert code in (0, 1), out
    rep = report["reports"][0]
    print(f"eval on a (read-only) Odoo: {rep['right']}/{rep['scored']} proposals items right")
    made = [o for o in rep["outcomes"] if o["verdict"] == "right" and o["expect"] == "proposal"]
    assert made, "the eval made no proposal at all: the test would prove nothing"
    assert _counts(live) == before, "the eval wrote into the live state store"
    assert {m: odoo.search_count(m, []) for m in odoo_before} == odoo_before, "the eval wrote to Odoo"


def test_eval_on_the_sandbox_uses_its_own_sandbox_and_data_dir(sandbox: Any, tmp_path: Path) -> None:
    live = _live_dir(tmp_path, sandbox.url, sandbox.db)  # the live state; the eval below has no ODOO_URL
    before = _counts(live)
    files_before = sorted(p.name for p in live.iterdir())

    code, report, out = _run_eval({"QM_DATA_DIR": str(live)})

    assert code in (0, 1), out
    rep = report["reports"][0]
    assert any(o["verdict"] == "right" and o["expect"] == "proposal" for o in rep["outcomes"]), out[-2000:]
    assert _counts(live) == before, "the eval wrote into the live state store"
    assert sorted(p.name for p in live.iterdir()) == files_before, "the eval left files in the live data dir"


def test_read_only_client_refuses_writes_before_they_leave(odoo: Any) -> None:
    from assistant.eval.isolation import ReadOnlyRefused, make_read_only
    from tools.odoo.client import OdooClient

    client = make_read_only(OdooClient.connect(odoo.url, odoo.db, "admin", "admin"))
    assert client.search_count("purchase.order", []) > 0  # reads pass
    sent = client.total.calls
    with pytest.raises(ReadOnlyRefused):
        client.call("purchase.order", "write", [[1], {"notes": "x"}])
    with pytest.raises(ReadOnlyRefused):
        client.call("mail.activity", "create", [{}])
    assert client.total.calls == sent, "a refused write still went out"


def test_eval_brain_llm_runs_against_an_openai_compatible_endpoint(sandbox: Any, odoo: Any, tmp_path: Path) -> None:
    """`eval --brain llm` talks to whatever OPENAI_BASE_URL names (here the scripted mock) and prints the same
    report: verdicts per category, confident wrong answers, the brain named."""
    from assistant.eval.mock_llm import MockOpenAI, planner_script
    from assistant.planner.lexicon import load_lexicon

    live = tmp_path / "live"
    live.mkdir()
    if CHROMA_CACHE.is_dir():
        shutil.copytree(CHROMA_CACHE, live / "chroma")
    with MockOpenAI(planner_script(lambda: load_lexicon(odoo))) as mock:
        code, report, out = _run_eval_args(
            ["eval", "--set", "paraphrase", "--category", "stock", "--brain", "llm", "--json"],
            {"QM_DATA_DIR": str(live), "ODOO_URL": sandbox.url, "ODOO_DB": sandbox.db,
             "OPENAI_BASE_URL": mock.base_url, "OPENAI_API_KEY": "mock", "QM_MODEL": "scripted-mock"})
        assert mock.requests, "the endpoint was never called"
    assert code in (0, 1), out
    rep = report["reports"][0]
    assert rep["brain"] == "llm" and rep["set"] == "paraphrase" and rep["items"] >= 20
    assert {"right", "wrong", "question_back", "declined", "confident_wrong"} <= set(rep["by_category"]["stock"])
    print(f"paraphrase/stock through the scripted endpoint: {rep['right']}/{rep['scored']}")
