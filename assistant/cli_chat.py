"""`quartermaster chat`, `ask` and `eval`: the assistant from a terminal."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import typer


def _runtime(brain: str | None = None) -> Any:
    """The Runtime; reuses the sandbox `quartermaster run` keeps on QM_SANDBOX_PORT (same data dir)."""
    from assistant.local_sandbox import SandboxPortTaken
    from assistant.runtime import Runtime
    from assistant.settings import load_settings

    overrides: dict[str, Any] = {}
    if brain in ("offline", "llm"):
        overrides["brain"] = brain
    try:
        return Runtime.build(load_settings(**overrides))
    except SandboxPortTaken as exc:
        typer.echo(f"Cannot start: {exc}", err=True)
        raise typer.Exit(1) from None


def _render(console: Any, result: Any) -> None:
    from rich.markdown import Markdown
    from rich.table import Table

    console.print(Markdown(result.answer))
    for t in result.tables:
        if len(t["rows"]) < 2:
            continue
        table = Table(title=t["title"], show_lines=False)
        for col in t["columns"]:
            table.add_column(str(col))
        for row in t["rows"][:30]:
            table.add_row(*["" if v is None else str(v) for v in row])
        console.print(table)
    if result.proposals:
        console.print("[bold yellow]Proposals:[/] " + ", ".join(p["id"] for p in result.proposals)
                      + " (pending approval: `quartermaster proposals list`)")
    calls = ", ".join(f"{c['name']} ({c['ms']:.0f} ms, {c['rpc_calls']} rpc)" for c in result.tool_calls)
    console.print(f"[dim]{result.brain} · {result.ms:.0f} ms · {calls or 'no tools'} · run {result.run_id}[/]")


def register(app: typer.Typer) -> None:
    @app.command()
    def chat(as_user: str = typer.Option("admin", "--as", help="Username from the users file."),
             thread: str = typer.Option(None, "--thread", help="Continue a thread id.")) -> None:
        """An interactive chat with history (arrow keys) and tables. Ctrl-D or /quit ends it."""
        import uuid

        from rich.console import Console

        console = Console()
        runtime = _runtime()
        try:
            user = runtime.user(as_user)
            if user is None:
                console.print(f"[red]Unknown user '{as_user}'.[/] Users: "
                              + ", ".join(u.username for u in runtime.directory.all()))
                raise typer.Exit(2)
            _setup_readline(runtime.settings.data_dir / "chat_history")
            thread_id = thread or uuid.uuid4().hex[:16]
            console.print(f"Quartermaster ({runtime.brain_name} brain) as [bold]{user.label}[/] ({user.role}); "
                          f"thread {thread_id}. Type 'help', or /quit.")
            while True:
                try:
                    text = input("you> ")
                except (EOFError, KeyboardInterrupt):
                    console.print()
                    break
                if text.strip() in ("/quit", "/exit", "quit", "exit"):
                    break
                if not text.strip():
                    continue
                with console.status("thinking…"):
                    result = runtime.assistant.ask(user, text, thread_id=thread_id, channel="cli")
                _render(console, result)
        finally:
            runtime.close()

    @app.command()
    def ask(question: str = typer.Argument(..., help="The question, in quotes."),
            as_user: str = typer.Option("admin", "--as", help="Username from the users file."),
            thread: str = typer.Option(None, "--thread", help="Thread id, to continue a conversation."),
            as_json: bool = typer.Option(False, "--json", help="Print the TurnResult as JSON.")) -> None:
        """Ask one question and print the answer."""
        from rich.console import Console

        console = Console()
        runtime = _runtime()
        try:
            result = runtime.assistant.ask_as(as_user, question, thread_id=thread, channel="cli")
            if as_json:
                print(json.dumps(result.public(), default=str, ensure_ascii=False, indent=2))
            else:
                _render(console, result)
            if result.error == "unknown_user":
                raise typer.Exit(2)
            if (result.error or "").startswith("odoo_"):  # Odoo failed under the question: not an answer
                raise typer.Exit(1)
        finally:
            runtime.close()

    @app.command("eval")
    def eval_cmd(brain: str = typer.Option("offline", help="offline | llm (OPENAI_BASE_URL) | scripted "
                                                           "(a local scripted OpenAI-compatible mock)"),
                 category: str = typer.Option(None, help="Only this category."),
                 questions: Path = typer.Option(None, help="Question file (YAML).")) -> None:
        """Run the evaluation set; print accuracy per category and the failures."""
        from rich.console import Console

        from assistant.eval.runner import print_report, run_eval

        console = Console()
        runtime = _runtime("offline" if brain == "scripted" else brain)
        try:
            report = run_eval(runtime, brain=brain, category=category, path=questions)
            print_report(console, report)
            if report.failed:
                raise typer.Exit(1)
        finally:
            runtime.close()


def _setup_readline(path: Path) -> None:
    try:
        import atexit
        import readline
    except ImportError:  # Windows without pyreadline: plain input still works
        return
    with contextlib.suppress(OSError):
        readline.read_history_file(path)
    readline.set_history_length(500)
    atexit.register(lambda: _save_history(readline, path))


def _save_history(readline: Any, path: Path) -> None:
    with contextlib.suppress(OSError):
        readline.write_history_file(path)
