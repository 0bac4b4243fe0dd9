"""FakeOutboundCall: hunt-group scenarios over the outbound event socket
(failover, busy / unregistered / unanswered members, ``continue_on_fail``,
timeouts, the caller hanging up while members ring, transfer), driven by a
tiny outbound server (:mod:`fake_outbound_peer`) or the product's outbound session."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fake_freeswitch.outbound import FakeOutboundCall, Outcome
from fake_outbound_peer import CHANNEL_VARS, GOODBYE, M1, M2, UUID, D, Server, names, start_session

from orchestrator.esl import parse_event


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


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
    by = {n: e for n, e in zip(names(events), events, strict=True)}
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


def test_product_outbound_session(server: Server) -> None:
    """The product's stack: esl_handlers' OutboundSession on a gevent StreamServer."""
    import gevent.event
    from gevent.server import StreamServer

    from esl_handlers.outbound_session import OutboundSession

    seen: dict[str, object] = {}
    finished = gevent.event.Event()

    def handle(sock, address) -> None:
        session = OutboundSession(sock, address)
        try:
            session.connect()
            session.myevents()
            session.linger()
            seen["hunt"] = session.channel.get("variable_centrex_hunt")
            seen["caller"] = session.channel.get("Caller-Caller-ID-Number")
            seen["contact"] = session.api(f"sofia_contact */{M2}")
            session.execute("set", "continue_on_fail=true", timeout=5)
            done = session.execute("bridge", f"user/{M2}|user/{M1}", timeout=5)
            seen["disposition"] = done.get("variable_originate_disposition")
            seen["bridged_to"] = done.get("variable_last_bridge_to")
            seen["exit"] = session.conn.request("exit").reply_text
        finally:
            session.close()
            finished.set()

    gserver = StreamServer(("127.0.0.1", 0), handle)
    gserver.start()
    try:
        call = FakeOutboundCall(gserver.address, channel_vars=CHANNEL_VARS, uuid=UUID, registered={M1},
                                outcomes={M1: Outcome("answer")}, async_mode=True)
        server.calls.append(call)
        call.start()
        assert finished.wait(timeout=5), "the session handler never finished"
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
