"""Per-replica state made shared for the scale-out mode: login/token throttles and the Slack replay guard.

Embedded default (one process, or `run --workers N` on one machine): both stay in memory, per process, as
before. With `QM_SHARED_STATE_URL=redis://host:6379/1` every web replica counts failures and remembers
Slack signatures in Redis, so a guesser spreading attempts over replicas meets the same limits, and a
replayed Slack request is refused by whichever replica it reaches. Sessions are already server-side rows
in the state store (PostgreSQL in this mode); request metrics are summed over the live replicas through
the same Redis (shared_metrics.py).

If Redis stops answering, the replica falls back to its in-memory copy and logs it: throttles weaken to
per-replica limits for that time instead of locking everyone out or letting the login page fail.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

log = logging.getLogger(__name__)

PREFIX = "qm:"
GOOD_TTL_S = 30 * 86400
MAX_GOOD = 50

_clients: dict[str, Any] = {}


def redis_client(url: str) -> Any:
    """One Redis client per URL per process (redis-py pools connections and is thread safe)."""
    client = _clients.get(url)
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        _clients[url] = client
    return client


class RedisThrottle:
    """FailureThrottle's interface over Redis sorted sets (one per key, scores = failure times)."""

    def __init__(self, url: str, window_s: float = 300.0, fallback: Any = None) -> None:
        from assistant.channels.auth import FailureThrottle

        self.url, self.window_s = url, window_s
        self.redis = redis_client(url)
        self.fallback = fallback or FailureThrottle(window_s)

    def _down(self, exc: Exception) -> None:
        log.warning("shared throttle store unreachable (%s); using this replica's memory", type(exc).__name__)

    def remember_good(self, account: str, address: str) -> None:
        key = f"{PREFIX}good:{account}"
        try:
            if int(self.redis.scard(key)) < MAX_GOOD:
                self.redis.sadd(key, address)
            self.redis.expire(key, GOOD_TTL_S)
        except Exception as exc:  # noqa: BLE001 - redis raises several kinds
            self._down(exc)
            self.fallback.remember_good(account, address)

    def good_addresses(self, account: str) -> frozenset[str]:
        try:
            return frozenset(m.decode() if isinstance(m, bytes) else str(m)
                             for m in self.redis.smembers(f"{PREFIX}good:{account}"))
        except Exception as exc:  # noqa: BLE001
            self._down(exc)
            return self.fallback.good_addresses(account)

    def retry_after(self, limits: dict[str, int]) -> int:
        now = time.time()
        try:
            waits = []
            for key, limit in limits.items():
                k = f"{PREFIX}fail:{key}"
                self.redis.zremrangebyscore(k, "-inf", now - self.window_s)
                if int(self.redis.zcard(k)) >= limit:
                    ((_m, t),) = self.redis.zrange(k, -limit, -limit, withscores=True)
                    waits.append(int(self.window_s - (now - float(t))) + 1)
            return max(waits, default=0)
        except Exception as exc:  # noqa: BLE001
            self._down(exc)
            return int(self.fallback.retry_after(limits))

    def fail(self, *keys: str) -> None:
        now = time.time()
        try:
            pipe = self.redis.pipeline()
            for key in keys:
                k = f"{PREFIX}fail:{key}"
                pipe.zadd(k, {uuid.uuid4().hex: now})
                pipe.expire(k, int(self.window_s) + 5)
            pipe.execute()
        except Exception as exc:  # noqa: BLE001
            self._down(exc)
            self.fallback.fail(*keys)

    def clear(self, *keys: str) -> None:
        try:
            if keys:
                self.redis.delete(*[f"{PREFIX}fail:{k}" for k in keys])
        except Exception as exc:  # noqa: BLE001
            self._down(exc)
            self.fallback.clear(*keys)


class RedisSeen:
    """'Seen this Slack signature in the last window?' shared by every replica (SET NX with expiry)."""

    def __init__(self, url: str, window_s: float) -> None:
        self.redis = redis_client(url)
        self.window_s = window_s

    def __call__(self, signature: str) -> bool | None:
        """True: seen before (a replay); False: first time; None: Redis did not answer (use memory)."""
        try:
            first = self.redis.set(f"{PREFIX}slack-sig:{signature}", b"1", nx=True, ex=int(self.window_s))
            return not bool(first)
        except Exception as exc:  # noqa: BLE001
            log.warning("shared replay guard unreachable (%s); using this replica's memory", type(exc).__name__)
            return None
