"""FakeOutboundCall: FreeSWITCH's outbound event socket (``socket ... async
full``) against tiny outbound servers, and its fidelity to traffic captured
from a real FreeSWITCH 1.11.1.

The ``transcripts/outbound_<name>.esl`` files are byte-exact server-to-client
streams captured from FreeSWITCH 1.11.1 (this repository's build, loopback
channels, users whose dial-strings are ``loopback/…`` (answers),
``error/user_busy`` (busy) or the default ``sofia_contact`` one (never
registered)); ``outbound_<name>_client.esl`` is what the client sent. Host
names, addresses and UUIDs are those of the capture machine.

Tests synchronise on conditions (the fake's ``wait_*``, the tiny server's
reads), never on sleeps.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import unquote

import pytest
from fake_freeswitch import transcript
from fake_freeswitch.outbound import FakeOutboundCall, Outcome, dial_target, parse_dial_string

from orchestrator.esl import ESLParser, Event, Message, parse_event, parse_frames

D = "bauer.centrex.test"
M1, M2, M3, M4 = (f"017500010{i}@{D}" for i in (1, 2, 3, 4))
UUID = "4a1b2c3d-5e6f-4a0b-8c9d-0e1f2a3b4c5d"
CHANNEL_VARS = {"centrex_hunt": "P~+33175000120~1", "Caller-Caller-ID-Number": "0140000000",
                "Caller-Destination-Number": "0175000120"}
GOODBYE = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"
REPLIES = ("command/reply", "api/response")


# ---------------------------------------------------------------- our side
class Peer:
    """Our end of one outbound connection, as a tiny outbound server with
    plain sockets drives it; frames are cut by the product's ESLParser."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.parser = ESLParser()
        self.frames: list[Message] = []
        self.eof = False
        self.cond = threading.Condition()
        self._taken = 0
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            with self.cond:
                if not data:
                    self.eof = True
                    self.cond.notify_all()
                    return
                self.frames.extend(self.parser.feed(data))
                self.cond.notify_all()

    def replies(self) -> list[Message]:
        return [f for f in self.frames if f.content_type in REPLIES]

    def command(self, text: str, timeout: float = 5.0) -> Message:
        """Send a command, return its reply (FreeSWITCH answers in order)."""
        self.sock.sendall((text + "\n\n").encode())
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.replies()) > self._taken or self.eof, timeout)
            assert len(self.replies()) > self._taken, f"no reply to {text!r}"
            self._taken += 1
            return self.replies()[self._taken - 1]

    def execute(self, app: str, arg: str = "", uuid: str | None = None) -> Message:
        lines = ["sendmsg", "call-command: execute", f"execute-app-name: {app}"]
        if arg:
            lines.append(f"execute-app-arg: {arg}")
        if uuid:
            lines += [f"Event-UUID: {uuid}", "event-lock: true"]
        return self.command("\n".join(lines))

    def events(self) -> list[Event]:
        with self.cond:
            return [parse_event(f) for f in self.frames if f.is_event]

    def wait_event(self, name: str, app: str | None = None, timeout: float = 5.0,
                   where: Callable[[Event], bool] = lambda e: True) -> Event:
        def find() -> Event | None:
            return next((e for e in self.events() if e.name == name
                         and (app is None or e.get("Application") == app) and where(e)), None)

        with self.cond:
            self.cond.wait_for(lambda: find() is not None or self.eof, timeout)
        event = find()
        assert event is not None, f"no {name} {app or ''}; got {[e.name for e in self.events()]}"
        return event

    def wait_frame(self, pred: Callable[[Message], bool], timeout: float = 5.0) -> Message:
        with self.cond:
            self.cond.wait_for(lambda: any(map(pred, self.frames)) or self.eof, timeout)
            found = [f for f in self.frames if pred(f)]
        assert found, "expected frame never arrived"
        return found[0]

    def wait_notice(self, disposition: str, timeout: float = 5.0) -> Message:
        return self.wait_frame(lambda f: f.content_type == "text/disconnect-notice"
                               and f.get("Content-Disposition") == disposition, timeout)

    def wait_eof(self, timeout: float = 5.0) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: self.eof, timeout)

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(timeout=5)


class Server:
    def __init__(self) -> None:
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(4)
        self.address = self.lsock.getsockname()
        self.peers: list[Peer] = []
        self.calls: list[FakeOutboundCall] = []

    def call(self, **kwargs: object) -> tuple[FakeOutboundCall, Peer]:
        """Start a FakeOutboundCall towards us and accept it."""
        kwargs.setdefault("channel_vars", CHANNEL_VARS)
        kwargs.setdefault("uuid", UUID)
        kwargs.setdefault("async_mode", True)  # what the recorded transcripts show; sync mode: below
        call = FakeOutboundCall(self.address, **kwargs)  # type: ignore[arg-type]
        self.calls.append(call)
        call.start()
        self.lsock.settimeout(5)
        sock, _ = self.lsock.accept()
        peer = Peer(sock)
        self.peers.append(peer)
        return call, peer

    def close(self) -> None:
        for call in self.calls:
            call.close()
        for peer in self.peers:
            peer.close()
        self.lsock.close()
        assert [call.error for call in self.calls if call.error] == []


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


