"""The gevent event-socket transport (:mod:`esl_handlers.connection`):
recorded FreeSWITCH streams replayed through a real socket and read at odd
byte boundaries, replies matched to commands in order (with commands sent
without waiting and waits that gave up), disconnect notices read with their
body, and the end of the connection failing every waiter.

The FreeSWITCH side is the other end of a socket pair, written by the test;
everything synchronises on what was received, never on sleeps."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import gevent
import gevent.queue
import gevent.socket
import pytest
from fake_freeswitch import transcript
from fake_freeswitch.server import GOODBYE_TEXT, api_response, command_reply, frame_event, serialize_plain

from esl_handlers.connection import Connection, ConnectionGone, Notice, label_of
from orchestrator.esl import ESLTimeout, Event, Message, parse_event, parse_frames

INBOUND = {  # transcript -> the commands that were sent
    "auth_api_exit.esl": ["auth ClueCon", "api status", "api reloadxml", "api foo", "exit"],
    "events_hangup_register.esl": ["event plain CHANNEL_HANGUP_COMPLETE", "event json CUSTOM sofia::register"],
    "bgapi_background_job.esl": ["event plain BACKGROUND_JOB", "bgapi reloadxml",
                                 "bgapi originate user/1002 &park()"],
}
OUTBOUND = ["outbound_hunt_failover.esl", "outbound_caller_cancel.esl", "outbound_unregistered_hangup.esl",
            "outbound_busy_member_hangup.esl", "outbound_transfer_stays_open.esl"]
UUID = "4a1b2c3d-5e6f-4a0b-8c9d-0e1f2a3b4c5d"
LINGER = (f"Content-Type: text/disconnect-notice\nControlled-Session-UUID: {UUID}\nContent-Disposition: linger\n"
          "Channel-Name: loopback/0175000120-b\nLinger-Time: -1\nContent-Length: 0\n\n").encode()
GOODBYE = (f"Content-Type: text/disconnect-notice\nControlled-Session-UUID: {UUID}\n"
           f"Content-Disposition: disconnect\nContent-Length: {len(GOODBYE_TEXT)}\n\n{GOODBYE_TEXT}").encode()


class Peer:
    """FreeSWITCH's end of the socket pair: reads commands, writes bytes."""

    def __init__(self, sock: gevent.socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def commands(self, n: int, timeout: float = 5.0) -> list[str]:
        """The next ``n`` commands the connection sent (blocks until they came)."""
        out: list[str] = []
        with gevent.Timeout(timeout):
            while len(out) < n:
                if b"\n\n" in self.buf:
                    command, self.buf = self.buf.split(b"\n\n", 1)
                    out.append(command.decode())
                    continue
                data = self.sock.recv(65536)
                assert data, f"connection closed after {out}"
                self.buf += data
        return out

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)


