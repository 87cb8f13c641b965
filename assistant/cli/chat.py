"""`quartermaster chat`, `ask` and `eval`: the assistant from a terminal."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import typer

from assistant.cli.render import _console, _render  # _render: also imported by tests


def _runtime(brain: str | None = None, warm: bool = True) -> Any:
    """The Runtime; reuses the sandbox `quartermaster run` keeps on QM_SANDBOX_PORT (same data dir)."""
    from assistant.local_sandbox import SandboxPortTaken
    from assistant.runtime import Runtime
    from assistant.settings import load_settings

    overrides: dict[str, Any] = {}
    if brain in ("offline", "llm"):
        overrides["brain"] = brain
    try:
        return Runtime.build(load_settings(**overrides), warm=warm)
    except SandboxPortTaken as exc:
        typer.echo(f"Cannot start: {exc}", err=True)
        raise typer.Exit(1) from None


def register(app: typer.Typer) -> None:
    @app.command()
    def chat(as_user: str = typer.Option("admin", "--as", help="Username from the users file."),
             thread: str = typer.Option(None, "--thread", help="Continue a thread id.")) -> None:
        """An interactive chat with history (arrow keys) and tables. Ctrl-D or /quit ends it."""
        import uuid

        console = _console()
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
                _render(console, result, runtime.policy, user.role)
        finally:
            runtime.close()

    @app.command()
    def ask(question: str = typer.Argument(..., help="The question, in quotes."),
            as_user: str = typer.Option("admin", "--as", help="Username from the users file."),
            thread: str = typer.Option(None, "--thread", help="Thread id, to continue a conversation."),
            as_json: bool = typer.Option(False, "--json", help="Print the TurnResult as JSON.")) -> None:
        """Ask one question and print the answer (through `quartermaster run` of this data dir when it is up)."""
        console = _console()
        if _ask_via_server(console, question, as_user, thread, as_json):
            return
        runtime = _runtime(warm=False)  # one question: open only what it needs
        try:
            result = runtime.assistant.ask_as(as_user, question, thread_id=thread, channel="cli")
            if as_json:
                print(json.dumps(result.public(), default=str, ensure_ascii=False, indent=2))
            else:
                asker = runtime.user(as_user)
                _render(console, result, runtime.policy, asker.role if asker else None)
            if result.error == "unknown_user":
                raise typer.Exit(2)
            if (result.error or "").startswith("odoo_"):  # Odoo failed under the question: not an answer
                raise typer.Exit(1)
        finally:
            runtime.close()

    @app.command("eval")
    def eval_cmd(set_name: str = typer.Option("dev", "--set", help="dev (the development set) | paraphrase "
                                                                     "(the held-out set)"),
                 brain: str = typer.Option("offline", help="offline | llm (any OpenAI-compatible endpoint: "
                                                           "OPENAI_BASE_URL, OPENAI_API_KEY, QM_MODEL) | scripted "
                                                           "(a local scripted OpenAI-compatible mock)"),
                 business: str = typer.Option(None, help="Sandbox business(es) to run on, comma-separated "
                                                         "(default: the configured one)."),
                 category: str = typer.Option(None, help="Only this category."),
                 questions: Path = typer.Option(None, help="Question file (YAML) instead of --set."),
                 as_json: bool = typer.Option(False, "--json", help="Print the reports as JSON."),
                 failures: bool = typer.Option(True, help="List every miss with its reason.")) -> None:
        """Run an evaluation set on its own data dir and sandbox (or read-only against a real Odoo); print
        right / wrong / question back / declined and confident wrong answers, per category."""
        from rich.console import Console

        from assistant.eval.isolation import eval_runtime
        from assistant.eval.runner import print_report, reports_json, run_eval, set_path
        from assistant.settings import load_settings
        from tools.odoo.errors import OdooError, OdooUnavailable

        console = Console()
        try:
            path = questions or set_path(set_name)
        except ValueError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from None
        settings = load_settings()
        if brain == "llm" and not (settings.openai_base_url or settings.openai_api_key):
            typer.echo("--brain llm needs OPENAI_BASE_URL (and OPENAI_API_KEY if the endpoint wants one).", err=True)
            raise typer.Exit(2)
        reports = []
        for biz in ([b.strip() for b in business.split(",") if b.strip()] if business else [None]):
            try:
                with eval_runtime(settings, brain=brain, business=biz) as runtime:
                    report = run_eval(runtime, brain=brain, category=category, path=path,
                                      set_name=None if questions else set_name)
            except (OdooError, OdooUnavailable, ValueError, RuntimeError) as exc:
                from assistant.problems import describe

                problem = describe(exc, settings)
                prefix = f"Cannot run the eval on {biz}: " if biz else ("" if problem else "Cannot run the eval: ")
                typer.echo(f"{prefix}{problem.message if problem else exc}", err=True)
                raise typer.Exit(1) from None
            if biz:
                report.business = f"{biz} ({report.business})"
            reports.append(report)
            if not as_json:
                print_report(console, report, failures=failures)
        if as_json:
            print(reports_json(reports))
        elif len(reports) > 1:
            for r in reports:
                s = r.summary()
                console.print(f"{r.business}: right {s['right']}/{s['scored']} ({r.accuracy:.1%}), confident wrong "
                              f"{s['confident_wrong']}, questions back {s['question_back_share']:.1%}", markup=False)
        if any(r.failed for r in reports):
            raise typer.Exit(1)


def _ask_via_server(console: Any, question: str, as_user: str, thread: str | None, as_json: bool) -> bool:
    """Answer through a running server of this data dir (same user, same settings); False = run in-process.
    Output and exit codes are the in-process ones: the same JSON, the same tables, the same sentences."""
    from assistant.cli.remote import ask_server, server_enabled
    from assistant.cli.render import print_served
    from assistant.settings import load_settings

    if not server_enabled():
        return False
    served = ask_server(load_settings(), question, as_user, thread)
    if served is None:
        return False
    code = print_served(console, served, as_json)
    if code:
        raise typer.Exit(code)
    return True


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
