"""Wall time of `quartermaster ask` as a script sees it (process start to exit), and where it goes.

Usage: python bench/bench_cli.py [--runs 5] [--question "..."] [--as ava.buyer]
Uses the environment as is (QM_DATA_DIR, ODOO_URL / the sandbox `quartermaster run` keeps on
QM_SANDBOX_PORT): run it once set up, so no data generation or corpus ingest is measured.
Prints each run, the median and best, the target (1.5 s), and the slowest imports of one run.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

TARGET_S = 1.5


def one_run(cmd: list[str]) -> tuple[float, int, float]:
    """(wall s, exit code, CPU s of the child: user + sys — what the command costs when the host is busy)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(), check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, proc.returncode, cpu


def slowest_imports(question: str, user: str, top: int = 8) -> list[tuple[float, str]]:
    """(cumulative seconds, top-level module) from `python -X importtime` over one `ask`."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "assistant.cli", "ask", question, "--as", user],
                          capture_output=True, text=True, env=os.environ.copy(), check=False)
    rows = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if m and len(m.group(2)) <= 3:  # packages imported directly by our code (shallow nesting)
            rows.append((int(m.group(1)) / 1e6, m.group(3)))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--question", default="what is arriving this week?")
    ap.add_argument("--as", dest="user", default="admin")
    a = ap.parse_args()
    cmd = [sys.executable, "-m", "assistant.cli", "ask", a.question, "--as", a.user]
    one_run(cmd)  # warm the OS file cache and any first-run work
    times, cpus = [], []
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for i in range(a.runs):
        wall, rc, cpu = one_run(cmd)
        times.append(wall)
        cpus.append(cpu)
        print(f"run {i + 1}: {wall:.2f} s wall, {cpu:.2f} s CPU (exit {rc})")
    print(f"`quartermaster ask` CPU (user+sys): median {statistics.median(cpus):.2f} s")
    print(f"`quartermaster ask` wall: median {statistics.median(times):.2f} s, best {min(times):.2f} s over "
          f"{a.runs} runs (target {TARGET_S} s: {'met' if statistics.median(times) <= TARGET_S else 'NOT met'})")
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "assistant.cli", "--help"], capture_output=True, check=False)
    print(f"`quartermaster --help` wall: {time.perf_counter() - t:.2f} s")
    print("slowest imports in one `ask` (cumulative s, module):")
    for secs, mod in slowest_imports(a.question, a.user):
        print(f"  {secs:6.2f}  {mod}")


if __name__ == "__main__":
    main()
