"""Waiting on what the event service stores, in the real-FreeSWITCH tests:
re-read the database now and after each event the service handles (its
``handled`` queue), never on a sleep."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager

import gevent
import gevent.queue
from freeswitch_real import running_freeswitch

from esl_handlers.events_service import EventService


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


@contextmanager
def event_service_on(rt, platform, tmp_path):
    """A real FreeSWITCH on ``platform``'s ports, with the event service
    connected to it (the tree must already be applied under ``tmp_path``).
    Yields the ESL client and the service; stops both at the end."""
    with running_freeswitch(tmp_path, platform.esl_port) as (_proc, esl):
        svc = EventService(rt, platform.nodes[0], cdr_dir=platform.spool_dir / "cdr", backoff=(0.1, 0.5))
        greenlet = gevent.spawn(svc.run)
        try:
            assert svc.connected.get(timeout=15) == 1
            yield esl, svc
        finally:
            svc.stop()
            greenlet.join(timeout=10)
