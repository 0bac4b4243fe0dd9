"""The event service (the product's inbound client, gevent) against the fake FreeSWITCH:
subscriptions, registrations, call records, reconnection with
reconciliation, and no call record lost while the socket was down."""

from __future__ import annotations

import json
from pathlib import Path

import gevent
import pytest
from fake_freeswitch.server import FakeFreeSWITCH
from helpers import make_line, make_tenant
from sqlalchemy import func, select

from esl_handlers.events_service import SUBSCRIBE, EventService
from orchestrator.db.models import CallRecord, Line, Registration
from orchestrator.domain.topology import Node

D = "events.centrex.test"
FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "json_cdr_voicemail.json").read_text())
SHOW_REGS = ("reg_user,realm,token,url,expires,network_ip,network_port,network_proto,hostname,metadata\n"
             f"0175400001,{D},t1,sofia/internal/sip:0175400001@192.0.2.1:5062,1795729999,192.0.2.1,5062,udp,fs1,\n"
             "\n1 total.\n")


@pytest.fixture
def world(rt, tmp_path):
    with rt.context() as ctx:
        tenant = make_tenant(ctx, "Events", domain=D)
        make_line(ctx, tenant, "+33175400001", label="A")
        make_line(ctx, tenant, "+33175400002", label="B")
        ctx.session.commit()
    with FakeFreeSWITCH(password="ClueCon") as fs:
        channels = '{"row_count":1,"rows":[{"uuid":"c-1","name":"sofia/internal/x","cid_num":"0175400001"}]}'
        fs.set_api_response("show", lambda args: SHOW_REGS if args.startswith("registrations") else channels)
        node = Node(name="fs1", conf_dir=tmp_path / "conf", esl_host=fs.host, esl_port=fs.port, esl_password="ClueCon")
        svc = EventService(rt, node, cdr_dir=tmp_path / "cdr", backoff=(0.05, 0.2))
        greenlet = gevent.spawn(svc.run)
        try:
            assert svc.connected.get(timeout=10) == 1
            yield rt, fs, svc, tmp_path
        finally:
            svc.stop()
            greenlet.join(timeout=10)
            assert greenlet.dead


def handled(svc, name: str) -> None:
    seen = []
    while True:
        got = svc.handled.get(timeout=10)
        seen.append(got)
        if got == name:
            return


def count(rt, model) -> int:
    with rt.context() as ctx:
        return ctx.session.scalar(select(func.count()).select_from(model))


def hangup(uuid: str, line: str = "+33175400002") -> dict[str, str]:
    return {"Unique-ID": uuid, "Call-Direction": "inbound", "Channel-Name": "sofia/external/0140000000@127.0.0.1",
            "Caller-Caller-ID-Number": "0140000000", "Caller-Destination-Number": line, "Hangup-Cause": "NO_ANSWER",
            "variable_centrex_line": line, "variable_centrex_domain": D, "variable_start_epoch": "1795725000",
            "variable_end_epoch": "1795725020", "variable_answer_epoch": "0", "variable_billsec": "0"}


def test_subscribes_and_reconciles(world):
    rt, fs, svc, _ = world
    assert fs.wait_for_command(lambda c: c.startswith("event plain"))
    subscription = next(c for c in fs.commands if c.startswith("event plain"))
    assert subscription.split()[2:] == SUBSCRIBE
    assert "api show registrations" in fs.commands
    with rt.context() as ctx:
        line = ctx.session.scalar(select(Line).where(Line.number == "+33175400001"))
        assert line.status == "active"  # reconciled from show registrations
    assert list(svc.channels) == ["c-1"]


def test_registration_events_and_call_records(world):
    rt, fs, svc, _ = world
    fs.fire("CUSTOM", {"profile-name": "internal", "from-user": "0175400002", "from-host": D,
                       "contact": "sip:0175400002@192.0.2.2:5062", "expires": "300"}, subclass="sofia::register")
    handled(svc, "sofia::register")
    with rt.context() as ctx:
        line = ctx.session.scalar(select(Line).where(Line.number == "+33175400002"))
        assert line.status == "active"
    fs.fire("CHANNEL_HANGUP_COMPLETE", hangup("call-1"))
    handled(svc, "CHANNEL_HANGUP_COMPLETE")
    with rt.context() as ctx:
        row = ctx.session.scalar(select(CallRecord))
        assert (row.call_uuid, row.direction, row.disposition, row.node) == ("call-1", "inbound", "missed", "fs1")


def test_no_call_record_lost_while_the_socket_is_down(world):
    rt, fs, svc, tmp = world
    fs.fire("CHANNEL_HANGUP_COMPLETE", hangup("call-before"))
    handled(svc, "CHANNEL_HANGUP_COMPLETE")
    fs.drop_connections()  # FreeSWITCH goes away mid-stream
    # meanwhile mod_json_cdr keeps writing one file per call, including one we already have
    (tmp / "cdr").mkdir(exist_ok=True)
    for uuid in ("call-before", "call-while-down"):
        doc = json.loads(json.dumps(FIXTURE))
        doc["variables"].update(uuid=uuid, channel_name="sofia/external/0140000000@127.0.0.1",
                                centrex_line="%2B33175400002", centrex_domain=D)
        (tmp / "cdr" / f"{uuid}.cdr.json").write_text(json.dumps(doc))
    assert svc.connected.get(timeout=10) == 2  # reconnected (with back-off), reconciled, imported
    with rt.context() as ctx:
        uuids = sorted(ctx.session.scalars(select(CallRecord.call_uuid)))
    assert uuids == ["call-before", "call-while-down"]  # nothing lost, nothing twice
    assert count(rt, Registration) == 1


def test_unreachable_then_up(rt, tmp_path):
    """Starts before FreeSWITCH: keeps retrying, connects when it appears."""
    with FakeFreeSWITCH(password="ClueCon") as probe:
        port = probe.port
    node = Node(name="fs1", conf_dir=tmp_path, esl_host="127.0.0.1", esl_port=port, esl_password="ClueCon")
    svc = EventService(rt, node, backoff=(0.05, 0.1))
    greenlet = gevent.spawn(svc.run)
    try:
        assert svc.connected.empty()
        with pytest.raises(gevent.queue.Empty):
            svc.connected.get(timeout=0.3)  # nothing listens: no connection, no crash
        assert not greenlet.dead
    finally:
        svc.stop()
        greenlet.join(timeout=5)
    assert greenlet.dead


def test_a_background_job_body_reaches_click_to_call(world):
    """The event's own body (the bgapi output) arrives whole, apart from its
    headers: a failed originate fails the click-to-call with its reason."""
    rt, fs, svc, _ = world
    from orchestrator.db.models import ClickToCall, Tenant

    with rt.context() as ctx:
        tenant = ctx.session.scalar(select(Tenant))
        line = ctx.session.scalar(select(Line).where(Line.number == "+33175400001"))
        ctx.session.add(ClickToCall(tenant_id=tenant.id, line_id=line.id, target="+33145000000",
                                    status="ringing_you", call_uuid="c2c-1", job_uuid="job-c2c-1"))
        ctx.session.commit()
    fs.fire("BACKGROUND_JOB", {"Job-UUID": "job-c2c-1", "Job-Command": "originate"},
            body="-ERR USER_NOT_REGISTERED\n")
    handled(svc, "BACKGROUND_JOB")
    with rt.context() as ctx:
        call = ctx.session.scalar(select(ClickToCall))
        assert call.status == "failed" and "your phone is not connected" in call.cause
