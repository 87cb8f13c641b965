"""Web chat under load: N concurrent browser-like sessions against a real server, for a fixed time.

Setup (all on 127.0.0.1): a private sandbox Odoo (from the cached seed); the main job as its own
process (`uvicorn server:app`-style, the runtime built in the app's lifespan, offline planner);
this process drives N sessions with httpx (async). Each session does what the chat page does: GET
/login, POST the login form (CSRF token from the page), then repeatedly POST /api/chat/stream with
its X-CSRF-Token in one thread of conversation and reads the server-sent events to the final one.
Latency = request sent -> final event received. An error = a non-200, a missing final event, an
error event or a transport failure. The loop is bounded by --seconds and stops by itself.

--think-ms is the mean pause between a session's questions (uniform 0.5x..1.5x), one phase per
value: 5000 (default first phase) is people chatting (read the answer, type the next question);
0 (default second phase) is a flood where every session asks again the moment it has its answer,
i.e. 50 requests in flight all the time, which measures the server's capacity rather than what
people would see. Target: 0 errors, p95 <= 500 ms.

    python bench/bench_web.py [--sessions 50] [--seconds 60] [--think-ms 5000,0] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USERS = ["ava.buyer", "ben.buyer", "wes.warehouse", "maria.manager", "omar.approver", "fiona.finance"]
QUESTIONS = [
    "What is the stock of PPE-1042?",
    "What is arriving at HOU this week?",
    "Which receipts are overdue at DAL?",
    "Open purchase orders for Redline Fasteners",
    "stock of MED-2210 at AUS",
    "What is the status of P01660?",
    "Which items at OKC are at risk of running out?",
    "What is arriving today at SAT?",
    "and at Dallas?",
    "help",
]
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
META_RE = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SERVER = """
import logging, sys, uvicorn
sys.path.insert(0, {root!r})
from assistant.settings import load_settings
from server import create_app
logging.basicConfig(level=logging.WARNING)
uvicorn.run(create_app(load_settings()), host="127.0.0.1", port={port}, log_level="warning", access_log=False)
"""
# --workers N: what `quartermaster run --workers N` serves (each worker builds its runtime on the shared Odoo)
SERVER_WORKERS = """
import logging, sys, uvicorn
sys.path.insert(0, {root!r})
logging.basicConfig(level=logging.WARNING)
uvicorn.run("server:app", host="127.0.0.1", port={port}, workers={workers}, log_level="info", access_log=False)
"""


def start_server(data_dir: Path, odoo_url: str, db: str, port: int, ingest: bool,
                 workers: int = 1) -> subprocess.Popen[bytes]:
    env = {**os.environ, "QM_DATA_DIR": str(data_dir), "ODOO_URL": odoo_url, "ODOO_DB": db, "QM_BRAIN": "offline",
           "PYTHONPATH": str(ROOT)}
    if not ingest:  # an empty corpus dir: no embedding work at start (document questions find nothing)
        empty = data_dir / "empty-corpus"
        empty.mkdir(parents=True, exist_ok=True)
        env["QM_CORPUS_DIR"] = str(empty)
    log = open(data_dir / "server.log", "ab")  # noqa: SIM115 - handed to the child
    code = (SERVER.format(root=str(ROOT), port=port) if workers == 1
            else SERVER_WORKERS.format(root=str(ROOT), port=port, workers=workers))
    if workers > 1:  # the workers share the data dir: create the session key once, before they race for it
        from assistant.channels.auth import resolve_secret_key

        resolve_secret_key(None, data_dir)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=str(ROOT),
                            env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    log.close()
    return proc


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 300.0, workers: int = 1,
               log: Path | None = None) -> float:
    """Until /readyz answers (and, with workers, every worker has logged its startup)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            started = workers == 1 or (log is not None and log.read_text(errors="replace")
                                       .count("Application startup complete") >= workers)
            if started and httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                return time.perf_counter() - t0
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError("server not ready in time")


