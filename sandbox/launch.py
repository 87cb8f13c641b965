"""Start and stop a sandbox server in a subprocess (used by the runtime and the tests)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.rpc import DB_NAME

ROOT = Path(__file__).resolve().parent.parent


class SandboxStartError(RuntimeError):
    """The sandbox process ended before answering; `reason` is the last line it logged (e.g. a busy port)."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class RunningSandbox:
    url: str
    port: int
    data_dir: Path
    process: subprocess.Popen[bytes]
    db: str = DB_NAME
    business: str = "bluebonnet"
    log_path: Path | None = None
    started_in: float = 0.0
    _stopped: bool = field(default=False, repr=False)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _ping(url: str, timeout: float = 2.0) -> bool:
    req = urllib.request.Request(url + "/web/webclient/version_info", data=json.dumps(
        {"jsonrpc": "2.0", "method": "call", "params": {}, "id": 1}).encode(),
        headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return bool(json.loads(resp.read()).get("result"))
    except OSError:
        return False


def _die_with_parent() -> Any:
    """Linux: the child gets SIGTERM when its parent dies (PR_SET_PDEATHSIG), so a killed parent never
    leaves a sandbox holding the port. Only from the main thread: the signal follows the forking
    *thread*, and a pooled worker thread exiting would otherwise kill a healthy sandbox."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None
    parent = os.getpid()

    def preexec() -> None:
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            return
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


def start_sandbox(data_dir: Path, port: int = 0, scale: int = 1, seed: int = 42, cache_dir: Path | None = None,
                  today: dt.date | None = None, generator: str = "auto", timeout: float = 180.0,
                  business: str = "bluebonnet") -> RunningSandbox:
    """Start ``python -m sandbox serve`` and wait until it answers; ``port=0`` picks a free port.
    ``business`` picks the demo business (bluebonnet, hollander); each has its own file in ``data_dir``."""
    t0 = time.perf_counter()
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    ready = data_dir / f"sandbox.port.{os.getpid()}.{time.monotonic_ns()}"
    ready.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "sandbox", "serve", "--port", str(port), "--scale", str(scale), "--seed", str(seed),
           "--data-dir", str(data_dir), "--ready-file", str(ready), "--generator", generator,
           "--business", business]
    if cache_dir is not None:
        cmd += ["--cache-dir", str(cache_dir)]
    if today is not None:
        cmd += ["--today", today.isoformat()]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    log_path = data_dir / "sandbox.log"
    log = open(log_path, "ab")  # noqa: SIM115 - handed to the child process
    proc = subprocess.Popen(cmd, cwd=str(ROOT), env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                            preexec_fn=_die_with_parent())
    log.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:]
            lines = [ln.strip() for ln in tail.splitlines() if ln.strip()]
            raise SandboxStartError(f"sandbox exited with code {proc.returncode} before answering:\n{tail}",
                                    reason=lines[-1] if lines else "")
        if ready.exists():
            actual = int(ready.read_text())
            ready.unlink(missing_ok=True)
            url = f"http://127.0.0.1:{actual}"
            while time.monotonic() < deadline and not _ping(url):
                time.sleep(0.02)
            return RunningSandbox(url=url, port=actual, data_dir=data_dir, process=proc, log_path=log_path,
                                  started_in=time.perf_counter() - t0, business=business)
        time.sleep(0.02)
    proc.kill()
    raise RuntimeError(f"sandbox did not answer within {timeout:.0f} s (log: {log_path})")
