"""`quartermaster proposals …`, `quartermaster audit …` and `quartermaster tool NAME --args JSON --as USER`.

Why a CLI: support staff and tests can see, approve and reconcile proposals and check the audit chain
without a browser. Deciding needs the decider's credentials (`--as` + password, or QM_TOKEN): a shell
on the host is not an approval. `--admin-override` exists for operators and is audited; every decision
is still re-authorised by the policy.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

EXIT = {"executed": 0, "rejected": 0, "noop": 0, "unknown": 2}
PROPOSAL_STATES = ("pending", "approved", "executing", "executed", "failed", "stale", "rejected", "expired")


@dataclass
class Governance:
    """Just the governance pieces (no knowledge base, no brain): fast to build."""

    settings: Any
    store: Any
    policy: Any
    directory: Any
    audit: Any
    proposals: Any
    sandbox: Any = None

    def close(self) -> None:
        self.store.close()
        if self.sandbox is not None:
            self.sandbox.stop()



def _kinds_for_help() -> str:
    """The kinds only when the `tool` command is what runs: importing the actions costs seconds that
    every other command (`ask` above all) would pay at start-up for a help text it never shows."""
    import sys

    if "tool" not in sys.argv[1:3]:
        return "see `quartermaster tool --help`"
    return ", ".join(_proposal_kinds())


def _proposal_kinds() -> list[str]:
    """The proposal kinds (tools/actions' catalogue) for help texts, so a new kind is listed without edits."""
    try:
        from tools.actions import ACTION_TOOLS
    except ImportError:  # pragma: no cover - a broken actions package must not break the CLI
        return []
    return [t.name for t in ACTION_TOOLS if t.kind == "propose"]  # (the request queue read lives beside them)

def _odoo_factory(settings: Any, holder: dict[str, Any]) -> Any:
    """Connect to ODOO_URL, or to a sandbox already listening on QM_SANDBOX_PORT, or start one."""

    def connect() -> Any:
        from tools.odoo.client import OdooClient
        from tools.odoo.errors import OdooError, OdooUnavailable

        if settings.odoo_url:
            return OdooClient.connect(settings.odoo_url, settings.odoo_db, settings.odoo_login,
                                      settings.odoo_password, timeout=settings.odoo_timeout)
        local = f"http://127.0.0.1:{settings.sandbox_port}"
        with contextlib.suppress(OdooUnavailable, OdooError, OSError):
            return OdooClient.connect(local, settings.odoo_db, settings.odoo_login, settings.odoo_password,
                                      timeout=5)
        from sandbox.launch import start_sandbox

        running = start_sandbox(settings.data_dir / "sandbox", port=settings.sandbox_port,
                                scale=settings.sandbox_scale, cache_dir=settings.data_dir / "cache",
                                business=settings.sandbox_business)
        holder["sandbox"] = running
        return OdooClient.connect(running.url, running.db, settings.odoo_login, settings.odoo_password,
                                  timeout=settings.odoo_timeout)

    return connect


@contextlib.contextmanager
def governance() -> Iterator[Governance]:
    from assistant.settings import load_settings
    from tools.governance.audit import AuditLog
    from tools.governance.identity import Directory
    from tools.governance.policy import Policy
    from tools.governance.proposals import ProposalService
    from tools.governance.store import StateStore

    settings = load_settings()
    store = StateStore.open(settings.state_url)
    policy = Policy.load(settings.resolved_policy_file)
    directory = Directory.load(settings.resolved_users_file)
    audit = AuditLog(store)
    holder: dict[str, Any] = {}
    service = ProposalService(store, policy, directory, audit, odoo_factory=_odoo_factory(settings, holder))
    gov = Governance(settings, store, policy, directory, audit, service)
    try:
        yield gov
    finally:
        gov.sandbox = holder.get("sandbox")
        gov.close()


def _user(gov: Governance, username: str) -> Any:
    user = gov.directory.get(username)
    if user is None:
        typer.echo(f"Unknown user '{username}'. Users: "
                   + ", ".join(u.username for u in gov.directory.all()), err=True)
        raise typer.Exit(2)
    return user


NO_CREDENTIALS = 3


def _credentials(gov: Governance, as_user: str | None, password_stdin: bool, admin_override: bool,
                 action: str) -> Any:
    """The deciding user, proven by QM_TOKEN, or --as plus a password (prompt or stdin). Without proof the
    command exits 3 before anything is decided, unless --admin-override (audited)."""
    import getpass
    import os

    token = os.environ.get("QM_TOKEN", "").strip()
    if token and not admin_override:
        user = gov.directory.verify_token(token)
        if user is None or (as_user and as_user != user.username):
            typer.echo("QM_TOKEN is not valid" + (f" for {as_user}" if as_user and user else "") +
                       "; nothing decided.", err=True)
            raise typer.Exit(NO_CREDENTIALS)
        return user
    if not as_user:
        typer.echo("Say who you are: --as USER (then your password), or set QM_TOKEN; nothing decided.", err=True)
        raise typer.Exit(NO_CREDENTIALS)
    user = _user(gov, as_user)
    if admin_override:
        operator = getpass.getuser()
        gov.audit.record("cli_admin_override", operator[:128], None,
                         {"as": user.username, "action": action, "host_user": operator}, on_behalf_of=user.username)
        typer.echo(f"Admin override by {operator}: acting as {user.username} without credentials (audited).",
                   err=True)
        return user
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = typer.prompt(f"Password for {user.username}", hide_input=True, default="", show_default=False)
    else:
        typer.echo("No password: run in a terminal, or pass --password-stdin, or set QM_TOKEN; nothing decided.",
                   err=True)
        raise typer.Exit(NO_CREDENTIALS)
    proven = gov.directory.verify_password(user.username, password) if password else None
    if proven is None:
        gov.audit.record("login", user.username, None, {"channel": "cli", "ok": False, "reason": "bad_credentials"})
        typer.echo(f"Wrong password for {user.username}; nothing decided.", err=True)
        raise typer.Exit(NO_CREDENTIALS)
    return proven


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    proposals = typer.Typer(no_args_is_help=True, help="List, show, approve, reject and reconcile proposals.")
    audit = typer.Typer(no_args_is_help=True, help="Check and export the hash-chained audit trail.")
    app.add_typer(proposals, name="proposals")
    app.add_typer(audit, name="audit")

    @proposals.command("list")
    def list_(state: str = typer.Option("pending", help="pending (default), approved, executing, executed, "
                                                        "failed, stale, rejected, expired, or all."),
              requester: str = typer.Option(None, help="Only this requester's proposals."),
              approver: str = typer.Option(None, help="Only pending proposals this user may approve now."),
              limit: int = typer.Option(50, min=1, max=1000),
              as_json: bool = typer.Option(False, "--json", help="JSON instead of a table.")) -> None:
        """Newest first; pending ones unless --state says otherwise."""
        wanted = state.strip().lower()
        if wanted not in PROPOSAL_STATES and wanted != "all":
            typer.echo(f"Unknown state '{state}'. Use one of: {', '.join(PROPOSAL_STATES)}, all.", err=True)
            raise typer.Exit(2)
        with governance() as gov:
            gov.proposals.expire_due()
            items = gov.proposals.list(state=None if wanted == "all" else wanted, requester=requester,
                                       approver=approver, limit=limit)
            if as_json:
                _print_json([p.to_dict() for p in items])
                return
            from rich.console import Console
            from rich.table import Table

            table = Table(show_lines=False)
            for col in ("id", "state", "kind", "amount", "requester", "approvers", "created", "summary"):
                table.add_column(col)
            for p in items:
                amount = f"{p.amount:,.2f} {p.currency or ''}".strip() if p.has_spend else "—"  # no spend, no 0.00
                table.add_row(p.id, p.state, p.kind.replace("_", " "), amount, p.requester,
                              ", ".join(p.eligible_approvers), f"{p.created_at:%Y-%m-%d %H:%M} UTC", p.summary)
            none = "No proposals." if wanted == "all" else f"No {wanted} proposals (--state all shows every one)."
            Console(width=None if sys.stdout.isatty() else 200).print(table if items else none)

    @proposals.command("show")
    def show(proposal_id: str) -> None:
        """Everything about one proposal, with its history."""
        with governance() as gov:
            p = gov.proposals.get(proposal_id)
            if p is None:
                typer.echo(f"No proposal {proposal_id}.", err=True)
                raise typer.Exit(1)
            _print_json({**p.to_dict(), "history": gov.proposals.history(proposal_id)})

    def _decide(proposal_id: str, as_user: str | None, verdict: str, comment: str | None,
                password_stdin: bool, admin_override: bool) -> None:
        with governance() as gov:
            user = _credentials(gov, as_user, password_stdin, admin_override, f"{verdict} {proposal_id}")
            decision = gov.proposals.decide(proposal_id, user, verdict, comment)
            typer.echo(f"{decision.outcome}: {decision.message}")
            raise typer.Exit(EXIT.get(decision.outcome, 1))

    as_opt = typer.Option(None, "--as", help="Your username (then your password: prompt or --password-stdin).")
    stdin_opt = typer.Option(False, "--password-stdin", help="Read the password from the first line of stdin.")
    override_opt = typer.Option(False, "--admin-override", help="Operator override: act as --as without their "
                                "credentials. Audited with the operating-system user.")

    @proposals.command("approve")
    def approve(proposal_id: str, as_user: str = as_opt, comment: str = typer.Option(None, "--comment", "-m"),
                password_stdin: bool = stdin_opt, admin_override: bool = override_opt) -> None:
        """Approve (then execute once against Odoo) with your credentials (--as + password, or QM_TOKEN).
        Exit 0 executed/no-op, 1 refused/stale/failed, 3 no valid credentials (nothing decided)."""
        _decide(proposal_id, as_user, "approve", comment, password_stdin, admin_override)

    @proposals.command("reject")
    def reject(proposal_id: str, as_user: str = as_opt, comment: str = typer.Option(None, "--comment", "-m"),
               password_stdin: bool = stdin_opt, admin_override: bool = override_opt) -> None:
        """Reject a pending proposal (an eligible approver, or the requester withdrawing it); credentials
        as for approve."""
        _decide(proposal_id, as_user, "reject", comment, password_stdin, admin_override)

    @proposals.command("confirm")
    def confirm(proposal_id: str, as_user: str = as_opt, password_stdin: bool = stdin_opt) -> None:
        """The requester confirms a proposal the assistant suggested from untrusted content; only then do
        approvers see it."""
        with governance() as gov:
            user = _credentials(gov, as_user, password_stdin, False, f"confirm {proposal_id}")
            decision = gov.proposals.confirm(proposal_id, user)
            typer.echo(f"{decision.outcome}: {decision.message}")
            raise typer.Exit(0 if decision.outcome == "noop" else 1)

    @proposals.command("reconcile")
    def reconcile(proposal_id: str = typer.Argument(None, help="One proposal; all stuck ones if omitted."),
                  force: bool = typer.Option(False, help="Ignore the execution lease (only if no other "
                                                         "process can be executing it).")) -> None:
        """Finish proposals left approved/executing by a crash (finds the Odoo marker; never repeats)."""
        with governance() as gov:
            if proposal_id:
                decisions = [gov.proposals.reconcile(proposal_id, "cli", force=force)]
            else:
                decisions = gov.proposals.reconcile_stuck("cli", force=force)
            for d in decisions:
                typer.echo(f"{d.outcome}: {d.message}")
            if not decisions:
                typer.echo("Nothing to reconcile.")

    @audit.command("verify")
    def verify() -> None:
        """Walk the hash chain and every proposal's seal; exit 1 and name each edited, deleted or reordered row."""
        with governance() as gov:
            problems = gov.audit.verify()
            for pid, found in gov.proposals.verify_all().items():
                problems.append(f"proposal {pid}: " + "; ".join(found))
            seq, head = gov.audit.head()
            if problems:
                for p in problems:
                    typer.echo(f"PROBLEM {p}")
                typer.echo(f"audit chain BROKEN: {len(problems)} problem(s) in {seq} events", err=True)
                raise typer.Exit(1)
            typer.echo(f"audit chain intact: {seq} events, head {head}")

    @audit.command("export")
    def export(path: Path = typer.Argument(..., help="Output JSONL file.")) -> None:
        """Write every audit event as one JSON line (prints the head hash to anchor elsewhere)."""
        with governance() as gov:
            count, head = gov.audit.export(path)
            typer.echo(f"exported {count} events and {len(gov.audit.checkpoints())} signed checkpoints to "
                       f"{path}; head {head}")

    @audit.command("checkpoint")
    def checkpoint() -> None:
        """Sign the current head now (the server also does it every 100 events and every minute)."""
        with governance() as gov:
            cp = gov.audit.checkpoint()
            seq, head = gov.audit.head()
            typer.echo(f"checkpoint signed at seq {seq}, head {head}" if cp else f"head seq {seq} already signed")

    @audit.command("verify-export")
    def verify_export_(path: Path = typer.Argument(..., help="A file written by `audit export`."),
                       checkpoints: Path = typer.Option(None, help="A checkpoint file kept outside the database "
                                                                   "(QM_AUDIT_CHECKPOINT_FILE) to check against.")
                       ) -> None:
        """Check an export anywhere, with the signing key (QM_SIGNING_KEY or QM_SIGNING_KEY_FILE); no database."""
        from tools.governance.audit import read_checkpoint_file, verify_export
        from tools.governance.keys import SigningKeyError, SigningKeys

        try:
            keys = SigningKeys.load()
        except SigningKeyError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from exc
        extra = read_checkpoint_file(checkpoints) if checkpoints else []
        count, head, problems = verify_export(path, keys, extra)
        for p in problems:
            typer.echo(f"PROBLEM {p}")
        if problems:
            typer.echo(f"export BROKEN: {len(problems)} problem(s) in {count} events", err=True)
            raise typer.Exit(1)
        typer.echo(f"export intact: {count} events, head {head}, end confirmed by a signed checkpoint")

    @app.command("tool")
    def tool_(name: str = typer.Argument(..., help="Tool name, e.g. stock_levels; proposal tools: "
                                                    + _kinds_for_help() + "."),
              args: str = typer.Option("{}", "--args", help="Arguments as a JSON object."),
              as_user: str = typer.Option("admin", "--as", help="Username from the users file.")) -> None:
        """Run one tool as a given user through the governed registry (policy, redaction, audit)."""
        try:
            parsed = json.loads(args)
        except ValueError as exc:
            typer.echo(f"--args is not JSON: {exc}", err=True)
            raise typer.Exit(2) from exc
        if not isinstance(parsed, dict):
            typer.echo("--args must be a JSON object", err=True)
            raise typer.Exit(2)
        from tools.base import ToolContext
        from tools.registry import run_tool

        with governance() as gov:
            user = _user(gov, as_user)
            odoo = gov.proposals.odoo()
            knowledge = None
            if name == "search_documents":  # only this tool needs the document index
                from assistant.runtime import _knowledge

                knowledge = _knowledge(gov.settings, ingest=False)
            ctx = ToolContext(user=user, odoo=odoo, store=gov.store, policy=gov.policy, audit=gov.audit,
                              knowledge=knowledge, channel="cli")
            result = run_tool(ctx, name, parsed)
            _print_json(result.model_dump(exclude_defaults=False))
            sys.stdout.flush()
            if not result.ok:
                raise typer.Exit(1)
