"""Scale-out mode: Celery workers run the alert jobs the schedulers dispatch (QM_BROKER_URL).

Why Celery: it is the most widely run Python task queue, speaks both brokers this kind of site already
has (Redis, RabbitMQ), and gives late acknowledgement (`acks_late`, `task_reject_on_worker_lost`) so a
task whose worker dies is handed to another. Correctness does not rest on the broker: the claim row per
(job, tick) in the state database decides which run exists, the run's lease decides who runs it, and the
scheduler's sweep re-dispatches a run whose worker vanished (Redis would otherwise wait for its
visibility timeout). A duplicate task is a no-op (the lease compare-and-set refuses it).

Each worker process builds one Watcher from the settings: an Odoo login, the state store (PostgreSQL in
this mode), policy, users, audit, the document index (for contract expiry) and the Slack sender.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import datetime
from typing import Any

from celery import Celery

log = logging.getLogger(__name__)

BROKER_ENV = "QM_BROKER_URL"
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
TASK = "quartermaster.alerts.run_job"
QUEUE = os.environ.get("QM_ALERT_QUEUE") or "quartermaster-alerts"

app = Celery("quartermaster", broker=os.environ.get(BROKER_ENV) or DEFAULT_BROKER)
app.conf.update(task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
                task_serializer="json", accept_content=["json"], task_default_queue=QUEUE,
                broker_connection_retry_on_startup=True, worker_hijack_root_logger=False,
                broker_transport_options={"visibility_timeout": 3600})

_watcher: Any = None
_lock = threading.Lock()


def configure(broker_url: str | None) -> Celery:
    if broker_url:
        app.conf.broker_url = broker_url
    return app


def worker_watcher() -> Any:
    """The process's Watcher, built on first use (in the worker process, after the fork)."""
    global _watcher
    with _lock:
        if _watcher is None:
            from assistant.watch.standalone import build_watcher

            _watcher = build_watcher()
        return _watcher


@app.task(name=TASK, bind=True, max_retries=0)
def run_job(self: Any, job: str, tick: str) -> dict[str, Any] | None:
    from assistant.watch.scheduler import execute

    return execute(worker_watcher(), job, datetime.fromisoformat(tick))


def celery_dispatch(job: str, tick: datetime) -> None:
    """The scheduler's dispatch in scale-out mode: one Celery message per claimed (job, tick)."""
    run_job.apply_async(args=[job, tick.isoformat()])
