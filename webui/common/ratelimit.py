"""Failure counters for login limiting (P-13): at most ``limit`` failures
per key in ``window`` seconds. Kept in Redis when ``REDIS_URL`` is set
(every web process shares them), else in this process's memory.

While Redis does not answer, the counters live in this process's memory
(:class:`FailoverLimiter`): logins keep working, the outage is logged once
when it starts and once when Redis answers again, and Redis is tried again
at most every ``retry_after`` seconds (a down server costs no timeout per
request). What was counted in memory during the outage is not carried over.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from orchestrator.db.availability import public_url

log = logging.getLogger(__name__)
T = TypeVar("T")


class Limiter(Protocol):
    limit: int
    window: int

    def blocked(self, key: str) -> int:
        """Seconds until ``key`` may try again, 0 when it may now."""

    def failed(self, key: str) -> None: ...

    def reset(self, key: str) -> None: ...


class MemoryLimiter:
    def __init__(self, limit: int = 5, window: int = 300, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def blocked(self, key: str) -> int:
        now = self.clock()
        with self._lock:
            q = self._recent(key, now)
            if len(q) < self.limit:
                return 0
            return max(1, int(q[0] + self.window - now + 0.999))

    def failed(self, key: str) -> None:
        now = self.clock()
        with self._lock:
            self._recent(key, now).append(now)
            if len(self._failures) > 100_000:  # bounded memory: forget the oldest keys
                for old in list(self._failures)[:50_000]:
                    del self._failures[old]

    def reset(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


class RedisLimiter:
    """A fixed window per key: INCR, and EXPIRE set with the first failure."""

    def __init__(self, conn: Any, prefix: str, limit: int = 5, window: int = 300,
                 name: str = "login-failures") -> None:
        self.conn, self.prefix, self.limit, self.window, self.name = conn, prefix, limit, window, name

    def _key(self, key: str) -> str:
        return f"{self.prefix}:{self.name}:{hashlib.sha256(key.encode()).hexdigest()}"

    def blocked(self, key: str) -> int:
        k = self._key(key)
        count = int(self.conn.get(k) or 0)
        if count < self.limit:
            return 0
        return max(1, int(self.conn.ttl(k) or 1))

    def failed(self, key: str) -> None:
        k = self._key(key)
        pipe = self.conn.pipeline()
        pipe.incr(k)
        pipe.expire(k, self.window, nx=True)
        pipe.execute()

    def reset(self, key: str) -> None:
        self.conn.delete(self._key(key))


class RedisHealth:
    """Whether Redis answers, shared by the limiters of one application:
    one log line when an outage starts, one when it ends."""

    def __init__(self, url: str, retry_after: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.url, self.retry_after, self.clock = public_url(url), retry_after, clock
        self.down_since: float | None = None
        self._last_try = 0.0
        self._lock = threading.Lock()

    def worth_trying(self) -> bool:
        return self.down_since is None or self.clock() - self._last_try >= self.retry_after

    def failed(self, exc: Exception) -> None:
        with self._lock:
            now = self.clock()
            self._last_try = now
            if self.down_since is None:
                self.down_since = now
                log.warning("Redis unavailable: login limiting goes on in this process's memory",
                            extra={"event": "ratelimit.redis_down", "redis": self.url, "error": repr(exc)})

    def answered(self) -> None:
        if self.down_since is None:
            return
        with self._lock:
            if self.down_since is not None:
                log.warning("Redis answers again: login limiting is back in Redis",
                            extra={"event": "ratelimit.redis_back", "redis": self.url,
                                   "outage_seconds": round(self.clock() - self.down_since, 1)})
                self.down_since = None


class FailoverLimiter:
    """``primary`` (Redis) while it answers, else ``fallback`` (memory)."""

    def __init__(self, primary: RedisLimiter, fallback: MemoryLimiter, health: RedisHealth) -> None:
        self.primary, self.fallback, self.health = primary, fallback, health
        self.limit, self.window = primary.limit, primary.window

    def _run(self, redis_op: Callable[[], T], memory_op: Callable[[], T]) -> T:
        if self.health.worth_trying():
            try:
                result = redis_op()
            except (RedisConnectionError, RedisTimeoutError) as exc:
                self.health.failed(exc)
            else:
                self.health.answered()
                return result
        return memory_op()

    def blocked(self, key: str) -> int:
        return self._run(lambda: self.primary.blocked(key), lambda: self.fallback.blocked(key))

    def failed(self, key: str) -> None:
        self._run(lambda: self.primary.failed(key), lambda: self.fallback.failed(key))

    def reset(self, key: str) -> None:
        self._run(lambda: self.primary.reset(key), lambda: self.fallback.reset(key))


class LimiterFactory:
    """Makes the limiters of one application: on one Redis connection pool
    and one :class:`RedisHealth` when ``redis_url`` is set, else in memory."""

    def __init__(self, redis_url: str, prefix: str, retry_after: float = 5.0) -> None:
        self.prefix = prefix
        self.conn = (redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1)
                     if redis_url else None)
        self.health = RedisHealth(redis_url, retry_after) if redis_url else None

    def __call__(self, name: str, limit: int, window: int) -> Limiter:
        if self.conn is None or self.health is None:
            return MemoryLimiter(limit, window)
        return FailoverLimiter(RedisLimiter(self.conn, self.prefix, limit, window, name),
                               MemoryLimiter(limit, window), self.health)
