"""Login rate limit (P-13): at most ``limit`` failures per key (client IP +
login) in ``window`` seconds. Kept in Redis when ``REDIS_URL`` is set (every
web process shares it), else in this process's memory."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol


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

    def __init__(self, conn: Any, prefix: str, limit: int = 5, window: int = 300) -> None:
        self.conn, self.prefix, self.limit, self.window = conn, prefix, limit, window

    def _key(self, key: str) -> str:
        return f"{self.prefix}:login-failures:{hashlib.sha256(key.encode()).hexdigest()}"

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


def limiter_for(redis_url: str, prefix: str, limit: int = 5, window: int = 300) -> Limiter:
    if redis_url:
        import redis

        return RedisLimiter(redis.Redis.from_url(redis_url), prefix, limit, window)
    return MemoryLimiter(limit, window)
