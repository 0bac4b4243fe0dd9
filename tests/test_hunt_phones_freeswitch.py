"""The hunt-group service (H-1, H-3, P-7) with a real FreeSWITCH
(``FREESWITCH_BIN``) and real SIP phones (Debian's baresip,
``tests/baresip_phone.py``) registered on the members' lines.

Each test imports a small tenant of its own (three lines, one reception
number whose default profile is a successive hunt group, or a sequential
one for the native hunt, ring time 5 s),
applies it with the hunt-group service address pointing at a
``HuntServer`` (``MemoryOrder``) on a free port, starts FreeSWITCH and
registers one baresip per line (manual answer mode: the test accepts or
rejects). Calls come from the carrier side: FreeSWITCH originates a SIP
call to the reception number on its own external (carrier) profile (see
``Rig.call``); the originated leg, the caller, has a UUID chosen here so
that the test can hang it up.

Synchronisation is on the phones' events (CALL_INCOMING, CALL_CLOSED,
CALL_ESTABLISHED), on FreeSWITCH's ``show channels``/``show calls`` and on
the outcome the service logs at the end of each hunt ("hunt done"), each
polled cooperatively (``gevent.sleep``: the service runs on gevent in this
process) with a deadline.

``test_successive_order_goes_on_after_the_member_who_answered`` found a
product bug: the service moved the order only after a bridge returned, and
when the member who answered hangs up, FreeSWITCH (``hangup_after_bridge``)
hangs the caller up inside the bridge and closes the socket before the
bridge's completion reaches the service: the order stayed behind. The
service now records a member as rung before bridging it.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field, replace

import pytest
from baresip_phone import Phone, baresip_phone, wait_until
from freeswitch_real import free_ports, platform_with_ports, running_freeswitch, with_phones
from helpers import sqlite_migrated_engine  # noqa: E402,F401  (SQLite only here)
from render_helpers import PLATFORM
from sqlalchemy import select

from esl_handlers.hunt_server import HuntServer
from orchestrator.apply.engine import esl_reloader
from orchestrator.apply.service import apply
from orchestrator.db.models import Line
from orchestrator.live.hunt import MemoryOrder
from orchestrator.tenantdoc import importer

pytestmark = with_phones
D = "hunt-phones.centrex.test"
M1, M2, M3 = "+33175600001", "+33175600002", "+33175600003"
RECEPTION = "+33175600100"
KEY = f"P~{RECEPTION}~0"  # the hunt group's key: the default (first) profile
RING_TIME = 5


def tenant(forwards_allowed: bool = False, m1_forward: str | None = None, strategy: str = "successive",
           m1_voicemail: bool = True) -> dict:
    lines = [{"number": n, "label": f"M{i}"} for i, n in enumerate((M1, M2, M3), start=1)]
    if m1_forward:
        lines[0]["forwards"] = {"unconditional": m1_forward}
    if not m1_voicemail:
        lines[0]["voicemail"] = {"enabled": False}
    return {
        "tenant": {"name": "Hunt phones", "sip_domain": D},
        "lines": lines,
        "reception_numbers": [{"number": RECEPTION, "label": "Accueil", "profiles": [
            {"name": "Défaut", "default": True, "hunt_group": {
                "strategy": strategy, "ring_time": RING_TIME, "forwards_allowed": forwards_allowed,
                "members": [M1, M2, M3]}}]}],
    }




@dataclass
class Rig:
    esl: object
    server: HuntServer
    order: MemoryOrder
    platform: object
    caplog: object
    phones: dict[str, Phone] = field(default_factory=dict)

    def call(self) -> str:
        """A call from the carrier to the reception number: FreeSWITCH calls
        its own external (carrier) profile, whose incoming leg runs the
        public dialplan, as a carrier's call would. Returns the UUID of the
        caller's leg (the originated one, parked once answered): killing it
        is the caller hanging up (CANCEL, or BYE once answered).

        Not ``loopback/``: its legs carry L16, and FreeSWITCH then offers
        the members' phones L16 only, which baresip refuses (488)."""
        caller = str(uuid.uuid4())
        self.esl.bgapi(f"originate {{origination_uuid={caller},origination_caller_id_number=0140000000,"
                       f"originate_timeout=60}}sofia/external/{RECEPTION}@127.0.0.1:{self.platform.external_port} "
                       f"&park")
        return caller

    def outcomes(self) -> list[str]:
        """What the service logged at the end of each hunt, in order."""
        return [getattr(r, "outcome", "?") for r in self.caplog.records
                if r.name == "esl_handlers.hunt_server" and r.getMessage() == "hunt done"]

    def wait_outcomes(self, n: int, timeout: float = 15.0) -> list[str]:
        return wait_until(f"{n} hunt(s) done (so far: {self.outcomes()})",
                          lambda: self.outcomes() if len(self.outcomes()) >= n else None, timeout)

    def channels(self) -> list[dict]:
        return json.loads(self.esl.api("show channels as json")).get("rows") or []

    def channel_count(self) -> int:
        text = self.esl.api("show channels count").strip()  # "N total."
        return int(text.split()[0])

    def wait_no_channel(self, timeout: float = 15.0) -> None:
        try:
            wait_until("no channel left in FreeSWITCH", lambda: self.channel_count() == 0, timeout, interval=0.1)
        except AssertionError as exc:
            raise AssertionError(f"{exc}: {[c.get('name') for c in self.channels()]}") from None

    def calls(self) -> list[dict]:
        return json.loads(self.esl.api("show calls as json")).get("rows") or []

    def wait_bridged(self, user: str, timeout: float = 5.0) -> dict:
        """The one bridged call (``show calls``: a row with a b-leg), once
        its b-leg is ``user``'s registration and both legs are ACTIVE."""
        def check():
            bridged = [c for c in self.calls() if c.get("b_uuid")]
            if len(bridged) == 1 and bridged[0]["b_name"].startswith(f"sofia/internal/{user}-") \
                    and bridged[0]["callstate"] == bridged[0]["b_callstate"] == "ACTIVE":
                return bridged[0]
            return None
        try:
            return wait_until(f"one call bridged to {user}", check, timeout, interval=0.1)
        except AssertionError as exc:
            raise AssertionError(f"{exc}: {self.calls()}") from None

    def member_legs(self) -> list[str]:
        """The users whose phones FreeSWITCH has a channel to."""
        return sorted(c["name"].split("/")[2].split("-")[0] for c in self.channels()
                      if c["name"].startswith("sofia/internal/"))

    def wait_member_legs(self, users: list[str], timeout: float = 3.0) -> None:
        """``show channels`` reads FreeSWITCH's core database, written a
        moment after the channels change: wait for it to show ``users``."""
        try:
            wait_until(f"channels to exactly {users}", lambda: self.member_legs() == users, timeout, interval=0.1)
        except AssertionError as exc:
            raise AssertionError(f"{exc}: {self.member_legs()}") from None