class Recorder:
    """Collects what a connection hands over."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.notices: list[Notice] = []
        self.closed: list[str] = []
        self.queue: gevent.queue.Queue = gevent.queue.Queue()

    def event(self, event: Event) -> None:
        self.events.append(event)
        self.queue.put(event)

    def notice(self, notice: Notice) -> None:
        self.notices.append(notice)
        self.queue.put(notice)

    def close(self, reason: str) -> None:
        self.closed.append(reason)


@pytest.fixture
def pair() -> Iterator[tuple[Connection, Peer, Recorder]]:
    ours, theirs = gevent.socket.socketpair()
    rec = Recorder()
    conn = Connection(ours, name="fs-test", on_event=rec.event, on_notice=rec.notice, on_close=rec.close)
    yield conn, Peer(theirs), rec
    conn.close(say_exit=False, timeout=1)
    theirs.close()


def same(a: Message, b: Message) -> bool:
    return (a.headers, a.raw_body) == (b.headers, b.raw_body)


# ------------------------------------------------- recorded streams, odd splits
def replay(name: str, commands: list[str] | None, recv_size: int) -> None:
    data = transcript(name)
    whole = parse_frames(data)
    replies = [m for m in whole if m.content_type in ("command/reply", "api/response")]
    ours, theirs = gevent.socket.socketpair()
    rec = Recorder()
    conn = Connection(ours, name=name, on_event=rec.event, on_notice=rec.notice, on_close=rec.close,
                      recv_size=recv_size)
    peer = Peer(theirs)
    try:
        sent = commands or [f"command {i}" for i in range(len(replies))]
        waiters = [gevent.spawn(conn.request, command) for command in sent]
        assert peer.commands(len(sent)) == sent  # on the wire in the order they were issued
        peer.send(data)
        gevent.joinall(waiters, timeout=10, raise_error=True)
        assert len(waiters) == len(replies)
        assert all(same(w.value, r) for w, r in zip(waiters, replies, strict=True))  # each reply to its own command
        theirs.close()
        assert conn.wait(10)
        assert rec.events == [parse_event(m) for m in whole if m.is_event]
        notices = [m for m in whole if m.content_type == "text/disconnect-notice"]
        assert [(n.disposition, n.body) for n in rec.notices] == \
            [(m.get("Content-Disposition") or "", m.body) for m in notices]
        if any(m.content_type == "auth/request" for m in whole):
            assert conn.greeting.get(timeout=0).content_type == "auth/request"
        goodbye = [n for n in rec.notices if not n.linger]
        if goodbye:  # read with its body: the goodbye text says why the connection is over
            assert goodbye[-1].body == GOODBYE_TEXT
            assert conn.gone == "FreeSWITCH said goodbye (Disconnected, goodbye. See you at ClueCon! " \
                                "http://www.cluecon.com/)"
        else:
            assert conn.gone == "FreeSWITCH closed the connection"
        assert conn.lingering == any(n.linger for n in rec.notices)
        assert len(rec.closed) == 1
    finally:
        conn.close(say_exit=False, timeout=1)
        theirs.close()


@pytest.mark.parametrize("recv_size", [1, 7, 509])
@pytest.mark.parametrize("name", list(INBOUND))
def test_recorded_inbound_streams_at_odd_boundaries(name: str, recv_size: int) -> None:
    replay(name, INBOUND[name], recv_size)


@pytest.mark.parametrize("recv_size", [7, 509, 4093])
@pytest.mark.parametrize("name", OUTBOUND)
def test_recorded_outbound_streams_at_odd_boundaries(name: str, recv_size: int) -> None:
    replay(name, None, recv_size)


# ------------------------------------------------------------ reply ordering
def test_replies_answer_commands_in_order_with_events_in_between(pair) -> None:
    conn, peer, rec = pair
    first = gevent.spawn(conn.request, "api status")
    second = gevent.spawn(conn.request, "event plain ALL")
    assert peer.commands(2) == ["api status", "event plain ALL"]
    event = frame_event(serialize_plain([("Event-Name", "HEARTBEAT"), ("Up-Time", "0 years, 1 day")], None), "plain")
    peer.send(event + api_response("UP 1 day\n") + event + command_reply("+OK event listener enabled plain"))
    assert first.get(timeout=5).body == "UP 1 day\n"
    assert second.get(timeout=5).reply_text == "+OK event listener enabled plain"
    assert [e.get("Up-Time") for e in rec.events] == ["0 years, 1 day"] * 2


def test_a_command_sent_without_waiting_keeps_its_place(pair, caplog) -> None:
    conn, peer, _rec = pair
    caplog.set_level(logging.WARNING, logger="esl_handlers.connection")
    first = gevent.spawn(conn.request, "myevents")
    assert peer.commands(1) == ["myevents"]
    conn.send_nowait("sendmsg\ncall-command: execute\nexecute-app-name: set\nexecute-app-arg: a=1")
    third = gevent.spawn(conn.request, "api uuid_exists x")
    assert [c.split("\n")[0] for c in peer.commands(2)] == ["sendmsg", "api uuid_exists x"]
    peer.send(command_reply("+OK Events Enabled") + command_reply("-ERR invalid session id [x]")
              + api_response("false"))
    assert first.get(timeout=5).reply_text == "+OK Events Enabled"
    assert third.get(timeout=5).body == "false"
    refused = [r for r in caplog.records if r.getMessage() == "command refused"]
    assert [(r.command, r.reply) for r in refused] == [("sendmsg set", "-ERR invalid session id [x]")]


def test_a_late_reply_is_not_taken_for_the_next_commands(pair) -> None:
    conn, peer, _rec = pair
    with pytest.raises(ESLTimeout, match="no reply from FreeSWITCH at fs-test to 'api slow' within 0.05s"):
        conn.request("api slow", timeout=0.05)
    peer.send(api_response("slow output"))  # the reply to the abandoned command
    nxt = gevent.spawn(conn.request, "api fast")
    assert peer.commands(2) == ["api slow", "api fast"]
    peer.send(api_response("fast output"))
    assert nxt.get(timeout=5).body == "fast output"
    assert conn.gone is None


def test_an_unexpected_reply_is_dropped(pair, caplog) -> None:
    conn, peer, rec = pair
    caplog.set_level(logging.WARNING, logger="esl_handlers.connection")
    peer.send(command_reply("+OK nobody asked") + frame_event(serialize_plain([("Event-Name", "HEARTBEAT")], None),
                                                              "plain"))
    assert rec.queue.get(timeout=5).name == "HEARTBEAT"  # the stray reply was read before anyone waited
    waiter = gevent.spawn(conn.request, "api version")
    peer.commands(1)
    peer.send(api_response("1.11.1"))
    assert waiter.get(timeout=5).body == "1.11.1"
    assert any(r.getMessage() == "reply with no command waiting" for r in caplog.records)


# -------------------------------------------------------- disconnect notices
def test_goodbye_notice_is_read_with_its_body_and_fails_the_waiters(pair) -> None:
    conn, peer, rec = pair
    waiters = [gevent.spawn(conn.request, f"api cmd{i}") for i in range(3)]
    peer.commands(3)
    heartbeat = frame_event(serialize_plain([("Event-Name", "HEARTBEAT")], None), "plain")
    peer.send(api_response("one") + GOODBYE + heartbeat)  # what follows the notice still parses
    assert waiters[0].get(timeout=5).body == "one"
    for waiter in waiters[1:]:
        with pytest.raises(ConnectionGone, match="Disconnected, goodbye. See you at ClueCon!"):
            waiter.get(timeout=5)
    assert rec.queue.get(timeout=5) == rec.notices[0]
    notice = rec.notices[0]
    assert (notice.disposition, notice.body, notice.linger) == ("disconnect", GOODBYE_TEXT, False)
    assert notice.headers["Controlled-Session-UUID"] == UUID
    assert rec.queue.get(timeout=5).name == "HEARTBEAT"  # the body was not taken for headers
    with pytest.raises(ConnectionGone, match="cannot send 'api late'"):
        conn.request("api late")
    assert not conn.done.is_set()  # the socket is still open until FreeSWITCH closes it
    peer.sock.close()
    assert conn.wait(5) and rec.closed == [conn.gone]


def test_linger_notice_marks_lingering_and_commands_still_get_their_reply(pair) -> None:
    conn, peer, rec = pair
    waiter = gevent.spawn(conn.request, "api uuid_exists " + UUID)
    peer.commands(1)
    peer.send(LINGER)
    notice = rec.queue.get(timeout=5)
    assert isinstance(notice, Notice) and notice.linger and notice.headers["Linger-Time"] == "-1"
    assert conn.lingering and conn.gone is None
    peer.send(api_response("true"))
    assert waiter.get(timeout=5).body == "true"


# ------------------------------------------------------- end of connection
def test_the_end_of_the_connection_fails_every_waiter_at_once(pair) -> None:
    conn, peer, rec = pair
    waiters = [gevent.spawn(conn.request, command) for command in ("connect", "myevents", "api status")]
    peer.commands(3)
    peer.sock.close()  # FreeSWITCH goes away without a word
    assert conn.wait(5)
    for waiter in waiters:
        with pytest.raises(ConnectionGone, match="FreeSWITCH closed the connection"):
            waiter.get(timeout=5)
    assert rec.closed == ["FreeSWITCH closed the connection"]
    with pytest.raises(ConnectionGone):
        conn.send_nowait("myevents")
    with pytest.raises(ConnectionGone):
        conn.greeting.get(timeout=0)


def test_unreadable_bytes_end_the_connection(pair, caplog) -> None:
    conn, peer, rec = pair
    waiter = gevent.spawn(conn.request, "api status")
    peer.commands(1)
    peer.send(b"Content-Type: api/response\nContent-Length: nine\n\n")
    with pytest.raises(ConnectionGone, match="unreadable data from FreeSWITCH: invalid Content-Length"):
        waiter.get(timeout=5)
    assert conn.wait(5) and len(rec.closed) == 1


def test_close_says_exit_and_fails_what_is_left(pair) -> None:
    conn, peer, rec = pair
    pending = gevent.spawn(conn.request, "api hold")
    peer.commands(1)
    closer = gevent.spawn(conn.close, timeout=5)
    assert peer.commands(1) == ["exit"]
    peer.send(api_response("held") + command_reply("+OK bye"))
    closer.get(timeout=5)
    assert pending.get(timeout=5).body == "held"
    assert conn.done.is_set() and rec.closed == ["the connection was closed by this side"]
    conn.close()  # twice is fine


def test_labels_never_carry_arguments() -> None:
    assert label_of("auth s3cret") == "auth"
    assert label_of("api originate {sip_auth_password=x}sofia/gw/1 &park") == "api originate"
    assert label_of("sendmsg\ncall-command: execute\nexecute-app-name: bridge\nexecute-app-arg: user/1") \
        == "sendmsg bridge"
    assert label_of("sendmsg\ncall-command: hangup\nhangup-cause: NORMAL_CLEARING") == "sendmsg hangup"


def test_a_callback_cannot_wait_for_a_reply_of_its_own_connection() -> None:
    ours, theirs = gevent.socket.socketpair()
    errors: gevent.queue.Queue = gevent.queue.Queue()

    def greedy(_event: Event) -> None:
        try:
            conn.request("api status")
        except RuntimeError as exc:
            errors.put(exc)

    conn = Connection(ours, name="fs-test", on_event=greedy)
    try:
        theirs.sendall(frame_event(serialize_plain([("Event-Name", "HEARTBEAT")], None), "plain"))
        assert "would wait for itself" in str(errors.get(timeout=5))
    finally:
        conn.close(say_exit=False, timeout=1)
        theirs.close()
