"""The hunt-group service end to end (the product's outbound session on gevent) against the
fake FreeSWITCH's outbound mode: successive order, busy and unregistered
members, concurrent calls, caller hang-up."""

from __future__ import annotations

import gevent
import pytest
from fake_freeswitch.outbound import FakeOutboundCall, Outcome
from helpers import make_line, make_reception, make_tenant
from render_helpers import PLATFORM

from esl_handlers.hunt_server import HuntServer
from orchestrator.live.hunt import MemoryOrder

D = "hs.centrex.test"
U = [f"017550000{i}@{D}" for i in range(1, 4)]
KEY = "P~+33175500100~0"


def make_group(rt) -> None:
    with rt.context() as ctx:
        tenant = make_tenant(ctx, "HS", domain=D)
        for i in range(1, 4):
            make_line(ctx, tenant, f"+3317550000{i}", label=f"M{i}")
        make_reception(ctx, tenant, {"number": "+33175500100", "label": "Succ", "profiles": [
            {"name": "Défaut", "default": True, "hunt_group": {
                "strategy": "successive", "ring_time": 10, "voicemail": "+33175500001",
                "members": [f"+3317550000{i}" for i in range(1, 4)]}}]})
        ctx.session.commit()


@pytest.fixture(params=[False, True], ids=["static", "async"])
def server(rt, request):
    """The service, driven by a FreeSWITCH whose ``socket`` app runs in the
    mode the renderer writes (static: ``full`` without ``async``) or in
    async mode (an operator's own dialplan may use either)."""
    make_group(rt)
    srv = HuntServer(rt, PLATFORM, MemoryOrder(), port=0)
    srv.fake_async = request.param
    srv.start()
    yield srv
    srv.stop(timeout=5)


def in_thread(fn, *args, **kwargs):
    """Block in a real thread so that the gevent server keeps running."""
    return gevent.get_hub().threadpool.apply(fn, args, kwargs)


# what the rendered dialplan sets before its socket application (checked below)
DIALPLAN_VARS = {"centrex_hunt": KEY, "continue_on_fail": "true", "hangup_after_bridge": "true",
                 "Caller-Caller-ID-Number": "0140000000"}


def call(srv, **kw) -> FakeOutboundCall:
    return FakeOutboundCall(srv.address, channel_vars=DIALPLAN_VARS, async_mode=srv.fake_async, **kw).start()


def test_the_dialplan_sets_what_the_service_relies_on(ctx, server):
    from orchestrator.render.routes import route_extensions
    from orchestrator.render.snapshot import load_snapshot

    snap = load_snapshot(ctx.session)
    [entry] = [e for e in route_extensions(snap.tenants[0], snap, PLATFORM) if e.name.endswith("(hunt-group service)")]
    actions = entry.conditions[0].actions
    socket_at = [a for a, _ in actions].index("socket")
    before = actions[:socket_at]
    # static mode: each sendmsg runs at once instead of waiting for the park
    # loop's 20 ms tick (bench/hunt_setup.py measures the difference)
    assert actions[socket_at][1] == f"{PLATFORM.hunt_service} full"
    for var in ("centrex_hunt", "continue_on_fail", "hangup_after_bridge"):
        value = next(d.split("=", 1)[1] for a, d in before if a == "set" and d.startswith(var + "="))
        assert value == DIALPLAN_VARS[var]


def bridged(c: FakeOutboundCall) -> list[str]:
    return [args.split("user/")[1] for app, args in c.executed if app == "bridge"]


