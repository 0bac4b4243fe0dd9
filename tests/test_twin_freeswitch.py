"""L-9 on a real FreeSWITCH (``FREESWITCH_BIN``) with real SIP phones
(Debian's baresip): how many devices a line accepts, what the one too many
gets on the wire, and that every registered device rings.

The demo tenant (Bauer SA) is imported with its lines' options set for the
test, through the tenant document (the service layer): Pierre's line
(+33175000101) has the teleworking twin (2 devices), Jacques's
(+33175000103) has no option (1 device), the line of 007 (+33182280007)
has both the twin and the mobile app (3 devices). Paul's (+33175000102)
keeps the demo's mobile app and calls or answers from one phone.

Phones are started without waiting on ``sofia_contact`` (a second phone of
a line would find the first one's contact): each waits for its own
REGISTER outcome, the final answer its REGISTER got (baresip's
REGISTER_OK / REGISTER_FAIL events, with the status line).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from baresip_phone import Phone, baresip_phone, wait_until
from freeswitch_real import platform_with_ports, with_phones
from helpers import sqlite_migrated_engine  # noqa: F401  (SQLite only here)
from live_wait import event_service_on, wait_for_state
from render_helpers import PLATFORM
from sqlalchemy import select

from esl_handlers.events_service import EventService
from orchestrator.apply.engine import esl_reloader
from orchestrator.apply.service import apply
from orchestrator.cli.demo_cmds import demo_yaml
from orchestrator.db.models import CallRecord, ClickToCall, Line, Login
from orchestrator.live import click_to_call
from orchestrator.tenantdoc import importer

pytestmark = with_phones
D = "bauer.centrex.test"
PIERRE, PAUL, JACQUES, BOND = "+33175000101", "+33175000102", "+33175000103", "+33182280007"
OPTIONS = {PIERRE: {"twin": True}, JACQUES: {}, BOND: {"twin": True, "mobile_app": True,
                                                      "mobile_number": "+33612345678"}}


@dataclass
class Node:
    rt: object
    platform: object
    esl: object
    root: Path
    svc: EventService
    seen: list[str] = field(default_factory=list)  # every event the service handled, in order

    def phone(self, number: str, name: str, **kw):
        with self.rt.context() as ctx:
            line = ctx.session.scalar(select(Line).where(Line.number == number))
            user, password = line.sip_username, line.sip_password
        return baresip_phone(self.root / f"phone-{name}", user, D, password, self.platform.sip_port, self.esl,
                             register=False, mwi=False, answermode="manual", **kw)

    def contacts(self, phone: Phone) -> list[str]:
        """Every contact FreeSWITCH rings for the phone's line."""
        found = phone.contact(self.esl)
        return [] if found.startswith("error/") else found.split(",")

    def wait(self, what: str, read: Callable[[object], object], ok: Callable[[object], bool],
             timeout: float = 20.0):
        """Re-read (``read(session)``) now and after each event the event
        service handles, until ``ok``; fail with the last value at the deadline."""
        return wait_for_state(self.rt, self.svc, self.seen, what, read, ok, timeout)


@pytest.fixture
def node(rt, tmp_path):
    data = importer.load_yaml(demo_yaml())
    for line in data["lines"]:
        if line["number"] in OPTIONS:
            line["options"] = OPTIONS[line["number"]]
    with rt.context() as ctx:
        importer.import_document(ctx, data)
    platform = platform_with_ports(PLATFORM, tmp_path)
    with rt.context() as ctx:
        apply(ctx.session, platform, esl_reloader(timeout=1))
    with event_service_on(rt, platform, tmp_path) as (esl, svc):
        yield Node(rt, platform, esl, tmp_path, svc)


def register_outcome(phone: Phone, timeout: float = 15.0) -> str:
    """``OK`` or the status line of the final answer to the phone's REGISTER,
    as baresip logs it (the first REGISTER is answered before the control
    connection is up, so its REGISTER_OK / REGISTER_FAIL event is not seen)."""
    def answer():
        for text in phone.log.splitlines():
            found = re.search(r"\b([2-6]\d\d) ([A-Z][A-Za-z ]+)", text) if phone.user in text else None
            if found and found.group(1) != "401":
                return "OK" if found.group(1) == "200" else f"{found.group(1)} {found.group(2).strip()}"
        return None
    return wait_until(f"{phone.aor}'s REGISTER answered", answer, timeout)


