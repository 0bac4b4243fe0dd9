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

from collections.abc import Callable, Iterator
from urllib.parse import unquote

import pytest
from fake_freeswitch import transcript
from fake_freeswitch.outbound import FakeOutboundCall, Outcome, dial_target, parse_dial_string
from fake_outbound_peer import GOODBYE, M1, M2, M4, REPLIES, UUID, Peer, Server, names, start_session

from orchestrator.esl import ESLParser, Message, parse_event, parse_frames

# Hunt scenarios: test_fake_outbound_hunt.py; sync (static) mode: test_fake_outbound_sync.py.


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


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