def start_session(peer: Peer, linger: str | None = "linger") -> Message:
    connect = peer.command("connect")
    assert peer.command("myevents").reply_text == "+OK Events Enabled"
    if linger:
        assert peer.command(linger).reply_text.startswith("+OK will linger")
    return connect


def names(events: list[Event], skip: tuple[str, ...] = ()) -> list[str]:
    return [f"{e.name}:{e.get('Application')}" if e.get("Application") else e.name
            for e in events if e.name not in skip]


# ------------------------------------------------------------ wire basics
def test_connect_reply_commands_and_api(server: Server) -> None:
    call, peer = server.call(registered={M1})
    connect = peer.command("connect")
    # the whole CHANNEL_DATA event is the reply, serialised without an outer frame
    assert connect.content_type == "command/reply" and connect.raw_body == b""
    assert connect.get("Event-Name") == "CHANNEL_DATA"
    assert connect.reply_text == "%2BOK%0A" and unquote(connect.reply_text) == "+OK\n"
    assert connect.get("Socket-Mode") == "async" and connect.get("Control") == "full"
    assert connect.get("Unique-ID") == UUID and connect.get("Channel-Unique-ID") == UUID
    assert connect.get("Caller-Caller-ID-Number") == "0140000000"
    assert connect.get("Caller-Destination-Number") == "0175000120"
    assert connect.get("Channel-State") == "CS_EXECUTE" and connect.get("Answer-State") == "ringing"
    assert connect.get("variable_centrex_hunt") == "P~%2B33175000120~1"  # URL-encoded on the wire
    assert unquote(connect.get("variable_centrex_hunt") or "") == "P~+33175000120~1"
    assert unquote(connect.get("variable_current_application_data") or "") == \
        f"127.0.0.1:{server.address[1]} async full"

    assert peer.command("myevents").reply_text == "+OK Events Enabled"
    assert peer.command("myevents").reply_text == "-ERR aready enabled."  # sic
    assert peer.wait_event("CHANNEL_PARK").get("Unique-ID") == UUID
    assert peer.command("linger").reply_text == "+OK will linger"
    assert peer.command("linger 5").reply_text == "+OK will linger 5 seconds"
    assert peer.command("getvar centrex_hunt").reply_text == "P~+33175000120~1"
    assert peer.command(f"api sofia_contact */{M1}").body == "sofia/internal/sip:0175000101@127.0.0.1:5062"
    assert peer.command(f"api sofia_contact */{M2}").body == "error/user_not_registered"
    assert peer.command(f"api uuid_break {UUID}").body == "+OK\n"
    assert peer.command("api uuid_kill 00000000-dead-4000-8000-000000000000").body == "-ERR No such channel!\n"
    assert peer.command("api foo bar").body == "-ERR foo Command not found!\n"
    assert peer.command("sendmsg 00000000-dead-4000-8000-000000000000").reply_text.startswith(
        "-ERR invalid session id")
    assert peer.command("nonsense").reply_text == "-ERR command not found"
    assert call.apis == [f"sofia_contact */{M1}", f"sofia_contact */{M2}", f"uuid_break {UUID}",
                         "uuid_kill 00000000-dead-4000-8000-000000000000", "foo bar"]

    assert peer.command("exit").reply_text == "+OK bye"
    notice = peer.wait_notice("disconnect")
    assert notice.get("Controlled-Session-UUID") == UUID and notice.body == GOODBYE
    assert peer.wait_eof()
    assert call.wait_done(5) and call.result == "socket_closed" and call.closed_by == "exit"
    assert call.executed == []


