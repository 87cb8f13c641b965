"""Deployment-wide request metrics for the scale-out mode: every replica's counters summed through Redis.

Embedded default (no `QM_SHARED_STATE_URL`): not used; `/metrics` renders this process's registry as before.
With it, each replica writes a snapshot of its own counters and histogram buckets (turns, tool calls, decisions,
HTTP requests, Odoo RPC totals) to `qm:metrics:replica:<id>` with a time-to-live, every `push_interval_s` from a
background thread and again at each scrape. `/metrics` on any replica renders the sum over the replicas whose
snapshot is still alive, plus the gauges read from the shared store (proposals, alert deliveries and runs), which
are the same everywhere and so are not summed.

A replica that stops (or loses Redis) drops out once its key expires (`ttl_s`): its counts leave the sum, which
Prometheus treats as a counter reset (`rate()`/`increase()` cope). If Redis does not answer, `/metrics` falls back
to this replica's own figures and logs it.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.samples import Sample

from assistant.channels.shared_state import PREFIX, redis_client

log = logging.getLogger(__name__)

KEY_PREFIX = f"{PREFIX}metrics:"
PUSH_INTERVAL_S = 15.0
TTL_S = 60


def _snapshot(families: Iterable[Metric]) -> list[dict[str, Any]]:
    """JSON-able families; `_created` timestamps are per process and not summable, so they are left out."""
    out = []
    for fam in families:
        samples = [[s.name, s.labels, s.value] for s in fam.samples if not s.name.endswith("_created")]
        out.append({"name": fam.name, "type": fam.type, "help": fam.documentation, "samples": samples})
    return out


def merge(snapshots: Iterable[list[dict[str, Any]]]) -> list[Metric]:
    """Sum the samples of several replicas' snapshots, family by family and label set by label set."""
    fams: dict[str, Metric] = {}
    sums: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]] = {}
    for snap in snapshots:
        for f in snap:
            name = str(f["name"])
            if name not in fams:
                fams[name] = Metric(name, str(f.get("help", "")), str(f.get("type", "untyped")))
                sums[name] = {}
            acc = sums[name]
            for sample_name, labels, value in f.get("samples", []):
                key = (str(sample_name), tuple(sorted((str(k), str(v)) for k, v in dict(labels).items())))
                acc[key] = acc.get(key, 0.0) + float(value)
    for name, fam in fams.items():
        for (sample_name, labels), value in sums[name].items():
            fam.samples.append(Sample(sample_name, dict(labels), value, None, None))
    return list(fams.values())


class _Families:
    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        yield from self.families


class SharedMetrics:
    """One replica's side of the shared metrics: push its snapshot, read and sum everyone's."""

    def __init__(self, url: str, ttl_s: int = TTL_S, push_interval_s: float = PUSH_INTERVAL_S,
                 key_prefix: str = KEY_PREFIX, replica_id: str | None = None) -> None:
        self.url, self.ttl_s, self.push_interval_s, self.key_prefix = url, ttl_s, push_interval_s, key_prefix
        self.replica_id = replica_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.redis = redis_client(url)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def members_key(self) -> str:
        return f"{self.key_prefix}replicas"

    def key(self, replica_id: str) -> str:
        return f"{self.key_prefix}replica:{replica_id}"

    def push(self, families: Iterable[Metric]) -> bool:
        """Write this replica's snapshot with its time-to-live. False (and a log line) when Redis is down."""
        try:
            pipe = self.redis.pipeline()
            pipe.set(self.key(self.replica_id), json.dumps(_snapshot(families)), ex=int(self.ttl_s))
            pipe.sadd(self.members_key, self.replica_id)
            pipe.execute()
            return True
        except Exception as exc:  # noqa: BLE001 - redis raises several kinds
            log.warning("shared metrics store unreachable (%s); /metrics shows this replica only",
                        type(exc).__name__)
            return False

    def gather(self) -> list[list[dict[str, Any]]] | None:
        """The live replicas' snapshots (forgetting those whose key expired); None when Redis is down."""
        try:
            ids = sorted(m.decode() if isinstance(m, bytes) else str(m)
                         for m in self.redis.smembers(self.members_key))
            if not ids:
                return []
            raw = self.redis.mget([self.key(i) for i in ids])
            gone = [i for i, r in zip(ids, raw, strict=True) if r is None]
            if gone:
                self.redis.srem(self.members_key, *gone)
            return [json.loads(r) for r in raw if r is not None]
        except Exception as exc:  # noqa: BLE001
            log.warning("shared metrics store unreachable (%s); /metrics shows this replica only",
                        type(exc).__name__)
            return None

    def render(self, own: list[Metric], local_gauges: list[Metric]) -> bytes | None:
        """Push `own`, then the sum over live replicas plus `local_gauges`; None when Redis is down."""
        if not self.push(own):
            return None
        snaps = self.gather()
        if snaps is None:
            return None
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Families(merge(snaps) + local_gauges))
        return generate_latest(registry)

    def start(self, own_of: Any) -> None:
        """Push `own_of()` every push_interval_s from a daemon thread, so idle replicas stay counted."""
        if self._thread is not None:
            return
        self._stop.clear()

        def loop() -> None:
            while True:
                try:
                    self.push(own_of())
                except Exception:  # noqa: BLE001 - the pusher must never die of one bad snapshot
                    log.exception("shared metrics: cannot take a snapshot")
                if self._stop.wait(self.push_interval_s):
                    return

        self._thread = threading.Thread(target=loop, name="qm-shared-metrics", daemon=True)
        self._thread.start()

    def stop(self, withdraw: bool = True) -> None:
        """Stop pushing and withdraw this replica's snapshot (a clean shutdown leaves the sum at once; a
        crashed replica leaves it when its key expires)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if not withdraw:
            return
        try:
            self.redis.delete(self.key(self.replica_id))
            self.redis.srem(self.members_key, self.replica_id)
        except Exception:  # noqa: BLE001
            pass