def incoming(phone: Phone, since: int = 0) -> list[dict]:
    return [e for e in phone.events[since:] if e.get("type") == "CALL_INCOMING"]


@pytest.fixture
def rig_for(rt, tmp_path, caplog):
    """``rig_for(document, unregistered=())``: the tenant imported and
    applied, the hunt-group service and FreeSWITCH running, a registered
    phone (manual answer, no MWI subscription) on each of the three lines
    but those in ``unregistered``. Everything is
    stopped at the end of the test: phones (unregistered first), then
    FreeSWITCH, then the service."""
    caplog.set_level(logging.INFO, logger="esl_handlers.hunt_server")
    stack = ExitStack()

    def make(document: dict, unregistered: tuple[str, ...] = ()) -> Rig:
        with rt.context() as ctx:
            importer.import_document(ctx, document)
        [hunt_port] = free_ports(1)
        platform = replace(platform_with_ports(PLATFORM, tmp_path), hunt_service=f"127.0.0.1:{hunt_port}")
        with rt.context() as ctx:
            apply(ctx.session, platform, esl_reloader(timeout=1))
            creds = {n: (line.sip_username, line.sip_password) for n in (M1, M2, M3)
                     for line in [ctx.session.scalar(select(Line).where(Line.number == n))]}
        order = MemoryOrder()
        server = HuntServer(rt, platform, order, port=hunt_port)
        server.start()
        stack.callback(server.stop)
        _proc, esl = stack.enter_context(running_freeswitch(tmp_path, platform.esl_port))
        rig = Rig(esl, server, order, platform, caplog)
        for number, (user, password) in creds.items():
            if number in unregistered:  # no phone on that line
                continue
            rig.phones[number] = stack.enter_context(baresip_phone(
                tmp_path / f"phone-{user}", user, D, password, platform.sip_port, esl,
                answermode="manual", mwi=False))
        return rig

    with stack:
        yield make


