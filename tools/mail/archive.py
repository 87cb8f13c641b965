"""Mail from files: single .eml files, folders of them (recursively) and mbox archives (stdlib `mailbox`).

A file that is neither is skipped with a reason; nothing is changed on disk.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE = 50_000_000


@dataclass
class ArchiveReport:
    files: int = 0
    messages: int = 0
    skipped: list[str] = field(default_factory=list)


def _is_mbox(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(5) == b"From "
    except OSError:
        return False


def iter_raw(path: Path, report: ArchiveReport | None = None) -> Iterator[tuple[str, bytes]]:
    """(source label, raw bytes) for every message under `path`."""
    report = report if report is not None else ArchiveReport()
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"There is no file or folder {path}.")
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        if f.name.startswith("."):
            continue
        if _is_mbox(f):
            report.files += 1
            box = mailbox.mbox(str(f), create=False)
            try:
                for i, key in enumerate(box.iterkeys()):
                    raw = box.get_bytes(key)
                    report.messages += 1
                    yield f"mbox:{f.name}#{i + 1}", raw
            finally:
                box.close()
        elif f.suffix.lower() in (".eml", ".msg822", ".txt") or not path.is_dir():
            try:
                if f.stat().st_size > MAX_FILE:
                    report.skipped.append(f"{f.name}: larger than {MAX_FILE // 1_000_000} MB")
                    continue
                raw = f.read_bytes()
            except OSError as exc:
                report.skipped.append(f"{f.name}: {exc.strerror or exc}")
                continue
            if b":" not in raw[:2000]:
                report.skipped.append(f"{f.name}: not an e-mail (no headers)")
                continue
            report.files += 1
            report.messages += 1
            yield f"file:{f.name}", raw
