"""The `quartermaster` command: `main` is the entry point; the commands are in assistant/cli/commands.py.

Why this module is nearly empty: `quartermaster ask` answered by a running server of the same data dir
(assistant/cli/fast.py) returns before the command framework and every command are imported.
`from assistant.cli import app` still gives the typer app.
"""

from __future__ import annotations

import sys
from typing import Any


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "ask":
        from assistant.cli.fast import try_ask

        code = try_ask(sys.argv[2:])
        if code is not None:
            sys.exit(code)
    from assistant.cli.commands import app

    app()


def __getattr__(name: str) -> Any:
    if name in ("app", "FriendlyGroup", "EXIT_PROBLEM"):
        from assistant.cli import commands

        return getattr(commands, name)
    raise AttributeError(f"module 'assistant.cli' has no attribute {name!r}")
