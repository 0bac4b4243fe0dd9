"""The hunt-group service's logic (H-1..H-6) against a scripted call, and
the successive order in the real Redis (atomic under concurrent calls)."""

from __future__ import annotations

import threading

import pytest
import redis
from conftest import REDIS_URL
from helpers import make_line, make_reception, make_tenant
from render_helpers import PLATFORM

from orchestrator.live.hunt import CallerGone, MemoryOrder, RedisOrder, hunt, load_group

D = "hunt.centrex.test"
USERS = [f"017530000{i}@{D}" for i in range(1, 5)]


class ScriptedCall:
    """CallControl: bridge outcomes per user, registration per user."""

    def __init__(self, registered=(), answers=None, gone_after: int | None = None):
        self.registered = set(registered)
        self.answers = answers or {}
        self.executed: list[tuple[str, str]] = []
        self.rung: list[str] = []
        self.gone_after = gone_after

    def queue(self, app: str, args: str = "") -> None:
        self.executed.append((app, args))

    def execute(self, app: str, args: str = "") -> dict[str, str]:
        self.executed.append((app, args))
        if app != "bridge":
            return {}
        user = args.split("user/", 1)[1]
        if user not in self.registered:
            return {"variable_originate_disposition": "USER_NOT_REGISTERED"}
        self.rung.append(user)
        if self.gone_after is not None and len(self.rung) >= self.gone_after:
            return {"variable_originate_disposition": "ORIGINATOR_CANCEL"}
        outcome = self.answers.get(user, "no_answer")
        if outcome == "answer":
            return {"variable_originate_disposition": "SUCCESS", "variable_bridge_hangup_cause": "NORMAL_CLEARING"}
        return {"variable_originate_disposition": "USER_BUSY" if outcome == "busy" else "NO_ANSWER"}

    def api(self, command: str) -> str:
        raise AssertionError("the hunt needs no API command")

    @property
    def transfers(self) -> list[str]:
        return [a for app, a in self.executed if app == "transfer"]


@pytest.fixture
def groups(ctx):
    tenant = make_tenant(ctx, "Hunt", domain=D)
    for i in range(1, 5):
        make_line(ctx, tenant, f"+3317530000{i}", label=f"M{i}",
                  **({"forwards": {"unconditional": "+33612000000"}} if i == 4 else {}))
    members = [f"+3317530000{i}" for i in range(1, 4)]
    make_reception(ctx, tenant, {"number": "+33175300100", "label": "Succ", "profiles": [
        {"name": "Défaut", "default": True, "hunt_group": {"strategy": "successive", "cycles": 2, "ring_time": 10,
                                                           "members": members, "voicemail": "+33175300001"}}]})
    make_reception(ctx, tenant, {"number": "+33175300200", "label": "Fwd", "profiles": [
        {"name": "Défaut", "default": True, "hunt_group": {"strategy": "successive", "forwards_allowed": True,
                                                           "members": ["+33175300001", "+33175300004"]}}]})
    # forwards allowed (H-3, H-6): member 5 has no backup number and no
    # voicemail, member 6 its voicemail on, member 7 a backup number
    make_line(ctx, tenant, "+33175300005", label="M5", voicemail={"enabled": False})
    make_line(ctx, tenant, "+33175300006", label="M6")
    make_line(ctx, tenant, "+33175300007", label="M7", backup_number="+33612000007", voicemail={"enabled": False})
    make_reception(ctx, tenant, {"number": "+33175300300", "label": "Fwd2", "profiles": [
        {"name": "Défaut", "default": True, "hunt_group": {"strategy": "successive", "forwards_allowed": True,
                                                           "members": ["+33175300005", "+33175300006",
                                                                       "+33175300002"]}}]})
    make_reception(ctx, tenant, {"number": "+33175300400", "label": "Fwd3", "profiles": [
        {"name": "Défaut", "default": True, "hunt_group": {"strategy": "successive", "forwards_allowed": True,
                                                           "members": ["+33175300007", "+33175300002"]}}]})
    ctx.session.commit()
    return lambda key: load_group(ctx.session, PLATFORM, key)


def test_successive_continues_after_the_last_member_rung(groups):
    group, order = groups("P~+33175300100~0"), MemoryOrder()
    first = ScriptedCall(registered=USERS, answers={USERS[1]: "answer"})
    assert hunt(first, group, order) == f"answered:{USERS[1]}"
    assert first.rung == USERS[:2]
    second = ScriptedCall(registered=USERS, answers={USERS[0]: "answer"})
    assert hunt(second, group, order) == f"answered:{USERS[0]}"
    assert second.rung == [USERS[2], USERS[0]]  # starts after member 2, wraps around
    assert f"[leg_timeout=10,hold_music=silence_stream://-1]user/{USERS[0]}" in [a for _, a in second.executed]


def test_unregistered_and_busy_members_are_skipped(groups):
    call = ScriptedCall(registered=[USERS[0], USERS[2]], answers={USERS[0]: "busy", USERS[2]: "answer"})
    assert hunt(call, groups("P~+33175300100~0"), MemoryOrder()) == f"answered:{USERS[2]}"
    assert call.rung == [USERS[0], USERS[2]]  # member 2 never rung: not registered


