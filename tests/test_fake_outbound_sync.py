"""FakeOutboundCall in sync (static) mode, ``socket ... full`` without
``async`` (what the renderer writes): ``sendmsg`` is answered when the
application returns, and the events it fired follow the reply."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from fake_freeswitch.outbound import Outcome
from fake_outbound_peer import M1, Server

from orchestrator.esl import parse_event


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


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


def test_sync_mode_caller_hangup_during_bridge_loses_the_queued_events(server: Server) -> None:
    """The channel is down when the application returns and nobody asked to
    linger: the reply, then the disconnect notice; the events the bridge
    fired (its CHANNEL_EXECUTE_COMPLETE included) never leave the queue, as
    with FreeSWITCH 1.11.1 and real phones."""
    call, peer = server.call(outcomes={M1: Outcome("answer", hold=True)}, registered={M1}, async_mode=False)
    peer.command("connect")
    peer.command("myevents")
    peer.sock.sendall(b"sendmsg\ncall-command: execute\nexecute-app-name: bridge\n"
                      b"execute-app-arg: user/" + M1.encode() + b"\n\n")
    assert call.wait_ringing(M1)
    assert call.hangup_caller()
    assert peer.wait_notice("disconnect") and peer.wait_eof()
    with peer.cond:
        kinds = [(f.content_type, f.reply_text) for f in peer.frames]
    assert kinds == [("command/reply", "%2BOK%0A"), ("command/reply", "+OK Events Enabled"),
                     ("command/reply", "+OK"), ("text/disconnect-notice", "")]
    assert call.wait_done(5) and call.result == "caller_hung_up"


def test_sync_mode_with_linger_gets_the_events_after_the_reply(server: Server) -> None:
    call, peer = server.call(outcomes={M1: Outcome("answer", hold=True)}, registered={M1}, async_mode=False)
    peer.command("connect")
    peer.command("myevents")
    peer.command("linger")
    peer.sock.sendall(b"sendmsg\ncall-command: execute\nexecute-app-name: bridge\n"
                      b"execute-app-arg: user/" + M1.encode() + b"\n\n")
    assert call.wait_ringing(M1)
    assert call.hangup_caller()
    done = peer.wait_event("CHANNEL_EXECUTE_COMPLETE", "bridge")
    assert done.get("variable_originate_disposition") == "ORIGINATOR_CANCEL"
    assert peer.wait_notice("linger")
    with peer.cond:
        kinds = [f.content_type for f in peer.frames]
    # reply to the bridge before any event it fired
    first_event = kinds.index("text/event-plain")
    assert kinds[:first_event].count("command/reply") == 4
    peer.command("exit")
    assert peer.wait_eof() and call.wait_done(5) and call.result == "caller_hung_up"