def answer_then_hang_up(rig, phone, user: str) -> None:
    """``phone`` answers: the carrier's leg is bridged to ``user``; it hangs
    up: no channel is left."""
    phone.command("accept")
    phone.wait_event("CALL_ESTABLISHED", timeout=5)
    bridged = rig.wait_bridged(user)
    assert bridged["name"].startswith("sofia/external/0140000000@"), bridged
    phone.command("hangup")
    phone.wait_event("CALL_CLOSED")
    rig.wait_no_channel()


def first_call_busy_no_answer_answered(rig: Rig) -> None:
    """The first call to the group (its order starts at M1): M1 rejects,
    M2 does not answer, M3 answers, then hangs up."""
    p1, p2, p3 = (rig.phones[n] for n in (M1, M2, M3))
    rig.call()

    ring1 = p1.wait_event("CALL_INCOMING", timeout=15)
    assert "0140000000" in ring1["peeruri"]  # the carrier's caller
    assert not incoming(p2) and not incoming(p3)
    rejected = time.monotonic()
    p1.command("hangup")  # rejects the ringing call: 486 Busy Here
    p1.wait_event("CALL_CLOSED")

    p2.wait_event("CALL_INCOMING", timeout=5)
    ringing2 = time.monotonic()
    assert ringing2 - rejected < 2.0, f"the busy member was skipped after {ringing2 - rejected:.1f} s"
    assert not incoming(p3)

    p3.wait_event("CALL_INCOMING", timeout=RING_TIME + 5)
    ringing3 = time.monotonic()
    # FreeSWITCH counts leg_timeout in whole seconds of its clock: a member
    # rings between ring_time - 1 and ring_time seconds
    assert RING_TIME - 1.5 <= ringing3 - ringing2 <= RING_TIME + 2, f"M2 rang {ringing3 - ringing2:.1f} s"
    p2.wait_event("CALL_CLOSED", timeout=2)  # FreeSWITCH cancelled M2's ringing

    p3.command("accept")
    p3.wait_event("CALL_ESTABLISHED", timeout=5)
    bridged = rig.wait_bridged("0175600003")
    assert bridged["name"].startswith("sofia/external/0140000000@"), bridged  # the carrier's call
    rig.wait_member_legs(["0175600003"])  # M1's and M2's legs are gone
    assert len(incoming(p1)) == len(incoming(p2)) == len(incoming(p3)) == 1
    assert rig.outcomes() == []  # the service is still in M3's bridge
    assert rig.order.last == {KEY: 2}  # M3 is rung now: the pointer is on it (M1, the start, was busy)

    p3.command("hangup")
    p3.wait_event("CALL_CLOSED")
    rig.wait_no_channel()  # the caller's legs ended with M3's
    rig.wait_outcomes(1)
    assert rig.server.calls == 1


def test_successive_busy_skipped_no_answer_then_the_next_member_answers(rig_for):
    """Successive group M1, M2, M3 (ring time 5 s), a registered phone on
    each line, the first call to the group (its order starts at M1):

    * M1's phone rings (CALL_INCOMING, showing the carrier's caller
      0140000000) and rejects the call (486): M2's phone rings less than
      2 s later, not after a ring time;
    * M2's phone is left ringing: FreeSWITCH cancels it (CALL_CLOSED) and
      M3's phone rings 3.5 to 7 s after M2's started (the 5 s ring time,
      which FreeSWITCH counts in whole seconds: 4 to 5 s in practice);
    * M3 accepts: its phone has the call established, ``show calls`` has
      exactly one bridged call, from the carrier's leg to M3's
      registration (both ACTIVE), and no channel to M1 or M2 remains; the
      order points at M3 (the last member rung) while the service waits in
      M3's bridge;
    * M3 hangs up: no channel is left in FreeSWITCH; the service finished
      the call (one hunt)."""
    rig = rig_for(tenant())
    first_call_busy_no_answer_answered(rig)