# --------------------------------------------------------------- the hunt
def test_failover_first_busy_second_answers(server: Server) -> None:
    call, peer = server.call(outcomes={M1: Outcome("busy"), M2: Outcome("answer")}, registered={M1, M2})
    start_session(peer)
    assert peer.execute("set", "hangup_after_bridge=true", "11111111-0000-4000-8000-000000000001").reply_text == "+OK"
    done = peer.wait_event("CHANNEL_EXECUTE_COMPLETE", "set")
    assert done.get("Application-UUID") == "11111111-0000-4000-8000-000000000001"
    assert done.get("variable_hangup_after_bridge") == "true"
    assert done.get("Application-Response") == "_none_"

    dial = f"{{leg_timeout=20}}user/{M1}|user/{M2}"
    assert peer.execute("bridge", dial, "11111111-0000-4000-8000-000000000002").reply_text == "+OK"
    notice = peer.wait_notice("linger")
    assert notice.get("Controlled-Session-UUID") == UUID and notice.get("Linger-Time") == "-1"
    assert not call.closed  # lingering: FreeSWITCH waits for us to close

    events = peer.events()
    assert names(events) == [
        "CHANNEL_PARK", "CHANNEL_EXECUTE:set", "CHANNEL_EXECUTE_COMPLETE:set", "CHANNEL_EXECUTE:bridge",
        "CHANNEL_PROGRESS", "CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_UNBRIDGE", "CHANNEL_HANGUP",
        "CHANNEL_EXECUTE_COMPLETE:bridge", "CHANNEL_UNPARK", "CHANNEL_EXECUTE_COMPLETE:socket",
        "CHANNEL_STATE", "CHANNEL_STATE", "CHANNEL_HANGUP_COMPLETE"]
    by = {n: e for n, e in zip(names(events), events)}
    assert by["CHANNEL_EXECUTE:bridge"].get("Application-Data") == dial
    bridge = by["CHANNEL_BRIDGE"]
    assert bridge.get("Bridge-A-Unique-ID") == UUID
    assert bridge.get("Bridge-B-Unique-ID") == call.legs[1].uuid == bridge.get("Other-Leg-Unique-ID")
    assert bridge.get("Other-Leg-Destination-Number") == "0175000102"
    assert by["CHANNEL_UNBRIDGE"].get("variable_bridge_hangup_cause") == "NORMAL_CLEARING"
    assert by["CHANNEL_HANGUP"].get("Hangup-Cause") == "NORMAL_CLEARING"
    complete = by["CHANNEL_EXECUTE_COMPLETE:bridge"]
    assert complete.get("variable_originate_disposition") == "SUCCESS"
    assert complete.get("variable_DIALSTATUS") == "SUCCESS"
    assert complete.get("variable_last_bridge_hangup_cause") == "NORMAL_CLEARING"
    assert complete.get("Application-UUID") == "11111111-0000-4000-8000-000000000002"
    assert by["CHANNEL_HANGUP_COMPLETE"].get("variable_hangup_cause") == "NORMAL_CLEARING"

    assert call.wait_done(5)
    assert call.result == f"bridged:{M2}"
    assert call.executed == [("set", "hangup_after_bridge=true"), ("bridge", dial)]
    assert call.variables["hangup_after_bridge"] == "true"
    assert call.variables["centrex_hunt"] == "P~+33175000120~1"
    assert [(leg.target, leg.state, leg.cause) for leg in call.legs] == [
        (M1, "failed", "USER_BUSY"), (M2, "hungup", "NORMAL_CLEARING")]
    assert call.bridge_legs_open() == 0

    # a command while lingering still gets its reply, but nothing runs any more
    assert peer.execute("playback", "tone_stream://%(100,0,440)").reply_text == "+OK"
    assert peer.command("api uuid_exists " + UUID).body == "true"
    peer.close()
    assert call.wait_closed(5) and call.closed_by == "peer"
    assert [a for a, _ in call.executed] == ["set", "bridge"]


def test_greenswitch_outbound_session(server: Server) -> None:
    """The product's stack: greenswitch's OutboundSession on a gevent StreamServer."""
    import gevent
    import gevent.event
    from gevent.server import StreamServer
    from greenswitch.esl import OutboundSession

    seen: dict[str, object] = {}
    finished = gevent.event.Event()

    def handle(sock, address) -> None:
        session = OutboundSession(address, sock)
        try:
            session.connect()
            session.myevents()
            session.linger()
            seen["hunt"] = session.session_data.get("variable_centrex_hunt")
            seen["caller"] = session.caller_id_number
            seen["contact"] = session.send(f"api sofia_contact */{M2}").data
            session.call_command("set", "continue_on_fail=true", block=True, response_timeout=5)
            done = session.bridge(f"user/{M2}|user/{M1}", block=True, response_timeout=5)
            seen["disposition"] = done.headers.get("variable_originate_disposition")
            seen["bridged_to"] = done.headers.get("variable_last_bridge_to")
            seen["exit"] = session.send("exit").data
        finally:
            # session.stop() would wait up to 1 s for greenswitch's event greenlet
            gevent.killall([session._receive_events_greenlet, session._process_events_greenlet], timeout=1)
            sock.close()
            finished.set()

    gserver = StreamServer(("127.0.0.1", 0), handle)
    gserver.start()
    try:
        call = FakeOutboundCall(gserver.address, channel_vars=CHANNEL_VARS, uuid=UUID, registered={M1},
                                outcomes={M1: Outcome("answer")}, async_mode=True)
        server.calls.append(call)
        call.start()
        assert finished.wait(timeout=5), "the greenswitch handler never finished"
    finally:
        gserver.stop(timeout=1)
    assert seen == {"hunt": "P~+33175000120~1", "caller": "0140000000", "contact": "error/user_not_registered",
                    "disposition": "SUCCESS", "bridged_to": call.legs[1].uuid, "exit": "+OK bye"}
    assert call.wait_done(5) and call.result == f"bridged:{M1}"
    assert call.executed == [("set", "continue_on_fail=true"), ("bridge", f"user/{M2}|user/{M1}")]
    assert [(leg.state, leg.rang, leg.cause) for leg in call.legs] == [
        ("failed", False, "USER_NOT_REGISTERED"), ("hungup", True, "NORMAL_CLEARING")]
    assert call.closed_by == "exit" and call.bridge_legs_open() == 0


