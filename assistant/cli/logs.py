"""Logging for the `quartermaster` command: quiet one-liners while starting, full records while serving.

Why two modes: a start-up warning (e.g. a corpus file that cannot be read) must not look like a crash,
so the CLI prints log records as one line without stack traces; a long-running server (`run`,
`slack --socket`) wants the whole record, traceback included, once it is up.
"""

from __future__ import annotations

import logging
import os
import sys

_HANDLER_NAME = "quartermaster-cli"


class OneLine(logging.Formatter):
    """A record on one line: the exception's type and message instead of its stack trace."""

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.getMessage()} ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
            record.args = None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return super().format(record)


def debug() -> bool:
    """QM_DEBUG=1: show tracebacks (of crashes and of log records)."""
    return os.environ.get("QM_DEBUG", "").strip().lower() in ("1", "true", "yes")


def quiet() -> None:
    """Warnings and errors on stderr, one line each (unless QM_DEBUG or logging is already set up)."""
    root = logging.getLogger()
    if root.handlers or debug():
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(OneLine("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


def serving(level: int = logging.WARNING) -> None:
    """A server is up: full records with timestamps and tracebacks from now on."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root.setLevel(level)
