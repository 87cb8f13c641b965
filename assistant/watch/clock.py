"""Clocks for the scheduler and the rules: the system clock, a fake one tests drive, a shared file one.

Why: rules speak about "tomorrow" and "3 days late", digests about "07:00 local"; tests and benches need
to run ten minutes (or ten days) of schedule in seconds, across several processes. Every clock returns
naive UTC (the store's and Odoo's format). Leases (is a worker still alive?) always use the real clock.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

FAKE_CLOCK_ENV = "QM_FAKE_CLOCK_FILE"


class Clock(Protocol):
    def __call__(self) -> datetime: ...


def system_clock() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = start.replace(tzinfo=None) if start.tzinfo is None else \
            start.astimezone(UTC).replace(tzinfo=None)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now


class FileClock:
    """Fake time shared by processes: the file holds an ISO datetime (naive UTC) that a test advances.
    Enabled only by QM_FAKE_CLOCK_FILE (tests and benches)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def __call__(self) -> datetime:
        try:
            return datetime.fromisoformat(self.path.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return system_clock()

    def set(self, when: datetime) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(when.isoformat(), encoding="utf-8")
        os.replace(tmp, self.path)


def clock_from_env() -> Clock:
    path = os.environ.get(FAKE_CLOCK_ENV)
    return FileClock(path) if path else system_clock


def floor_tick(when: datetime, tick_s: int) -> datetime:
    """The tick a moment falls in (ticks start at whole multiples of tick_s since the epoch)."""
    epoch = int(when.replace(tzinfo=UTC).timestamp())
    return datetime.fromtimestamp(epoch - epoch % tick_s, UTC).replace(tzinfo=None)


def tick_index(tick: datetime, minutes: int = 1) -> int:
    return int(tick.replace(tzinfo=UTC).timestamp()) // (60 * minutes)
