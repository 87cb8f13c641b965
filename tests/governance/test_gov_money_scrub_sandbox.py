"""Roles whose policy hides prices never see a money amount, not even inside supplier e-mails: checked
through run_tool and through the whole assistant (Assistant.ask) on the shared sandbox's real chatter."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tools.base import ToolContext
from tools.governance.identity import Directory
from tools.governance.policy import MONEY_PATTERN, Policy
from tools.odoo.client import OdooClient
from tools.registry import run_tool

GOV = Path(__file__).resolve().parents[2] / "tools" / "governance"
MONEY = re.compile(r"[$€£]\s?\d|\d\s?(?:USD|dollars)\b|USD\s?\d", re.IGNORECASE)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy.load(GOV / "default_policy.yaml")


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.load(GOV / "default_users.yaml")


def _ctx(odoo: OdooClient, policy: Policy, directory: Directory, username: str) -> ToolContext:
    user = directory.get(username)
    assert user is not None
    return ToolContext(user=user, odoo=odoo, policy=policy)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def test_cardinal_messages_lose_their_prices_for_the_warehouse_role(odoo: OdooClient, policy: Policy,
                                                                    directory: Directory) -> None:
    args = {"supplier": "Cardinal", "limit": 50}
    admin = run_tool(_ctx(odoo, policy, directory, "admin"), "supplier_communications", args)
    assert admin.ok, admin.error
    priced = [s for s in _strings(admin.data) if MONEY_PATTERN.search(s)]
    assert priced, "the sandbox's Cardinal chatter quotes prices (billed at $x vs $y)"
    wes = run_tool(_ctx(odoo, policy, directory, "wes.warehouse"), "supplier_communications", args)
    assert wes.ok, wes.error
    for s in [*_strings(wes.data), wes.text, wes.for_model()]:
        assert not MONEY.search(s), s
        assert not MONEY_PATTERN.search(s), s
    assert "[redacted]" in json.dumps(wes.data)
    # the messages themselves are still there: same count, same subjects
    assert len(wes.data.get("messages", [])) == len(admin.data.get("messages", []))


@pytest.fixture(scope="module")
def runtime(sandbox: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from assistant.runtime import Runtime
    from assistant.settings import load_settings

    data = tmp_path_factory.mktemp("qm-scrub")
    rt = Runtime.build(load_settings(odoo_url=sandbox.url, odoo_db=sandbox.db, data_dir=data, brain="offline"),
                       ingest_corpus=False)
    yield rt
    rt.close()


def test_assistant_answer_tables_and_tool_output_have_no_money_for_wes(runtime: Any) -> None:
    wes = runtime.user("wes.warehouse")
    r = runtime.assistant.ask(wes, "show me Cardinal messages")
    assert r.ok, r.answer
    assert any(c["name"] == "supplier_communications" for c in r.tool_calls)
    blob = json.dumps(r.model_dump(mode="json"), ensure_ascii=False)
    assert not MONEY.search(blob), MONEY.search(blob)
    maria = runtime.assistant.ask(runtime.user("maria.manager"), "show me Cardinal messages")
    assert MONEY.search(json.dumps(maria.model_dump(mode="json"), ensure_ascii=False))


def test_runtime_answer_scrubber_uses_the_policy_patterns(runtime: Any) -> None:
    from assistant.runtime import _money_scrubber

    scrub = _money_scrubber(runtime.policy)(runtime.user("wes.warehouse"))
    assert scrub is not None
    assert scrub("Cardinal billed USD 30.63, i.e. 30.63 dollars or 4.18 per unit") == \
        "Cardinal billed [redacted], i.e. [redacted] or [redacted]"
    assert _money_scrubber(runtime.policy)(runtime.user("ava.buyer")) is None


def test_binary_garbage_question_is_answered_and_audited(runtime: Any) -> None:
    import os

    garbage = os.fsdecode(b"\xff\xfe\x00\x9c stock \xed\xa0\x80 PPE")
    r = runtime.assistant.ask(runtime.user("ava.buyer"), garbage)
    assert r.answer
    assert runtime.audit.verify() == []
    last = runtime.audit.head()
    assert last[0] >= 1
