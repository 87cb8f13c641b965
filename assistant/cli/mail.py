"""`quartermaster mail sync` and `quartermaster mail import PATH`: the procurement mailbox, read-only.

`sync` fetches new messages from the configured IMAP folders (incremental: UIDVALIDITY/UID cursor in the
state store), then links and reads every new message against the connected Odoo. `import` does the same
for .eml files, folders and mbox archives. `triage` lists the messages nobody could link yet, and
`suggestions` the receipts that vendors announced later than scheduled.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer


def imap_config(settings: Any) -> Any:
    from tools.mail.imap import ImapConfig

    security = settings.mail_security
    port = settings.mail_port or (993 if security == "ssl" else 143)
    folders = [f.strip() for f in str(settings.mail_folders or "INBOX").split(",") if f.strip()] or ["INBOX"]
    return ImapConfig(host=str(settings.mail_host), port=int(port), security=security, user=str(settings.mail_user),
                      password=settings.mail_password, oauth2_token=settings.mail_oauth2_token, folders=folders,
                      ca_file=settings.mail_ca_file)


@contextlib.contextmanager
def _mail_store() -> Iterator[tuple[Any, Any, dict[str, Any]]]:
    from assistant.cli.governance import _odoo_factory
    from assistant.settings import load_settings
    from tools.governance.store import StateStore
    from tools.mail.store import MailStore

    settings = load_settings()
    store = StateStore.open(settings.state_url)
    holder: dict[str, Any] = {}
    holder["connect"] = _odoo_factory(settings, holder)
    try:
        yield settings, MailStore(store), holder
    finally:
        store.close()
        if holder.get("sandbox") is not None:
            holder["sandbox"].stop()


def _understander(settings: Any) -> Any:
    if settings.resolved_brain != "llm":
        return None
    from assistant.llm import build_llm
    from assistant.mail_reading import make_understander

    return make_understander(build_llm(model=settings.model, base_url=settings.openai_base_url,
                                       api_key=settings.openai_api_key, timeout_s=30.0))


def _process(settings: Any, mails: Any, holder: dict[str, Any], skip: bool) -> dict[str, Any]:
    if skip:
        return {}
    from tools.mail.sync import process_pending

    odoo = holder["connect"]()
    rep = process_pending(mails, odoo, understander=_understander(settings))
    return {"processed": rep.processed, "linked": rep.linked, "unlinked": rep.unlinked, "kinds": rep.kinds,
            "read_by_llm": rep.by_llm}


def _fail(message: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"error": "mail", "message": message}, ensure_ascii=False))
    else:
        typer.echo(message, err=True)
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    mail = typer.Typer(no_args_is_help=True, help="The procurement mailbox (read-only): sync, import, triage.")
    app.add_typer(mail, name="mail")

    @mail.command("sync")
    def sync(as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
             no_process: bool = typer.Option(False, "--no-process", help="Only fetch; link and read later.")) -> None:
        """Fetch new messages from the configured IMAP folders, then link and read them."""
        from tools.mail.imap import MailboxError
        from tools.mail.sync import sync_imap

        with _mail_store() as (settings, mails, holder):
            if not settings.mail_enabled:
                _fail("No mailbox is configured: set QM_MAIL_HOST, QM_MAIL_USER and QM_MAIL_PASSWORD (or "
                      "QM_MAIL_OAUTH2_TOKEN); see the README section 'The procurement mailbox'.", as_json)
            try:
                rep = sync_imap(mails, imap_config(settings))
            except MailboxError as exc:
                _fail(str(exc), as_json)
                return
            out = {"fetched": rep.fetched, "new": rep.new, "duplicates": rep.duplicates, "folders": rep.folders,
                   "folders_read_again": rep.reset_folders, "skipped": rep.skipped,
                   **_process(settings, mails, holder, no_process)}
        _print(out, as_json)

    @mail.command("import")
    def import_(path: Path = typer.Argument(..., help="An .eml file, a folder of them, or an mbox archive."),
                as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
                no_process: bool = typer.Option(False, "--no-process", help="Only store; link and read later.")) -> None:
        """Import messages from files (each stored once, by Message-ID), then link and read them."""
        from tools.mail.sync import import_path

        with _mail_store() as (settings, mails, holder):
            try:
                rep, archive = import_path(mails, path)
            except (FileNotFoundError, PermissionError) as exc:
                _fail(str(exc) if isinstance(exc, FileNotFoundError) else f"{path} cannot be read.", as_json)
                return
            out = {"files": archive.files, "messages": rep.fetched, "new": rep.new, "duplicates": rep.duplicates,
                   "skipped": rep.skipped, **_process(settings, mails, holder, no_process)}
        _print(out, as_json)

    @mail.command("triage")
    def triage(as_json: bool = typer.Option(False, "--json")) -> None:
        """Messages no vendor or document could be found for (link them in the web app)."""
        from tools.mail.notices import mail_item

        with _mail_store() as (_s, mails, _h):
            rows = [mail_item(r, text_limit=160) for r in mails.triage()]
        _print({"unlinked": rows}, as_json)

    @mail.command("suggestions")
    def suggestions(as_json: bool = typer.Option(False, "--json")) -> None:
        """Open receipts a vendor announced later than scheduled (suggestions; nothing is proposed)."""
        from tools.mail.notices import reschedule_suggestions

        with _mail_store() as (_s, mails, holder):
            rows = reschedule_suggestions(mails.store, holder["connect"]())
        _print({"reschedule_suggestions": rows}, as_json)


def _print(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))
        return
    for key, value in data.items():
        if value in ({}, [], None):
            continue
        if isinstance(value, list):
            typer.echo(f"{key.replace('_', ' ')}:")
            for item in value:
                text = item if not isinstance(item, dict) else ", ".join(
                    f"{k}: {v}" for k, v in item.items() if v not in (None, ""))
                typer.echo(f"  - {text}")
        else:
            typer.echo(f"{key.replace('_', ' ')}: {value}")


def mailbox_check(report: Any, settings: Any) -> None:
    """`quartermaster doctor`: when a mailbox is configured, log in read-only and open each folder."""
    if not settings.mail_enabled:
        return
    from tools.mail.imap import ImapMailbox, MailboxError

    config = imap_config(settings)
    try:
        with ImapMailbox(config) as box:
            for folder in config.folders:
                box.examine(folder)
        report.add("mailbox", "Procurement mailbox", "ok",
                   f"{config.user} at {config.host}:{config.port} ({config.security}); folders "
                   f"{', '.join(config.folders)} readable")
    except MailboxError as exc:
        report.add("mailbox", "Procurement mailbox", "fail", str(exc),
                   "Check QM_MAIL_HOST, QM_MAIL_PORT, QM_MAIL_SECURITY, QM_MAIL_USER, the password or token and "
                   "QM_MAIL_FOLDERS.")
