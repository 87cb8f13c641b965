"""The `quartermaster` command. Each area registers its own commands from its own module."""

from __future__ import annotations

import typer

from assistant import cli_chat, cli_governance, cli_knowledge, cli_run, cli_slack
from sandbox.cli import app as sandbox_app

app = typer.Typer(help="Quartermaster: a governed procurement and logistics assistant for Odoo.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)
app.add_typer(sandbox_app, name="sandbox", help="The embedded Odoo 18 sandbox.")
cli_run.register(app)
cli_governance.register(app)
cli_knowledge.register(app)
cli_chat.register(app)
cli_slack.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