def test_unregistered_member_is_skipped_through_sofia_contact(server: Server) -> None:
    call, peer = server.call(registered={M2}, outcomes={M2: Outcome("answer")})
    start_session(peer)
    for member in (M1, M2):  # what orchestrator.live.hunt does before ringing a member
        contact = peer.command(f"api sofia_contact */{member}").body
        if contact.startswith("error/"):
            continue
        assert contact == "sofia/internal/sip:0175000102@127.0.0.1:5062"
        peer.execute("bridge", f"[hold_music=local_stream://default]user/{member}")
        break
    done = peer.wait_event("CHANNEL_EXECUTE_COMPLETE", "bridge")
    assert done.get("variable_originate_disposition") == "SUCCESS"
    assert call.apis == [f"sofia_contact */{M1}", f"sofia_contact */{M2}"]
    assert call.executed == [("bridge", f"[hold_music=local_stream://default]user/{M2}")]
    assert [leg.target for leg in call.legs] == [M2] and call.bridge_legs_open() == 0
    assert call.legs[0].variables == {"hold_music": "local_stream://default"}
    assert not call.done  # no hangup_after_bridge: the caller is still there
    assert call.variables["bridge_hangup_cause"] == "NORMAL_CLEARING"
    peer.close()
    assert call.wait_done(5) and call.result == f"bridged:{M2}" and call.closed_by == "peer"


@pytest.mark.parametrize(("member", "continue_on_fail", "cause", "hangs_up"), [
    (Outcome("unregistered"), None, "USER_NOT_REGISTERED", True),
    (Outcome("busy"), None, "USER_BUSY", True),
    (Outcome("busy"), "true", "USER_BUSY", False),
    (Outcome("busy"), "USER_NOT_REGISTERED,USER_BUSY", "USER_BUSY", False),
    (Outcome("busy"), "NO_ANSWER", "USER_BUSY", True),
    (Outcome("busy", cause="CALL_REJECTED"), "21", "CALL_REJECTED", False),
    (Outcome("no_answer"), None, "NO_ANSWER", False),  # NO_ANSWER never hangs up
])
def test_failed_bridge_hangs_the_caller_up_unless_continue_on_fail(
        server: Server, member: Outcome, continue_on_fail: str | None, cause: str, hangs_up: bool) -> None:
    call, peer = server.call(outcomes={M1: member})
    start_session(peer, linger=None)
    if continue_on_fail:
        peer.execute("set", f"continue_on_fail={continue_on_fail}")
    peer.execute("set", "call_timeout=20")
    peer.execute("bridge", f"user/{M1}")
    done = peer.wait_event("CHANNEL_EXECUTE_COMPLETE", "bridge")
    assert done.get("variable_originate_disposition") == cause
    assert done.get("variable_originate_failed_cause") == cause
    assert done.get("variable_DIALSTATUS") == {"USER_BUSY": "BUSY", "NO_ANSWER": "NOANSWER",
                                               "CALL_REJECTED": "DONTCALL"}.get(cause, cause)
    assert call.bridge_legs_open() == 0
    assert call.legs[0].rang is (member.kind != "unregistered")
    if hangs_up:
        # no linger: hangup events, then the disconnect notice, then the socket closes
        assert peer.wait_eof()
        assert peer.frames[-1].content_type == "text/disconnect-notice"
        assert peer.frames[-1].get("Content-Disposition") == "disconnect" and peer.frames[-1].body == GOODBYE
        assert names(peer.events())[-7:] == [
            "CHANNEL_HANGUP", "CHANNEL_EXECUTE_COMPLETE:bridge", "CHANNEL_UNPARK",
            "CHANNEL_EXECUTE_COMPLETE:socket", "CHANNEL_STATE", "CHANNEL_STATE", "CHANNEL_HANGUP_COMPLETE"]
        assert peer.wait_event("CHANNEL_HANGUP").get("Hangup-Cause") == cause
        assert call.wait_done(5) and call.result == f"hangup:{cause}" and call.closed_by == "fake"
    else:
        assert "CHANNEL_HANGUP" not in names(peer.events()) and not call.done
        peer.execute("hangup", "NORMAL_CLEARING")
        assert peer.wait_eof()
        assert call.wait_done(5) and call.result == "hangup:NORMAL_CLEARING"


