"""Scale-out: login throttles and the Slack replay guard shared by replicas through Redis."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from assistant.channels.auth import FailureThrottle, throttle_of
from assistant.channels.shared_state import RedisSeen, RedisThrottle
from assistant.channels.slack import ReplayGuard


def test_two_replicas_count_the_same_failures(redis_url: str) -> None:
    a, b = RedisThrottle(redis_url), RedisThrottle(redis_url)
    key = f"web-user:{uuid.uuid4().hex}"
    for _ in range(3):
        a.fail(key)
    for _ in range(2):
        b.fail(key)
    assert a.retry_after({key: 5}) > 0 and b.retry_after({key: 5}) > 0  # 5 failures across two replicas
    assert a.retry_after({key: 6}) == 0
    b.clear(key)
    assert a.retry_after({key: 1}) == 0
    acct = uuid.uuid4().hex
    a.remember_good(acct, "10.0.0.7")
    assert b.good_addresses(acct) == frozenset({"10.0.0.7"})
    # the in-memory default is per process: the other replica sees nothing
    m1, m2 = FailureThrottle(), FailureThrottle()
    for _ in range(5):
        m1.fail(key)
    assert m1.retry_after({key: 5}) > 0 and m2.retry_after({key: 5}) == 0


def test_the_app_picks_the_shared_throttle_only_when_configured(redis_url: str) -> None:
    shared = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(settings=SimpleNamespace(
        shared_state_url=redis_url))))
    local = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(settings=SimpleNamespace(shared_state_url=None))))
    assert isinstance(throttle_of(shared), RedisThrottle)  # type: ignore[arg-type]
    assert isinstance(throttle_of(local), FailureThrottle)  # type: ignore[arg-type]


def test_a_replayed_slack_signature_is_refused_by_another_replica(redis_url: str) -> None:
    sig = f"v0={uuid.uuid4().hex}"
    one, two = ReplayGuard(RedisSeen(redis_url, 300)), ReplayGuard(RedisSeen(redis_url, 300))
    assert one._replayed(sig) is False
    assert two._replayed(sig) is True
    assert ReplayGuard()._replayed(sig) is False  # memory-only guards do not share


def test_redis_down_falls_back_to_memory() -> None:
    t = RedisThrottle("redis://127.0.0.1:1/0")
    key = uuid.uuid4().hex
    for _ in range(3):
        t.fail(key)
    assert t.retry_after({key: 3}) > 0
    assert RedisSeen("redis://127.0.0.1:1/0", 300)("sig") is None
