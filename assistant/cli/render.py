"""Printing a turn in the terminal, without typer: shared by `ask`/`chat` and the fast path of
`quartermaster ask` through a running server (assistant/cli/fast.py), so both print the same thing."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace
from typing import Any

_MD_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")


def _without_tables(markdown: str) -> str:
    """The answer minus its Markdown tables (printed once, below, from the rows behind them)."""
    return "\n".join(line for line in markdown.splitlines() if not _MD_TABLE_ROW.match(line))


def _render(console: Any, result: Any, policy: Any = None, role: str | None = None) -> None:
    """One table per answer: the structured rows when the turn has them, else the answer's own table;
    columns never cut (a reference like a receipt name must stay whole)."""
    from assistant.people_text import for_people

    _print_turn(console, result, for_people(result.answer, policy, role))


def _print_turn(console: Any, result: Any, answer: str) -> None:
    """Print a turn whose answer is already in people's words (in-process, or as a running server sent it)."""
    from rich.markdown import Markdown
    from rich.table import Table

    from assistant.people_text import heading

    tables = [t for t in result.tables if len(t.get("rows") or []) >= 1]
    console.print(Markdown(_without_tables(answer) if tables else answer))
    for t in tables:
        rows = t["rows"]
        shown = rows[:30]
        caption = f"showing {len(shown)} of {len(rows)}" if len(shown) < len(rows) else None
        table = Table(title=heading(t.get("title") or ""), show_lines=False, caption=caption)
        for col in t["columns"]:
            table.add_column(heading(str(col)), no_wrap=True, overflow="fold")
        for row in shown:
            table.add_row(*["" if v is None else str(v) for v in row])
        console.print(table)
    if result.proposals:
        console.print("[bold yellow]Proposals:[/] " + ", ".join(p["id"] for p in result.proposals)
                      + " (pending approval: `quartermaster proposals list`)")
    calls = ", ".join(f"{c['name']} ({c['ms']:.0f} ms, {c['rpc_calls']} rpc)" for c in result.tool_calls)
    console.print(f"[dim]{result.brain} · {result.ms:.0f} ms · {calls or 'no tools'} · run {result.run_id}[/]")


def _console() -> Any:
    """A console that does not squeeze tables to 80 columns when printing into a pipe or a file."""
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=200)


def print_served(console: Any, served: dict[str, Any], as_json: bool) -> int:
    """Print what a running server answered for `ask` as `ask` prints it in-process; returns the exit code
    (0; 2 for an unknown user; 1 when Odoo failed under the question or the server reported a problem)."""
    problem = served.get("problem")
    if problem is not None:
        if as_json:
            print(json.dumps(problem, ensure_ascii=False))
        else:
            import sys

            print(problem.get("message") or "The running Quartermaster server failed on this question.",
                  file=sys.stderr)
        return 1
    public = served["result"]
    if as_json:
        print(json.dumps(public, default=str, ensure_ascii=False, indent=2))
    else:
        result = SimpleNamespace(**public, tables=served.get("tables") or [], ms=float(served.get("ms") or 0.0))
        _print_turn(console if console is not None else _console(), result, str(served.get("people_answer") or public.get("answer") or ""))
    if public.get("error") == "unknown_user":
        return 2
    if (public.get("error") or "").startswith("odoo_"):
        return 1
    return 0