@pytest.mark.parametrize(("globals_", "variables", "states", "disposition"), [
    # call_timeout ends a group NO_ANSWER and stops the failover (switch_ivr_originate)
    ("", {"call_timeout": "20"}, [("ringing", "failed", "NO_ANSWER"), ("new", "new", None)], "NO_ANSWER"),
    ("{originate_continue_on_timeout=true}", {"call_timeout": "20"},
     [("ringing", "failed", "NO_ANSWER"), ("ringing", "failed", "NO_ANSWER")], "NO_ANSWER"),
    # leg_timeout ends the leg ALLOTTED_TIMEOUT and the failover goes on
    ("{leg_timeout=20}", {"continue_on_fail": "true"},
     [("ringing", "failed", "ALLOTTED_TIMEOUT"), ("ringing", "failed", "ALLOTTED_TIMEOUT")], "ALLOTTED_TIMEOUT"),
])
def test_failover_and_timeouts(server: Server, globals_: str, variables: dict[str, str],
                               states: list[tuple[str, str, str | None]], disposition: str) -> None:
    call, peer = server.call(outcomes={M1: Outcome("no_answer", hold=True), M2: Outcome("no_answer", hold=True)})
    start_session(peer, linger=None)
    for name, value in variables.items():
        peer.execute("set", f"{name}={value}")
    peer.execute("bridge", f"{globals_}user/{M1}|user/{M2}")
    seen = []
    for target in (M1, M2):
        if states[len(seen)][0] == "ringing":
            assert call.wait_ringing(target)
            assert call.bridge_legs_open() == 1
            call.release(target)
        seen.append(target)
    done = peer.wait_event("CHANNEL_EXECUTE_COMPLETE", "bridge")
    assert done.get("variable_originate_disposition") == disposition
    assert [(leg.state, leg.cause) for leg in call.legs] == [(s, c) for _, s, c in states]
    assert call.bridge_legs_open() == 0 and not call.done  # none of these causes hangs up


# ------------------------------------------------------- caller hangs up
@pytest.mark.parametrize("linger", [True, False])
def test_caller_hangs_up_while_members_ring(server: Server, linger: bool) -> None:
    call, peer = server.call(outcomes={M1: Outcome("no_answer", hold=True), M2: Outcome("answer", hold=True)})
    start_session(peer, linger="linger" if linger else None)
    peer.execute("bridge", f"user/{M1},user/{M2}")
    assert call.wait_ringing(count=2)
    assert call.bridge_legs_open() == 2
    assert call.hangup_caller("NORMAL_CLEARING")
    assert not call.hangup_caller()  # already hanging up

    hangup = peer.wait_event("CHANNEL_HANGUP")
    assert hangup.get("Hangup-Cause") == "NORMAL_CLEARING" and hangup.get("Answer-State") == "hangup"
    done = peer.wait_event("CHANNEL_EXECUTE_COMPLETE", "bridge")
    assert done.get("variable_originate_disposition") == "ORIGINATOR_CANCEL"
    assert done.get("variable_DIALSTATUS") == "CANCEL"
    peer.wait_event("CHANNEL_HANGUP_COMPLETE")
    if linger:
        notice = peer.wait_notice("linger")
        assert peer.frames[-1] is notice and not peer.eof
        peer.close()  # our side closes after the final events
    else:
        assert peer.wait_eof()
        assert peer.frames[-1].get("Content-Disposition") == "disconnect"
    assert call.wait_done(5) and call.wait_closed(5)
    assert call.result == "caller_hung_up"
    assert call.bridge_legs_open() == 0
    assert [(leg.state, leg.cause) for leg in call.legs] == [("cancelled", "ORIGINATOR_CANCEL")] * 2
    assert call.closed_by == ("peer" if linger else "fake")


def test_caller_hangup_cancels_a_timed_outcome_at_once(server: Server) -> None:
    call, peer = server.call(outcomes={M1: Outcome("answer", after=30)})
    start_session(peer)
    peer.execute("bridge", f"user/{M1}")
    assert call.wait_ringing(M1)
    started = time.monotonic()
    call.hangup_caller("NORMAL_CLEARING")
    assert peer.wait_notice("linger")
    assert time.monotonic() - started < 5
    assert call.result == "caller_hung_up" and call.bridge_legs_open() == 0


def test_early_linger_notice_overtakes_the_final_events(server: Server) -> None:
    # seen with a real FreeSWITCH (outbound_hunt_failover.esl): the listener
    # notices the channel is down before the event thread delivers the rest
    call, peer = server.call(early_linger_notice=True)
    start_session(peer)
    call.hangup_caller("NORMAL_CLEARING")
    peer.wait_event("CHANNEL_HANGUP_COMPLETE")
    kinds = [f.content_type if not f.is_event else parse_event(f).name for f in peer.frames]
    assert kinds.index("text/disconnect-notice") == kinds.index("CHANNEL_HANGUP") + 1
    peer.close()
    assert call.wait_closed(5)


