"""Call records (C-3, S-4) from a real FreeSWITCH (``FREESWITCH_BIN``) with
real SIP phones (baresip) on three lines, calls from the carrier side (real
INVITEs into the external profile, see ``Rig.call`` of
``test_hunt_phones_freeswitch``). The records come from the event service
(CHANNEL_HANGUP_COMPLETE over the event socket); at the end the JSON CDRs
FreeSWITCH wrote for the same calls are imported (the path the event
service takes after a disconnection): they add nothing.

One FreeSWITCH for every scenario, in order: a successive hunt group
answered through the hunt-group service, the same group answered natively
(service stopped: the dialplan's fallback), an 08xx number routed to a
plain number, an internal call left unanswered, a forwarded call and a
click-to-call. Before the fix the first three gave no record at all
("call of no tenant ignored"), the internal call only the caller's record
and the click-to-call a caller ``<user>-0x...``."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import gevent
import pytest
from baresip_phone import wait_until
from sqlalchemy import select
from test_hunt_phones_freeswitch import M1, M2, M3, RECEPTION, Rig, rig_for, tenant  # noqa: F401

from esl_handlers.events_service import EventService
from orchestrator.db.models import CallRecord, Line, Tenant
from orchestrator.live import calllog, click_to_call
from orchestrator.services.logins import service as logins_service
from orchestrator.services.logins.schema import LoginDoc

pytestmark = [pytest.mark.freeswitch]
SPECIAL = "+33811600001"


def document() -> dict:
    doc = tenant()
    doc["lines"][2]["forwards"] = {"unconditional": M2}
    doc["special_numbers"] = [{"number": SPECIAL, "label": "SAV", "profiles": [
        {"name": "Numéro", "default": True, "routings": [{"destinations": [{"number": M2}]}]}]}]
    return doc


def carrier_call(rig: Rig, number: str) -> str:
    caller = str(uuid.uuid4())
    rig.esl.bgapi(f"originate {{origination_uuid={caller},origination_caller_id_number=0140000000,"
                  f"originate_timeout=60}}sofia/external/{number}@127.0.0.1:{rig.platform.external_port} &park")
    return caller


def answer_and_hang_up(rig: Rig, number: str) -> None:
    phone = rig.phones[number]
    mark = len(phone.events)
    phone.wait_event("CALL_INCOMING", timeout=15, since=mark)
    phone.command("accept")
    phone.wait_event("CALL_ESTABLISHED", timeout=5, since=mark)
    phone.command("hangup")
    phone.wait_event("CALL_CLOSED", timeout=5, since=mark)
    rig.wait_no_channel()


def all_records(rt) -> list[dict]:
    with rt.context() as ctx:
        rows = ctx.session.execute(select(CallRecord, Line.number).outerjoin(Line, Line.id == CallRecord.line_id)
                                   .order_by(CallRecord.id)).all()
        return [dict(uuid=r.call_uuid, direction=r.direction, caller=r.caller, callee=r.callee, line=n,
                     reception=r.reception_number, special=r.special_number, disposition=r.disposition)
                for r, n in rows]


def records(rt, count: int) -> list[dict]:
    """The records, once the event service stored ``count`` of them."""
    return wait_until(f"{count} call records", lambda: (lambda rows: rows if len(rows) >= count else None)(
        all_records(rt)), 10, interval=0.1)


def test_every_call_recorded_for_each_line(rig_for, rt, tmp_path):  # noqa: F811
    rig = rig_for(document())
    cdr_dir = tmp_path / "spool" / "cdr"
    cdr_dir.mkdir(parents=True, exist_ok=True)
    svc = EventService(rt, rig.platform.nodes[0], cdr_dir=None, backoff=(0.1, 0.5))
    greenlet = gevent.spawn(svc.run)
    try:
        assert svc.connected.get(timeout=15) == 1
        scenarios(rig, rt, cdr_dir)
    finally:
        svc.stop()
        if svc.esl is not None:
            svc.esl.close()
        greenlet.join(timeout=5)
    # the JSON CDRs of the same calls: read, and nothing new (one record per call and line)
    before = all_records(rt)
    with rt.context() as ctx:
        new, seen = calllog.import_cdr_dir(ctx.session, cdr_dir, "fs1")
        ctx.session.commit()
    assert new == 0 and seen >= len({r["uuid"].split("~")[0] for r in before}), (new, seen)
    assert all_records(rt) == before


def scenarios(rig: Rig, rt, cdr_dir: Path) -> None:
    seen: list[dict] = []
    # CALLLOG_RECORD_DIR=tests/fixtures/calllog_cdrs keeps the CDRs of each
    # scenario for the unit tests (tests/test_calllog_recorded.py)
    keep = Path(os.environ["CALLLOG_RECORD_DIR"]) if os.environ.get("CALLLOG_RECORD_DIR") else None
    kept: set[str] = set()

    def new(count: int, scenario: str) -> list[dict]:
        nonlocal seen
        rows = records(rt, len(seen) + count)
        fresh, seen = rows[len(seen):], rows
        assert len(fresh) == count, fresh
        if keep is not None:
            # every leg has ended (wait_no_channel): FreeSWITCH wrote its files
            wait_until("the CDR files", lambda: len(list(cdr_dir.glob("*.cdr.json"))) > len(kept), 5)
            files = sorted(p for p in cdr_dir.glob("*.cdr.json") if p.name not in kept)
            kept.update(p.name for p in files)
            keep.mkdir(parents=True, exist_ok=True)
            docs = [json.loads(p.read_text()) for p in files]
            (keep / f"{scenario}.json").write_text(json.dumps(docs, indent=1, ensure_ascii=False) + "\n")
        return fresh

    # 1. successive hunt group through the hunt-group service: M1 answers
    carrier_call(rig, RECEPTION)
    answer_and_hang_up(rig, M1)
    assert rig.wait_outcomes(1)
    [r] = new(1, "hunt_service")
    assert (r["direction"], r["line"], r["reception"], r["special"], r["disposition"], r["caller"]) == \
        ("inbound", M1, RECEPTION, None, "answered", "0140000000"), r

    # 2. the same group answered natively: the service is down
    rig.server.stop()
    carrier_call(rig, RECEPTION)
    answer_and_hang_up(rig, M1)
    [r] = new(1, "hunt_native")
    assert (r["direction"], r["line"], r["reception"], r["disposition"]) == ("inbound", M1, RECEPTION, "answered"), r

    # 3. an 08xx number routed to a plain number (M2's)
    carrier_call(rig, SPECIAL)
    answer_and_hang_up(rig, M2)
    [r] = new(1, "special_to_number")
    assert (r["direction"], r["special"], r["callee"], r["disposition"], r["caller"]) == \
        ("inbound", SPECIAL, M2, "answered", "0140000000"), r

    # 4. internal call M1 -> M2, M2 does not answer, M1 hangs up
    p1, p2 = rig.phones[M1], rig.phones[M2]
    mark2 = len(p2.events)
    p1.command("dial", M2)
    p2.wait_event("CALL_INCOMING", timeout=15, since=mark2)
    p1.command("hangup")
    rig.wait_no_channel()
    caller_side, callee_side = new(2, "internal_missed")
    assert caller_side["direction"] == "internal" and caller_side["line"] == M1 and caller_side["caller"] == M1
    assert (callee_side["direction"], callee_side["line"], callee_side["caller"], callee_side["disposition"]) == \
        ("inbound", M2, M1, "missed"), callee_side
    assert callee_side["uuid"] == caller_side["uuid"] + "~in"

    # 5. a forwarded call: M3 forwards everything to M2
    carrier_call(rig, M3)
    answer_and_hang_up(rig, M2)
    forwarder, taker = new(2, "forwarded")
    assert (forwarder["direction"], forwarder["line"], forwarder["disposition"], forwarder["caller"]) == \
        ("inbound", M3, "forwarded", "0140000000"), forwarder
    assert (taker["direction"], taker["line"], taker["disposition"], taker["caller"], taker["uuid"]) == \
        ("inbound", M2, "answered", "0140000000", forwarder["uuid"] + "~in"), taker

    # 6. click-to-call from M1 to M2: the caller is M1's number
    with rt.context() as ctx:
        tenant_row = ctx.session.get(Tenant, ctx.session.scalar(select(Line.tenant_id).where(Line.number == M1)))
        login = logins_service.create(ctx, tenant_row,
                                      LoginDoc(login=M1, role="user", password="c2c-pass1"))
        ctx.session.commit()
        mark1, mark2 = len(p1.events), len(p2.events)
        click_to_call.start(ctx, login, M1, M2, rig.esl)
    p1.wait_event("CALL_INCOMING", timeout=15, since=mark1)
    p1.command("accept")
    p2.wait_event("CALL_INCOMING", timeout=15, since=mark2)
    p2.command("accept")
    p2.wait_event("CALL_ESTABLISHED", timeout=5, since=mark2)
    p2.command("hangup")
    rig.wait_no_channel()
    rows = new(2, "click_to_call")
    assert rows[0]["caller"] == M1 and rows[0]["line"] == M1 and rows[0]["direction"] == "internal", rows
    assert (rows[1]["line"], rows[1]["caller"], rows[1]["direction"]) == (M2, M1, "inbound"), rows
