"""Wall time of `quartermaster ask` as a script sees it (process start to exit), p50/p95 over sequential calls.

Usage: python bench/bench_cli.py [--runs 10] [--question "..."] [--as admin] [--cache DIR] [--no-local] [--imports]

Sets up its own data dir (a temp dir; `--cache` a sandbox seed cache, e.g. var/cache, to skip generating
the demo data), starts `quartermaster run` there (the sandbox and the web server) on free ports, waits
until it is up, then times `--runs` sequential `ask` subprocesses in two ways:

- through the running server (the default once `run` is up: `ask` posts to it with the data dir's key);
  "cold" is the first question after start (the server's caches empty), "warm" the `--runs` after it;
- in-process (QM_CLI_SERVER=off: what `ask` does when no server is up; the sandbox is reused, so
  no data generation is measured); every process is cold in memory, warm on disk (the OS file cache
  and the router's cached embeddings).

Prints each series' p50/p95 wall and median CPU of the child (user+sys: what a call costs when the host
is busy), the load average, and the target (1.5 s). `--imports` adds the slowest imports of one in-process ask.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

TARGET_S = 1.5
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


TURN_MS: list[float] = []  # the turn's own time as the answer's footer prints it ("offline · 312 ms · …")


def one_run(cmd: list[str], env: dict[str, str]) -> tuple[float, int, float]:
    """(wall s, exit code, CPU s of the child: user + sys); the turn's own ms go to TURN_MS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(ROOT), check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    m = re.search(r"· (\d+) ms ·", proc.stdout or "")
    if m:
        TURN_MS.append(float(m.group(1)))
    if proc.returncode != 0:
        print(f"  exit {proc.returncode}: {(proc.stderr or proc.stdout).strip()[-300:]}")
    return wall, proc.returncode, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def p95(values: list[float]) -> float:
    """Nearest rank: with 10 calls this is the slowest one."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def series(label: str, cmd: list[str], env: dict[str, str], runs: int) -> list[float]:
    walls, cpus, codes = [], [], []
    TURN_MS.clear()
    for _ in range(runs):
        wall, rc, cpu = one_run(cmd, env)
        walls.append(wall)
        cpus.append(cpu)
        codes.append(rc)
    met = "met" if p95(walls) <= TARGET_S else "NOT met"
    print(f"{label}: p50 {statistics.median(walls):.2f} s, p95 {p95(walls):.2f} s wall over {runs} calls "
          f"(min {min(walls):.2f}, max {max(walls):.2f}); CPU median {statistics.median(cpus):.2f} s; "
          f"exits {sorted(set(codes))}; target p95 <= {TARGET_S} s: {met}")
    if TURN_MS:
        print(f"  the turn itself (answer footer): p50 {statistics.median(TURN_MS):.0f} ms, max {max(TURN_MS):.0f} ms")
    return walls


def slowest_imports(cmd: list[str], env: dict[str, str], top: int = 8) -> list[tuple[float, str]]:
    proc = subprocess.run([sys.executable, "-X", "importtime", *cmd[1:]], capture_output=True, text=True,
                          env=env, cwd=str(ROOT), check=False)
    rows = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if m and len(m.group(2)) <= 3:
            rows.append((int(m.group(1)) / 1e6, m.group(3)))
    return sorted(rows, reverse=True)[:top]


def start_run(env: dict[str, str], web_port: int, log_path: Path) -> subprocess.Popen[bytes]:
    log = open(log_path, "wb")  # noqa: SIM115 - the child keeps it
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "run"], env=env, cwd=str(ROOT), stdout=log,
                            stderr=subprocess.STDOUT)
    link = Path(env["QM_DATA_DIR"]) / "web.link.json"
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"`quartermaster run` exited ({proc.returncode}); see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/healthz", timeout=2):
                if link.exists() and json.loads(link.read_text())["url"].endswith(str(web_port)):
                    return proc
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"`quartermaster run` did not come up in 15 min; see {log_path}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--question", default="what is arriving this week?")
    ap.add_argument("--as", dest="user", default="admin")
    ap.add_argument("--cache", type=Path, default=ROOT / "var" / "cache",
                    help="sandbox seed cache to reuse (linked as <data dir>/cache)")
    ap.add_argument("--no-local", action="store_true", help="skip the in-process series (minutes on a busy host)")
    ap.add_argument("--imports", action="store_true", help="also list the slowest imports of one in-process ask")
    a = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="qm-bench-cli-"))
    data = tmp / "data"
    data.mkdir()
    if a.cache.exists():
        (data / "cache").symlink_to(a.cache.resolve())
    corpus = tmp / "corpus"  # a one-page corpus: `run` need not embed the demo corpus for this bench
    corpus.mkdir()
    (corpus / "note.md").write_text("# Receiving\nCount every pallet on arrival.\n", encoding="utf-8")
    web_port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "QM_", "OPENAI_", "SLACK_", "CHROMA_"))}
    env.update(QM_DATA_DIR=str(data), QM_SANDBOX_PORT=str(_free_port()), QM_PORT=str(web_port), QM_BRAIN="offline",
               QM_CORPUS_DIR=str(corpus), QM_ALERTS="false", PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "assistant.cli", "ask", a.question, "--as", a.user]
    t = time.perf_counter()
    run = start_run(env, web_port, tmp / "run.log")
    print(f"`quartermaster run` up in {time.perf_counter() - t:.1f} s (data dir {data})")
    try:
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; question {a.question!r} as {a.user}")
        cold_wall, rc, cold_cpu = one_run(cmd, env)
        print(f"through the server, cold (first ask after start): {cold_wall:.2f} s wall, {cold_cpu:.2f} s CPU "
              f"(exit {rc})")
        series("through the server, warm", cmd, env, a.runs)
        if not a.no_local:
            series("in-process (no server; sandbox reused)", cmd, {**env, "QM_CLI_SERVER": "off"}, a.runs)
        served = (tmp / "run.log").read_text(errors="replace").count("POST /api/cli/ask")
        print(f"the server answered {served} of the {a.runs + 1} server-path calls")
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant.cli", "--help"], capture_output=True, env=env, check=False)
        print(f"`quartermaster --help` wall: {time.perf_counter() - t:.2f} s")
        if a.imports:
            print("slowest imports in one in-process `ask` (cumulative s, module):")
            for secs, mod in slowest_imports(cmd, {**env, "QM_CLI_SERVER": "off"}):
                print(f"  {secs:6.2f}  {mod}")
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
    finally:
        run.terminate()
        try:
            run.wait(timeout=60)
        except subprocess.TimeoutExpired:
            run.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
