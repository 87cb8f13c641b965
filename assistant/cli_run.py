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


def register(app: typer.Typer) -> None:
    @app.command()
    def run(host: str = typer.Option(None, help="Bind address (default QM_HOST or 127.0.0.1)."),
            port: int = typer.Option(None, help="Port (default QM_PORT or 8000).")) -> None:
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
        where = ("shared sandbox (started by another process)" if runtime.sandbox_shared
                 else "embedded sandbox" if runtime.sandbox is not None else settings.odoo_url)
        console.print(f"[green]Ready[/]: Odoo {runtime.odoo.url} ({where}), brain {runtime.brain_name}, "
                      f"startup {runtime.timings}")
        try:
            uvicorn.run(build_app(settings, runtime), host=host or settings.host, port=port or settings.port,
                        log_level="info")
        finally:
            set_runtime(None)
            runtime.close()