# --------------------------------------------------------------- transfer
def test_transfer_ends_the_session_but_keeps_the_socket(server: Server) -> None:
    call, peer = server.call()
    start_session(peer)
    peer.execute("set", "centrex_hunt_handled=true")
    peer.execute("transfer", f"X~+33175000120~1 XML {D}~route")
    done = peer.wait_event("CHANNEL_EXECUTE_COMPLETE", "transfer")
    assert "bl_xfer:X~+33175000120~1/" in (done.get("variable_transfer_history") or "")
    assert call.wait_done(5)
    assert call.result == f"transferred:X~+33175000120~1 XML {D}~route"
    peer.wait_event("CHANNEL_STATE", where=lambda e: e.get("Channel-State") == "CS_EXECUTE")
    tail = names(peer.events())[-6:]
    assert tail == ["CHANNEL_EXECUTE:transfer", "CHANNEL_EXECUTE_COMPLETE:transfer", "CHANNEL_UNPARK",
                    "CHANNEL_EXECUTE_COMPLETE:socket", "CHANNEL_STATE", "CHANNEL_STATE"]
    assert [e.get("Channel-State") for e in peer.events()[-2:]] == ["CS_ROUTING", "CS_EXECUTE"]
    # FreeSWITCH keeps the socket (and keeps sending the channel's events): no notice
    assert not any(f.content_type == "text/disconnect-notice" for f in peer.frames)
    assert not call.closed
    assert peer.execute("answer").reply_text == "+OK"  # answered, never run
    assert peer.command("exit").reply_text == "+OK bye"
    assert peer.wait_notice("disconnect").body == GOODBYE and peer.wait_eof()
    assert call.executed == [("set", "centrex_hunt_handled=true"), ("transfer", f"X~+33175000120~1 XML {D}~route")]
    assert call.variables["centrex_hunt_handled"] == "true"
    assert call.closed_by == "exit" and call.result.startswith("transferred:")


def test_set_export_unset_and_expansion(server: Server) -> None:
    call, peer = server.call()
    start_session(peer)
    peer.execute("set", "a=1")
    peer.execute("export", "b=${a}2")
    peer.execute("export", "nolocal:c=3")
    peer.execute("set", "a=")
    peer.execute("answer")
    peer.wait_event("CHANNEL_EXECUTE_COMPLETE", "answer")
    assert "a" not in call.variables
    assert call.variables["b"] == "12" and "c" not in call.variables
    assert call.variables["export_vars"] == "b,c"
    exported = [e for e in peer.events() if e.get("Application") == "export"]
    assert exported[0].get("Application-Data") == "b=12"  # expanded, as FreeSWITCH shows it
    assert call.executed[1] == ("export", "b=${a}2")  # what our side sent
    assert peer.wait_event("CHANNEL_ANSWER").get("Answer-State") == "answered"
    peer.command(f"api uuid_kill {UUID} USER_BUSY")
    assert call.wait_done(5) and call.result == "hangup:USER_BUSY"
    peer.close()


# ------------------------------------------------------------ dial strings
def test_parse_dial_string() -> None:
    groups = parse_dial_string("{ignore_early_media=true,origination_caller_id_name='Zoé Martin'}"
                               "[leg_timeout=15]user/101@d,sofia/gateway/gw1/0033123456789"
                               "|[^^:a=1:b=2]loopback/9/default,error/user_busy")
    assert [[endpoint for endpoint, _ in g] for g in groups] == [
        ["user/101@d", "sofia/gateway/gw1/0033123456789"], ["loopback/9/default", "error/user_busy"]]
    assert groups[0][0][1] == {"ignore_early_media": "true", "origination_caller_id_name": "Zoé Martin",
                               "leg_timeout": "15"}
    assert groups[0][1][1] == {"ignore_early_media": "true", "origination_caller_id_name": "Zoé Martin"}
    assert groups[1][0][1]["a"] == "1" and groups[1][0][1]["b"] == "2"
    assert [dial_target(e) for e in ("user/101@d", "sofia/gateway/gw1/0033123456789",
                                     "sofia/internal/sip:1001@10.0.0.1", "loopback/9/default")] == [
        "101@d", "0033123456789", "1001@10.0.0.1", "9"]
    assert dial_target("user/101", "bauer.centrex.test") == "101@bauer.centrex.test"


# ------------------------------------------------- recorded FreeSWITCH traffic
RECORDED = ["outbound_hunt_failover.esl", "outbound_caller_cancel.esl", "outbound_unregistered_hangup.esl",
            "outbound_busy_member_hangup.esl", "outbound_transfer_stays_open.esl"]


def kind(m: Message) -> str:
    """An event's name, a notice's disposition, else the content type."""
    if m.is_event:
        return parse_event(m).name
    if m.content_type == "text/disconnect-notice":
        return m.get("Content-Disposition") or "notice"
    return m.content_type


def chunked(data: bytes, sizes: list[int]) -> list[Message]:
    parser, out, pos, i = ESLParser(), [], 0, 0
    while pos < len(data):
        step = sizes[i % len(sizes)]
        out.extend(parser.feed(data[pos:pos + step]))
        pos, i = pos + step, i + 1
    assert parser.buffered == 0
    return out


