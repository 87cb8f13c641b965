"""`quartermaster doctor`: the connection checklist (see assistant/doctor.py)."""

from __future__ import annotations

import json

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def doctor(as_json: bool = typer.Option(False, "--json", help="The report as JSON.")) -> None:
        """Check the Odoo connection end to end (version, database, login, apps, rights per tool, time zone,
        currency, references, warehouses) and the local stores; exit 1 when something blocks."""
        from assistant.doctor import render, run_doctor
        from assistant.settings import load_settings

        report = run_doctor(load_settings())
        if as_json:
            print(json.dumps(report.public(), ensure_ascii=False, indent=2, default=str))
        else:
            typer.echo(render(report))
        if report.blocking:
            raise typer.Exit(1)
