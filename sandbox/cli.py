"""`quartermaster sandbox serve|reset` and `python -m sandbox serve|reset`."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=True, help="The Odoo 18 sandbox: an Odoo-compatible RPC server on SQLite.")


def _default_data_dir() -> Path:
    return Path(os.environ.get("QM_DATA_DIR", "var"))


def _port_free(port: int) -> bool:
    """Whether 127.0.0.1:port can be bound (checked before generating data, so a busy port costs nothing).

    SO_REUSEADDR as the server itself binds (http.server sets it): connections of a sandbox that just
    stopped linger in TIME_WAIT for a minute and must not make its own port look taken."""
    import socket

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@app.command()
def serve(port: int = typer.Option(8069, help="TCP port on 127.0.0.1 (0 = any free port)"),
          scale: int = typer.Option(1, min=1, max=100, help="Demo data volume multiplier"),
          seed: int = typer.Option(42, help="Random seed of the demo business"),
          data_dir: Path = typer.Option(None, help="Folder holding sandbox.db (default $QM_DATA_DIR or ./var)"),
          cache_dir: Path = typer.Option(None, help="Cache of generated databases (default <data-dir>/cache/sandbox)"),
          today: str = typer.Option(None, help="The business 'today' (YYYY-MM-DD) used by the generator"),
          generator: str = typer.Option("auto", help="auto | seed | minimal"),
          business: str = typer.Option("bluebonnet", envvar="QM_SANDBOX_BUSINESS",
                                       help="Demo business: bluebonnet (Texas, USD) | hollander (NL, EUR, "
                                            "two companies)"),
          ready_file: Path = typer.Option(None, hidden=True)) -> None:
    """Serve the sandbox (generating the demo business on first start)."""
    from sandbox.database import check_business, ensure_database
    from sandbox.server import serve as run

    try:
        business = check_business(business)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--business") from None
    if port and not _port_free(port):
        typer.echo(f"Port {port} on 127.0.0.1 is already in use (another sandbox or Odoo?); stop it or pick "
                   f"another with --port.", err=True)
        raise typer.Exit(1)
    data_dir = data_dir or _default_data_dir()
    cache = cache_dir or (data_dir / "cache" / "sandbox")
    day = dt.date.fromisoformat(today) if today else None
    path = ensure_database(data_dir, seed=seed, scale=scale, today=day, cache_dir=cache, generator=generator,
                           in_subprocess=True, business=business)
    run(path, port, ready_file=ready_file)


@app.command()
def reset(data_dir: Path = typer.Option(None, help="Folder holding sandbox.db"),
          business: str = typer.Option("bluebonnet", envvar="QM_SANDBOX_BUSINESS",
                                       help="Whose file to delete: bluebonnet (sandbox.db) | hollander"),
          yes: bool = typer.Option(True, "--yes/--ask", help="Do not ask for confirmation")) -> None:
    """Delete sandbox.db so that the next start regenerates the demo business (all writes are lost)."""
    from sandbox.database import check_business, db_path
    from sandbox.database import reset as do_reset

    try:
        business = check_business(business)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--business") from None
    data_dir = data_dir or _default_data_dir()
    path = db_path(data_dir, business)
    if not yes and not typer.confirm(f"Delete {path}?"):
        raise typer.Exit(1)
    removed = do_reset(data_dir, business)
    typer.echo(f"sandbox reset: {'removed' if removed else 'nothing to remove at'} {path}")
