"""Scale-out: /metrics on any replica reports the whole deployment (counters summed through Redis)."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from assistant.channels.metrics import Metrics
from assistant.channels.shared_metrics import SharedMetrics
from server import create_app
from tests.channels.webapi_support import governed_runtime, wait_until


def _healthz_count(text: str) -> float:
    """GET /healthz 200 requests in a Prometheus text page, read with prometheus_client's own parser."""
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            if (s.name == "qm_http_requests_total" and s.labels.get("route") == "/healthz"
                    and s.labels.get("method") == "GET" and s.labels.get("status") == "200"):
                return s.value
    return 0.0


def _sample(text: str, name: str) -> float | None:
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            if s.name == name and not s.labels:
                return s.value
    return None


def test_requests_on_one_replica_show_in_the_others_metrics_until_its_key_expires(
        redis_url: str, tmp_path: Path) -> None:
    prefix = f"qm:test-metrics:{uuid.uuid4().hex}:"  # isolated from other runs sharing this Redis
    rt_a = governed_runtime(tmp_path / "a", QM_SHARED_STATE_URL=redis_url)
    rt_b = governed_runtime(tmp_path / "b", QM_SHARED_STATE_URL=redis_url)
    app_a, app_b = create_app(rt_a.settings, rt_a), create_app(rt_b.settings, rt_b)
    shared_a = SharedMetrics(redis_url, ttl_s=1, push_interval_s=0.2, key_prefix=prefix)
    shared_b = SharedMetrics(redis_url, ttl_s=30, push_interval_s=3600, key_prefix=prefix)
    app_a.state.metrics.shared, app_b.state.metrics.shared = shared_a, shared_b
    try:
        with TestClient(app_a) as a, TestClient(app_b) as b:
            for _ in range(3):
                assert a.get("/healthz").status_code == 200
            for _ in range(2):
                assert b.get("/healthz").status_code == 200
            # each replica alone counted its own requests
            assert _healthz_count(app_a.state.metrics.render_local().decode()) == 3
            assert _healthz_count(app_b.state.metrics.render_local().decode()) == 2
            # B's /metrics includes A's 3 requests once A's pusher ran (A is never scraped here)
            assert wait_until(lambda: _healthz_count(b.get("/metrics").text) == 5, timeout=10)
            assert _healthz_count(a.get("/metrics").text) == 5  # and A sees B's (pushed at B's scrape)
            # Odoo RPC totals are summed too: each stand-in Odoo made its own calls
            rpc_total = float(rt_a.odoo.total.calls + rt_b.odoo.total.calls)
            assert _sample(b.get("/metrics").text, "qm_odoo_rpc_calls_total") == rpc_total
            # A dies without withdrawing (no clean shutdown): its snapshot drops out when the key expires
            shared_a.stop(withdraw=False)
            assert wait_until(lambda: _healthz_count(b.get("/metrics").text) == 2, timeout=10)
            assert shared_a.replica_id not in {m.decode() for m in shared_b.redis.smembers(shared_b.members_key)}
    finally:
        rt_a.close()
        rt_b.close()
        shared_b.redis.delete(shared_b.members_key)


def test_without_shared_state_metrics_stay_per_process_as_before(tmp_path: Path) -> None:
    rt_a, rt_b = governed_runtime(tmp_path / "a"), governed_runtime(tmp_path / "b")
    try:
        with TestClient(create_app(rt_a.settings, rt_a)) as a, TestClient(create_app(rt_b.settings, rt_b)) as b:
            for _ in range(3):
                a.get("/healthz")
            assert _healthz_count(a.get("/metrics").text) == 3
            assert _healthz_count(b.get("/metrics").text) == 0
            assert a.app.state.metrics.shared is None  # type: ignore[attr-defined]
    finally:
        rt_a.close()
        rt_b.close()


def test_redis_down_shows_this_replicas_figures() -> None:
    m = Metrics(lambda: None, shared_url_of=lambda: "redis://127.0.0.1:1/0")
    m.http.labels("GET", "/healthz", "200").inc()
    m.http.labels("GET", "/healthz", "200").inc()
    assert _healthz_count(m.render().decode()) == 2


def test_histogram_buckets_and_counts_are_summed_per_label_set(redis_url: str) -> None:
    prefix = f"qm:test-metrics:{uuid.uuid4().hex}:"
    one, two = Metrics(lambda: None), Metrics(lambda: None)
    for seconds in (0.02, 0.3, 4.0):
        one.turn_seconds.labels("web").observe(seconds)
    for seconds in (0.3, 20.0):
        two.turn_seconds.labels("web").observe(seconds)
    two.turn_seconds.labels("slack").observe(0.3)
    s1 = SharedMetrics(redis_url, key_prefix=prefix)
    s2 = SharedMetrics(redis_url, key_prefix=prefix)
    try:
        assert s2.push(two.own_families())
        text = s1.render(one.own_families(), []) or b""
        got = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for fam in text_string_to_metric_families(text.decode()) for s in fam.samples}
        assert got[("qm_turn_seconds_count", (("channel", "web"),))] == 5
        assert got[("qm_turn_seconds_count", (("channel", "slack"),))] == 1
        assert got[("qm_turn_seconds_bucket", (("channel", "web"), ("le", "0.5")))] == 3  # 0.02, 0.3, 0.3
        assert got[("qm_turn_seconds_bucket", (("channel", "web"), ("le", "5.0")))] == 4
        assert abs(got[("qm_turn_seconds_sum", (("channel", "web"),))] - 24.62) < 1e-9
    finally:
        s1.stop()
        s2.stop()
        s1.redis.delete(s1.members_key)
