"""Printing a turn in the terminal, without typer: shared by `ask`/`chat` and the fast path of
`quartermaster ask` through a running server (assistant/cli/fast.py), so both print the same thing."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace
from typing import Any

_MD_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")


_SHOWING = re.compile(r"^\s*Showing (\d[\d,]*) of (\d[\d,]*)\b")
_BOLD = re.compile(r"^\s*\*\*([^*]+)\*\*\s*$")


def _without_tables(markdown: str, titles: set[str] | None = None) -> tuple[str, dict[str, int]]:
    """The answer minus the Markdown tables printed below from their rows (with their headings, so a title is
    said once and never left without its table), and each such table's total ("Showing 15 of 147").
    `titles=None`: every table goes. Other tables stay in the Markdown."""
    lines = markdown.splitlines()
    out: list[str] = []
    totals: dict[str, int] = {}
    i = 0
    while i < len(lines):
        bold = _BOLD.match(lines[i])
        j = i + 1
        while bold and j < len(lines) and not lines[j].strip():
            j += 1
        if bold and j < len(lines) and _MD_TABLE_ROW.match(lines[j]) and (titles is None or bold.group(1) in titles):
            while j < len(lines) and _MD_TABLE_ROW.match(lines[j]):
                j += 1
            k = j
            while k < len(lines) and not lines[k].strip():
                k += 1
            if k < len(lines) and (m := _SHOWING.match(lines[k])):
                totals[bold.group(1)] = int(m.group(2).replace(",", ""))
                j = k + 1
            i = j
            continue
        if _MD_TABLE_ROW.match(lines[i]):
            above = next((x for x in reversed(out) if x.strip()), "")
            titled = titles is not None and bool(_BOLD.match(above))
            while i < len(lines) and _MD_TABLE_ROW.match(lines[i]):
                if titled:  # a table under a heading of its own that is not printed below stays
                    out.append(lines[i])
                i += 1  # a table without a heading is the one printed below from its rows
            continue
        out.append(lines[i])
        i += 1
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n"), totals


def _min_width(header: str, cells: list[str]) -> int:
    """A column never narrower than its longest header word, nor than a one-word cell (a reference stays whole),
    nor than 18 for the words of longer text."""
    words = [len(w) for w in header.split()] or [1]
    whole = max((len(c) for c in cells if c and " " not in c), default=1)
    longest = max((len(w) for c in cells for w in c.split()), default=1)
    return max(max(words), whole, min(longest, 18), 1)


def _print_rows(console: Any, table: dict[str, Any], rows: list[list[Any]], caption: str | None) -> None:
    """A table on a terminal: wrapped cells under whole headers; one block per row when even that is too wide."""
    from rich.table import Table

    from assistant.people_text import heading

    heads = [heading(str(c)) or "—" for c in table["columns"]]
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    mins = [_min_width(h, [r[k] for r in cells if k < len(r)]) for k, h in enumerate(heads)]
    title = heading(table.get("title") or "")
    if sum(m + 3 for m in mins) + 1 > console.width:  # too narrow for columns: a list, every header whole
        if title:
            console.print(f"[bold]{title}[/]")
        for row in cells:
            console.print("\n".join(f"  {h}: {v}" for h, v in zip(heads, row, strict=False) if v) + "\n",
                          markup=False, highlight=False)
        if caption:
            console.print(f"[dim]{caption}[/]")
        return
    out = Table(title=title or None, show_lines=False, caption=caption)
    for k, head in enumerate(heads):
        out.add_column(head, no_wrap=False, overflow="fold", min_width=mins[k])
    for row in cells:
        out.add_row(*row)
    console.print(out)


def _render(console: Any, result: Any, policy: Any = None, role: str | None = None) -> None:
    """One table per answer: the structured rows when the turn has them, else the answer's own table;
    columns never cut (a reference like a receipt name must stay whole)."""
    from assistant.people_text import for_people

    _print_turn(console, result, for_people(result.answer, policy, role))


def _print_turn(console: Any, result: Any, answer: str) -> None:
    """Print a turn whose answer is already in people's words (in-process, or as a running server sent it)."""
    from rich.markdown import Markdown

    tables, seen = [], set()
    for t in result.tables:  # the same table twice (a question asked twice in one message) is printed once
        key = repr((t.get("title"), t.get("columns"), t.get("rows")))
        if len(t.get("rows") or []) >= 1 and key not in seen:
            seen.add(key)
            tables.append(t)
    titles = {str(t.get("title") or "") for t in tables}
    text, totals = _without_tables(answer, titles) if tables else (answer, {})
    console.print(Markdown(text))
    for t in tables:
        rows = t["rows"]
        shown = rows[:30]
        total = max(len(rows), totals.get(str(t.get("title") or ""), 0))
        caption = f"showing {len(shown)} of {total:,}" if len(shown) < total else None
        _print_rows(console, t, shown, caption)
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