@pytest.mark.parametrize("name", RECORDED)
def test_recorded_outbound_stream_parses_at_odd_boundaries(name: str) -> None:
    data = transcript(name)
    whole = parse_frames(data)
    for sizes in ([1, 2, 3, 5, 8, 13, 21, 34, 55, 89], [7, 64, 1, 1, 509], [4093]):
        assert [(m.headers, m.raw_body) for m in chunked(data, sizes)] == [(m.headers, m.raw_body) for m in whole]
    connect = whole[0]
    assert connect.content_type == "command/reply" and connect.get("Event-Name") == "CHANNEL_DATA"
    assert connect.reply_text == "%2BOK%0A" and connect.raw_body == b""
    uuid = connect.get("Unique-ID")
    events = [parse_event(m) for m in whole if m.is_event]
    assert events and all(e.get("Unique-ID") == uuid for e in events)
    notices = [m for m in whole if m.content_type == "text/disconnect-notice"]
    assert all(n.get("Controlled-Session-UUID") == uuid for n in notices)
    ordered = [kind(m) for m in whole]
    if name == "outbound_hunt_failover.esl":
        # the linger notice overtook the events of the answered call
        assert ordered.index("linger") < ordered.index("CHANNEL_ANSWER") < ordered.index("CHANNEL_HANGUP_COMPLETE")
    elif name == "outbound_caller_cancel.esl":
        assert ordered[-1] == "linger" and ordered[-2] == "CHANNEL_HANGUP_COMPLETE"
    elif name == "outbound_unregistered_hangup.esl":
        # linger 5: the notice, a reply to a late sendmsg, then the goodbye 5 s later
        assert ordered[-3:] == ["linger", "command/reply", "disconnect"]
        assert notices[0].get("Linger-Time") == "5" and notices[-1].body == GOODBYE
    elif name == "outbound_busy_member_hangup.esl":
        # one busy member, as orchestrator.live.hunt bridges it: the caller is hung up
        assert ordered[-3:] == ["CHANNEL_HANGUP_COMPLETE", "linger", "disconnect"]
        assert parse_event(next(m for m in whole if kind(m) == "CHANNEL_HANGUP")).get("Hangup-Cause") == "USER_BUSY"
    else:  # transfer: the socket stays, the transferred channel's events keep coming
        assert notices == [] and ordered[-1] == "CHANNEL_PARK"


def _replay(call: FakeOutboundCall, peer: Peer, client: bytes, on_reply: Callable[[str], None]) -> None:
    """Send the recorded client commands one by one, each after the previous reply."""
    for block in client.decode().split("\n\n"):
        if block.strip():
            peer.command(block)
            on_reply(block)


def _signature(frames: list[Message]) -> dict[str, object]:
    """What must agree between the fake and FreeSWITCH for the same call."""
    events = [parse_event(m) for m in frames if m.is_event]
    replies = [unquote(m.reply_text) if m.content_type == "command/reply" else m.body
               for m in frames if m.content_type in REPLIES]
    bridge = [e for e in events if e.get("Application") == "bridge" and e.name == "CHANNEL_EXECUTE_COMPLETE"]
    keys = ("variable_originate_disposition", "variable_DIALSTATUS", "variable_originate_failed_cause",
            "variable_bridge_hangup_cause", "Hangup-Cause")
    return {
        "replies": [r.split("\n")[0] for r in replies[1:]],  # [0] is the connect reply
        "events": names(events, skip=("CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA")),
        "bridge": [{k: e.get(k) for k in keys} for e in bridge],
        "notices": [(m.get("Content-Disposition"), m.get("Linger-Time"))
                    for m in frames if m.content_type == "text/disconnect-notice"],
        "hangup": [e.get("Hangup-Cause") for e in events if e.name == "CHANNEL_HANGUP_COMPLETE"],
    }


SCENARIOS = {
    "outbound_hunt_failover.esl": dict(outcomes={M2: Outcome("busy"), M1: Outcome("answer")}, registered={M1, M2}),
    "outbound_caller_cancel.esl": dict(outcomes={M4: Outcome("no_answer", hold=True), M2: Outcome("busy")},
                                       registered={M2, M4}),
    "outbound_unregistered_hangup.esl": dict(registered={M1}),
    "outbound_busy_member_hangup.esl": dict(outcomes={M2: Outcome("busy")}, registered={M2}),
    "outbound_transfer_stays_open.esl": dict(outcomes={M2: Outcome("busy")}, registered={M2}),
}


