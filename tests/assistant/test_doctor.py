"""`quartermaster doctor` and errors without tracebacks: against the sandbox (good connection, wrong
password, wrong database, a port with nothing listening, a server that never answers, a user lacking
rights) and through the CLI (one sentence, exit 1, a JSON error object with --json)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from assistant.cli import app
from assistant.cli.doctor import TOOL_NEEDS, Report, run_doctor
from assistant.problems import describe
from assistant.settings import load_settings
from tools.odoo.checks import require_modules
from tools.odoo.client import OdooClient
from tools.odoo.errors import OdooSetupError, OdooUnavailable
from tools.registry import TOOLS

GOV = Path(__file__).resolve().parents[2] / "tools" / "governance"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment: throw-away data dir, no stray .env, no inherited Odoo settings."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QM_DATA_DIR", str(tmp_path / "data"))
    for name in ("QM_DATABASE_URL", "CHROMA_HOST", "QM_DEBUG", "ODOO_URL", "ODOO_DB", "ODOO_LOGIN", "ODOO_USER",
                 "ODOO_PASSWORD", "ODOO_API_KEY", "QM_USERS_FILE", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QM_BRAIN", "offline")
    return tmp_path


@pytest.fixture()
def hung_port() -> Iterator[int]:
    """A port that accepts connections into its backlog but never answers (a hung server)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(0)
    try:
        yield int(s.getsockname()[1])
    finally:
        s.close()


def _settings(sandbox: Any, tmp_path: Path, **over: Any) -> Any:
    values: dict[str, Any] = {"odoo_url": sandbox.url, "odoo_db": sandbox.db, "odoo_login": "admin",
                              "odoo_password": "admin", "data_dir": tmp_path / "data"}
    values.update(over)
    return load_settings(**values)


def _by_name(report: Report) -> dict[str, Any]:
    return {c.name: c for c in report.checks}


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text and 'File "' not in text, text


# -- the doctor itself -----------------------------------------------------------------------------
def test_every_tool_says_what_it_needs_in_odoo() -> None:
    assert set(TOOL_NEEDS) == set(TOOLS)


def test_good_connection_reports_what_odoo_says(sandbox: Any, odoo: OdooClient, tmp_path: Path) -> None:
    report = run_doctor(_settings(sandbox, tmp_path))
    checks = _by_name(report)
    assert not report.blocking, [(c.name, c.detail) for c in report.checks if c.status == "fail"]
    for name in ("odoo.reachable", "odoo.database", "odoo.login", "odoo.modules", "odoo.currency",
                 "odoo.timezone", "odoo.sequences", "odoo.warehouses", "state_store"):
        assert checks[name].status == "ok", (name, checks[name].detail)
    assert all(checks[f"access.{t}"].status == "ok" for t, needs in TOOL_NEEDS.items() if needs)
    # the figures come from Odoo, not from the doctor
    user = odoo.read("res.users", [odoo.uid or 0], ["tz", "company_id"])[0]
    assert user["tz"] and user["tz"] in checks["odoo.timezone"].detail
    currency = odoo.read("res.company", [user["company_id"][0]], ["currency_id"])[0]["currency_id"][1]
    assert currency in checks["odoo.currency"].detail
    codes = [w["code"] for w in odoo.search_read("stock.warehouse", [], ["code"])]
    assert codes and all(code in checks["odoo.warehouses"].detail for code in codes)
    last_po = odoo.search_read("purchase.order", [], ["name"], limit=1, order="id desc")[0]["name"]
    assert last_po in checks["odoo.sequences"].detail
    assert report.public()["ok"] is True


def test_wrong_password_stops_at_the_login_and_names_the_settings(sandbox: Any, tmp_path: Path) -> None:
    report = run_doctor(_settings(sandbox, tmp_path, odoo_password="not-the-password"))
    checks = _by_name(report)
    assert report.blocking and checks["odoo.reachable"].status == "ok"
    assert checks["odoo.login"].status == "fail"
    assert "refused the login 'admin'" in checks["odoo.login"].detail
    assert "ODOO_PASSWORD" in (checks["odoo.login"].fix or "") and "ODOO_API_KEY" in (checks["odoo.login"].fix or "")
    assert not any(name.startswith("access.") for name in checks)  # nothing to check without a login
    assert checks["state_store"].status == "ok"  # the local stores are still checked


def test_wrong_database_lists_the_ones_there(sandbox: Any, tmp_path: Path) -> None:
    report = run_doctor(_settings(sandbox, tmp_path, odoo_db="no_such_db"))
    check = _by_name(report)["odoo.database"]
    assert check.status == "fail" and "no_such_db" in check.detail and repr(sandbox.db) in check.detail
    assert "ODOO_DB" in (check.fix or "")


