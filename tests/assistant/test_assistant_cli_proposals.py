"""`quartermaster proposals list` shows pending proposals by default, every state with --state all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from tools.base import ToolContext
from tools.governance.audit import AuditLog
from tools.governance.identity import Directory
from tools.governance.policy import Policy
from tools.governance.proposals import ProposalService
from tools.governance.store import StateStore

GOV = Path(__file__).resolve().parents[2] / "tools" / "governance"


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QM_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("QM_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    return tmp_path


def test_list_defaults_to_pending_and_state_all_shows_everything(data_dir: Path) -> None:
    store = StateStore.open(f"sqlite:///{data_dir / 'state.db'}")
    directory = Directory.load(GOV / "default_users.yaml")
    service = ProposalService(store, Policy.load(GOV / "default_policy.yaml"), directory, AuditLog(store))
    ava = directory.get("ava.buyer")
    ctx = ToolContext(user=ava, odoo=None, store=store, channel="test", thread_id="t")  # type: ignore[arg-type]
    kept = service.create(ctx, "confirm_purchase_order", {"po": "P00012"}, "confirm P00012", amount=1200)
    dropped = service.create(ctx, "confirm_purchase_order", {"po": "P00013"}, "confirm P00013", amount=900)
    assert service.decide(dropped.id, directory.get("omar.approver"), "reject", "no").outcome == "rejected"
    store.close()
    runner = CliRunner()

    def ids(*args: str) -> list[str]:
        out = runner.invoke(app, ["proposals", "list", "--json", *args])
        assert out.exit_code == 0, out.output
        return [p["id"] for p in json.loads(out.output)]

    assert ids() == [kept.id]
    assert ids("--state", "rejected") == [dropped.id]
    assert set(ids("--state", "all")) == {kept.id, dropped.id}
    bad = runner.invoke(app, ["proposals", "list", "--state", "bogus"])
    assert bad.exit_code == 2 and "Unknown state" in bad.output and "all" in bad.output
    table = runner.invoke(app, ["proposals", "list", "--state", "executed"])
    assert "No executed proposals" in table.output
