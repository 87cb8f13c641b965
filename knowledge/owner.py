"""Whose documents these are: a library belongs to one company unless it says otherwise.

A folder of documents may hold a `corpus.yaml` with `company: <name>`; every document below it is that
company's. Answers for a different connected company must not quote them: another firm's approval
matrix or payment terms, cited as if they were the reader's own, is a confident wrong answer. A library
without the file applies to whichever company is connected.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

MARKER = "corpus.yaml"
MAX_LEVELS = 8


@lru_cache(maxsize=512)
def _owner_of_folder(folder: str) -> str | None:
    path = Path(folder)
    for _ in range(MAX_LEVELS):
        marker = path / MARKER
        if marker.is_file():
            try:
                data = yaml.safe_load(marker.read_text(encoding="utf-8")) or {}
            except (OSError, yaml.YAMLError):
                return None
            company = str(data.get("company") or "").strip() if isinstance(data, dict) else ""
            return company or None
        if path.parent == path:
            return None
        path = path.parent
    return None


def corpus_company(source: str) -> str | None:
    """The company a document (by its ingested path) belongs to, or None when the library does not say."""
    if not source:
        return None
    return _owner_of_folder(str(Path(source).parent))


def same_company(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())
