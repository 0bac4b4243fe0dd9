"""Real SIP phones (Debian's baresip) on a real FreeSWITCH (``FREESWITCH_BIN``),
with the event service running: what our live services store when real
phones register, answer, hang up and get voicemail.

Each test renders the demo tenant (Bauer SA), applies it, starts FreeSWITCH
on free ports of 127.0.0.1 and runs ``EventService`` in a greenlet; it waits
on the events the service handled (``svc.handled``) and re-reads the
database after each one, with a deadline. Phones: ``tests/baresip_phone.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from baresip_phone import baresip_phone, wait_until
from freeswitch_real import platform_with_ports, with_phones
from helpers import sqlite_migrated_engine  # noqa: E402,F401  (SQLite only here)
from live_wait import event_service_on, wait_for_state
from render_helpers import PLATFORM
from sqlalchemy import select

from esl_handlers.events_service import EventService
from orchestrator.apply.engine import esl_reloader
from orchestrator.apply.service import apply
from orchestrator.cli.demo_cmds import demo_yaml
from orchestrator.db.models import AuditEntry, CallRecord, ClickToCall, Line, Login, Registration, VoicemailCounter
from orchestrator.live import click_to_call
from orchestrator.tenantdoc import importer

pytestmark = with_phones
D = "bauer.centrex.test"
PIERRE, PAUL = "+33175000101", "+33175000102"




@dataclass
class Live:
    rt: object
    platform: object
    esl: object
    svc: EventService
    root: Path
    seen: list[str] = field(default_factory=list)  # every event the service handled, in order

    def line(self, number: str) -> Line:
        with self.rt.context() as ctx:
            line = ctx.session.scalar(select(Line).where(Line.number == number))
            ctx.session.expunge(line)
            return line

    def phone(self, number: str, **kw):
        line = self.line(number)
        return baresip_phone(self.root / f"phone-{line.sip_username}", line.sip_username, D, line.sip_password,
                             self.platform.sip_port, self.esl, **kw)

    def wait(self, what: str, read: Callable[[object], object], ok: Callable[[object], bool],
             timeout: float = 20.0):
        """Re-read (``read(session)``) now and after each event the event
        service handles, until ``ok``; fail with the last value at the deadline."""
        return wait_for_state(self.rt, self.svc, self.seen, what, read, ok, timeout)


@pytest.fixture
def live(rt, tmp_path):
    with rt.context() as ctx:
        importer.import_document(ctx, importer.load_yaml(demo_yaml()))
    platform = platform_with_ports(PLATFORM, tmp_path)
    with rt.context() as ctx:
        apply(ctx.session, platform, esl_reloader(timeout=1))
    with event_service_on(rt, platform, tmp_path) as (esl, svc):
        yield Live(rt, platform, esl, svc, tmp_path)


def state_now(live: Live, read: Callable[[object], object]):
    with live.rt.context() as ctx:
        return read(ctx.session)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_a_phone_registers_and_unregisters(live):
    """A baresip phone registers Pierre's line (+33175000101, set back to
    "activating" first, as a new line): once FreeSWITCH has the contact
    (``sofia_contact``), the sofia::register event makes the line "active"
    (with an "activate" audit entry) and stores one registration: the
    phone's contact (its own SIP port on 127.0.0.1), its user agent
    (baresip), network IP 127.0.0.1, node fs1, expiry ~60 s ahead (regint).
    The phone stops (SIGTERM: it sends REGISTER expires 0): once FreeSWITCH
    dropped the contact, sofia::unregister removes the registration; the
    line stays active."""
    with live.rt.context() as ctx:
        ctx.session.scalar(select(Line).where(Line.number == PIERRE)).status = "activating"
        ctx.session.commit()
    line_id = live.line(PIERRE).id

    def state(session):
        status = session.scalar(select(Line.status).where(Line.id == line_id))
        regs = [(r.contact, r.user_agent, r.network_ip, r.node, r.expires_at)
                for r in session.scalars(select(Registration).where(Registration.line_id == line_id))]
        return status, regs

    assert state_now(live, state) == ("activating", [])
    with live.phone(PIERRE) as phone:
        status, regs = live.wait("Pierre's registration in the database", state,
                                 lambda v: v[0] == "active" and len(v[1]) == 1)
        contact, agent, ip, node, expires = regs[0]
        assert f"@127.0.0.1:{phone.sip_port}" in contact and "0175000101" in contact
        assert agent and agent.startswith("baresip")
        assert ip == "127.0.0.1" and node == "fs1"
        ahead = (_aware(expires) - datetime.now(UTC)).total_seconds()
        assert 30 < ahead <= 61
        with live.rt.context() as ctx:
            assert ctx.session.scalar(select(AuditEntry.id).where(
                AuditEntry.action == "activate", AuditEntry.object_key == PIERRE)) is not None

        phone.stop(live.esl)  # unregisters; FreeSWITCH no longer has the contact
        assert phone.contact(live.esl).startswith("error/")
        status, regs = live.wait("Pierre's registration removed", state, lambda v: v[1] == [])
        assert status == "active"


def test_b_click_to_call_answered_by_real_phones(live):
    """Click-to-call from Pierre's line to 202 (Paul's short number), both
    lines with a registered baresip in manual answer mode, each step made by
    a phone and checked in the ClickToCall row:

    * ``start`` stores "ringing_you"; Pierre's phone rings (CALL_INCOMING)
      showing the target (202) as the caller; the row is still "ringing_you";
    * Pierre accepts: CHANNEL_ANSWER of his leg makes it "calling"; the
      tenant's dialplan rings Paul's phone (CALL_INCOMING, from Pierre's
      number);
    * Paul accepts: CHANNEL_BRIDGE of Pierre's leg makes it "connected";
      both phones have the call established;
    * Paul hangs up: Pierre's phone gets the BYE (CALL_CLOSED) and
      CHANNEL_HANGUP_COMPLETE of Pierre's leg makes it "ended", with no
      failure cause; the call is recorded as an answered internal call from
      Pierre's line to 202."""
    with live.phone(PIERRE, answermode="manual", mwi=False) as pierre, \
            live.phone(PAUL, answermode="manual", mwi=False) as paul:
        with live.rt.context() as ctx:
            login = ctx.session.scalar(select(Login).where(Login.login == PIERRE))
            call = click_to_call.start(ctx, login, PIERRE, "202", live.esl)
            call_id = call.id
            assert call.status == "ringing_you" and call.target == "202" and call.call_uuid is None

        def row(session):
            return session.execute(select(ClickToCall.status, ClickToCall.cause)
                                   .where(ClickToCall.id == call_id)).one()

        ring = pierre.wait_event("CALL_INCOMING")
        assert "sip:202@" in ring["peeruri"]
        assert state_now(live, row) == ("ringing_you", None)

        pierre.command("accept")
        pierre.wait_event("CALL_ESTABLISHED")
        live.wait('"calling"', row, lambda v: v[0] != "ringing_you")
        assert state_now(live, row) == ("calling", None)
        ring = paul.wait_event("CALL_INCOMING")
        assert "175000101" in ring["peeruri"]  # Pierre's line is shown to Paul
        assert state_now(live, row) == ("calling", None)

        paul.command("accept")
        paul.wait_event("CALL_ESTABLISHED")
        assert live.wait('"connected"', row, lambda v: v[0] != "calling") == ("connected", None)
        call_uuid = state_now(live, lambda session: session.get(ClickToCall, call_id).call_uuid)
        assert live.esl.api(f"uuid_exists {call_uuid}").strip() == "true"  # Pierre's answering leg

        since = len(pierre.events)
        paul.command("hangup")
        paul.wait_event("CALL_CLOSED")
        pierre.wait_event("CALL_CLOSED", since=since)
        assert live.wait('"ended"', row, lambda v: v[0] != "connected") == ("ended", None)

        record = live.wait("the call record", lambda s: s.execute(
            select(CallRecord.direction, CallRecord.disposition, CallRecord.callee, CallRecord.line_id)
            .where(CallRecord.call_uuid == call_uuid)).first(), lambda v: v is not None)
        assert tuple(record) == ("internal", "answered", "202", live.line(PIERRE).id)


