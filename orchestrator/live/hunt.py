"""The hunt-group logic run by the hunt-group service (H-1..H-6, P-7).

Written against a small :class:`CallControl` protocol (execute an
application and wait for it to complete; run an API command) so that it is
tested without gevent or FreeSWITCH; ``esl_handlers.hunt_server`` adapts an
outbound event-socket session (``esl_handlers.outbound_session``) to it. The successive order lives in Redis
(:class:`RedisOrder`): the start of each call is reserved atomically, so
concurrent calls on several nodes start with different members, and the
memory survives restarts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.hunting import after_ring, before_ring
from orchestrator.domain.topology import Platform

from ..db.models import ReceptionNumber, ReceptionProfile
from ..render.routes import RouteBuilder, member_settings
from ..render.snapshot import load_snapshot

log = logging.getLogger(__name__)
T = TypeVar("T")


class CallerGone(Exception):
    """The caller hung up: stop everything."""


class CallControl(Protocol):
    def execute(self, app: str, args: str = "") -> dict[str, str]: ...

    def queue(self, app: str, args: str = "") -> None:
        """Run ``app`` without waiting for it to complete (the next blocking
        ``execute`` waits behind it)."""

    def api(self, command: str) -> str: ...


class Order(Protocol):
    def start(self, key: str, size: int) -> int: ...

    def rang(self, key: str, index: int, expected: int | None = None) -> bool: ...


_START = """
local last = tonumber(redis.call('GET', KEYS[1]) or '-1')
local size = tonumber(ARGV[1])
local start = (last + 1) % size
redis.call('SET', KEYS[1], start)
return start
"""
# Move the pointer only if no other call reserved a start since this call's
# last write: concurrent calls never move it backwards.
_RANG = """
local cur = redis.call('GET', KEYS[1])
if ARGV[2] == '' or cur == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[1])
  return 1
end
return 0
"""


class RedisOrder:
    """H-1 successive: where the next call starts, per hunt group, in Redis."""

    def __init__(self, redis_conn, prefix: str) -> None:
        self.redis = redis_conn
        self.prefix = prefix
        self._start = redis_conn.register_script(_START)
        self._rang = redis_conn.register_script(_RANG)

    def _key(self, key: str) -> str:
        return f"{self.prefix}:hunt:last:{key}"

    def start(self, key: str, size: int) -> int:
        return int(self._start(keys=[self._key(key)], args=[size]))

    def rang(self, key: str, index: int, expected: int | None = None) -> bool:
        return bool(self._rang(keys=[self._key(key)], args=[index, "" if expected is None else expected]))


class MemoryOrder:
    """The same in memory (tests, and a single process without Redis)."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def start(self, key: str, size: int) -> int:
        start = (self.last.get(key, -1) + 1) % size
        self.last[key] = start
        return start

    def rang(self, key: str, index: int, expected: int | None = None) -> bool:
        if expected is not None and self.last.get(key) != expected:
            return False
        self.last[key] = index
        return True


class ResilientOrder:
    """Redis while it answers; the same in memory while it is away (logged
    once), so the successive order still turns; back to Redis as soon as it
    answers again (tried at most every ``retry_seconds``, so calls do not
    each wait for a dead server)."""

    def __init__(self, primary: Order, retry_seconds: float = 2.0, clock: Callable[[], float] = time.monotonic,
                 errors: tuple[type[BaseException], ...] = (OSError,)) -> None:
        self.primary = primary
        self.memory = MemoryOrder()
        self.retry_seconds = retry_seconds
        self.clock = clock
        self.errors = errors
        self.down_since: float | None = None
        self._next_try = 0.0

    def _use(self, call: Callable[[Order], T]) -> T:
        if self.down_since is None or self.clock() >= self._next_try:
            try:
                result = call(self.primary)
            except self.errors as exc:
                if self.down_since is None:
                    self.down_since = self.clock()
                    log.warning("Redis unreachable: the successive order is kept in memory meanwhile",
                                extra={"error": str(exc)})
                self._next_try = self.clock() + self.retry_seconds
            else:
                if self.down_since is not None:
                    log.info("Redis is back: the successive order is kept there again",
                             extra={"away_seconds": round(self.clock() - self.down_since, 1)})
                    self.down_since = None
                return result
        return call(self.memory)

    def start(self, key: str, size: int) -> int:
        return self._use(lambda order: order.start(key, size))

    def rang(self, key: str, index: int, expected: int | None = None) -> bool:
        return self._use(lambda order: order.rang(key, index, expected))


