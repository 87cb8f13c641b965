"""`quartermaster doctor`: check a connection end to end and say what to fix.

Why: a customer connecting their own Odoo meets the failures one at a time otherwise (URL, database,
login or API key, apps, rights, time zone, sequences, state store, vector store). The doctor runs
every check it can, in order, stops only where a later check cannot mean anything (no login → no
rights to check), and prints for each failure the one thing to change. Nothing is written anywhere.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import typer

from assistant.problems import describe
from tools.odoo.errors import OdooError, OdooUnavailable

if TYPE_CHECKING:  # the Odoo client, checks and resolvers load only when `doctor` runs (`ask` starts faster)
    from tools.odoo.client import OdooClient

Status = Literal["ok", "warn", "fail", "skip"]
SUPPORTED_MAJOR = range(16, 20)

# What each business tool reads or writes in Odoo (operation per model). tests/assistant/test_doctor.py
# checks that every tool of the registry is listed here, so a new tool cannot be forgotten.
TOOL_NEEDS: dict[str, dict[str, str]] = {
    "stock_levels": {"product.product": "read", "stock.warehouse": "read", "stock.quant": "read",
                     "stock.move": "read"},
    "inbound_schedule": {"stock.picking": "read", "stock.move": "read", "stock.warehouse": "read"},
    "purchase_order_status": {"purchase.order": "read", "purchase.order.line": "read", "stock.picking": "read"},
    "open_purchase_orders": {"purchase.order": "read", "res.partner": "read"},
    "supplier_history": {"purchase.order": "read", "purchase.order.line": "read", "res.partner": "read"},
    "supplier_scorecard": {"purchase.order.line": "read", "stock.move": "read", "account.move.line": "read",
                           "product.supplierinfo": "read", "res.partner": "read"},
    "supplier_communications": {"mail.message": "read", "purchase.order": "read", "res.partner": "read"},
    "replenishment_risk": {"stock.quant": "read", "stock.move": "read", "stock.warehouse.orderpoint": "read",
                           "product.supplierinfo": "read"},
    "three_way_match_exceptions": {"purchase.order.line": "read", "account.move.line": "read"},
    "create_rfq": {"product.supplierinfo": "read", "purchase.order": "create", "purchase.order.line": "create"},
    "confirm_purchase_order": {"purchase.order": "write"},
    "approve_purchase_order": {"purchase.order": "write"},
    "find_purchase_orders": {"purchase.order": "read", "res.partner": "read"},
    "product_vendors": {"product.product": "read", "product.supplierinfo": "read", "purchase.order.line": "read"},
    "receipts_done": {"stock.picking": "read", "stock.move": "read", "stock.warehouse": "read"},
    "vendor_bills": {"account.move": "read", "purchase.order": "read"},
    "spend_analysis": {"purchase.order.line": "read", "product.category": "read"},
    "supplier_risk": {"purchase.order": "read", "purchase.order.line": "read", "stock.move": "read",
                      "account.move.line": "read", "product.supplierinfo": "read"},
    "purchase_anomalies": {"purchase.order": "read", "purchase.order.line": "read", "product.supplierinfo": "read"},
    "cancel_purchase_order": {"purchase.order": "write"},
    "remind_supplier": {"purchase.order": "read", "mail.activity": "create"},
    "reschedule_receipt": {"stock.picking": "write"},
    "search_documents": {},  # the knowledge base only
    "kpi_report": {"purchase.order": "read", "purchase.order.line": "read", "stock.move": "read",
                   "stock.quant": "read", "account.move.line": "read", "product.product": "read"},
    "vendor_confirmations": {"purchase.order": "read", "res.partner": "read"},
    "order_suggestions": {"stock.warehouse.orderpoint": "read", "product.supplierinfo": "read",
                          "purchase.order": "create", "purchase.order.line": "create"},
    "request_purchase": {"product.product": "read", "stock.warehouse": "read"},  # Quartermaster-side until an RFQ
    "purchase_requests": {},  # Quartermaster's own queue
    "requests_to_rfqs": {"product.supplierinfo": "read", "purchase.order": "create", "purchase.order.line": "create"},
    "remind_unconfirmed": {"purchase.order": "read", "mail.activity": "create"},
    "lead_time_forecast": {"purchase.order.line": "read", "stock.move": "read"},
    "demand_forecast": {"stock.move": "read", "product.product": "read"},
    "supply_options": {"stock.warehouse.orderpoint": "read", "product.supplierinfo": "read", "stock.move": "read"},
    "transfer_stock": {"stock.quant": "read", "stock.picking.type": "read", "stock.picking": "create",
                       "stock.move": "create"},
}
# the Odoo group a person grants for a model's rights (Settings → Users → the user's access rights)
GROUP_HINTS = {"purchase": "Purchase: User", "stock": "Inventory: User", "account": "Invoicing: Billing",
               "product": "Purchase: User", "mail": "an internal user", "res": "an internal user"}


APP_OF = {"purchase": "Purchase", "stock": "Inventory", "account": "Invoicing", "product": "Purchase",
          "mail": "Discuss"}
NOT_INSTALLED = "(its app is not installed)"


@dataclass
class Check:
    name: str
    title: str
    status: Status
    detail: str
    fix: str | None = None


@dataclass
class Report:
    target: dict[str, Any]
    checks: list[Check] = field(default_factory=list)
    ms: float = 0.0

    @property
    def blocking(self) -> bool:
        return any(c.status == "fail" for c in self.checks)

    def add(self, name: str, title: str, status: Status, detail: str, fix: str | None = None) -> Check:
        check = Check(name, title, status, detail, fix)
        self.checks.append(check)
        return check

    def public(self) -> dict[str, Any]:
        counts = {s: sum(c.status == s for c in self.checks) for s in ("ok", "warn", "fail", "skip")}
        return {"ok": not self.blocking, "target": self.target, "counts": counts, "ms": round(self.ms, 1),
                "checks": [asdict(c) for c in self.checks]}


def run_doctor(settings: Any, *, odoo_factory: Callable[[str, str, str, str, float], OdooClient] | None = None,
               ) -> Report:
    """Run every check against the configured Odoo (or the running sandbox) and the local stores."""
    t0 = time.perf_counter()
    url, db = _target(settings)
    report = Report({"odoo_url": url, "db": db, "login": settings.odoo_login,
                     "sandbox": settings.uses_sandbox})
    if odoo_factory is None:
        from tools.odoo.client import OdooClient

        odoo_factory = OdooClient
    odoo = _odoo_checks(report, settings, url, db, odoo_factory)
    if odoo is not None:
        _odoo_setup_checks(report, settings, odoo)
        report.target["rpc_calls"] = odoo.total.calls
    _state_store_check(report, settings)
    _vector_store_check(report, settings)
    from assistant.cli.mail import mailbox_check

    mailbox_check(report, settings)  # only when a mailbox is configured
    report.ms = (time.perf_counter() - t0) * 1000
    return report


def _target(settings: Any) -> tuple[str, str]:
    if settings.odoo_url:
        return str(settings.odoo_url), str(settings.odoo_db)
    from sandbox.rpc import DB_NAME

    return f"http://127.0.0.1:{settings.sandbox_port}", DB_NAME


# -- Odoo: reachable, database, login --------------------------------------------------------------
def _odoo_checks(report: Report, settings: Any, url: str, db: str, factory: Any) -> OdooClient | None:
    client = factory(url, db, settings.odoo_login, settings.odoo_password, settings.odoo_timeout)
    try:
        version = client.server_version()
    except Exception as exc:  # noqa: BLE001 - every failure is a line of the report
        fix = _fix_for(exc, settings)
        if settings.uses_sandbox and isinstance(exc, OdooUnavailable):
            fix = ("No ODOO_URL is set and the embedded sandbox is not running: set ODOO_URL (and ODOO_DB, "
                   "ODOO_LOGIN, ODOO_API_KEY) to your Odoo, or start the sandbox with `quartermaster run`.")
        report.add("odoo.reachable", "Odoo answers", "fail", _first_line(exc), fix)
        return None
    major = _major(version)
    if major is not None and major not in SUPPORTED_MAJOR:
        report.add("odoo.reachable", "Odoo answers", "warn", f"Odoo {version} at {url}",
                   "Quartermaster is built for Odoo 16–19; other versions may answer differently.")
    else:
        report.add("odoo.reachable", "Odoo answers", "ok", f"Odoo {version} at {url}")

    names = client.databases()
    if names is None:
        report.add("odoo.database", "Database", "skip", f"the server does not list its databases; "
                                                         f"the login below checks '{db}'")
    elif db in names:
        report.add("odoo.database", "Database", "ok", f"'{db}' exists")
    else:
        report.add("odoo.database", "Database", "fail", f"no database '{db}' on this server"
                   + (f" (it has {', '.join(repr(n) for n in names)})" if names else ""),
                   "Set ODOO_DB to the right database name.")
        return None

    try:
        client._login()
    except Exception as exc:  # noqa: BLE001 - a line of the report
        report.add("odoo.login", "Login", "fail", _first_line(exc), _fix_for(exc, settings))
        return None
    report.add("odoo.login", "Login", "ok", f"'{settings.odoo_login}' is user id {client.uid} "
                                            f"(language {client.context.get('lang') or '—'})")
    return client


# -- Odoo: apps, rights per tool, company, sequences, warehouses -----------------------------------------
def _odoo_setup_checks(report: Report, settings: Any, odoo: OdooClient) -> None:
    missing = _modules_check(report, odoo)
    _access_checks(report, odoo, settings)
    checks: list[Callable[[Report, OdooClient, Any], None]] = [_user_company_check, _approval_check]
    if "stock" not in missing:  # references and warehouses live in Inventory
        checks += [_sequence_check, _warehouse_check]
    for check in checks:
        try:
            check(report, odoo, settings)
        except OdooUnavailable as exc:
            report.add("odoo.reachable", "Odoo answers", "fail", _first_line(exc), _fix_for(exc, settings))
            return
        except OdooError as exc:
            report.add(f"odoo.{check.__name__.strip('_').removesuffix('_check')}", "Odoo settings", "warn",
                       f"could not be read: {_first_line(exc.message)}")


def _modules_check(report: Report, odoo: OdooClient) -> list[str]:
    """Reports the apps; returns the required ones that are missing."""
    from tools.odoo.checks import OPTIONAL_MODULES, REQUIRED_MODULES, WORKING, installed_modules

    names = [*REQUIRED_MODULES, *OPTIONAL_MODULES]
    states = installed_modules(odoo, names)
    missing = [m for m in REQUIRED_MODULES if states.get(m) not in WORKING]
    unknown = [m for m in names if states.get(m) == "unknown"]
    have = ", ".join(m for m in names if states.get(m) in WORKING and m not in unknown)
    if missing:
        apps = ", ".join(f"{m} ({REQUIRED_MODULES[m]})" for m in missing)
        report.add("odoo.modules", "Apps installed", "fail", f"missing: {apps}; installed: {have or 'none'}",
                   "Install the missing apps in Odoo (Apps), then run `quartermaster doctor` again.")
    elif unknown:
        report.add("odoo.modules", "Apps installed", "warn", f"{have or 'none seen'}; could not see whether "
                   f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} installed (the user may not read "
                   "the module list or those apps' records)")
    else:
        report.add("odoo.modules", "Apps installed", "ok", have)
    for m, what in OPTIONAL_MODULES.items():
        if states.get(m) not in WORKING:
            report.add(f"odoo.modules.{m}", f"Optional app {m}", "warn", f"{m} is not installed: no {what}",
                       f"Install {m} in Odoo if you want {what}.")
    return missing


def _access_checks(report: Report, odoo: OdooClient, settings: Any) -> None:
    from tools.odoo.checks import model_access

    needed = sorted({(model, op) for needs in TOOL_NEEDS.values() for model, op in needs.items()})
    def probe(pair: tuple[str, str]) -> tuple[bool, str]:
        try:
            return model_access(odoo, *pair)
        except OdooUnavailable as exc:
            return False, _first_line(exc)

    with ThreadPoolExecutor(max_workers=6, thread_name_prefix="qm-doctor") as pool:  # ~30 small round trips
        results = dict(zip(needed, pool.map(probe, needed), strict=True))
    for tool, needs in TOOL_NEEDS.items():
        if not needs:
            continue
        refused = {f"{op} {model}": results[(model, op)][1] for model, op in needs.items()
                   if not results[(model, op)][0]}
        if not refused:
            ops = sorted({f"{op} {model}" for model, op in needs.items()})
            report.add(f"access.{tool}", f"Rights for {tool}", "ok", "; ".join(ops))
            continue
        absent = sorted({k.split(" ", 1)[1] for k, why in refused.items() if why.endswith(NOT_INSTALLED)})
        if absent:  # a missing app, not a missing right
            apps = sorted({APP_OF.get(m.split(".", 1)[0], m) for m in absent})
            report.add(f"access.{tool}", f"Rights for {tool}", "fail",
                       f"needs {', '.join(absent)}, which this database does not have",
                       f"Install {', '.join(apps)} in Odoo (Apps).")
            continue
        groups = sorted({GROUP_HINTS.get(k.split(" ", 1)[1].split(".", 1)[0], "the app's user group")
                         for k in refused})
        detail = "; ".join(f"{k}: {why}" for k, why in refused.items())
        report.add(f"access.{tool}", f"Rights for {tool}", "fail", detail,
                   f"Give the Odoo user '{settings.odoo_login}' the group(s) {', '.join(groups)} "
                   "(Settings → Users), or keep this tool out of the policy.")


def _user_company_check(report: Report, odoo: OdooClient, settings: Any) -> None:
    from tools.odoo.resolve import company_tz

    user = odoo.read("res.users", [odoo.uid or 0], ["name", "tz", "email", "company_id", "company_ids"])[0]
    company_ids = user.get("company_ids") or ([user["company_id"][0]] if user.get("company_id") else [])
    companies = odoo.read("res.company", company_ids, ["name", "currency_id"]) if company_ids else []
    main = user["company_id"][0] if user.get("company_id") else None
    currencies = [f"{c['currency_id'][1]} ({c['name']}{', default' if c['id'] == main else ''})"
                  for c in companies if c.get("currency_id")]
    report.add("odoo.currency", "Company currency", "ok" if currencies else "warn",
               "; ".join(currencies) or "no company currency readable")
    used = company_tz(odoo)  # what the tools will count 'today' in
    if user.get("tz") and used == user["tz"]:
        report.add("odoo.timezone", "Time zone", "ok", f"{used} (the Odoo user's time zone: 'today' and "
                                                      "'this week' are counted in it)")
    else:
        report.add("odoo.timezone", "Time zone", "warn", f"the Odoo user '{settings.odoo_login}' has "
                   f"{'time zone ' + repr(user['tz']) if user.get('tz') else 'no time zone'}: 'today' and "
                   f"'this week' are counted in {used} instead", "Set the company's time zone in that user's "
                   "Preferences in Odoo.")
    if not user.get("email"):
        report.add("odoo.email", "User e-mail", "warn", f"the Odoo user '{settings.odoo_login}' has no e-mail "
                   "address: Odoo refuses chatter messages from it (\"Unable to send message, please configure "
                   "the sender's email address\")", "Give that user an e-mail address in Odoo (Settings → Users).")


def _approval_check(report: Report, odoo: OdooClient, settings: Any) -> None:
    try:
        rows = odoo.search_read("res.company", [], ["name", "currency_id", "po_double_validation",
                                                    "po_double_validation_amount"], limit=20)
    except OdooError as exc:
        if "po_double_validation" not in exc.message:
            raise
        report.add("odoo.approval", "PO approval", "ok", "one step (this Odoo has no two-step approval setting)")
        return
    two_step = [r for r in rows if r.get("po_double_validation") == "two_step"]
    if not two_step:
        report.add("odoo.approval", "PO approval", "ok", "one step: confirming a PO makes it a purchase order")
        return
    try:
        manager = bool(odoo.execute_kw("res.users", "has_group", [[odoo.uid], "purchase.group_purchase_manager"]))
    except OdooError:
        manager = None
    levels = "; ".join(f"{r['name']}: above {r.get('po_double_validation_amount') or 0:,.2f} "
                       f"{(r.get('currency_id') or [0, ''])[1]}" for r in two_step)
    if manager:
        report.add("odoo.approval", "PO approval", "ok", f"two steps ({levels}); '{settings.odoo_login}' is a "
                   "purchase manager, so its confirmations are approved at once")
    else:
        report.add("odoo.approval", "PO approval", "warn", f"two steps ({levels}); confirmations by "
                   f"'{settings.odoo_login}' above that wait in 'to approve' until a purchase manager approves "
                   "them in Odoo", None)


def _sequence_check(report: Report, odoo: OdooClient, settings: Any) -> None:
    po = odoo.search_read("purchase.order", [], ["name"], limit=1, order="id desc")
    types = odoo.search_read("stock.picking.type", [["code", "=", "incoming"]],
                             ["name", "warehouse_id", "sequence_code"], limit=20)
    receipts = []
    for t in types:
        last = odoo.search_read("stock.picking", [["picking_type_id", "=", t["id"]]], ["name"], limit=1,
                                order="id desc")
        receipts.append(last[0]["name"] if last else f"{t.get('sequence_code') or '?'} (none yet)")
    detail = (f"purchase orders like {po[0]['name'] if po else '(none yet)'}; receipts like "
              f"{', '.join(receipts) or '(no receipt operation)'}")
    report.add("odoo.sequences", "References", "ok" if types else "warn", detail,
               None if types else "Odoo has no receipt operation type: check the Inventory configuration.")


def _warehouse_check(report: Report, odoo: OdooClient, settings: Any) -> None:
    rows = odoo.search_read("stock.warehouse", [], ["name", "code"], limit=200)
    codes = {str(r["code"]) for r in rows}
    report.add("odoo.warehouses", "Warehouses", "ok" if rows else "warn",
               ", ".join(f"{r['code']} ({r['name']})" for r in rows) or "none")
    try:
        from tools.governance.identity import Directory

        directory = Directory.load(settings.resolved_users_file)
    except Exception as exc:  # noqa: BLE001 - a broken users file is its own finding
        report.add("users.file", "Users file", "fail", f"{settings.resolved_users_file}: {_first_line(exc)}",
                   "Fix the users file (QM_USERS_FILE).")
        return
    unknown = sorted({(u.warehouse, u.username) for u in directory.all() if u.warehouse and u.warehouse not in codes})
    if unknown:
        listed = ", ".join(f"{user} → {code}" for code, user in unknown)
        report.add("users.warehouses", "Users' default warehouses", "warn",
                   f"not in this Odoo: {listed}",
                   f"Change those users' `warehouse` in {settings.resolved_users_file} (QM_USERS_FILE) to one of: "
                   f"{', '.join(sorted(codes))}.")
    else:
        report.add("users.warehouses", "Users' default warehouses", "ok", "every default warehouse exists in Odoo")


# -- local stores ---------------------------------------------------------------------------------
def _state_store_check(report: Report, settings: Any) -> None:
    from assistant.problems import _store_url

    try:
        from tools.governance.store import StateStore

        store = StateStore.open(settings.state_url, run_migrations=False)
        try:
            store.ping()
        finally:
            store.close()
        report.add("state_store", "State store", "ok", f"{_store_url(settings).removeprefix('at ')} answers")
    except Exception as exc:  # noqa: BLE001 - a line of the report
        report.add("state_store", "State store", "fail", f"{_store_url(settings)}: {_first_line(exc)}",
                   "Check QM_DATABASE_URL and that its database server is running.")


def _vector_store_check(report: Report, settings: Any) -> None:
    try:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if settings.chroma_host:
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                         settings=chroma_settings)
            client.heartbeat()
            where = f"Chroma server {settings.chroma_host}:{settings.chroma_port}"
        else:
            path = settings.data_dir / "chroma"
            if not path.exists():
                report.add("vector_store", "Vector store", "warn", f"no embedded store at {path} yet",
                           "It is created and filled at the first start (`quartermaster run`).")
                return
            client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            where = f"embedded store {path}"
        from knowledge.store import COLLECTION

        names = [getattr(c, "name", c) for c in client.list_collections()]
        chunks = client.get_collection(COLLECTION).count() if COLLECTION in names else 0
        report.add("vector_store", "Vector store", "ok" if chunks else "warn", f"{where}: {chunks} chunks",
                   None if chunks else "Ingest documents: `quartermaster knowledge ingest PATH` (or start once).")
    except Exception as exc:  # noqa: BLE001 - a line of the report
        fix = ("Check CHROMA_HOST and CHROMA_PORT, or unset CHROMA_HOST to use the embedded store."
               if settings.chroma_host else f"Check that {settings.data_dir} is writable.")
        report.add("vector_store", "Vector store", "fail", f"{type(exc).__name__}: {_first_line(exc)}", fix)


# -- helpers -------------------------------------------------------------------------------------
def _fix_for(exc: BaseException, settings: Any) -> str | None:
    """The 'what to change' half of the problem sentence (the first half is the detail)."""
    problem = describe(exc, settings)
    if problem is None:
        return None
    first = _first_line(exc).rstrip(".")
    return problem.message.replace(first, "", 1).lstrip(". ").strip() or problem.message


def _major(version: str) -> int | None:
    head = version.split(".", 1)[0].split("+")[0]
    digits = "".join(ch for ch in head if ch.isdigit())
    return int(digits) if digits else None


def _first_line(exc: BaseException | str) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def render(report: Report) -> str:
    """The checklist people read."""
    marks = {"ok": "✓", "warn": "!", "fail": "✗", "skip": "-"}
    t = report.target
    where = f"{t['odoo_url']}, database {t['db']}, login {t['login']}" + (" (sandbox)" if t["sandbox"] else "")
    lines = [f"Quartermaster doctor — {where}", ""]
    width = max((len(c.title) for c in report.checks), default=10)
    for c in report.checks:
        lines.append(f" {marks[c.status]} {c.title.ljust(width)}  {c.detail}")
        if c.fix and c.status in ("fail", "warn"):
            lines.append(f"   {' ' * width}  → {c.fix}")
    counts = report.public()["counts"]
    verdict = ("Blocked: fix the ✗ lines above." if report.blocking
               else "Ready." + (" Warnings (!) are worth a look." if counts["warn"] else ""))
    trips = f", {t['rpc_calls']} Odoo round trips" if t.get("rpc_calls") else ""
    lines += ["", f"{counts['ok']} ok, {counts['warn']} warnings, {counts['fail']} blocking "
                  f"({report.ms / 1000:.1f} s{trips}). {verdict}"]
    return "\n".join(lines)

def register(app: typer.Typer) -> None:
    @app.command()
    def doctor(as_json: bool = typer.Option(False, "--json", help="The report as JSON.")) -> None:
        """Check the Odoo connection end to end (version, database, login, apps, rights per tool, time zone,
        currency, references, warehouses) and the local stores; exit 1 when something blocks."""
        from assistant.settings import load_settings

        report = run_doctor(load_settings())
        if as_json:
            print(json.dumps(report.public(), ensure_ascii=False, indent=2, default=str))
        else:
            typer.echo(render(report))
        if report.blocking:
            raise typer.Exit(1)
