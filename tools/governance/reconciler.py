"""The background reconciler: nothing waits for a person to notice.

Why: a proposal left `executing` by a crashed process, or `approved` but deferred while Odoo was down,
used to wait for someone to run `quartermaster proposals reconcile` or restart the server. Every server
process runs this loop; a lease row in the state database (`leases`, name "reconciler") makes exactly
one of them work at a time, and another takes over when the holder dies (its lease expires). Each
round expires overdue proposals, finishes stuck ones (the executor's Odoo marker check means a write
that already happened is recorded, never repeated), and signs an audit checkpoint.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from typing import Any

log = logging.getLogger(__name__)

LEASE_NAME = "reconciler"


class Reconciler:
    def __init__(self, service: Any, *, interval_s: float = 30.0, lease_s: float | None = None,
                 holder: str | None = None) -> None:
        self.service = service
        self.interval_s = interval_s
        self.lease_s = lease_s if lease_s is not None else max(3 * interval_s, 10.0)
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> list[Any] | None:
        """One round if this process holds the lease (None when another process does)."""
        store = self.service.store
        if not store.acquire_lease(LEASE_NAME, self.holder, self.lease_s):
            return None
        self.service.expire_due()
        decisions = [d for d in self.service.reconcile_stuck("reconciler") if d.outcome != "noop"]
        for d in decisions:
            log.info("reconciler: %s %s", d.outcome, d.message)
        try:
            self.service.audit.checkpoint()
        except Exception:  # noqa: BLE001 - anchoring is best effort; verify reports gaps
            log.exception("reconciler: audit checkpoint failed")
        return decisions

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):  # first round after one interval: startup reconciles itself
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - keep the loop alive; the next round retries
                log.exception("reconciler round failed")

    def start(self) -> Reconciler:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="qm-reconciler", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        try:
            self.service.store.release_lease(LEASE_NAME, self.holder)
        except Exception:  # noqa: BLE001 - the lease simply expires
            log.info("reconciler: could not release the lease", exc_info=True)
