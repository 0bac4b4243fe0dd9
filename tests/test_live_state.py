"""The live-state logic the event service runs: call log (with a JSON CDR
written by a real FreeSWITCH 1.11.1), registrations, voicemail counters,
click-to-call progress, SMS."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from helpers import make_line, make_tenant
from sqlalchemy import func, select

from orchestrator.db.models import CallRecord, Registration, SmsMessage, VoicemailCounter
from orchestrator.domain.errors import ServiceError, ValidationFailed
from orchestrator.live import calllog, click_to_call, registrations, sms, voicemail
from orchestrator.services.logins import service as logins_service
from orchestrator.services.logins.schema import LoginDoc

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "json_cdr_voicemail.json").read_text())
D = "bauer.centrex.test"


@pytest.fixture
def bauer(ctx):
    tenant = make_tenant(ctx, "Bauer", domain=D)
    line = make_line(ctx, tenant, "+33175000102", label="Paul")
    login = logins_service.create(ctx, tenant, LoginDoc(login="+33175000102", role="user", password="paul1"))
    ctx.session.commit()
    return tenant, line, login


def sofia_cdr(uuid: str = "11111111-2222-4333-8444-555555555555") -> dict:
    """The real CDR as the carrier leg of the same call would have it."""
    doc = copy.deepcopy(FIXTURE)
    doc["variables"]["uuid"] = uuid
    doc["variables"]["channel_name"] = "sofia/external/0140000000@127.0.0.1"
    return doc


def test_real_json_cdr_loopback_leg_is_not_a_call(ctx, bauer):
    facts = calllog.from_json_cdr(FIXTURE)
    assert facts.variables["centrex_line"] == "+33175000102"  # URL-decoded
    assert facts.channel.startswith("loopback/")
    assert calllog.record(ctx.session, facts) is None


def test_call_to_voicemail_is_recorded_once(ctx, bauer):
    tenant, line, _ = bauer
    row = calllog.record(ctx.session, calllog.from_json_cdr(sofia_cdr()))
    assert row is not None
    assert (row.direction, row.line_id, row.disposition, row.duration_s) == ("inbound", line.id, "voicemail", 5)
    assert row.caller == "0140000000" and row.tenant_id == tenant.id
    # the same call reported by the event socket too: no duplicate
    headers = {"Event-Name": "CHANNEL_HANGUP_COMPLETE", "Unique-ID": row.call_uuid, "Call-Direction": "inbound",
               "Channel-Name": "sofia/external/0140000000@127.0.0.1", "variable_centrex_line": "+33175000102",
               "variable_centrex_domain": D, "Hangup-Cause": "NORMAL_CLEARING"}
    assert calllog.record(ctx.session, calllog.from_event(headers)) is None
    assert ctx.session.scalar(select(func.count()).select_from(CallRecord)) == 1


@pytest.mark.parametrize("variables,direction,disposition", [
    ({"centrex_caller_line": "+33175000102", "centrex_caller_domain": D, "answer_epoch": "100"},
     "outbound", "answered"),
    ({"centrex_caller_line": "+33175000102", "centrex_caller_domain": D, "centrex_line": "+33175000102",
      "answer_epoch": "100"}, "internal", "answered"),
    ({"centrex_line": "+33175000102", "centrex_domain": D, "answer_epoch": "0"}, "inbound", "missed"),
    ({"centrex_line": "+33175000102", "centrex_domain": D, "centrex_outbound": "forward", "answer_epoch": "100"},
     "inbound", "forwarded"),
])
def test_directions_and_dispositions(ctx, bauer, variables, direction, disposition):
    headers = {"Event-Name": "CHANNEL_HANGUP_COMPLETE", "Unique-ID": "u-" + direction + disposition,
               "Call-Direction": "inbound", "Channel-Name": "sofia/internal/0175000102@" + D,
               "Caller-Caller-ID-Number": "0175000102", "Caller-Destination-Number": "00145000000",
               "Hangup-Cause": "NORMAL_CLEARING", "variable_start_epoch": "90", "variable_end_epoch": "130",
               "variable_billsec": "30", **{f"variable_{k}": v for k, v in variables.items()}}
    row = calllog.record(ctx.session, calllog.from_event(headers))
    assert (row.direction, row.disposition) == (direction, disposition)


def test_cdr_directory_import_without_duplicates(ctx, bauer, tmp_path):
    calllog.record(ctx.session, calllog.from_json_cdr(sofia_cdr("aaaaaaaa-0000-4000-8000-000000000001")))
    for uuid in ("aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002"):
        (tmp_path / f"{uuid}.cdr.json").write_text(json.dumps(sofia_cdr(uuid)))
    (tmp_path / "broken.cdr.json").write_text("{not json")
    (tmp_path / "loop.cdr.json").write_text(json.dumps(FIXTURE))
    new, seen = calllog.import_cdr_dir(ctx.session, tmp_path, "fs1")
    assert (new, seen) == (1, 3)
    assert ctx.session.scalar(select(func.count()).select_from(CallRecord)) == 2
    assert sorted(p.name for p in (tmp_path / "imported").iterdir())[0].startswith("aaaaaaaa")
    assert [p.name for p in (tmp_path / "rejected").iterdir()] == ["broken.cdr.json"]
    assert calllog.import_cdr_dir(ctx.session, tmp_path, "fs1") == (0, 0)


def test_registrations_activate_the_line(ctx, bauer):
    _, line, _ = bauer
    assert line.status == "activating"
    reg = {"from-user": "0175000102", "from-host": D, "contact": "sip:0175000102@192.0.2.10:5062",
           "expires": "3600", "network-ip": "192.0.2.10", "user-agent": "Cisco/SPA504G"}
    registrations.on_register(ctx.session, reg, "fs1")
    ctx.session.commit()
    assert line.status == "active" and registrations.registered(ctx.session, line)
    twin = dict(reg, contact="sip:0175000102@192.0.2.11:5062")
    registrations.on_register(ctx.session, twin, "fs1")  # L-9: a second device
    assert ctx.session.scalar(select(func.count()).select_from(Registration)) == 2
    registrations.on_unregister(ctx.session, reg)
    assert ctx.session.scalar(select(func.count()).select_from(Registration)) == 1
    registrations.on_unregister(ctx.session, {"from-user": "0175000102", "from-host": D})  # expire: all
    assert not registrations.registered(ctx.session, line)
    assert line.status == "active"  # once active, stays active


def test_reconcile_from_show_registrations(ctx, bauer):
    _, line, _ = bauer
    output = ("reg_user,realm,token,url,expires,network_ip,network_port,network_proto,hostname,metadata\n"
              f"0175000102,{D},abc@192.0.2.10,sofia/internal/sip:0175000102@192.0.2.10:5062,1795729999,"
              "192.0.2.10,5062,udp,fs1,\n"
              f"0999999999,{D},x,sofia/internal/sip:x@192.0.2.12,1795729999,192.0.2.12,5062,udp,fs1,\n\n2 total.\n")
    registrations.on_register(ctx.session, {"from-user": "0175000102", "from-host": D, "contact": "stale"}, "fs1")
    assert registrations.reconcile(ctx.session, "fs1", output) == 1
    contacts = ctx.session.scalars(select(Registration.contact)).all()
    assert contacts == ["sofia/internal/sip:0175000102@192.0.2.10:5062"]
    assert registrations.reconcile(ctx.session, "fs1", "\n0 total.\n") == 0
    assert not registrations.registered(ctx.session, line)


def test_voicemail_counters(ctx, bauer):
    _, line, _ = bauer
    voicemail.on_maintenance(ctx.session, {"VM-Action": "leave-message", "VM-User": "0175000102", "VM-Domain": D})
    assert ctx.session.get(VoicemailCounter, line.id).new_messages == 1
    voicemail.on_message_waiting(ctx.session, {"MWI-Messages-Waiting": "yes", "MWI-Message-Account":
                                               f"sip:0175000102@{D}", "MWI-Voice-Message": "3/2 (0/0)"})
    counter = ctx.session.get(VoicemailCounter, line.id)
    assert (counter.new_messages, counter.saved_messages) == (3, 2)


class FakeOriginator:
    def __init__(self, fail: Exception | None = None):
        self.commands: list[str] = []
        self.fail = fail

    def bgapi(self, cmd: str) -> str:
        if self.fail:
            raise self.fail
        self.commands.append(cmd)
        return "job-1"


def test_click_to_call_rings_own_line_then_dials_target(ctx, bauer):
    tenant, line, login = bauer
    esl = FakeOriginator()
    call = click_to_call.start(ctx, login, "0175000102", "01 45 00 00 00", esl)
    assert call.status == "ringing_you" and call.target == "+33145000000"
    [cmd] = esl.commands
    assert cmd.startswith("originate {")
    assert f"}}user/0175000102@{D} +33145000000 XML {D}" in cmd
    assert "origination_caller_id_number=+33145000000" in cmd  # the target shows on the user's phone
    assert "effective_caller_id_number=+33175000102" in cmd  # the line shows to the target
    assert "origination_uuid" not in cmd  # every device of the line gets a leg of its own (L-9)
    events = [("CHANNEL_ANSWER", {}, "calling"), ("CHANNEL_BRIDGE", {}, "connected"),
              ("CHANNEL_HANGUP_COMPLETE", {"Hangup-Cause": "NORMAL_CLEARING"}, "ended")]
    for name, extra, status in events:
        click_to_call.on_event(ctx.session, {"Event-Name": name, "Unique-ID": "leg-1",
                                             "variable_centrex_c2c": str(call.id), **extra})
        assert call.status == status
    assert call.call_uuid == "leg-1"


def test_click_to_call_follows_the_device_that_answers(ctx, bauer):
    """L-9: the line's two devices ring, one leg each; the second answers.
    The first leg, cancelled (LOSE_RACE), does not fail the call: the call
    follows the answering leg to the end."""
    tenant, line, login = bauer
    call = click_to_call.start(ctx, login, "0175000102", "01 45 00 00 00", FakeOriginator())
    events = [("CHANNEL_ANSWER", "twin", {}, "calling"),
              ("CHANNEL_HANGUP_COMPLETE", "desk", {"Hangup-Cause": "LOSE_RACE",
                                                   "variable_originate_disposition": "LOSE_RACE"}, "calling"),
              ("CHANNEL_ANSWER", "desk", {}, "calling"),
              ("CHANNEL_BRIDGE", "desk", {}, "calling"),
              ("CHANNEL_BRIDGE", "twin", {}, "connected"),
              ("CHANNEL_HANGUP_COMPLETE", "twin", {"Hangup-Cause": "NORMAL_CLEARING"}, "ended")]
    for name, leg, extra, status in events:
        click_to_call.on_event(ctx.session, {"Event-Name": name, "Unique-ID": leg,
                                             "variable_centrex_c2c": str(call.id), **extra})
        assert (call.status, call.cause, call.call_uuid) == (status, None, "twin"), (name, leg)


@pytest.mark.parametrize("body,reason", [("-ERR USER_NOT_REGISTERED\n", "your phone is not connected"),
                                         ("-ERR NO_ANSWER\n", "you did not answer within 30 s")])
def test_click_to_call_failures_have_reasons(ctx, bauer, body, reason):
    _, _, login = bauer
    call = click_to_call.start(ctx, login, "+33175000102", "0145000000", FakeOriginator())
    click_to_call.on_event(ctx.session, {"Event-Name": "BACKGROUND_JOB", "Job-UUID": "job-1"}, body)
    assert call.status == "failed" and reason in call.cause


def test_click_to_call_only_from_own_lines(ctx, bauer):
    tenant, _, login = bauer
    make_line(ctx, tenant, "+33175000103", label="Other")
    with pytest.raises(ServiceError) as exc:
        click_to_call.start(ctx, login, "+33175000103", "0145000000", FakeOriginator())
    assert exc.value.error_id == "line.not_yours"
    with pytest.raises(ServiceError) as exc:
        click_to_call.start(ctx, login, "+33175000102", "not a number", FakeOriginator())
    assert exc.value.field == "target"


def test_click_to_call_when_freeswitch_is_down(ctx, bauer):
    _, _, login = bauer
    call = click_to_call.start(ctx, login, "+33175000102", "0145000000", FakeOriginator(fail=OSError("refused")))
    assert call.status == "failed" and "cannot be reached" in call.cause


class FakeChat:
    def __init__(self, reply: str = "Sent"):
        self.reply = reply
        self.commands: list[str] = []

    def api(self, cmd: str) -> str:
        self.commands.append(cmd)
        return self.reply


def test_sms(ctx, bauer):
    _, line, login = bauer
    chat = FakeChat()
    msg = sms.send(ctx, login, "+33175000102", "06 12 34 56 78", "Bonjour,\nrappel demain", chat)
    assert msg.status == "sent" and msg.body == "Bonjour, rappel demain"
    # the fifth argument, the Content-Type: mod_sofia sends text/html otherwise, which phones refuse (415)
    assert chat.commands == [
        f"chat sip|0175000102@{D}|+33612345678@127.0.0.1|Bonjour, rappel demain|text/plain;charset=UTF-8"]
    failed = sms.send(ctx, login, "+33175000102", "0612345678", "x", FakeChat("Error! Message Not Sent"))
    assert failed.status == "failed" and "Not Sent" in failed.error
    with pytest.raises(ValidationFailed) as exc:
        sms.send(ctx, login, "+33175000102", "0612345678", "x" * 161, chat)
    assert exc.value.errors[0].error_id == "sms.too_long"
    assert ctx.session.scalar(select(func.count()).select_from(SmsMessage)) == 2


@pytest.mark.parametrize(("cause", "answer", "recorded"), [("NORMAL_CLEARING", 5.0, True), ("NO_ANSWER", 0.0, True),
                                                         ("LOSE_RACE", 0.0, False)])
def test_click_to_call_leg_that_lost_the_race_is_no_call(cause, answer, recorded):
    """L-9: a click-to-call rings every device of the line; the leg of a
    device that lost the race (another answered) is no call of its own."""
    from orchestrator.live.calllog import CallFacts, is_call_leg

    facts = CallFacts(uuid="leg-1", channel="sofia/internal/0175000102@127.0.0.1:5062", caller="+33145000000",
                      callee="0175000102", direction_hint="outbound", variables={"centrex_c2c": "7"},
                      start=1.0, answer=answer, end=9.0, billsec=4 if answer else 0, cause=cause)
    assert is_call_leg(facts) is recorded