def test_cycles_then_voicemail_through_the_rendered_end(groups):
    call = ScriptedCall(registered=USERS)
    assert hunt(call, groups("P~+33175300100~0"), MemoryOrder()) == "end"
    assert len(call.rung) == 6  # 3 members x 2 cycles
    assert call.transfers == [f"X~+33175300100~0 XML {D}~route"]
    assert ("set", "centrex_hunt_handled=true") in call.executed


def test_forwards_allowed_follow_the_member(groups):
    group = groups("P~+33175300200~0")
    order = MemoryOrder()
    call = ScriptedCall(registered=[USERS[0]])
    assert hunt(call, group, order) == "followed:+33175300001"  # no answer: its voicemail takes it
    assert call.transfers == ["after_ring XML centrex-line"]
    assert ("set", "centrex_line=+33175300001") in call.executed
    call = ScriptedCall(registered=[USERS[0]])
    assert hunt(call, group, order) == "followed:+33175300004"  # next call starts at member 2: forwards all
    assert call.transfers == ["in XML centrex-line"] and call.rung == []


def user(i: int) -> str:
    return f"017530000{i}@{D}"


def test_forwards_allowed_unregistered_members_are_skipped(groups):
    """H-6 with forwards allowed: member 5 (no backup number, voicemail
    off) and member 6 (voicemail on) have no device: both are skipped, the
    third member rings and answers. Neither ends the hunt, and member 6's
    voicemail does not take the call."""
    call = ScriptedCall(registered=[user(2)], answers={user(2): "answer"})
    assert hunt(call, groups("P~+33175300300~0"), MemoryOrder()) == f"answered:{user(2)}"
    assert call.rung == [user(2)] and call.transfers == []
    bridged = [a for app, a in call.executed if app == "bridge"]
    assert [b.split("user/")[1] for b in bridged] == [user(5), user(6), user(2)]


def test_forwards_allowed_busy_members_are_skipped(groups):
    """H-6: busy members are skipped, even with voicemail on (member 6)."""
    call = ScriptedCall(registered=[user(5), user(6), user(2)],
                        answers={user(5): "busy", user(6): "busy", user(2): "answer"})
    assert hunt(call, groups("P~+33175300300~0"), MemoryOrder()) == f"answered:{user(2)}"
    assert call.rung == [user(5), user(6), user(2)] and call.transfers == []


def test_forwards_allowed_voicemail_takes_an_unanswered_call(groups):
    """H-3: member 6 rings its ring time without answering: its voicemail
    takes the call (the line's after_ring step), the hunt stops."""
    call = ScriptedCall(registered=[user(6), user(2)])
    assert hunt(call, groups("P~+33175300300~0"), MemoryOrder()) == "followed:+33175300006"
    assert call.rung == [user(6)] and call.transfers == ["after_ring XML centrex-line"]
    assert ("set", "centrex_line=+33175300006") in call.executed


def test_forwards_allowed_backup_number_takes_the_call(groups):
    """H-3: member 7 is not registered and has a backup number: the call
    follows it (the line's unregistered step), member 2 never rings."""
    call = ScriptedCall(registered=[user(2)], answers={user(2): "answer"})
    assert hunt(call, groups("P~+33175300400~0"), MemoryOrder()) == "followed:+33175300007"
    assert call.rung == [] and call.transfers == ["unregistered XML centrex-line"]
    assert ("set", "centrex_backup=+33612000007") in call.executed


def test_forwards_allowed_nobody_registered_goes_to_the_end(groups):
    call = ScriptedCall()
    assert hunt(call, groups("P~+33175300300~0"), MemoryOrder()) == "end"
    assert call.transfers == [f"X~+33175300300~0 XML {D}~route"]


def test_caller_hang_up_stops_everything(groups):
    call = ScriptedCall(registered=USERS, gone_after=1)
    assert hunt(call, groups("P~+33175300100~0"), MemoryOrder()) == "caller_gone"
    assert len(call.rung) == 1 and call.transfers == []

    class Gone(ScriptedCall):
        def execute(self, app, args=""):
            raise CallerGone()

    assert hunt(Gone(), groups("P~+33175300100~0"), MemoryOrder()) == "caller_gone"


def test_unknown_group_keys(ctx, groups):
    for key in ("", "P~+33175300100", "P~+33175399999~0", "P~+33175300100~9", "X~+33175300100~0"):
        assert load_group(ctx.session, PLATFORM, key) is None


def test_concurrent_calls_start_with_different_members(redis_conn):
    conn, prefix = redis_conn
    barrier = threading.Barrier(8)
    starts: list[int] = []
    lock = threading.Lock()

    def call() -> None:
        order = RedisOrder(redis.Redis.from_url(REDIS_URL), prefix)
        barrier.wait(timeout=5)
        got = order.start("P~+33175300100~0", 8)
        with lock:
            starts.append(got)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert sorted(starts) == list(range(8))  # every call got its own first member


def test_order_survives_a_restart(redis_conn):
    conn, prefix = redis_conn
    RedisOrder(conn, prefix).rang("k", 2)
    fresh = RedisOrder(redis.Redis.from_url(REDIS_URL), prefix)
    assert fresh.start("k", 3) == 0  # after member 3 (index 2) comes member 1
