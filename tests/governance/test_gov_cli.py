"""The governance CLI: list/show/approve/reject proposals, audit verify (non-zero on a broken chain)/export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from gov_kit import GOV, ctx_for
from typer.testing import CliRunner

from assistant.cli import app
from tools.governance.audit import AuditLog
from tools.governance.identity import Directory
from tools.governance.policy import Policy
from tools.governance.proposals import ProposalService
from tools.governance.store import StateStore


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QM_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("QM_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    return tmp_path


def _seed(data_dir: Path) -> tuple[StateStore, str]:
    store = StateStore.open(f"sqlite:///{data_dir / 'state.db'}")
    directory = Directory.load(GOV / "default_users.yaml")
    service = ProposalService(store, Policy.load(GOV / "default_policy.yaml"), directory, AuditLog(store))
    p = service.create(ctx_for(directory, "ava.buyer"), "confirm_purchase_order", {"po": "P00012"},
                       "confirm P00012 (Apex, 1,200.00 USD)", amount=1200)
    return store, p.id


def test_list_show_reject_and_refusals(data_dir: Path) -> None:
    store, pid = _seed(data_dir)
    runner = CliRunner()
    out = runner.invoke(app, ["proposals", "list", "--json"])
    assert out.exit_code == 0, out.output
    assert [p["id"] for p in json.loads(out.output)] == [pid]
    out = runner.invoke(app, ["proposals", "list", "--approver", "ben.buyer", "--json"])
    assert json.loads(out.output) == []
    out = runner.invoke(app, ["proposals", "approve", pid, "--as", "ava.buyer", "--password-stdin"],
                        input="ava.buyer\n")
    assert out.exit_code == 1 and "four-eyes" in out.output
    out = runner.invoke(app, ["proposals", "reject", pid, "--as", "omar.approver", "-m", "not now",
                              "--password-stdin"], input="omar.approver\n")
    assert out.exit_code == 0 and out.output.startswith("rejected"), out.output
    out = runner.invoke(app, ["proposals", "show", pid])
    shown = json.loads(out.output)
    assert shown["state"] == "rejected" and shown["decision_comment"] == "not now"
    assert [h["event"] for h in shown["history"]] == ["created", "rejected"]
    assert runner.invoke(app, ["proposals", "show", "P-missing"]).exit_code == 1
    assert runner.invoke(app, ["proposals", "approve", pid, "--as", "ghost"]).exit_code == 2
    store.close()


def test_cli_decisions_need_credentials(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`proposals approve --as anyone` decided with no credential at all (issue #11)."""
    from tools.governance.audit import AuditLog

    store, pid = _seed(data_dir)
    runner = CliRunner()
    for args, stdin in ((["--as", "omar.approver"], None), (["--as", "omar.approver", "--password-stdin"], "guess\n"),
                        ([], None)):
        out = runner.invoke(app, ["proposals", "approve", pid, *args], input=stdin)
        assert out.exit_code == 3 and "nothing decided" in out.output, out.output
    assert json.loads(runner.invoke(app, ["proposals", "show", pid]).output)["state"] == "pending"
    monkeypatch.setenv("QM_TOKEN", "not-a-token")
    assert runner.invoke(app, ["proposals", "reject", pid]).exit_code == 3
    monkeypatch.setenv("QM_TOKEN", "qm-demo-omar.approver")
    assert runner.invoke(app, ["proposals", "reject", pid, "--as", "maria.manager"]).exit_code == 3
    out = runner.invoke(app, ["proposals", "reject", pid, "-m", "token"])
    assert out.exit_code == 0 and out.output.startswith("rejected"), out.output
    monkeypatch.delenv("QM_TOKEN")
    _, other = _seed(data_dir)
    out = runner.invoke(app, ["proposals", "reject", other, "--as", "omar.approver", "--admin-override"])
    assert out.exit_code == 0 and "Admin override" in out.output
    overrides = AuditLog(store).events(type_="cli_admin_override")
    assert overrides and overrides[0].payload["as"] == "omar.approver"
    store.close()


def test_audit_verify_and_export(data_dir: Path) -> None:
    store, _ = _seed(data_dir)
    runner = CliRunner()
    out = runner.invoke(app, ["audit", "verify"])
    assert out.exit_code == 0 and "intact: 1 events" in out.output, out.output
    out = runner.invoke(app, ["audit", "export", str(data_dir / "a.jsonl")])
    assert out.exit_code == 0 and "exported 1 events" in out.output
    assert json.loads((data_dir / "a.jsonl").read_text().splitlines()[0])["type"] == "proposal_created"
    with store.engine.begin() as conn:
        conn.execute(sa.text("update audit_events set actor = 'mallory' where seq = 1"))
    out = runner.invoke(app, ["audit", "verify"])
    assert out.exit_code == 1 and "seq 1" in out.output
    store.close()


def test_tool_then_approve_against_a_sandbox(data_dir: Path, fresh_sandbox: object,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from tools.odoo.client import OdooClient

    monkeypatch.setenv("ODOO_URL", fresh_sandbox.url)  # type: ignore[attr-defined]
    monkeypatch.setenv("ODOO_DB", fresh_sandbox.db)  # type: ignore[attr-defined]
    odoo = OdooClient.connect(fresh_sandbox.url, fresh_sandbox.db, "admin", "admin")  # type: ignore[attr-defined]
    po = odoo.search_read("purchase.order", [("state", "=", "purchase"), ("receipt_status", "=", "pending")],
                          ["id", "name"], limit=1)[0]
    runner = CliRunner()
    out = runner.invoke(app, ["tool", "remind_supplier", "--as", "ava.buyer", "--args",
                              json.dumps({"po": po["name"], "message": "When will it ship?"})])
    assert out.exit_code == 0, out.output
    pid = json.loads(out.output)["proposal_ids"][0]
    out = runner.invoke(app, ["tool", "confirm_purchase_order", "--as", "ava.buyer", "--args",
                              json.dumps({"po": po["name"]})])
    assert out.exit_code == 1 and "only RFQs" in out.output
    assert runner.invoke(app, ["tool", "stock_levels", "--args", "[1]"]).exit_code == 2
    out = runner.invoke(app, ["proposals", "approve", pid, "--as", "ava.buyer", "--password-stdin"],
                        input="ava.buyer\n")
    assert out.exit_code == 0 and out.output.startswith("executed"), out.output
    assert odoo.search_count("mail.message", [("model", "=", "purchase.order"), ("res_id", "=", po["id"]),
                                              ("body", "ilike", f"QM-{pid}")]) == 1
    out = runner.invoke(app, ["audit", "verify"])
    assert out.exit_code == 0, out.output


def test_reconcile_force_without_an_id(data_dir: Path) -> None:
    store, pid = _seed(data_dir)
    directory = Directory.load(GOV / "default_users.yaml")
    service = ProposalService(store, Policy.load(GOV / "default_policy.yaml"), directory, AuditLog(store))
    assert service._approve_and_start(pid, "omar.approver", None, "ok") is not None  # a crash right after
    runner = CliRunner()
    out = runner.invoke(app, ["proposals", "reconcile"])
    assert "being executed since" in out.output  # within the lease
    out = runner.invoke(app, ["proposals", "reconcile", "--force"])
    assert "being executed since" not in out.output and pid in out.output, out.output
    store.close()