def test_successive_order_goes_on_after_the_member_who_answered(rig_for):
    """H-1, as ``orchestrator/live/hunt.py`` means it: the pointer moves to
    the last member rung, and the next call starts after it. After the
    first call of the test above (M1 busy, M2 no answer, M3 answered),
    the order points at M3 (index 2) whatever the service could log at the
    end (``answered`` when the bridge's completion came, ``caller_gone`` when
    FreeSWITCH closed the socket first); the second call then starts at M1
    ((2 + 1) mod 3): M1's phone is the first (and only) one to ring. The
    caller hangs up while it rings: nothing is left."""
    rig = rig_for(tenant())
    first_call_busy_no_answer_answered(rig)
    after_first = (rig.outcomes()[0], dict(rig.order.last))

    marks = {n: len(p.events) for n, p in rig.phones.items()}
    caller = rig.call()
    first = wait_until("a member's phone ringing", lambda: next(
        (n for n, p in rig.phones.items() if incoming(p, marks[n])), None), 15)
    rang = sorted(n for n, p in rig.phones.items() if incoming(p, marks[n]))
    rig.esl.api(f"uuid_kill {caller}")
    rig.wait_no_channel()
    assert after_first[0] in (f"answered:0175600003@{D}", "caller_gone")
    assert (after_first[1], first, rang) == ({KEY: 2}, M1, [M1])


def test_caller_hangs_up_mid_hunt(rig_for):
    """M1's phone rejects the call (busy), M2's phone rings; the caller
    hangs up (``uuid_kill`` of the carrier's originated leg: a CANCEL to
    the call being hunted) while M2 rings: M2's phone stops ringing
    (CALL_CLOSED), the hunt does not go on (M3's phone never rings),
    FreeSWITCH has no channel left within 10 s, and the service logged
    ``caller_gone`` for its one call; the order points at M2 (index 1), the
    last member rung: the next call starts at M3."""
    rig = rig_for(tenant())
    p1, p2, p3 = (rig.phones[n] for n in (M1, M2, M3))
    caller = rig.call()
    p1.wait_event("CALL_INCOMING", timeout=15)
    p1.command("hangup")
    p2.wait_event("CALL_INCOMING", timeout=5)
    rig.wait_member_legs(["0175600002"])

    rig.esl.api(f"uuid_kill {caller}")
    p2.wait_event("CALL_CLOSED", timeout=5)
    rig.wait_no_channel(timeout=10)
    assert rig.wait_outcomes(1) == ["caller_gone"]
    assert rig.server.calls == 1
    assert rig.order.last == {KEY: 1}
    assert not incoming(p3)
    assert len(incoming(p1)) == len(incoming(p2)) == 1


def test_forwards_allowed_member_forward_takes_the_call(rig_for):
    """H-3: the group allows forwards and M1's line forwards every call
    (unconditional) to M2's number (+33175600002). The hunt starts with
    M1, whose forward takes the call at once: the service logged
    ``followed:+33175600001`` (hand-back to the dialplan's centrex-line
    ``in`` step), M2's phone rings showing the carrier's caller (forwards
    present the caller by default), M1's phone never rings. M2 accepts:
    exactly one bridged call, from the carrier's leg to M2's registration;
    M2 hangs up: nothing is left; M3's phone never rang."""
    rig = rig_for(tenant(forwards_allowed=True, m1_forward=M2))
    p1, p2, p3 = (rig.phones[n] for n in (M1, M2, M3))
    rig.call()
    ring = p2.wait_event("CALL_INCOMING", timeout=15)
    assert "0140000000" in ring["peeruri"]
    assert rig.wait_outcomes(1) == [f"followed:{M1}"]
    rig.wait_member_legs(["0175600002"])
    assert not incoming(p1) and not incoming(p3)
    assert rig.order.last == {KEY: 0}  # the reserved start; nobody was rung by the service

    answer_then_hang_up(rig, p2, "0175600002")
    assert not incoming(p1) and not incoming(p3)
    assert rig.server.calls == 1


