"""The `quartermaster` commands (typer). Each area registers its own commands from its own module.

Errors: every command runs inside `FriendlyGroup.invoke`, the one place where a set-up or connection
failure (Odoo down, wrong database, login, a missing app, …) becomes one sentence on stderr — or a JSON
error object on stdout when the command was given `--json` — and exit code 1, never a traceback.
`QM_DEBUG=1` shows the traceback instead.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from assistant.cli import alerts as cli_alerts
from assistant.cli import chat as cli_chat
from assistant.cli import doctor as cli_doctor
from assistant.cli import governance as cli_governance
from assistant.cli import knowledge as cli_knowledge
from assistant.cli import logs as cli_logging
from assistant.cli import mail as cli_mail
from assistant.cli import run as cli_run
from assistant.cli import slack as cli_slack
from sandbox.cli import app as sandbox_app

EXIT_PROBLEM = 1


class FriendlyGroup(TyperGroup):
    """The root command group: turns known set-up problems into one sentence and exit code 1."""

    wants_json = False

    def main(self, args: Sequence[str] | None = None, *a: Any, **kw: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        FriendlyGroup.wants_json = "--json" in argv
        cli_logging.quiet()
        return super().main(args, *a, **kw)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            if cli_logging.debug():
                raise
            from assistant.problems import Problem, describe

            problem = describe(exc, _settings_or_none())
            if problem is None:
                logging.getLogger("quartermaster.cli").debug("unexpected error", exc_info=exc)
                problem = Problem("internal", f"Quartermaster stopped on an unexpected error ({type(exc).__name__}: "
                                              f"{_first_line(exc)}). Run again with QM_DEBUG=1 to see where.")
            if FriendlyGroup.wants_json:
                print(json.dumps(problem.public(), ensure_ascii=False))
            else:
                typer.echo(problem.message, err=True)
            raise typer.Exit(EXIT_PROBLEM) from None


def _settings_or_none() -> Any:
    try:
        from assistant.settings import load_settings

        return load_settings()
    except Exception:  # noqa: BLE001 - the settings themselves may be what is broken
        return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else "no message"


app = typer.Typer(cls=FriendlyGroup, help="Quartermaster: a governed procurement and logistics assistant for Odoo.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)
app.add_typer(sandbox_app, name="sandbox", help="The embedded Odoo 18 sandbox.")
cli_run.register(app)
cli_governance.register(app)
cli_knowledge.register(app)
cli_chat.register(app)
cli_slack.register(app)
cli_doctor.register(app)
cli_mail.register(app)
cli_alerts.register(app)