def tree_cpu_seconds(pid: int) -> float:
    """CPU of a process and all its descendants (uvicorn's worker processes)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        cpu = cpu_seconds(current)
        total += 0.0 if cpu != cpu else cpu  # a process that just exited reads as nan
        todo.extend(children.get(current, []))
    return total


async def login(client: httpx.AsyncClient, user: str) -> str:
    page = await client.get("/login")
    token = CSRF_RE.search(page.text)
    assert token, "no CSRF token on the login page"
    r = await client.post("/login", data={"username": user, "password": user, "csrf_token": token.group(1),
                                          "next": "/chat"})
    if r.status_code != 200 or "/chat" not in str(r.url):
        raise RuntimeError(f"login of {user} failed: HTTP {r.status_code}")
    meta = META_RE.search(r.text)
    assert meta
    return meta.group(1)


async def session(idx: int, url: str, start: asyncio.Event, clock: dict[str, float], think_ms: float,
                  out: dict[str, Any]) -> None:
    rng = random.Random(idx)
    user = USERS[idx % len(USERS)]
    async with httpx.AsyncClient(base_url=url, timeout=30.0, follow_redirects=True) as client:
        try:
            csrf = await login(client, user)
        except Exception as exc:  # noqa: BLE001 - counted, reported
            out["errors"].append(f"login {user}: {type(exc).__name__}: {exc}")
            return
        finally:
            out["logged_in"] += 1
            if out["logged_in"] == out["sessions"]:
                clock["deadline"] = time.monotonic() + clock["seconds"]
                clock["t0"] = time.perf_counter()
                start.set()
        await start.wait()  # every session starts asking at the same moment
        deadline = clock["deadline"]
        thread: str | None = None
        if think_ms:  # people do not all press Enter at the same moment
            await asyncio.sleep(rng.uniform(0, think_ms) / 1000)
        while time.monotonic() < deadline:
            body: dict[str, Any] = {"message": rng.choice(QUESTIONS)}
            if thread:
                body["thread_id"] = thread
            t0 = time.perf_counter()
            try:
                final = None
                async with client.stream("POST", "/api/chat/stream", json=body,
                                         headers={"X-CSRF-Token": csrf, "Accept": "text/event-stream"}) as resp:
                    if resp.status_code != 200:
                        out["errors"].append(f"HTTP {resp.status_code}")
                        continue
                    async for line in resp.aiter_lines():
                        if not line.startswith("data:"):
                            continue
                        event = json.loads(line[5:])
                        if event["type"] == "thread":
                            thread = event["thread_id"]
                        elif event["type"] in ("final", "error"):
                            final = event
                ms = (time.perf_counter() - t0) * 1000
                if final is None or final["type"] == "error":
                    out["errors"].append(f"no final answer: {final}")
                else:
                    out["latencies"].append(ms)
                    if not final["result"].get("ok", True):
                        out["not_ok"].append(final["result"].get("error"))
            except Exception as exc:  # noqa: BLE001 - counted, reported
                out["errors"].append(f"{type(exc).__name__}: {exc}")
            if think_ms:
                pause = rng.uniform(0.5, 1.5) * think_ms / 1000
                await asyncio.sleep(max(0.0, min(pause, deadline - time.monotonic())))


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (and its threads) from /proc, in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def drive(url: str, sessions: int, seconds: float, think_ms: float) -> dict[str, Any]:
    out: dict[str, Any] = {"latencies": [], "errors": [], "not_ok": [], "logged_in": 0, "sessions": sessions}
    clock = {"seconds": seconds}
    start = asyncio.Event()
    t_login = time.perf_counter()
    await asyncio.gather(*(session(i, url, start, clock, think_ms, out) for i in range(sessions)))
    out["login_s"] = clock.get("t0", time.perf_counter()) - t_login
    out["wall_s"] = time.perf_counter() - clock.get("t0", t_login)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--think-ms", default="5000,0", help="comma-separated mean think times, one phase each")
    ap.add_argument("--ingest", action="store_true", help="embed the demo corpus at start (slower start)")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (run --workers N)")
    ap.add_argument("--url", help="drive an already running server (127.0.0.1 only) instead of starting one")
    args = ap.parse_args()
    phases = [float(x) for x in str(args.think_ms).split(",") if x.strip()]
    if args.url:
        if not args.url.startswith(("http://127.0.0.1:", "http://localhost:")):
            ap.error("--url must be a server on this machine (http://127.0.0.1:PORT)")
        for think in phases:
            res = asyncio.run(drive(args.url, args.sessions, args.seconds, think))
            res["cpu"] = [float("nan"), float("nan"), time.process_time()]
            report(args, res, think)
        return 0

    from sandbox.launch import start_sandbox

    cache = Path(os.environ.get("QM_SANDBOX_CACHE", ROOT / "var" / "cache" / "sandbox"))
    with tempfile.TemporaryDirectory(prefix="qm-bench-web-") as tmp:
        t0 = time.perf_counter()
        sandbox = start_sandbox(Path(tmp) / "sandbox", port=0, scale=1, cache_dir=cache)
        print(f"sandbox up in {time.perf_counter() - t0:.1f} s at {sandbox.url}")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        data = Path(tmp) / "data"
        data.mkdir()
        proc = start_server(data, sandbox.url, sandbox.db, port, args.ingest, args.workers)
        try:
            ready = wait_ready(url, proc, workers=args.workers, log=data / "server.log")
            print(f"server ready in {ready:.1f} s (runtime built in the lifespan; {args.workers} worker(s))")
            # warm-up: one turn per user so first-use costs (lexicon, caches) are not in the figure
            asyncio.run(drive(url, len(USERS), 0.1, 0))
            for think in phases:
                print(f"\n== {args.sessions} sessions for {args.seconds:.0f} s, mean think time {think:.0f} ms")
                cpu0 = (tree_cpu_seconds(proc.pid), cpu_seconds(sandbox.process.pid), time.process_time())
                res = asyncio.run(drive(url, args.sessions, args.seconds, think))
                cpu1 = (tree_cpu_seconds(proc.pid), cpu_seconds(sandbox.process.pid), time.process_time())
                res["cpu"] = [b - a for a, b in zip(cpu0, cpu1, strict=True)]
                report(args, res, think)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            sandbox.stop()
    return 0


def report(args: argparse.Namespace, res: dict[str, Any], think: float) -> None:
    lat = res["latencies"]
    errors = res["errors"]
    print(f"logins         : {args.sessions} sessions logged in through the form in {res['login_s']:.1f} s")
    print(f"turns answered : {len(lat)} in {res['wall_s']:.1f} s ({len(lat) / res['wall_s']:.1f}/s)")
    print(f"errors         : {len(errors)}" + (f"  e.g. {errors[:3]}" if errors else ""))
    if res["not_ok"]:
        print(f"answered with a refusal/clarification code: {len(res['not_ok'])} ({sorted(set(map(str, res['not_ok'])))})")
    if lat:
        srv, sbx, cli = res["cpu"]
        print(f"CPU            : web server {srv:.1f} s, sandbox Odoo {sbx:.1f} s, load generator {cli:.1f} s "
              f"(server {1000 * srv / len(lat):.0f} ms and sandbox {1000 * sbx / len(lat):.0f} ms per turn; "
              f"{os.cpu_count()} cores)")
        print(f"latency ms     : p50 {pct(lat, 50):.0f}  p95 {pct(lat, 95):.0f}  p99 {pct(lat, 99):.0f}  "
              f"max {max(lat):.0f}  mean {statistics.fmean(lat):.0f}")
        verdict = "MET" if not errors and pct(lat, 95) <= 500 else "NOT MET"
        print(f"target         : 0 errors, p95 <= 500 ms -> {verdict} "
              f"({'people chatting' if think else 'flood: capacity, not what a person sees'})")


if __name__ == "__main__":
    raise SystemExit(main())
