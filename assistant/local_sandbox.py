"""Find or start the embedded sandbox for this data dir: reuse one that already answers on the port.

Why: `quartermaster run` keeps a sandbox on QM_SANDBOX_PORT; `ask`/`chat`/`eval` (and the web workers of
`run --workers N`) must connect to it rather than start a second one on the same port ("Address already
in use"). A sandbox is reused only when it serves the same data dir — known from the owner file the
starting process writes next to sandbox.db, or (Linux) from the sandbox process's command line — so a
sandbox of another checkout is never written to by mistake. Anything else on the port is a clear error.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

OWNER_FILE = "sandbox.owner.json"
DEFAULT_BUSINESS = "bluebonnet"


class SandboxPortTaken(RuntimeError):
    """The sandbox port is used by something we must not (or cannot) use; the message says what to do."""


@dataclass
class LocalSandbox:
    """Where the sandbox answers, and the process handle when this process started (and owns) it."""

    url: str
    db: str
    running: Any = None  # sandbox.launch.RunningSandbox when started here

    @property
    def owned(self) -> bool:
        return self.running is not None


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    """Something accepts TCP connections on host:port."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def answers_as_odoo(url: str, timeout: float = 5.0) -> bool:
    """The port speaks Odoo's JSON-RPC (a sandbox or a real Odoo), not some other server."""
    req = urllib.request.Request(url + "/web/webclient/version_info", data=json.dumps(
        {"jsonrpc": "2.0", "method": "call", "params": {}, "id": 1}).encode(),
        headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = json.loads(resp.read())
    except (OSError, ValueError):
        return False
    return isinstance(body, dict) and isinstance(body.get("result"), dict)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner_business(data_dir: Path, port: int) -> str | None:
    """The business served by the live process our data dir's owner file names for this port, else None."""
    try:
        owner = json.loads((data_dir / OWNER_FILE).read_text(encoding="utf-8"))
        if int(owner["port"]) == port and _pid_alive(int(owner["pid"])):
            return str(owner.get("business") or DEFAULT_BUSINESS)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return None


def _owner_matches(data_dir: Path, port: int) -> bool:
    """The owner file in our data dir names a live process serving this port."""
    return _owner_business(data_dir, port) is not None


def _proc_sandboxes(port: int) -> list[tuple[Path, str]]:
    """(data dir, business) of `python -m sandbox serve --port <port>` processes (Linux /proc; empty elsewhere)."""
    found: list[tuple[Path, str]] = []
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            if "sandbox" not in argv or "serve" not in argv:
                continue
            opts = dict(zip(argv, argv[1:], strict=False))
            if opts.get("--port") != str(port) or "--data-dir" not in opts:
                continue
            cwd = Path(os.readlink(entry / "cwd"))
            found.append(((cwd / opts["--data-dir"]).resolve(), opts.get("--business", DEFAULT_BUSINESS)))
        except OSError:
            continue
    return found


def _proc_sandbox_dirs(port: int) -> list[Path]:
    """Data dirs of `python -m sandbox serve --port <port>` processes (Linux /proc; empty elsewhere)."""
    return [d for d, _b in _proc_sandboxes(port)]


def write_owner(data_dir: Path, port: int, pid: int, business: str = "bluebonnet") -> None:
    with contextlib.suppress(OSError):
        (data_dir / OWNER_FILE).write_text(json.dumps({"port": port, "pid": pid, "business": business}),
                                           encoding="utf-8")


def clear_owner(data_dir: Path, pid: int) -> None:
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        if int(json.loads((data_dir / OWNER_FILE).read_text(encoding="utf-8"))["pid"]) == pid:
            (data_dir / OWNER_FILE).unlink()


def _attach(data_dir: Path, port: int, db: str, business: str = DEFAULT_BUSINESS) -> LocalSandbox:
    """Something listens on the port: reuse it if it is our data dir's sandbox of our business, else explain."""
    url = f"http://127.0.0.1:{port}"
    hint = "stop it, or set QM_SANDBOX_PORT to a free port (or ODOO_URL to use a real Odoo)"
    if not answers_as_odoo(url):
        raise SandboxPortTaken(f"Port {port} on 127.0.0.1 is in use by something that is not a Quartermaster "
                               f"sandbox; {hint}.")

    def same(found: str) -> LocalSandbox:
        if found != business:
            raise SandboxPortTaken(f"Port {port} serves the {found} sandbox of this data dir, not {business} "
                                   f"(QM_SANDBOX_BUSINESS); {hint}.")
        return LocalSandbox(url=url, db=db)

    owner = _owner_business(data_dir, port)
    if owner is not None:
        return same(owner)
    procs = _proc_sandboxes(port)
    dirs = [d for d, _b in procs]
    if data_dir.resolve() in dirs:
        return same(next(b for d, b in procs if d == data_dir.resolve()))
    if dirs:
        raise SandboxPortTaken(f"Port {port} is used by a sandbox of another data dir ({dirs[0]}), not "
                               f"{data_dir.resolve()}; {hint}.")
    raise SandboxPortTaken(f"Port {port} answers as Odoo, but not as the sandbox of {data_dir.resolve()}; {hint}.")


def attach_or_start(data_dir: Path, port: int, *, db: str, start: Any,
                    business: str = DEFAULT_BUSINESS) -> LocalSandbox:
    """Reuse the sandbox of `data_dir` answering on `port`, else `start()` one (a RunningSandbox).

    `port=0` always starts a private sandbox on a free port. Losing a start race to another process
    (both saw the port free) ends in attaching to the winner.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    if port and port_open(port):
        return _attach(data_dir, port, db, business)
    try:
        running = start()
    except RuntimeError as exc:
        if port and port_open(port):
            log.info("another process started the sandbox first (%s); attaching", str(exc).splitlines()[0])
            return _attach(data_dir, port, db, business)
        raise
    write_owner(data_dir, running.port, running.process.pid, business)
    return LocalSandbox(url=running.url, db=running.db, running=running)
