"""`quartermaster sandbox serve|reset` (filled in by the sandbox owner)."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)