def test_nothing_listening(env: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    report = run_doctor(load_settings(odoo_url=url, odoo_db="x"))
    check = _by_name(report)["odoo.reachable"]
    assert check.status == "fail" and f"Odoo at {url} is not reachable: nothing answers there" in check.detail
    assert "ODOO_URL" in (check.fix or "")


def test_a_hung_server_costs_one_timeout(env: Path, hung_port: int) -> None:
    report = run_doctor(load_settings(odoo_url=f"http://127.0.0.1:{hung_port}", odoo_db="x", odoo_timeout=1))
    check = _by_name(report)["odoo.reachable"]
    assert check.status == "fail" and "did not answer within 1 s" in check.detail
    assert "QM_ODOO_TIMEOUT" in (check.fix or "")


def test_a_user_lacking_rights_is_told_which_tools_and_groups(sandbox: Any, tmp_path: Path) -> None:
    # in the demo business the dock lead is an Inventory user only: no bills, no purchase writes
    report = run_doctor(_settings(sandbox, tmp_path, odoo_login="wes.warehouse", odoo_password="wes.warehouse"))
    checks = _by_name(report)
    assert report.blocking and checks["odoo.login"].status == "ok"
    assert checks["access.stock_levels"].status == "ok"
    three_way = checks["access.three_way_match_exceptions"]
    assert three_way.status == "fail" and "account.move.line" in three_way.detail
    assert "Invoicing: Billing" in (three_way.fix or "") and "wes.warehouse" in (three_way.fix or "")
    assert checks["access.create_rfq"].status == "fail" and "Purchase: User" in (checks["access.create_rfq"].fix or "")


def test_users_file_warehouses_odoo_lacks_are_a_warning(sandbox: Any, tmp_path: Path) -> None:
    users = yaml.safe_load((GOV / "default_users.yaml").read_text(encoding="utf-8"))
    users["users"][0]["warehouse"] = "NOWHERE-9"
    path = tmp_path / "users.yaml"
    path.write_text(yaml.safe_dump(users), encoding="utf-8")
    report = run_doctor(_settings(sandbox, tmp_path, users_file=path))
    check = _by_name(report)["users.warehouses"]
    assert check.status == "warn" and "NOWHERE-9" in check.detail and users["users"][0]["username"] in check.detail
    assert not report.blocking


def test_a_database_without_purchase_stock_is_refused_with_the_app_to_install() -> None:
    class NoPurchaseStock:
        db = "acme"

        def search_read(self, model: str, domain: Any, fields: Any, limit: int = 80) -> list[dict[str, Any]]:
            assert model == "ir.module.module"
            return [{"name": "purchase", "state": "installed"}, {"name": "stock", "state": "installed"},
                    {"name": "purchase_stock", "state": "uninstalled"}]

    with pytest.raises(OdooSetupError) as caught:
        require_modules(NoPurchaseStock())  # type: ignore[arg-type]
    problem = describe(caught.value)
    assert problem is not None and problem.kind == "odoo_modules"
    assert "purchase_stock" in problem.message and "Install" in problem.message


def test_login_failures_are_classified_at_the_seam(sandbox: Any, hung_port: int) -> None:
    with pytest.raises(OdooSetupError) as bad_login:
        OdooClient.connect(sandbox.url, sandbox.db, "admin", "wrong")
    assert bad_login.value.kind == "login"
    with pytest.raises(OdooSetupError) as bad_db:
        OdooClient.connect(sandbox.url, "nope", "admin", "admin")
    assert bad_db.value.kind == "database"
    with pytest.raises(OdooUnavailable) as down:
        OdooClient.connect(f"http://127.0.0.1:{_free_port()}", "x", "a", "b", timeout=2)
    assert down.value.kind == "unreachable"
    with pytest.raises(OdooUnavailable) as hung:
        OdooClient.connect(f"http://127.0.0.1:{hung_port}", "x", "a", "b", timeout=1)
    assert hung.value.kind == "timeout"


# -- the CLI: one sentence, exit 1, JSON with --json --------------------------------------------------
def test_doctor_cli_checklist_and_json(sandbox: Any, env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ODOO_URL", sandbox.url)
    monkeypatch.setenv("ODOO_DB", sandbox.db)
    runner = CliRunner()
    good = runner.invoke(app, ["doctor"])
    assert good.exit_code == 0, good.output
    assert "✓ Login" in good.output and "Ready." in good.output
    monkeypatch.setenv("ODOO_PASSWORD", "wrong")
    bad = runner.invoke(app, ["doctor", "--json"])
    assert bad.exit_code == 1
    data = json.loads(bad.output)
    assert data["ok"] is False and data["counts"]["fail"] >= 1
    assert [c for c in data["checks"] if c["name"] == "odoo.login"][0]["status"] == "fail"


@pytest.mark.parametrize("args", [
    ["ask", "how many do we have?"],
    ["tool", "stock_levels", "--args", "{}"],
    ["eval", "--category", "help"],
    ["chat"],
    ["run", "--port", "1"],
])
def test_every_command_gives_one_sentence_when_odoo_is_down(env: Path, monkeypatch: pytest.MonkeyPatch,
                                                           args: list[str]) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    monkeypatch.setenv("ODOO_URL", url)
    out = CliRunner().invoke(app, args, input="")
    assert out.exit_code == 1, out.output
    _no_traceback(out.output)
    lines = [line for line in out.output.splitlines() if line.strip()]
    assert lines == [f"Odoo at {url} is not reachable: nothing answers there (connection refused). Check "
                     "ODOO_URL and that the Odoo server is running."], out.output


def test_ask_json_gives_an_error_object(sandbox: Any, env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ODOO_URL", sandbox.url)
    monkeypatch.setenv("ODOO_DB", "no_such_db")
    out = CliRunner().invoke(app, ["ask", "stock?", "--json"])
    assert out.exit_code == 1
    data = json.loads(out.output)
    assert data == {"ok": False, "error": "odoo_database", "message": data["message"]}
    assert "no database 'no_such_db'" in data["message"] and "ODOO_DB" in data["message"]
    monkeypatch.setenv("ODOO_DB", sandbox.db)
    monkeypatch.setenv("ODOO_PASSWORD", "wrong")
    out = CliRunner().invoke(app, ["ask", "stock?"])
    assert out.exit_code == 1 and "refused the login 'admin'" in out.output and "ODOO_PASSWORD" in out.output
    _no_traceback(out.output)


def test_a_bad_setting_is_one_sentence(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QM_ODOO_TIMEOUT", "soon")
    out = CliRunner().invoke(app, ["doctor", "--json"])
    assert out.exit_code == 1
    data = json.loads(out.output)
    assert data["error"] == "config" and "QM_ODOO_TIMEOUT" in data["message"]


# -- Odoo going away under a running assistant, and a web app that cannot start ----------------------------
def test_odoo_stopping_mid_session_is_an_error_with_the_sentence(fresh_sandbox: Any, env: Path) -> None:
    from assistant.runtime import Runtime

    settings = load_settings(odoo_url=fresh_sandbox.url, odoo_db=fresh_sandbox.db, brain="offline")
    with Runtime.build(settings, ingest_corpus=False) as runtime:
        odoo = runtime.odoo
        row = odoo.search_read("stock.quant", [["quantity", ">", 0]], ["product_id", "warehouse_id"], limit=1)[0]
        code = odoo.read("product.product", [row["product_id"][0]], ["default_code"])[0]["default_code"]
        wh = odoo.read("stock.warehouse", [row["warehouse_id"][0]], ["code"])[0]["code"]
        question = f"how many {code} at {wh}?"
        first = runtime.assistant.ask_as("admin", question, thread_id="t1", channel="test")
        assert first.ok and first.tool_calls and first.tool_calls[0]["ok"], first.answer
        fresh_sandbox.stop()
        after = runtime.assistant.ask_as("admin", question, thread_id="t2", channel="test")
    assert after.ok is False and after.error == "odoo_unavailable"
    assert f"Odoo at {fresh_sandbox.url} is not reachable" in after.answer
    _no_traceback(after.answer)


def test_web_app_that_cannot_start_serves_the_sentence(env: Path) -> None:
    from fastapi.testclient import TestClient

    import server

    url = f"http://127.0.0.1:{_free_port()}"
    app_ = server.create_app(settings=load_settings(odoo_url=url, odoo_db="x"))
    with TestClient(app_) as client:
        api = client.get("/api/proposals", headers={"Authorization": "Bearer qm-demo-ava.buyer"})
        assert api.status_code == 503
        assert api.json() == {"error": "odoo_unreachable", "message": api.json()["message"]}
        assert f"Odoo at {url} is not reachable" in api.json()["message"] and "ODOO_URL" in api.json()["message"]
        page = client.get("/chat", headers={"Accept": "text/html"})
        assert page.status_code == 503 and "ODOO_URL" in page.text and "Traceback" not in page.text
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "ODOO_URL" in ready.json()["checks"]["runtime"]["detail"]
        assert client.get("/healthz").status_code == 200


def test_an_odoo_user_lacking_rights_gets_a_sentence_not_odoos_essay(sandbox: Any, env: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # Quartermaster logged in to Odoo as the dock lead (Inventory user only): bills are out of reach
    for name, value in (("ODOO_URL", sandbox.url), ("ODOO_DB", sandbox.db), ("ODOO_LOGIN", "wes.warehouse"),
                        ("ODOO_PASSWORD", "wes.warehouse")):
        monkeypatch.setenv(name, value)
    out = CliRunner().invoke(app, ["ask", "Which bills don't match their POs?", "--as", "fiona.finance", "--json"])
    assert out.exit_code == 1, out.output
    data = json.loads(out.output)
    assert data["ok"] is False and data["error"] == "odoo_access"
    assert "Odoo refused access" in data["answer"] and "'wes.warehouse'" in data["answer"]
    assert "Contact your administrator" not in data["answer"] and "(account.move" not in data["answer"]
    assert "administrator" in data["answer"] and "Settings" in data["answer"]  # one sentence: what, whom to ask
