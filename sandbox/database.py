"""Where the sandbox file comes from: the data dir, else a cached copy, else the seed generator.

The cache key holds (seed, scale, today, schema version, a fingerprint of the sandbox code), so a
changed generator or engine never serves a stale file, and unchanged ones start by a file copy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox.orm.schema import SCHEMA_VERSION

PACKAGE = Path(__file__).resolve().parent
Generator = Callable[..., dict[str, list[dict[str, Any]]]]


def code_fingerprint() -> str:
    h = hashlib.sha256()
    for p in sorted(PACKAGE.rglob("*.py")):
        h.update(p.relative_to(PACKAGE).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def pick_generator(name: str = "auto") -> tuple[str, Generator]:
    if name == "minimal":
        from sandbox.minimal_seed import generate
        return "minimal", generate
    try:
        from sandbox.seed import generate as full  # type: ignore[attr-defined]
        return "seed", full
    except (ImportError, AttributeError):
        if name == "seed":
            raise
        print("sandbox: sandbox.seed.generate not available; using the minimal built-in business",
              file=sys.stderr)
        from sandbox.minimal_seed import generate
        return "minimal", generate


def schema_version_of(path: Path) -> str | None:
    try:
        conn = sqlite3.connect(str(path))
        try:
            row = conn.execute("SELECT value FROM sandbox_meta WHERE key = 'schema_version'").fetchone()
        finally:
            conn.close()
        return row[0] if row else None
    except sqlite3.Error:
        return None


def generate_file(target: Path, seed: int, scale: int, today: dt.date, generator: str = "auto") -> float:
    """Generate a fresh database at ``target``; returns seconds spent."""
    from sandbox.store import build_database
    t0 = time.perf_counter()
    kind, gen = pick_generator(generator)
    data = gen(seed=seed, scale=scale, today=today)
    tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    build_database(tmp, data, {"seed": str(seed), "scale": str(scale), "today": today.isoformat(),
                               "generator": kind})
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    os.replace(tmp, target)
    return time.perf_counter() - t0


def generate_elsewhere(target: Path, seed: int, scale: int, today: dt.date, generator: str) -> None:
    """Generate in a child process, so the long-lived server never carries the generator's memory peak."""
    code = ("import datetime as dt, sys; from pathlib import Path; from sandbox.database import generate_file; "
            "generate_file(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), "
            "dt.date.fromisoformat(sys.argv[4]), sys.argv[5])")
    env = dict(os.environ)
    root = str(PACKAGE.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    subprocess.run([sys.executable, "-c", code, str(target), str(seed), str(scale), today.isoformat(), generator],
                   check=True, env=env, cwd=root)


def ensure_database(data_dir: Path, seed: int = 42, scale: int = 1, today: dt.date | None = None,
                    cache_dir: Path | None = None, generator: str = "auto", in_subprocess: bool = False) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "sandbox.db"
    if path.exists():
        if schema_version_of(path) == str(SCHEMA_VERSION):
            return path
        print(f"sandbox: {path} has an older schema; regenerating it", file=sys.stderr)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    today = today or dt.date.today()
    make = generate_elsewhere if in_subprocess else generate_file
    if cache_dir is None:
        make(path, seed, scale, today, generator)
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    kind, _ = pick_generator(generator)
    key = f"sandbox-{kind}-s{seed}-x{scale}-{today.isoformat()}-v{SCHEMA_VERSION}-{code_fingerprint()}.db"
    cached = cache_dir / key
    if not cached.exists():
        make(cached, seed, scale, today, generator)
    tmp = path.with_name(path.name + f".{os.getpid()}.copy")
    shutil.copyfile(cached, tmp)
    os.replace(tmp, path)
    return path


def reset(data_dir: Path) -> bool:
    removed = False
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(data_dir / "sandbox.db") + suffix)
        if p.exists():
            p.unlink()
            removed = True
    return removed