def registered(node: Node, phone: Phone) -> str:
    assert register_outcome(phone) == "OK", phone.log[-1500:]
    return wait_until(f"{phone.aor}'s contact in FreeSWITCH",
                      lambda: next((c for c in node.contacts(phone) if f"127.0.0.1:{phone.sip_port}" in c), None),
                      10)


def carrier_call(node: Node, number: str) -> None:
    """A call from the carrier side: FreeSWITCH's external profile calls the number."""
    node.esl.bgapi(f"originate {{origination_caller_id_number=0140000000,originate_timeout=30}}"
                   f"sofia/external/{number}@127.0.0.1:{node.platform.external_port} "
                   f"&playback(tone_stream://%(30000,0,440);loops=1)")


def test_twin_line_both_devices_ring_one_answers_the_other_stops(node):
    """Pierre's line has the twin: his desk phone and his twin both register
    (200 OK each) and FreeSWITCH has both contacts. A carrier call to his
    number rings both (CALL_INCOMING on each, from the caller's number); the
    twin answers; the desk phone stops ringing (CALL_CLOSED, never
    established). A third device on the line is refused: 403 Forbidden,
    and FreeSWITCH still rings exactly the two first contacts. Then the
    twin, and the desk phone, call Paul (202): Paul's phone is called from
    Pierre's line number each time."""
    with node.phone(PIERRE, "desk") as desk, node.phone(PIERRE, "twin") as twin:
        contacts = {registered(node, desk), registered(node, twin)}
        assert len(contacts) == 2 and set(node.contacts(desk)) == contacts

        carrier_call(node, PIERRE)
        ring_desk, ring_twin = desk.wait_event("CALL_INCOMING"), twin.wait_event("CALL_INCOMING")
        assert "0140000000" in ring_desk["peeruri"] and "0140000000" in ring_twin["peeruri"]
        twin.command("accept")
        twin.wait_event("CALL_ESTABLISHED")
        desk.wait_event("CALL_CLOSED")  # the other device stops ringing
        assert not any(e.get("type") == "CALL_ESTABLISHED" for e in desk.events)
        since = len(twin.events)
        twin.command("hangup")
        twin.wait_event("CALL_CLOSED", since=since)

        with node.phone(PIERRE, "third") as third:
            outcome = register_outcome(third)
            assert outcome.startswith("403"), (outcome, third.log[-1500:])
            assert set(node.contacts(desk)) == contacts  # the two first devices stay

        with node.phone(PAUL, "paul") as paul:
            registered(node, paul)
            for caller in (twin, desk):
                since, mark = len(caller.events), len(paul.events)
                caller.command("dial", "202")
                ring = paul.wait_event("CALL_INCOMING", since=mark)
                assert "175000101" in ring["peeruri"]  # the line's number, whichever device calls
                paul.command("hangup")
                caller.wait_event("CALL_CLOSED", since=since)


def test_line_without_option_refuses_a_second_device(node):
    """Jacques's line has no option: his phone registers; a second device
    with the same credentials gets 403 Forbidden to its REGISTER, and
    FreeSWITCH rings only the first phone (one contact, the first one's). A
    carrier call rings the first phone, never the refused one."""
    with node.phone(JACQUES, "first") as first:
        contact = registered(node, first)
        with node.phone(JACQUES, "second") as second:
            outcome = register_outcome(second)
            assert outcome.startswith("403"), (outcome, second.log[-1500:])
            assert node.contacts(first) == [contact]
            carrier_call(node, JACQUES)
            first.wait_event("CALL_INCOMING")
            first.command("hangup")
            assert not any(e.get("type") == "CALL_INCOMING" for e in second.events)