def test_successive_with_busy_and_unregistered_members(server):
    first = call(server, registered={U[0], U[1], U[2]}, outcomes={U[0]: Outcome("busy"), U[1]: Outcome("answer")})
    assert in_thread(first.wait_done, 10)
    assert bridged(first) == [U[0], U[1]]  # the busy member did not end the call
    assert first.result == f"bridged:{U[1]}"
    second = call(server, registered={U[0], U[1]}, outcomes={U[0]: Outcome("answer")})
    assert in_thread(second.wait_done, 10)
    # after member 2 comes 3: not registered, its leg fails at once (no ringing), then 1
    assert bridged(second) == [U[2], U[0]]
    assert [leg.cause for leg in second.legs][:1] == ["USER_NOT_REGISTERED"]
    assert not second.apis  # no registration lookup: the unregistered member fails at once
    assert second.result == f"bridged:{U[0]}"
    assert server.calls == 2
    # only the events the hunt waits for are subscribed: FreeSWITCH serialises
    # and we parse two events per application, not twenty
    assert second.commands[:3] == ["connect", "myevents", second.commands[2]]
    assert second.commands[2].startswith("nixevent ") and "CHANNEL_STATE" in second.commands[2]
    delivered = {e["Event-Name"] for e in second.events}
    parked = {"CHANNEL_PARK"} if server.fake_async else set()  # fired before nixevent arrives
    assert delivered <= {"CHANNEL_EXECUTE_COMPLETE", "CHANNEL_HANGUP"} | parked, delivered
    assert "CHANNEL_EXECUTE_COMPLETE" in delivered


def test_nobody_answers_then_the_rendered_end(server):
    c = call(server, registered=set(U))
    assert in_thread(c.wait_done, 10)
    assert len(bridged(c)) == 3
    assert ("transfer", f"X~+33175500100~0 XML {D}~route") in c.executed, (
        c.result, c.executed[6:], c.closed_by, c.error)
    assert c.variables.get("centrex_hunt_handled") == "true"


def test_concurrent_calls_start_with_different_members(server):
    calls = [call(server, registered=set(U), outcomes={u: Outcome("no_answer", hold=True) for u in U})
             for _ in range(3)]
    for c in calls:
        assert in_thread(c.wait_ringing, None, 1, 10)
    firsts = sorted(bridged(c)[0] for c in calls)
    assert firsts == sorted(U)
    for c in calls:
        c.hangup_caller()
        assert in_thread(c.wait_done, 10)


def test_two_nodes_share_the_order_in_redis(rt, redis_conn):
    """Two FreeSWITCH nodes, each with its own hunt-group service, one Redis:
    concurrent calls spread over both start with different members, and the
    next call on either node goes on from where the others left the order."""
    import redis
    from conftest import REDIS_URL

    from orchestrator.live.hunt import RedisOrder

    _conn, prefix = redis_conn
    make_group(rt)
    nodes = [HuntServer(rt, PLATFORM, RedisOrder(redis.Redis.from_url(REDIS_URL), prefix), port=0)
             for _ in range(2)]
    for node in nodes:
        node.fake_async = False
        node.start()
    try:
        ringing = {u: Outcome("no_answer", hold=True) for u in U}
        calls = [call(nodes[i % 2], registered=set(U), outcomes=ringing) for i in range(3)]
        for c in calls:
            assert in_thread(c.wait_ringing, None, 1, 10)
        assert sorted(bridged(c)[0] for c in calls) == sorted(U)  # three calls, three first members
        for c in calls:
            c.hangup_caller()
            assert in_thread(c.wait_done, 10)
        assert [n.calls for n in nodes] == [2, 1]
        # the three calls reserved members 1, 2 and 3 (in whatever order they
        # arrived): the next call, on the other node, starts again at member 1
        nxt = call(nodes[1], registered=set(U), outcomes={u: Outcome("answer") for u in U})
        assert in_thread(nxt.wait_done, 10) and bridged(nxt) == [U[0]]
    finally:
        for node in nodes:
            node.stop(timeout=5)


def test_caller_hang_up_stops_everything(server):
    c = call(server, registered=set(U), outcomes={U[0]: Outcome("no_answer", hold=True)})
    assert in_thread(c.wait_ringing, U[0], 1, 10)
    c.hangup_caller()
    assert in_thread(c.wait_done, 10)
    assert c.result == "caller_hung_up"
    assert c.bridge_legs_open() == 0
    assert bridged(c) == [U[0]]  # nobody else was rung
    assert in_thread(c.wait_closed, 10)


def test_unknown_group_hands_back_to_the_dialplan(server):
    c = FakeOutboundCall(server.address, channel_vars={"centrex_hunt": "P~+33100000000~0"},
                         async_mode=server.fake_async).start()
    assert in_thread(c.wait_closed, 10)
    assert not [a for a, _ in c.executed if a == "bridge"]
