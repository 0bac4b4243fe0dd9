"""The RQ worker running apply jobs, kept alive across Redis outages.

RQ's own loop retries a lost connection only while it waits for a job (with
a back-off up to a minute); a Redis that is away when the worker starts, or
that drops during a heartbeat, ends ``Worker.work``. Here the worker waits
for Redis to answer again (polling ``PING`` with a short back-off), then
starts a new RQ worker on the same queue; SIGTERM/SIGINT stop it cleanly,
waiting or not.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from .jobs import QUEUE

log = logging.getLogger(__name__)
MAX_WAIT = 5.0  # seconds between two attempts while Redis is away


def run_worker(url: str, prefix: str, *, burst: bool = False, stop: threading.Event | None = None) -> bool:
    """Work until stopped (or, with ``burst``, until the queue is empty).
    Returns False when ``burst`` found Redis unreachable."""
    import redis  # lazy: only with REDIS_URL
    from rq import Queue, Worker  # lazy: only with REDIS_URL
    from rq.exceptions import StopRequested  # lazy: only with REDIS_URL

    stopping = stop or threading.Event()

    class StoppableWorker(Worker):
        def request_stop(self, signum: Any, frame: Any) -> None:
            stopping.set()
            try:
                super().request_stop(signum, frame)
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                raise StopRequested() from None  # Redis away: no job runs, stop now

    # no read timeout: the worker blocks on BLPOP for minutes; a stopped Redis
    # closes the socket, keep-alive finds a vanished host
    conn = redis.Redis.from_url(url, socket_connect_timeout=2, socket_keepalive=True)
    while not stopping.is_set():
        try:
            conn.ping()
            worker = StoppableWorker([Queue(f"{prefix}-{QUEUE}", connection=conn)], connection=conn)
            worker.max_connection_wait_time = MAX_WAIT
            log.info("worker listening", extra={"queue": f"{prefix}-{QUEUE}"})
            worker.work(burst=burst, with_scheduler=False)  # installs its own SIGTERM/SIGINT handlers
            if burst:
                return True
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
            if burst:
                log.error("Redis unreachable", extra={"error": str(exc)})
                return False
            log.warning("Redis unreachable: the worker waits for it", extra={"error": str(exc)})
            restore = _stop_on_signals(stopping) if stop is None else None
            try:
                _wait_for(conn, stopping)
            finally:
                if restore is not None:
                    restore()
    return True


def _wait_for(conn: Any, stopping: threading.Event) -> None:
    """Until Redis answers ``PING`` again (or the worker is stopped)."""
    delay = 0.2
    while not stopping.wait(delay):
        try:
            conn.ping()
        except Exception:  # noqa: BLE001 - still away
            delay = min(delay * 2, MAX_WAIT)
            continue
        log.warning("Redis is back: the worker resumes")
        return


def _stop_on_signals(stopping: threading.Event):
    """SIGTERM/SIGINT set ``stopping`` while the worker waits for Redis;
    returns what puts the previous handlers back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    for sig in previous:
        signal.signal(sig, lambda *_: stopping.set())

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