def test_c_voicemail_counter_and_mwi(live):
    """A call from the carrier side (FreeSWITCH's external profile calling
    +33175000101) rings Pierre's registered phone (CALL_INCOMING), which
    rejects it; the dialplan takes the caller to Pierre's voicemail, where a
    5 s tone is recorded. vm::maintenance (leave-message) and then
    MESSAGE_WAITING reach the event service: Pierre's voicemail counter is
    1 new, 0 saved. The phone, subscribed to message-summary (baresip's mwi
    module), gets a NOTIFY "Messages-Waiting: yes", "Voice-Message: 1/0"."""
    line_id = live.line(PIERRE).id
    with live.phone(PIERRE, answermode="manual") as pierre:
        pierre.wait_event("MWI_NOTIFY")  # the subscription's first NOTIFY: nothing waiting
        since, mark = len(pierre.events), len(live.seen)
        live.esl.bgapi(f"originate {{origination_caller_id_number=0140000000,originate_timeout=30}}"
                       f"sofia/external/{PIERRE}@127.0.0.1:{live.platform.external_port} "
                       f"&playback(tone_stream://%(5000,0,440);loops=1)")
        ring = pierre.wait_event("CALL_INCOMING", since=since)
        assert "0140000000" in ring["peeruri"]
        pierre.command("hangup")  # rejects the ringing call

        def counter(session):
            row = session.get(VoicemailCounter, line_id)
            return None if row is None else (row.new_messages, row.saved_messages)

        def after_message():
            """A MESSAGE_WAITING handled after the vm::maintenance of the new
            message (FreeSWITCH fires none for the MWI queries of REGISTER and
            SUBSCRIBE, whose MESSAGE_WAITING events all came before)."""
            names = live.seen[mark:]
            return "vm::maintenance" in names and "MESSAGE_WAITING" in names[names.index("vm::maintenance"):]

        live.wait("the voicemail counter", counter, lambda v: v is not None and after_message(), timeout=30)
        assert state_now(live, counter) == (1, 0)

        def mwi_yes():
            return next((e for e in pierre.events[since:] if e.get("type") == "MWI_NOTIFY"
                         and "Messages-Waiting: yes" in e.get("param", "")), None)
        notify = wait_until("a message-waiting NOTIFY on Pierre's phone", mwi_yes, 10)
        assert "Voice-Message: 1/0" in notify["param"]
