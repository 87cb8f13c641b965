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


BUSINESSES = ("bluebonnet", "hollander")
DEFAULT_BUSINESS = "bluebonnet"


def check_business(business: str) -> str:
    name = (business or DEFAULT_BUSINESS).strip().lower()
    if name not in BUSINESSES:
        raise ValueError(f"unknown sandbox business {business!r}; choose one of: {', '.join(BUSINESSES)}")
    return name


def db_path(data_dir: Path, business: str = DEFAULT_BUSINESS) -> Path:
    """Bluebonnet keeps ``sandbox.db``; another business has its own file, so switching keeps both states."""
    business = check_business(business)
    return data_dir / ("sandbox.db" if business == DEFAULT_BUSINESS else f"sandbox-{business}.db")


def pick_generator(name: str = "auto", business: str = DEFAULT_BUSINESS) -> tuple[str, Generator]:
    if check_business(business) == "hollander":
        if name == "minimal":
            raise ValueError("the minimal business exists for bluebonnet only")
        from sandbox.seed_hollander import generate as hollander
        return "hollander", hollander
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


def generate_file(target: Path, seed: int, scale: int, today: dt.date, generator: str = "auto",
                  business: str = DEFAULT_BUSINESS) -> float:
    """Generate a fresh database at ``target``; returns seconds spent."""
    from sandbox.store import build_database
    t0 = time.perf_counter()
    kind, gen = pick_generator(generator, business)
    data = gen(seed=seed, scale=scale, today=today)
    tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    build_database(tmp, data, {"seed": str(seed), "scale": str(scale), "today": today.isoformat(),
                               "generator": kind, "business": check_business(business)})
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    os.replace(tmp, target)
    return time.perf_counter() - t0


def generate_elsewhere(target: Path, seed: int, scale: int, today: dt.date, generator: str,
                       business: str = DEFAULT_BUSINESS) -> None:
    """Generate in a child process, so the long-lived server never carries the generator's memory peak."""
    code = ("import datetime as dt, sys; from pathlib import Path; from sandbox.database import generate_file; "
            "generate_file(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), "
            "dt.date.fromisoformat(sys.argv[4]), sys.argv[5], sys.argv[6])")
    env = dict(os.environ)
    root = str(PACKAGE.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    subprocess.run([sys.executable, "-c", code, str(target), str(seed), str(scale), today.isoformat(), generator,
                    business], check=True, env=env, cwd=root)


def business_of(path: Path) -> str:
    """The business a sandbox file was generated for (files from before the option are Bluebonnet)."""
    try:
        conn = sqlite3.connect(str(path))
        try:
            row = conn.execute("SELECT value FROM sandbox_meta WHERE key = 'business'").fetchone()
        finally:
            conn.close()
        return row[0] if row else DEFAULT_BUSINESS
    except sqlite3.Error:
        return DEFAULT_BUSINESS


def ensure_database(data_dir: Path, seed: int = 42, scale: int = 1, today: dt.date | None = None,
                    cache_dir: Path | None = None, generator: str = "auto", in_subprocess: bool = False,
                    business: str = DEFAULT_BUSINESS) -> Path:
    business = check_business(business)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = db_path(data_dir, business)
    if path.exists() and business_of(path) != business:
        print(f"sandbox: {path} holds the {business_of(path)} business, not {business}; regenerating it",
              file=sys.stderr)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    if path.exists():
        if schema_version_of(path) == str(SCHEMA_VERSION):
            return path
        print(f"sandbox: {path} has an older schema; regenerating it", file=sys.stderr)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    today = today or dt.date.today()
    make = generate_elsewhere if in_subprocess else generate_file
    if cache_dir is None:
        make(path, seed, scale, today, generator, business)
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    kind, _ = pick_generator(generator, business)
    key = f"sandbox-{kind}-s{seed}-x{scale}-{today.isoformat()}-v{SCHEMA_VERSION}-{code_fingerprint()}.db"
    cached = cache_dir / key
    if not cached.exists():
        make(cached, seed, scale, today, generator, business)
    tmp = path.with_name(path.name + f".{os.getpid()}.copy")
    shutil.copyfile(cached, tmp)
    os.replace(tmp, path)
    return path


def reset(data_dir: Path, business: str = DEFAULT_BUSINESS) -> bool:
    removed = False
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(db_path(data_dir, business)) + suffix)
        if p.exists():
            p.unlink()
            removed = True
    return removed
