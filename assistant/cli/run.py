"""`quartermaster run`: the main job on embedded defaults (sandbox, corpus, web server).

Shutdown: uvicorn handles SIGTERM/SIGINT itself, then re-raises the signal once it has stopped; with
the default SIGTERM action that would kill the process before any `finally`, leaving the sandbox child
running on its port. So `run` installs handlers that turn SIGTERM/SIGHUP into SystemExit (the runtime
is then closed and the sandbox stopped), and registers the close with atexit as well.
"""

from __future__ import annotations

import atexit
import inspect
import signal
from collections.abc import Callable
from typing import Any

import typer


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def install_shutdown(close: Callable[[], None]) -> None:
    """SIGTERM/SIGHUP end the process through SystemExit (so `finally` blocks run); atexit closes too."""
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, _exit_on_signal)
    atexit.register(close)


def build_app(settings: Any, runtime: Any) -> Any:
    import server

    factory = getattr(server, "create_app", None)
    params = inspect.signature(factory).parameters if factory is not None else {}
    if factory is not None and "runtime" in params:
        return factory(settings=settings, runtime=runtime) if "settings" in params else factory(runtime=runtime)
    return server.app


def serve_workers(runtime: Any, settings: Any, host: str, port: int, workers: int) -> None:
    """`run --workers N`: N uvicorn worker processes, each with its own Runtime, sharing one sandbox and one
    data dir (the state store is multi-process safe: SQLite WAL with BEGIN IMMEDIATE, or PostgreSQL).

    This process has already built a Runtime once (sandbox, migrations, corpus ingest, web secret key,
    stuck proposals), so the workers find everything ready; it keeps only the sandbox and hands the
    workers its URL as ODOO_URL, so a worker never starts (or stops) a sandbox of its own.
    """
    import os

    import uvicorn

    from assistant.channels.auth import resolve_secret_key

    resolve_secret_key(settings.secret_key, settings.data_dir)  # one key for all workers' session cookies
    if runtime.sandbox is not None or runtime.sandbox_shared:
        os.environ["ODOO_URL"], os.environ["ODOO_DB"] = runtime.odoo.url, runtime.odoo.db
    runtime.close(keep_sandbox=True)
    uvicorn.run("server:app", host=host, port=port, workers=workers, log_level="info")


def startup_line(runtime: Any, settings: Any, host: str, port: int) -> str:
    """One plain sentence: where to open it, which Odoo, which brain, how long start-up took."""
    where = ("a sandbox another process started" if runtime.sandbox_shared
             else "the embedded sandbox" if runtime.sandbox is not None else "Odoo")
    total = sum(v for v in (runtime.timings or {}).values() if isinstance(v, int | float))
    brain = "the offline planner" if runtime.brain_name == "offline" else f"the {runtime.brain_name} model"
    return (f"[green]Ready[/] in {total:.1f} s: open http://{host}:{port}/ — {where} at {runtime.odoo.url}, "
            f"answers by {brain}.")


def register(app: typer.Typer) -> None:
    @app.command()
    def run(host: str = typer.Option(None, help="Bind address (default QM_HOST or 127.0.0.1)."),
            port: int = typer.Option(None, help="Port (default QM_PORT or 8000)."),
            workers: int = typer.Option(1, min=1, max=64, help="Web worker processes sharing one sandbox and "
                                                               "data dir (more turns in parallel on more cores).")
            ) -> None:
        """Start everything: the sandbox when no ODOO_URL is set, the knowledge base, the web server."""
        import uvicorn
        from rich.console import Console

        from assistant.local_sandbox import SandboxPortTaken
        from assistant.runtime import Runtime, set_runtime
        from assistant.settings import load_settings

        console = Console()
        settings = load_settings()
        holder: list[Any] = []
        install_shutdown(lambda: holder[0].close() if holder else None)
        try:
            with console.status("Starting Quartermaster (sandbox, state store, knowledge base)…"):
                runtime = Runtime.build(settings)
        except SandboxPortTaken as exc:
            console.print(f"[red]Cannot start:[/] {exc}")
            raise typer.Exit(1) from None
        holder.append(runtime)
        set_runtime(runtime)
        from assistant.cli import logs as cli_logging

        cli_logging.serving()  # up: serving errors keep their tracebacks in the log
        console.print(startup_line(runtime, settings, host or settings.host, port or settings.port))
        from assistant.cli_link import clear_link, write_link

        write_link(settings.data_dir, host or settings.host, port or settings.port, settings)  # `ask` uses us
        try:
            if workers > 1:
                serve_workers(runtime, settings, host or settings.host, port or settings.port, workers)
            else:
                uvicorn.run(build_app(settings, runtime), host=host or settings.host,
                            port=port or settings.port, log_level="info")
        finally:
            clear_link(settings.data_dir)
            set_runtime(None)
            runtime.close()
