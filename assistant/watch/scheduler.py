"""The scheduler: exactly one run per (job, tick) across every process, then a worker runs it.

Every scheduler (a thread in each web process, or `quartermaster alerts scheduler`) looks at the clock,
and for each tick since the last one it saw, tries to INSERT a claim row (job, tick) into `alert_runs`.
The primary key decides: one insert wins, whatever the number of replicas or the broker's behaviour; the
winner dispatches the run (embedded: this process's worker thread; scale-out: a Celery task).

Running: a worker takes a lease on the row (compare-and-set: queued, or running with a lapsed lease) and
marks it done at the end. Every scheduler also sweeps: a run still queued after `requeue_s`, or running
with a lapsed lease (its worker died), is dispatched again. A second run of the same tick is harmless:
evaluation and deliveries are deduplicated in the store (evaluation.py, deliveries.py).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from assistant.watch.clock import Clock, floor_tick, system_clock, tick_index
from assistant.watch.rules import DIGEST_JOB, RuleSet
from assistant.watch.tables import RunRow
from tools.governance.store import StateStore, utcnow

log = logging.getLogger(__name__)

Dispatch = Callable[[str, datetime], None]
RUN_LEASE_S = float(os.environ.get("QM_ALERT_RUN_LEASE_S", "120"))  # a run longer than this may be taken over
MAX_CATCH_UP = 60  # ticks; after a long outage only the last hour of ticks is claimed


def due_jobs(rules: RuleSet, tick: datetime) -> list[str]:
    """The jobs of a tick: rules whose every_minutes divides it, and the digests (every tick)."""
    return [r.name for r in rules.due(tick_index(tick))] + [DIGEST_JOB]


def claim(store: StateStore, job: str, tick: datetime) -> bool:
    """Insert the (job, tick) claim; True for the one process that inserted it."""
    try:
        with store.write() as s:
            s.add(RunRow(job=job, tick=tick, state="queued", attempts=0, created_at=utcnow()))
        return True
    except IntegrityError:
        return False


def start_run(store: StateStore, job: str, tick: datetime, holder: str, lease_s: float = RUN_LEASE_S) -> bool:
    """Take the run's lease: True when this worker should run it now."""
    wall = utcnow()
    with store.write() as s:
        done = s.execute(sa.update(RunRow).where(
            RunRow.job == job, RunRow.tick == tick,
            sa.or_(RunRow.state == "queued", sa.and_(RunRow.state == "running", RunRow.lease_until < wall)))
            .values(state="running", holder=holder, lease_until=wall + timedelta(seconds=lease_s),
                    started_at=wall, attempts=RunRow.attempts + 1))
        return int(getattr(done, "rowcount", 0) or 0) == 1


def finish_run(store: StateStore, job: str, tick: datetime, holder: str, result: dict[str, Any]) -> None:
    with store.write() as s:
        s.execute(sa.update(RunRow).where(RunRow.job == job, RunRow.tick == tick, RunRow.holder == holder)
                  .values(state="done", finished_at=utcnow(), lease_until=None,
                          result_json=json.dumps(result, default=str)[:4000]))


def execute(watcher: Any, job: str, tick: datetime) -> dict[str, Any] | None:
    """What a worker does with a dispatched run: lease, run, mark done (None when someone else has it)."""
    if not start_run(watcher.store, job, tick, watcher.holder):
        return None
    try:
        result = watcher.run_job(job, tick)
    except Exception:
        log.exception("alert job %s at %s failed; it will be retried when its lease lapses", job, tick)
        raise
    finish_run(watcher.store, job, tick, watcher.holder, result)
    return result


class Scheduler:
    def __init__(self, store: StateStore, rules: RuleSet, dispatch: Dispatch, *, clock: Clock | None = None,
                 poll_s: float = 1.0, requeue_s: float | None = None, holder: str | None = None) -> None:
        self.store, self.rules, self.dispatch = store, rules, dispatch
        self.clock: Clock = clock or system_clock
        self.poll_s = poll_s
        self.requeue_s = requeue_s if requeue_s is not None else float(os.environ.get("QM_ALERT_REQUEUE_S", "30"))
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.last_tick: datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.claimed = 0

    def step(self) -> int:
        """Claim and dispatch the ticks since the last step; sweep stuck runs. Returns runs dispatched."""
        tick = floor_tick(self.clock(), self.rules.tick_seconds)
        step = timedelta(seconds=self.rules.tick_seconds)
        if self.last_tick is None:  # resume after the newest tick any scheduler claimed (none lost on restart)
            with self.store.read() as s:
                newest = s.scalar(sa.select(sa.func.max(RunRow.tick)))
            self.last_tick = newest if newest is not None and newest < tick else tick - step
        ticks = []
        t = max(self.last_tick + step, tick - step * (MAX_CATCH_UP - 1))
        while t <= tick:
            ticks.append(t)
            t += step
        dispatched = 0
        for t in ticks:
            for job in due_jobs(self.rules, t):
                if claim(self.store, job, t):
                    self.claimed += 1
                    dispatched += self._dispatch(job, t)
        self.last_tick = max(self.last_tick, tick)
        return dispatched + self.sweep()

    def sweep(self) -> int:
        wall = utcnow()
        with self.store.read() as s:
            stuck = s.execute(sa.select(RunRow.job, RunRow.tick).where(sa.or_(
                sa.and_(RunRow.state == "queued", RunRow.created_at < wall - timedelta(seconds=self.requeue_s)),
                sa.and_(RunRow.state == "running", RunRow.lease_until < wall))).limit(200)).all()
        n = 0
        for job, tick in stuck:
            # bump created_at so that only one sweeper re-dispatches a queued run per requeue period
            with self.store.write() as s:
                done = s.execute(sa.update(RunRow).where(
                    RunRow.job == job, RunRow.tick == tick,
                    sa.or_(sa.and_(RunRow.state == "queued",
                                   RunRow.created_at < wall - timedelta(seconds=self.requeue_s)),
                           sa.and_(RunRow.state == "running", RunRow.lease_until < wall)))
                    .values(created_at=wall, state="queued"))
            if int(getattr(done, "rowcount", 0) or 0) == 1:
                log.warning("alert run %s at %s was stuck; dispatching it again", job, tick)
                n += self._dispatch(job, tick)
        return n

    def _dispatch(self, job: str, tick: datetime) -> int:
        try:
            self.dispatch(job, tick)
            return 1
        except Exception:  # noqa: BLE001 - the sweep re-dispatches it later
            log.exception("could not dispatch alert job %s at %s", job, tick)
            return 0

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
            except Exception:  # noqa: BLE001 - keep scheduling; the next step retries
                log.exception("alert scheduler step failed")
            self._stop.wait(self.poll_s)

    def start(self) -> Scheduler:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="qm-alert-scheduler", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None


class InProcessWorker:
    """The embedded default: runs dispatched jobs one at a time on a thread of this process."""

    def __init__(self, watcher: Any) -> None:
        import queue

        self.watcher = watcher
        self.jobs: queue.Queue[tuple[str, datetime] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="qm-alert-worker", daemon=True)
        self._thread.start()

    def __call__(self, job: str, tick: datetime) -> None:
        self.jobs.put((job, tick))

    def _loop(self) -> None:
        while (item := self.jobs.get()) is not None:
            try:
                execute(self.watcher, *item)
            except Exception:  # noqa: BLE001 - logged in execute; the sweep retries
                pass
            finally:
                self.jobs.task_done()

    def drain(self) -> None:
        self.jobs.join()

    def stop(self) -> None:
        self.jobs.put(None)
        self._thread.join(timeout=30)
