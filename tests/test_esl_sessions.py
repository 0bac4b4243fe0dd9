"""The two sessions on the gevent transport: the outbound session
(:mod:`esl_handlers.outbound_session`: channel data, ``execute`` waiting for
its own CHANNEL_EXECUTE_COMPLETE, ``queue``, the caller going away) against
a scripted FreeSWITCH end of a socket pair, and the inbound client
(:mod:`esl_handlers.inbound`: auth, subscriptions with CUSTOM subclasses,
``api``/``bgapi``, event bodies, dispatch) against the fake FreeSWITCH.

Everything synchronises on what was received, never on sleeps."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import gevent
import gevent.queue
import gevent.socket
import pytest
from fake_freeswitch import transcript
from fake_freeswitch.server import FakeFreeSWITCH, api_response, command_reply, frame_event, serialize_plain
from test_esl_transport import GOODBYE, LINGER, Peer

from esl_handlers.connection import ConnectionGone
from esl_handlers.inbound import InboundClient
from esl_handlers.outbound_session import OutboundSession
from orchestrator.esl import ESLAuthError, ESLCommandError, ESLConnectError, ESLTimeout, Event, parse_frames

APP_UUID = "Event-UUID: "


def complete(app: str, app_uuid: str, **headers: str) -> bytes:
    pairs = [("Event-Name", "CHANNEL_EXECUTE_COMPLETE"), ("Application", app), ("Application-UUID", app_uuid),
             *((f"variable_{k}", v) for k, v in headers.items())]
    return frame_event(serialize_plain(pairs, None), "plain")


def event_uuid(command: str) -> str:
    return next(line[len(APP_UUID):] for line in command.split("\n") if line.startswith(APP_UUID))


@pytest.fixture
def outbound() -> Iterator[tuple[OutboundSession, Peer]]:
    ours, theirs = gevent.socket.socketpair()
    session = OutboundSession(ours, ("127.0.0.1", 5555))
    yield session, Peer(theirs)
    session.conn.close(say_exit=False, timeout=1)
    theirs.close()


# ----------------------------------------------------------------- outbound
def test_connect_returns_the_channel_data_decoded(outbound) -> None:
    session, peer = outbound
    data = transcript("outbound_hunt_failover.esl")
    connect_reply = data[: data.index(b"\n\n") + 2]  # a header block, no outer frame
    waiter = gevent.spawn(session.connect)
    assert peer.commands(1) == ["connect"]
    peer.send(connect_reply)
    channel = waiter.get(timeout=5)
    raw = parse_frames(connect_reply)[0]
    assert channel is session.channel and session.uuid == raw.get("Unique-ID")
    assert channel["Reply-Text"] == "+OK\n" and channel["Content-Type"] == "command/reply"
    assert channel["Channel-Caller-ID-Name"] == "Zoé Martin"
    assert channel["variable_centrex_hunt"] == "P~+33175000120~1"


def test_open_subscribes_in_the_same_round_trip(outbound, caplog) -> None:
    session, peer = outbound
    data = transcript("outbound_hunt_failover.esl")
    waiter = gevent.spawn(session.open, ["CHANNEL_STATE", "CHANNEL_EXECUTE"])
    # all three before any reply: one round trip
    assert peer.commands(3) == ["connect", "myevents", "nixevent CHANNEL_STATE CHANNEL_EXECUTE"]
    peer.send(data[: data.index(b"\n\n") + 2] + command_reply("+OK Events Enabled")
              + command_reply("-ERR no keywords supplied"))
    assert waiter.get(timeout=5)["variable_centrex_hunt"] == "P~+33175000120~1"
    api = gevent.spawn(session.api, "uuid_exists x")  # the replies above did not go astray
    assert peer.commands(1) == ["api uuid_exists x"]
    peer.send(api_response("true"))
    assert api.get(timeout=5) == "true"
    assert [r.reply for r in caplog.records if r.getMessage() == "command refused"] == ["-ERR no keywords supplied"]


def test_execute_waits_for_its_own_completion(outbound) -> None:
    session, peer = outbound
    waiter = gevent.spawn(session.execute, "bridge", "user/101@d", timeout=5)
    [command] = peer.commands(1)
    lines = command.split("\n")
    assert lines[:4] == ["sendmsg", "call-command: execute", "execute-app-name: bridge", "execute-app-arg: user/101@d"]
    mine = event_uuid(command)
    assert len(lines) == 5 and len(mine) == 36
    # static mode: the reply when the application returns, then what it fired;
    # an earlier bridge's completion (another Application-UUID) is not ours
    peer.send(command_reply("+OK") + complete("bridge", "other-uuid", originate_disposition="USER_BUSY")
              + complete("bridge", mine, originate_disposition="SUCCESS"))
    done = waiter.get(timeout=5)
    assert done["Application-UUID"] == mine and done["variable_originate_disposition"] == "SUCCESS"


def test_queue_sends_without_waiting_and_the_next_execute_waits_behind(outbound) -> None:
    session, peer = outbound
    session.queue("set", "centrex_hunt_handled=true")  # returns before any reply
    session.queue("set", "a=1")
    waiter = gevent.spawn(session.execute, "transfer", "X~1 XML d~route")
    commands = peer.commands(3)
    assert [c.split("\n")[2] for c in commands] == ["execute-app-name: set"] * 2 + ["execute-app-name: transfer"]
    assert APP_UUID not in commands[0]
    peer.send(command_reply("+OK") * 3 + complete("transfer", event_uuid(commands[2])))
    assert waiter.get(timeout=5)["Application"] == "transfer"


def test_the_goodbye_notice_fails_a_waiting_execute_and_later_ones(outbound) -> None:
    session, peer = outbound
    waiter = gevent.spawn(session.execute, "bridge", "user/101@d")
    peer.commands(1)
    # static mode, the caller hung up inside the bridge: the reply, then the goodbye
    peer.send(command_reply("+OK") + GOODBYE)
    with pytest.raises(ConnectionGone, match="the caller has gone .*goodbye notice: Disconnected, goodbye."):
        waiter.get(timeout=5)
    for call in (lambda: session.queue("set", "a=1"), lambda: session.execute("transfer", "x"), session.hangup):
        with pytest.raises(ConnectionGone):
            call()


def test_a_linger_notice_ends_the_call_but_api_still_works(outbound) -> None:
    session, peer = outbound
    waiter = gevent.spawn(session.execute, "bridge", "user/101@d")
    peer.commands(1)
    peer.send(command_reply("+OK") + LINGER)
    with pytest.raises(ConnectionGone, match="linger notice"):
        waiter.get(timeout=5)
    assert session.lingering
    with pytest.raises(ConnectionGone):
        session.execute("playback", "x")
    api = gevent.spawn(session.api, "uuid_exists x")
    assert peer.commands(1) == ["api uuid_exists x"]
    peer.send(api_response("false"))
    assert api.get(timeout=5) == "false"


def test_the_end_of_the_socket_fails_the_execute(outbound) -> None:
    session, peer = outbound
    waiter = gevent.spawn(session.execute, "bridge", "user/101@d")
    peer.commands(1)
    peer.send(command_reply("+OK"))  # async mode: answered at once, the completion never comes
    peer.sock.close()
    with pytest.raises(ConnectionGone, match="FreeSWITCH closed the connection"):
        waiter.get(timeout=5)


def test_execute_timeout_and_refusal(outbound) -> None:
    session, peer = outbound
    with pytest.raises(ESLTimeout, match="bridge did not complete within 0.05s"):
        session.execute("bridge", "user/101@d", timeout=0.05)
    waiter = gevent.spawn(session.execute, "answer")
    peer.commands(2)
    peer.send(command_reply("+OK") + command_reply("-ERR invalid session id [x]"))
    with pytest.raises(ESLCommandError, match="refused to run answer"):
        waiter.get(timeout=5)
    with pytest.raises(ValueError, match="line breaks"):
        session.execute("set", "a=1\n\napi uuid_kill x")


# ------------------------------------------------------------------ inbound
@pytest.fixture
def fs() -> Iterator[FakeFreeSWITCH]:
    with FakeFreeSWITCH(password="ClueCon") as fake:
        yield fake


@pytest.fixture
def client(fs: FakeFreeSWITCH) -> Iterator[InboundClient]:
    esl = InboundClient(fs.host, fs.port, "ClueCon", timeout=5)
    esl.connect()
    yield esl
    esl.close()


def test_inbound_subscriptions_commands_and_event_bodies(fs: FakeFreeSWITCH, client: InboundClient) -> None:
    got: gevent.queue.Queue = gevent.queue.Queue()
    for name in ("CHANNEL_HANGUP_COMPLETE", "BACKGROUND_JOB", "sofia::register"):
        client.on(name, got.put)
    reply = client.subscribe(["CHANNEL_HANGUP_COMPLETE", "BACKGROUND_JOB", "CUSTOM", "sofia::register"])
    assert reply == "+OK event listener enabled plain"
    assert fs.commands[-1] == "event plain CHANNEL_HANGUP_COMPLETE BACKGROUND_JOB CUSTOM sofia::register"
    assert client.api("status").startswith("UP 0 years")
    assert client.api("foo") == "-ERR foo Command not found!\n"
    fs.fire("CUSTOM", {"from-user": "1001"}, subclass="sofia::unregister")  # not subscribed: never comes
    fs.fire("CUSTOM", {"from-user": "1002", "contact": "sip:1002@192.0.2.2;transport=udp"},
            subclass="sofia::register")
    register = got.get(timeout=5)
    assert (register.name, register.subclass, register.get("contact")) == \
        ("CUSTOM", "sofia::register", "sip:1002@192.0.2.2;transport=udp")
    job = client.bgapi("reloadxml")
    assert job == "00000000-0000-4000-8000-000000000001"
    done = got.get(timeout=5)
    # the event's own body, whole, and a clean Content-Length header
    assert (done.name, done.job_uuid, done.body) == ("BACKGROUND_JOB", job, "+OK [Success]\n\n")
    assert done.get("Content-Length") == str(len(done.body))
    fs.fire("CHANNEL_HANGUP_COMPLETE", {"Unique-ID": "u-1", "Caller-Caller-ID-Name": "Zoë Martin"})
    hangup = got.get(timeout=5)
    assert (hangup.get("Unique-ID"), hangup.get("Caller-Caller-ID-Name")) == ("u-1", "Zoë Martin")
    assert got.empty()


def test_recorded_events_at_odd_boundaries_reach_the_handlers(fs: FakeFreeSWITCH, client: InboundClient) -> None:
    got: gevent.queue.Queue = gevent.queue.Queue()
    client.on("*", got.put)
    expected: list[Event] = []
    for name in ("events_hangup_register.esl", "bgapi_background_job.esl"):
        for message in parse_frames(transcript(name)):
            if message.is_event:
                head = "".join(f"{k}: {v}\n" for k, v in message.headers.items())
                fs.send_raw(head.encode() + b"\n" + message.raw_body, chunk_sizes=[1, 2, 3, 5, 8, 13, 21, 34])
                expected.append(message)
    events = [got.get(timeout=5) for _ in expected]
    assert [e.name for e in events] == ["CHANNEL_HANGUP_COMPLETE", "CUSTOM", "BACKGROUND_JOB", "BACKGROUND_JOB"]
    assert events[0].get("Caller-Caller-ID-Name") == "Zoë Martin" and events[1].subclass == "sofia::register"
    assert [e.body for e in events[2:]] == ["+OK [Success]\n\n", "-ERR USER_NOT_REGISTERED\n"]


def test_a_handler_may_call_api_and_a_failing_one_stops_nothing(fs: FakeFreeSWITCH, client: InboundClient) -> None:
    answers: gevent.queue.Queue = gevent.queue.Queue()

    def broken(_event: Event) -> None:
        raise RuntimeError("boom")

    client.on("CHANNEL_CREATE", broken)
    client.on("CHANNEL_CREATE", lambda e: answers.put(client.api("version")))
    client.subscribe(["CHANNEL_CREATE"])
    fs.fire("CHANNEL_CREATE", {"Unique-ID": "u-2"})
    assert answers.get(timeout=5).startswith("FreeSWITCH Version 1.10.11")


def test_the_end_of_the_inbound_connection(fs: FakeFreeSWITCH, client: InboundClient) -> None:
    fs.set_api_response("hold", FakeFreeSWITCH.NO_REPLY)
    pending = gevent.spawn(client.api, "hold")
    gevent.get_hub().threadpool.apply(fs.wait_for_command, ("api hold",))  # a real thread: gevent runs meanwhile
    fs.drop_connections()
    with pytest.raises(ConnectionGone, match="FreeSWITCH closed the connection"):
        pending.get(timeout=5)
    assert client.wait(5)
    with pytest.raises(ConnectionGone):
        client.api("status")


def test_inbound_refusals() -> None:
    with FakeFreeSWITCH(password="ClueCon") as fs:
        with pytest.raises(ESLAuthError, match="rejected the password"):
            InboundClient(fs.host, fs.port, "wrong", timeout=5).connect()
        port = fs.port
    with pytest.raises(ESLConnectError, match="cannot connect"):
        InboundClient("127.0.0.1", port, "ClueCon", timeout=5).connect()
    with FakeFreeSWITCH(reject_by_acl=True) as fs:
        with pytest.raises(ESLConnectError, match="Access Denied, go away.") as refused:
            InboundClient(fs.host, fs.port, "ClueCon", timeout=5).connect()
        assert refused.value.error_id == "esl.rejected"
    with socket.socket() as silent:  # accepts (backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        with pytest.raises(ESLTimeout, match="no greeting"):
            InboundClient("127.0.0.1", silent.getsockname()[1], "ClueCon", timeout=0.2).connect()
    with pytest.raises(ValueError, match="line breaks"):
        InboundClient("127.0.0.1", port, "a\nb")