@dataclass
class Group:
    key: str  # "P~<reception number>~<profile index>", as the dialplan names it
    domain: str
    profile: ReceptionProfile
    members: list[int]  # line ids in order
    builder: RouteBuilder


def load_group(session: Session, platform: Platform, key: str) -> Group | None:
    parts = key.split("~")
    if len(parts) != 3 or parts[0] != "P" or not parts[2].isdigit():
        return None
    rec = session.scalar(select(ReceptionNumber).where(ReceptionNumber.number == parts[1]))
    if rec is None:
        return None
    snapshot = load_snapshot(session, [rec.tenant_id])
    t = snapshot.tenants[0]
    rec = next(r for r in t.receptions if r.number == parts[1])
    index = int(parts[2])
    if index >= len(rec.profiles):
        return None
    prof = rec.profiles[index]
    builder = RouteBuilder(t, snapshot, platform)
    members = [m.line_id for m in prof.members if m.line_id in builder.views]
    return Group(key=key, domain=t.domain, profile=prof, members=members, builder=builder)


def _set_all(call: CallControl, actions: list[tuple[str, str]]) -> None:
    for app, data in actions:
        call.queue(app, data)


def hunt(call: CallControl, group: Group, order: Order) -> str:
    """Ring the members in the successive order; returns what happened:
    ``answered:<user>``, ``followed:<line>``, ``voicemail``, ``overflow``,
    ``no_answer`` or ``caller_gone``."""
    prof = group.profile
    members = group.members
    views = group.builder.views
    try:
        # continue_on_fail and hangup_after_bridge are set by the dialplan
        # before it hands the call over (render/routes.py): no round trip here
        if members:
            first = order.start(group.key, len(members))
            mine = first  # what this call last wrote to the shared pointer
            for _cycle in range(prof.cycles):
                for k in range(len(members)):
                    i = (first + k) % len(members)
                    line_id = members[i]
                    v = views[line_id]
                    settings = member_settings(v)
                    if before_ring(prof.forwards_allowed, settings):  # H-3: the forward takes the call
                        return _leave(call, group.builder.line_vars(line_id), "in", f"followed:{v.number}")
                    # H-1: this member is rung now, so the next call starts
                    # after it. Recorded before the bridge: when the member
                    # answers and the call ends, FreeSWITCH hangs the caller
                    # up inside the bridge and the socket closes before the
                    # bridge's completion can reach us (seen on FreeSWITCH
                    # 1.11.1 with real phones). A member without a device is
                    # recorded too; it is skipped at once either way.
                    if i != mine and order.rang(group.key, i, mine):
                        mine = i
                    # H-6: a member with no registered device fails at once
                    # (USER_NOT_REGISTERED), a busy one too (USER_BUSY)
                    done = call.execute("bridge", f"[leg_timeout={prof.ring_time},hold_music={v.hold_music}]"
                                                  f"user/{v.user}@{group.domain}")
                    outcome = done.get("variable_originate_disposition", "")
                    if outcome == "ORIGINATOR_CANCEL":
                        return "caller_gone"
                    if outcome == "SUCCESS" or done.get("variable_bridge_hangup_cause"):
                        return f"answered:{v.user}@{group.domain}"
                    # H-3: where the member's own order takes the call, the
                    # hunt stops; otherwise the member is skipped (H-6)
                    step = after_ring(prof.forwards_allowed, settings, outcome)
                    if step is not None:
                        return _leave(call, group.builder.line_vars(line_id), step, f"followed:{v.number}")
        return _end(call, group)
    except CallerGone:
        return "caller_gone"


def _leave(call: CallControl, member_vars: list[tuple[str, str]], step: str, outcome: str) -> str:
    call.queue("set", "centrex_hunt_handled=true")
    _set_all(call, member_vars)
    call.execute("transfer", f"{step} XML centrex-line")
    return outcome


def _end(call: CallControl, group: Group) -> str:
    """H-4: nobody answered. The rendered end of this hunt (``X~...``) does
    the rest, as in the native path: voicemail of the chosen line, else the
    next routing of a special number, else the call ends."""
    call.queue("set", "centrex_hunt_handled=true")
    call.execute("transfer", f"X~{group.key[2:]} XML {group.domain}~route")
    return "end"
