"""Prometheus metrics of one app: turns, tool calls, Odoo RPC latency, proposals by state.

Why a registry per app: tests (and a process serving two apps) must not share or collide on the
global default registry. Counts the channels see directly (turns, tool calls, decisions, HTTP) are
recorded as they happen; Odoo RPC totals and proposals by state are read from the runtime at scrape
time, so they include work done by other channels (Slack, CLI) too.
"""

from __future__ import annotations

import logging
from collections import Counter as Tally
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class _RuntimeCollector(Collector):
    """Reads this process's Odoo RPC totals from the live runtime at scrape time."""

    def __init__(self, get_runtime: Callable[[], Any]) -> None:
        self.get_runtime = get_runtime

    def collect(self) -> Iterator[Metric]:
        runtime = self.get_runtime()
        if runtime is None:
            return
        total = getattr(getattr(runtime, "odoo", None), "total", None)
        if total is not None:
            calls = CounterMetricFamily("qm_odoo_rpc_calls", "Odoo JSON-RPC round trips made by this process")
            calls.add_metric([], float(getattr(total, "calls", 0)))
            yield calls
            secs = CounterMetricFamily("qm_odoo_rpc_seconds",
                                       "Time spent in Odoo JSON-RPC round trips (divide by calls for mean latency)")
            secs.add_metric([], float(getattr(total, "ms", 0.0)) / 1000.0)
            yield secs


class _StoreCollector(Collector):
    """Gauges read from the state store at scrape time (shared by replicas in scale-out, so never summed)."""

    def __init__(self, get_runtime: Callable[[], Any]) -> None:
        self.get_runtime = get_runtime

    def collect(self) -> Iterator[Metric]:
        runtime = self.get_runtime()
        if runtime is None:
            return
        yield from _alert_gauges(getattr(runtime, "store", None))
        proposals = getattr(runtime, "proposals", None)
        if proposals is not None:
            try:
                states = Tally(str(getattr(p, "state", "unknown")) for p in proposals.list())
            except Exception as exc:  # noqa: BLE001 - a scrape must never fail because of the store
                log.warning("metrics: cannot list proposals: %s", exc)
                return
            gauge = GaugeMetricFamily("qm_proposals", "Proposals by state", labels=["state"])
            for state, n in sorted(states.items()):
                gauge.add_metric([state], float(n))
            yield gauge


def _alert_gauges(store: Any) -> Iterator[Metric]:
    """Alert deliveries and runs by state, read from the state store at scrape time: the same figures from
    every replica (the store is shared in the scale-out mode)."""
    if store is None or not hasattr(store, "read"):
        return
    try:
        import sqlalchemy as sa

        from assistant.watch.tables import DeliveryRow, RunRow

        with store.read() as s:
            deliveries = s.execute(sa.select(DeliveryRow.state, sa.func.count()).group_by(DeliveryRow.state)).all()
            runs = s.execute(sa.select(RunRow.state, sa.func.count()).group_by(RunRow.state)).all()
    except Exception as exc:  # noqa: BLE001 - a store without the alert tables, or down: no gauges
        log.debug("metrics: no alert figures: %s", exc)
        return
    gauge = GaugeMetricFamily("qm_alert_deliveries", "Alert and digest messages by state (shared store)",
                              labels=["state"])
    for state, n in sorted(deliveries):
        gauge.add_metric([str(state)], float(n))
    yield gauge
    gauge = GaugeMetricFamily("qm_alert_runs", "Scheduled alert runs by state (shared store)", labels=["state"])
    for state, n in sorted(runs):
        gauge.add_metric([str(state)], float(n))
    yield gauge


class Metrics:
    """The app's metrics; channels call observe_* as work happens."""

    def __init__(self, get_runtime: Callable[[], Any],
                 shared_url_of: Callable[[], str | None] = lambda: None) -> None:
        self.shared_url_of = shared_url_of  # QM_SHARED_STATE_URL: /metrics sums every replica (shared_metrics.py)
        self.shared: Any = None
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.turns = Counter("qm_turns", "Chat turns answered", ["channel", "brain", "outcome"], registry=r)
        self.turn_seconds = Histogram("qm_turn_seconds", "Chat turn wall time", ["channel"],
                                      buckets=LATENCY_BUCKETS, registry=r)
        self.tool_calls = Counter("qm_tool_calls", "Tool calls made during turns and pages",
                                  ["tool", "ok"], registry=r)
        self.tool_seconds = Histogram("qm_tool_call_seconds", "Tool call wall time", ["tool"],
                                      buckets=LATENCY_BUCKETS, registry=r)
        self.tool_rpc_seconds = Histogram("qm_tool_rpc_latency_seconds",
                                          "Mean Odoo RPC latency within one tool call",
                                          buckets=LATENCY_BUCKETS, registry=r)
        self.decisions = Counter("qm_proposal_decisions", "Approve/reject clicks and their outcome",
                                 ["decision", "outcome"], registry=r)
        self.http = Counter("qm_http_requests", "HTTP requests by route template and status",
                            ["method", "route", "status"], registry=r)
        self._store = _StoreCollector(get_runtime)
        self._own: list[Any] = [self.turns, self.turn_seconds, self.tool_calls, self.tool_seconds,
                                self.tool_rpc_seconds, self.decisions, self.http, _RuntimeCollector(get_runtime)]
        r.register(self._own[-1])
        r.register(self._store)

    def observe_turn(self, result: Any, channel: str, seconds: float, outcome: str = "ok") -> None:
        brain = str(getattr(result, "brain", "") or "none") if result is not None else "none"
        self.turns.labels(channel, brain, outcome).inc()
        self.turn_seconds.labels(channel).observe(seconds)
        for call in getattr(result, "tool_calls", None) or []:
            get = call.get if isinstance(call, dict) else lambda k, c=call: getattr(c, k, None)
            self.observe_tool(str(get("name") or "unknown"), bool(get("ok")), float(get("ms") or 0.0),
                              int(get("rpc_calls") or 0))

    def observe_tool(self, name: str, ok: bool, ms: float, rpc_calls: int) -> None:
        self.tool_calls.labels(name, "true" if ok else "false").inc()
        self.tool_seconds.labels(name).observe(ms / 1000.0)
        if rpc_calls > 0:
            self.tool_rpc_seconds.observe(ms / 1000.0 / rpc_calls)

    def own_families(self) -> list[Metric]:
        """This process's counters and histograms (what a replica contributes to the deployment's sum)."""
        return [fam for c in self._own for fam in c.collect()]

    def _sharing(self) -> Any:
        url = self.shared_url_of()
        if not url:
            return None
        if self.shared is None or self.shared.url != url:
            from assistant.channels.shared_metrics import SharedMetrics

            try:
                self.shared = SharedMetrics(url)
            except Exception as exc:  # noqa: BLE001 - a malformed URL: this replica's figures, not a 500
                log.warning("shared metrics off: %s", exc)
                return None
        return self.shared

    def start_sharing(self) -> None:
        """Scale-out: push this replica's figures periodically (no-op without QM_SHARED_STATE_URL)."""
        shared = self._sharing()
        if shared is not None:
            shared.start(self.own_families)

    def stop_sharing(self) -> None:
        if self.shared is not None:
            self.shared.stop()

    def render(self) -> bytes:
        shared = self._sharing()
        if shared is not None:
            text = shared.render(self.own_families(), list(self._store.collect()))
            if text is not None:
                return bytes(text)
        return self.render_local()

    def render_local(self) -> bytes:
        """This process's figures only (the embedded default, and the fallback when Redis is down)."""
        return generate_latest(self.registry)