@pytest.mark.parametrize("name", RECORDED)
def test_fake_matches_recorded_freeswitch(server: Server, name: str) -> None:
    real = parse_frames(transcript(name))
    call, peer = server.call(**SCENARIOS[name])

    def on_reply(block: str) -> None:
        if "execute-app-name: bridge" in block and name == "outbound_caller_cancel.esl":
            assert call.wait_ringing(M4)
            call.hangup_caller("NORMAL_CLEARING")

    _replay(call, peer, transcript(name.replace(".esl", "_client.esl")), on_reply)
    if name == "outbound_transfer_stays_open.esl":
        peer.wait_event("CHANNEL_STATE", where=lambda e: e.get("Channel-State") == "CS_EXECUTE")
        end = next(i for i, m in enumerate(real) if m.is_event and parse_event(m).name == "CHANNEL_STATE"
                   and parse_event(m).get("Channel-State") == "CS_EXECUTE") + 1
        real = real[:end]  # then FreeSWITCH runs the new extension, which the fake does not model
    else:
        peer.wait_notice("linger")
        real = [m for m in real if kind(m) != "disconnect"]  # the goodbye after `linger N` seconds
    with peer.cond:
        fake = list(peer.frames)
    assert _signature(fake) == _signature(real)
    # the same channel-data header set as FreeSWITCH's (loopback callee fields aside)
    real_names = {k for k in real[0].headers if not k.startswith("variable_")}
    fake_names = {k for k in fake[0].headers if not k.startswith("variable_")}
    assert real_names - fake_names <= {"Channel-Callee-ID-Name", "Channel-Callee-ID-Number",
                                       "Caller-Callee-ID-Name", "Caller-Callee-ID-Number"}
    assert list(real[0].headers)[:13] == list(fake[0].headers)[:13]
    peer.close()
    assert call.wait_closed(5)


# ---------------------------------------------------- sync mode (static)
def test_sync_mode_answers_sendmsg_when_the_application_returns(server: Server) -> None:
    """``socket ... full`` without ``async`` (what the renderer writes): the
    listener runs in the channel's thread, so ``sendmsg`` executes at once
    and its reply waits for the application; the events it fired follow the
    reply; nothing is parked."""
    call, peer = server.call(outcomes={M1: Outcome("answer", hold=True)}, registered={M1}, async_mode=False)
    connect = peer.command("connect")
    assert connect.get("Socket-Mode") == "static" and connect.get("Control") == "full"
    assert unquote(connect.get("variable_current_application_data") or "") == f"127.0.0.1:{server.address[1]} full"
    assert peer.command("myevents").reply_text == "+OK Events Enabled"
    assert peer.command("nixevent CHANNEL_STATE CHANNEL_EXECUTE CHANNEL_PROGRESS NO_SUCH").reply_text == \
        "+OK events nixed"
    assert peer.command("nixevent NO_SUCH").reply_text == "-ERR no keywords supplied"

    peer.sock.sendall(b"sendmsg\ncall-command: execute\nexecute-app-name: bridge\n"
                      b"execute-app-arg: user/" + M1.encode() + b"\n\n")
    assert call.wait_ringing(M1)
    assert len(peer.replies()) == 4  # connect, myevents, 2 × nixevent: the bridge is not answered yet
    assert [e.name for e in peer.events()] == []  # held in the listener's queue while bridge runs
    call.release(M1)  # the member hangs up: bridge returns
    done = peer.wait_event("CHANNEL_EXECUTE_COMPLETE", "bridge")
    assert done.get("variable_originate_disposition") == "SUCCESS"
    with peer.cond:
        order = ["reply " + f.reply_text if f.content_type == "command/reply" and f.get("Event-Name") is None
                 else "connect" if f.content_type == "command/reply" else parse_event(f).name
                 if f.is_event else f.content_type for f in peer.frames]
    # the bridge's reply first, then what it fired (nixed events absent, no CHANNEL_PARK)
    assert order == ["connect", "reply +OK Events Enabled", "reply +OK events nixed",
                     "reply -ERR no keywords supplied", "reply +OK", "CHANNEL_ANSWER", "CHANNEL_BRIDGE",
                     "CHANNEL_UNBRIDGE", "CHANNEL_EXECUTE_COMPLETE"], order
    assert call.hangup_caller()  # nothing runs now: the events go out at once
    assert peer.wait_notice("disconnect") and peer.wait_eof()
    assert peer.wait_event("CHANNEL_HANGUP_COMPLETE").get("Hangup-Cause") == "NORMAL_CLEARING"
    assert call.wait_done(5) and call.result == f"bridged:{M1}"


def test_sync_mode_caller_hangup_during_bridge(server: Server) -> None:
    call, peer = server.call(outcomes={M1: Outcome("answer", hold=True)}, registered={M1}, async_mode=False)
    peer.command("connect")
    peer.command("myevents")
    peer.sock.sendall(b"sendmsg\ncall-command: execute\nexecute-app-name: bridge\n"
                      b"execute-app-arg: user/" + M1.encode() + b"\n\n")
    assert call.wait_ringing(M1)
    assert call.hangup_caller()
    done = peer.wait_event("CHANNEL_EXECUTE_COMPLETE", "bridge")
    assert done.get("variable_originate_disposition") == "ORIGINATOR_CANCEL"
    assert peer.wait_notice("disconnect") and peer.wait_eof()
    with peer.cond:
        kinds = [f.content_type for f in peer.frames]
    # reply to the bridge before any event it fired; the notice last
    first_event = kinds.index("text/event-plain")
    assert kinds[:first_event].count("command/reply") == 3 and kinds[-1] == "text/disconnect-notice"
    assert call.wait_done(5) and call.result == "caller_hung_up"
