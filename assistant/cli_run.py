"""`quartermaster run`: the main job on embedded defaults (sandbox, corpus, web server)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def run(host: str = typer.Option(None, help="Bind address (default QM_HOST or 127.0.0.1)."),
            port: int = typer.Option(None, help="Port (default QM_PORT or 8000).")) -> None:
        """Start everything: the sandbox when no ODOO_URL is set, the knowledge base, the web server."""
        import uvicorn

        from assistant.settings import load_settings

        settings = load_settings()
        uvicorn.run("server:app", host=host or settings.host, port=port or settings.port, log_level="info")