@pytest.mark.parametrize("m1_voicemail", [False, True], ids=["voicemail off", "voicemail on"])
@pytest.mark.parametrize("strategy", ["sequential", "successive"], ids=["native", "hunt service"])
def test_forwards_allowed_unregistered_first_member_is_skipped(rig_for, strategy, m1_voicemail):
    """H-3 and H-6 (issue 16, item 2): a group M1, M2, M3 with forwards
    allowed, and no phone registered on M1's line (no backup number). The
    hunt used to end there (NO_ANSWER with voicemail off; M1's voicemail
    with voicemail on): M1 must be skipped without waiting its ring time,
    and M2's phone ring, natively (a sequential group: the dialplan's own
    hunt, the service is never called) and through the hunt-group service
    (successive: it logs the member that answered, or ``caller_gone`` when
    FreeSWITCH closed the socket first). M2 answers: one call bridged from
    the carrier's leg to M2; M3's phone never rings; M2 hangs up: nothing
    is left."""
    rig = rig_for(tenant(forwards_allowed=True, strategy=strategy, m1_voicemail=m1_voicemail), unregistered=(M1,))
    p2, p3 = rig.phones[M2], rig.phones[M3]
    started = time.monotonic()
    rig.call()
    ring = p2.wait_event("CALL_INCOMING", timeout=15)
    rang_after = time.monotonic() - started
    assert "0140000000" in ring["peeruri"]
    assert rang_after < RING_TIME - 1, f"M2 rang {rang_after:.1f} s after the call: M1 was waited for"
    assert not incoming(p3)
    rig.wait_member_legs(["0175600002"])

    answer_then_hang_up(rig, p2, "0175600002")
    assert not incoming(p3) and len(incoming(p2)) == 1
    if strategy == "successive":
        assert rig.wait_outcomes(1)[0] in (f"answered:0175600002@{D}", "caller_gone")
        assert rig.server.calls == 1 and rig.order.last == {KEY: 1}
    else:
        assert rig.server.calls == 0 and rig.outcomes() == []


@pytest.mark.parametrize("how", ["busy", "no answer"])
@pytest.mark.parametrize("strategy", ["sequential", "successive"], ids=["native", "hunt service"])
def test_forwards_allowed_member_voicemail_only_when_it_does_not_answer(rig_for, strategy, how):
    """H-3 and H-6 with forwards allowed and M1's voicemail on (the
    dispositions FreeSWITCH really gives): M1 rejects the call (486, busy):
    it is skipped and M2's phone rings at once; M1 lets it ring its ring
    time: its voicemail takes the call (the caller's channel runs
    ``voicemail``), M2 never rings. Natively (sequential) and through the
    hunt-group service (successive, which logs ``followed:<M1>``)."""
    rig = rig_for(tenant(forwards_allowed=True, strategy=strategy))
    p1, p2, p3 = (rig.phones[n] for n in (M1, M2, M3))
    caller = rig.call()
    p1.wait_event("CALL_INCOMING", timeout=15)
    if how == "busy":
        rejected = time.monotonic()
        p1.command("hangup")
        p2.wait_event("CALL_INCOMING", timeout=5)
        assert time.monotonic() - rejected < 2.0
        rig.wait_member_legs(["0175600002"])
    else:
        def in_voicemail():
            # the carrier's incoming leg (not the originated caller's) runs the dialplan
            return next((c for c in rig.channels() if c.get("application") == "voicemail"), None)
        wait_until("the caller's channel in M1's voicemail", in_voicemail, RING_TIME + 10, interval=0.1)
        p1.wait_event("CALL_CLOSED", timeout=2)
        assert not incoming(p2)
        if strategy == "successive":
            assert rig.wait_outcomes(1) == [f"followed:{M1}"]
    rig.esl.api(f"uuid_kill {caller}")
    rig.wait_no_channel()
    assert not incoming(p3)