def test_twin_and_mobile_app_allow_three_devices(node):
    """007's line has the twin and the mobile app: three devices register,
    a fourth gets 403 Forbidden. A device asking for an hour gets the
    platform's cap (``registration_expires_max``, 600 s) in FreeSWITCH (before
    the fix: 3600 s)."""
    with node.phone(BOND, "a", regint=3600) as a, node.phone(BOND, "b") as b, node.phone(BOND, "c") as c:
        contacts = {registered(node, a), registered(node, b), registered(node, c)}
        assert len(contacts) == 3
        status = node.esl.api(f"sofia status profile internal reg {a.user}")
        # seconds left, with mod_sofia's 60 s late margin: two asked for 60 s, one for 3600 s
        left = sorted(int(n) for n in re.findall(r"EXPSECS\((\d+)\)", status))
        cap = node.platform.registration_expires_max
        assert len(left) == 3 and left[1] <= 60 + 60 and cap - 10 < left[2] <= cap + 60, status
        with node.phone(BOND, "d") as d:
            outcome = register_outcome(d)
            assert outcome.startswith("403"), (outcome, d.log[-1500:])
        assert set(node.contacts(a)) == contacts


def test_click_to_call_answered_by_either_device(node):
    """Click-to-call from Pierre's twin line to 202 (Paul): both of Pierre's
    devices ring (before the fix only the first did: the originate gave its
    fixed UUID to the first leg and FreeSWITCH refused the second, "Duplicate
    UUID"). Each device answers once, in turn: the click-to-call follows
    the answering leg ("calling", then "connected" when Paul answers,
    "ended" when Paul hangs up), and the other device's cancelled leg
    neither rings on, nor fails it, nor makes a call record of its own (it
    made a "failed" outbound one, cause LOSE_RACE)."""
    with node.phone(PIERRE, "desk") as desk, node.phone(PIERRE, "twin") as twin, \
            node.phone(PAUL, "paul") as paul:
        registered(node, desk), registered(node, twin), registered(node, paul)
        legs: list[str] = []  # the leg that answered, each time
        for answering, other in ((twin, desk), (desk, twin)):
            marks = {p: len(p.events) for p in (desk, twin, paul)}
            with node.rt.context() as ctx:
                login = ctx.session.scalar(select(Login).where(Login.login == PIERRE))
                call_id = click_to_call.start(ctx, login, PIERRE, "202", node.esl).id

            def row(session, call_id=call_id):
                return session.execute(select(ClickToCall.status, ClickToCall.cause, ClickToCall.call_uuid)
                                       .where(ClickToCall.id == call_id)).one()

            for phone in (desk, twin):
                assert "sip:202@" in phone.wait_event("CALL_INCOMING", since=marks[phone])["peeruri"]
            answering.command("accept")
            answering.wait_event("CALL_ESTABLISHED", since=marks[answering])
            other.wait_event("CALL_CLOSED", since=marks[other])  # the other device stops ringing
            status = node.wait('"calling"', row, lambda v: v[0] != "ringing_you")
            assert status[:2] == ("calling", None)
            assert node.esl.api(f"uuid_getvar {status[2]} sip_req_uri").strip().endswith(f":{answering.sip_port}")
            ring = paul.wait_event("CALL_INCOMING", since=marks[paul])
            assert "175000101" in ring["peeruri"]  # the line's number
            paul.command("accept")
            paul.wait_event("CALL_ESTABLISHED", since=marks[paul])
            assert node.wait('"connected"', row, lambda v: v[0] != "calling")[:2] == ("connected", None)
            since = len(answering.events)
            paul.command("hangup")
            answering.wait_event("CALL_CLOSED", since=since)
            assert node.wait('"ended"', row, lambda v: v[0] != "connected")[:2] == ("ended", None)
            records = node.wait("the call record", lambda se, leg=status[2]: se.execute(
                select(CallRecord.call_uuid, CallRecord.direction, CallRecord.disposition, CallRecord.callee)
                .where(CallRecord.call_uuid == leg)).all(), lambda v: len(v) == 1)
            assert tuple(records[0]) == (status[2], "internal", "answered", "202")
            legs.append(status[2])
        with node.rt.context() as ctx:  # records of the answering legs only (and Paul's side of each call)
            stored = ctx.session.execute(select(CallRecord.call_uuid, CallRecord.hangup_cause)).all()
        assert {uuid.split("~")[0] for uuid, _ in stored} == set(legs)
        assert "LOSE_RACE" not in {cause for _, cause in stored}
