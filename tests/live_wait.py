"""Waiting on what the event service stores, in the real-FreeSWITCH tests:
re-read the database now and after each event the service handles (its
``handled`` queue), never on a sleep."""

from __future__ import annotations

import time
from collections.abc import Callable

import gevent.queue


def wait_for_state(rt, svc, seen: list[str], what: str, read: Callable[[object], object],
                   ok: Callable[[object], bool], timeout: float = 20.0):
    """``read(session)`` until ``ok`` holds; each event handled meanwhile is
    appended to ``seen``; at the deadline, fail with the last value read."""
    deadline = time.monotonic() + timeout
    while True:
        with rt.context() as ctx:
            value = read(ctx.session)
        if ok(value):
            return value
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"timed out waiting for {what}: last value {value!r}; "
                                 f"events handled: {seen[-30:]}")
        try:
            seen.append(svc.handled.get(timeout=left))
        except gevent.queue.Empty:
            continue
