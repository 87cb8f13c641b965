"""Readiness: can this process serve a turn right now? (Odoo, the state store, the vector store, the model.)

Why bounded: a load balancer polls /readyz every few seconds; a hung dependency must turn into a
clear 503 with the reason within a few seconds, never a hung probe. Each check runs in a worker
thread with its own deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import httpx

CHECK_TIMEOUT_S = 4.0
_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="qm-readyz")


def _check_odoo(runtime: Any, settings: Any) -> str:
    odoo = runtime.odoo
    if odoo is None:
        raise RuntimeError("no Odoo connection")
    n = odoo.search_count("res.users", [["id", "=", odoo.uid or 1]])
    return f"{odoo.url} answers (uid {odoo.uid}, {n} user)"


def _check_store(runtime: Any, settings: Any) -> str:
    store = getattr(runtime, "store", None)
    if store is None:
        raise RuntimeError("no state store")
    if hasattr(store, "ping"):
        store.ping()
        return "ok"
    import sqlalchemy as sa

    engine = getattr(store, "engine", None)
    if engine is None:
        raise RuntimeError("state store has no engine to probe")
    with engine.connect() as conn:
        conn.execute(sa.text("select 1"))
    return f"{engine.dialect.name} answers"


def _check_vectors(runtime: Any, settings: Any) -> str:
    knowledge = getattr(runtime, "knowledge", None)
    if knowledge is None:
        raise RuntimeError("no knowledge base")
    for name in ("ping", "count", "size"):
        fn = getattr(knowledge, name, None)
        if callable(fn):
            value = fn()
            return f"{value} chunks" if name != "ping" else "ok"
    store = getattr(knowledge, "store", None)
    for name in ("ping", "count"):
        fn = getattr(store, name, None)
        if callable(fn):
            value = fn()
            return f"{value} chunks" if name == "count" else "ok"
    return "present (no probe available)"


def _check_model(runtime: Any, settings: Any) -> str:
    if settings.resolved_brain == "offline":
        return "offline planner (no model endpoint needed)"
    base = (settings.openai_base_url or "https://api.openai.com/v1").rstrip("/")
    headers = {"Authorization": f"Bearer {settings.openai_api_key}"} if settings.openai_api_key else {}
    resp = httpx.get(f"{base}/models", headers=headers, timeout=CHECK_TIMEOUT_S - 0.5)
    if resp.status_code >= 400:
        raise RuntimeError(f"{base}/models answered HTTP {resp.status_code}")
    return f"{base} answers"


CHECKS: dict[str, Callable[[Any, Any], str]] = {
    "odoo": _check_odoo,
    "state_store": _check_store,
    "vector_store": _check_vectors,
    "model": _check_model,
}


def readiness(runtime: Any, settings: Any, timeout_s: float = CHECK_TIMEOUT_S) -> tuple[bool, dict[str, Any]]:
    """Run every check in parallel; returns (all ok, {name: {ok, detail, ms}})."""
    if runtime is None:
        return False, {"runtime": {"ok": False, "detail": "still starting or failed to start", "ms": 0}}
    started = {name: (time.perf_counter(), _POOL.submit(fn, runtime, settings)) for name, fn in CHECKS.items()}
    results: dict[str, Any] = {}
    deadline = time.perf_counter() + timeout_s
    for name, (t0, future) in started.items():
        try:
            detail = future.result(timeout=max(0.05, deadline - time.perf_counter()))
            results[name] = {"ok": True, "detail": detail}
        except FutureTimeout:
            results[name] = {"ok": False, "detail": f"no answer within {timeout_s:.0f} s"}
        except Exception as exc:  # noqa: BLE001 - every failure is a reason to report, not to crash
            results[name] = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"[:300]}
        results[name]["ms"] = round((time.perf_counter() - t0) * 1000, 1)
    return all(r["ok"] for r in results.values()), results
