"""`quartermaster run`: the main job on embedded defaults (sandbox, corpus, web server)."""

from __future__ import annotations

import inspect

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def run(host: str = typer.Option(None, help="Bind address (default QM_HOST or 127.0.0.1)."),
            port: int = typer.Option(None, help="Port (default QM_PORT or 8000).")) -> None:
        """Start everything: the sandbox when no ODOO_URL is set, the knowledge base, the web server."""
        import uvicorn
        from rich.console import Console

        from assistant.runtime import Runtime, set_runtime
        from assistant.settings import load_settings

        console = Console()
        settings = load_settings()
        with console.status("Starting Quartermaster (sandbox, state store, knowledge base)…"):
            runtime = Runtime.build(settings)
        set_runtime(runtime)
        where = "embedded sandbox" if runtime.sandbox is not None else settings.odoo_url
        console.print(f"[green]Ready[/]: Odoo {runtime.odoo.url} ({where}), brain {runtime.brain_name}, "
                      f"startup {runtime.timings}")
        try:
            import server

            factory = getattr(server, "create_app", None)
            params = inspect.signature(factory).parameters if factory is not None else {}
            if factory is not None and "runtime" in params:
                web_app = factory(settings=settings, runtime=runtime) if "settings" in params \
                    else factory(runtime=runtime)
            else:
                web_app = server.app
            uvicorn.run(web_app, host=host or settings.host, port=port or settings.port, log_level="info")
        finally:
            set_runtime(None)
            runtime.close()
