"""A Watcher without the chat runtime: for `quartermaster worker` and `quartermaster alerts …`.

The chat runtime loads the planner's models and ingests the corpus; an alert worker needs only the Odoo
login, the state store, policy, users, audit, the document index (contract expiry; optional) and the
Slack sender (when SLACK_BOT_TOKEN is set).
"""

from __future__ import annotations

import logging
from typing import Any

from assistant.settings import Settings, load_settings
from assistant.watch.clock import clock_from_env
from assistant.watch.rules import load_rules

log = logging.getLogger(__name__)


def senders_for(settings: Settings) -> dict[str, Any]:
    if not settings.slack_bot_token:
        return {}
    from assistant.channels.slack_alerts import SlackSender

    return {"slack": SlackSender.from_settings(settings)}


def knowledge_for(settings: Settings) -> Any:
    try:
        from assistant.runtime import _knowledge

        return _knowledge(settings, False)
    except Exception:  # noqa: BLE001 - contract expiry alerts are skipped, the rest works
        log.warning("the document index is not available: contract-expiry alerts are off", exc_info=True)
        return None


def _no_sandbox() -> Any:
    from assistant.problems import StartupProblem

    raise StartupProblem("odoo_unreachable", "No Odoo to watch: set ODOO_URL, or start `quartermaster run` "
                         "(it starts the sandbox) before the alert worker.")


def build_watcher(settings: Settings | None = None, *, with_knowledge: bool | None = None) -> Any:
    from assistant.watch.watcher import Watcher
    from tools.governance.audit import AuditLog
    from tools.governance.identity import Directory
    from tools.governance.policy import Policy
    from tools.governance.store import StateStore
    from tools.odoo.client import OdooClient

    settings = settings or load_settings()
    if with_knowledge is None:  # QM_ALERTS_DOCUMENTS=0: no document index in this worker (no contract alerts)
        import os

        with_knowledge = os.environ.get("QM_ALERTS_DOCUMENTS", "1") != "0"
    url, db = settings.odoo_url, settings.odoo_db
    if settings.uses_sandbox:  # the sandbox `quartermaster run` started for this data dir
        from assistant.local_sandbox import attach_or_start
        from sandbox.rpc import DB_NAME

        local = attach_or_start(settings.data_dir / "sandbox", settings.sandbox_port, db=DB_NAME, start=_no_sandbox,
                                business=settings.sandbox_business)
        url, db = local.url, local.db
    odoo = OdooClient.connect(str(url), db, settings.odoo_login, settings.odoo_password, timeout=settings.odoo_timeout)
    store = StateStore.open(settings.state_url)
    return Watcher(odoo=odoo, store=store, policy=Policy.load(settings.resolved_policy_file),
                   directory=Directory.load(settings.resolved_users_file), audit=AuditLog(store),
                   knowledge=knowledge_for(settings) if with_knowledge else None,
                   rules=load_rules(settings.alert_rules_file), clock=clock_from_env(), senders=senders_for(settings))


class AlertsService:
    """What a web process runs: the scheduler thread, and (embedded mode) the worker thread."""

    def __init__(self, scheduler: Any, worker: Any = None) -> None:
        self.scheduler, self.worker = scheduler, worker

    def stop(self) -> None:
        self.scheduler.stop()
        if self.worker is not None:
            self.worker.stop()


def start_alerts(runtime: Any, settings: Settings) -> AlertsService | None:
    """Start alert scheduling in this process (QM_ALERTS=0 turns it off). Embedded: jobs run on a thread
    here over the state store; with QM_BROKER_URL they go to Celery workers (`quartermaster worker`)."""
    if not settings.alerts_enabled:
        return None
    from assistant.watch.scheduler import InProcessWorker, Scheduler
    from assistant.watch.watcher import Watcher

    rules = load_rules(settings.alert_rules_file)
    clock = clock_from_env()
    if settings.broker_url:
        from assistant.watch.workers import celery_dispatch, configure

        configure(settings.broker_url)
        return AlertsService(Scheduler(runtime.store, rules, celery_dispatch, clock=clock).start())
    watcher = Watcher.from_runtime(runtime, clock=clock, senders=senders_for(settings), rules=rules)
    worker = InProcessWorker(watcher)
    return AlertsService(Scheduler(runtime.store, rules, worker, clock=clock).start(), worker)
