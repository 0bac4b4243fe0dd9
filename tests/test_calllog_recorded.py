"""The call log (C-3, S-4) against the JSON CDRs a real FreeSWITCH 1.11.1
wrote for the scenarios of ``test_calllog_freeswitch.py`` (recorded with
``CALLLOG_RECORD_DIR=tests/fixtures/calllog_cdrs``, one file per scenario,
every CDR of the call: the carrier's originating leg, loopback legs...).

Each scenario is stored from the CDRs, then reported again as
CHANNEL_HANGUP_COMPLETE events built from the same variables: the event
and the CDR of a call give its records once. Before the fix the hunt-group
service and the 08xx-to-a-number calls gave no record ("call of no tenant
ignored"), the internal and forwarded calls one record instead of two, and
the click-to-call's caller was the phone's contact ``0175600001-0x...``."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy import select
from test_calllog_freeswitch import SPECIAL, document
from test_hunt_phones_freeswitch import M1, M2, M3, RECEPTION

from orchestrator.db.models import CallRecord, Line
from orchestrator.live import calllog
from orchestrator.tenantdoc import importer

CDRS = Path(__file__).parent / "fixtures" / "calllog_cdrs"
CARRIER = "0140000000"

# scenario -> the records (line, direction, caller, callee, reception, special, disposition), in key order
EXPECTED = {
    "hunt_service": [(M1, "inbound", CARRIER, RECEPTION, RECEPTION, None, "answered")],
    "hunt_native": [(M1, "inbound", CARRIER, RECEPTION, RECEPTION, None, "answered")],
    "special_to_number": [(None, "inbound", CARRIER, M2, None, SPECIAL, "answered")],
    "internal_missed": [(M1, "internal", M1, M2, None, None, "failed"),
                        (M2, "inbound", M1, M2, None, None, "missed")],
    "forwarded": [(M3, "inbound", CARRIER, M3, None, None, "forwarded"),
                  (M2, "inbound", CARRIER, M2, None, None, "answered")],
    "click_to_call": [(M1, "internal", M1, M2, None, None, "answered"),
                      (M2, "inbound", M1, M2, None, None, "answered")],
}


def cdrs(scenario: str) -> list[dict]:
    return json.loads((CDRS / f"{scenario}.json").read_text())


def as_event(doc: dict) -> dict[str, str]:
    """The CHANNEL_HANGUP_COMPLETE of the same channel: the same variables."""
    variables = {k: unquote(str(v)) for k, v in doc["variables"].items()}
    callflow = doc["callflow"][0] if isinstance(doc["callflow"], list) else doc["callflow"]
    profile = callflow["caller_profile"]
    return {"Event-Name": "CHANNEL_HANGUP_COMPLETE", "Unique-ID": variables["uuid"],
            "Channel-Name": variables["channel_name"], "Call-Direction": variables["direction"],
            "Caller-Caller-ID-Number": profile.get("caller_id_number", ""),
            "Caller-Destination-Number": profile.get("destination_number", ""),
            "Hangup-Cause": variables.get("hangup_cause", ""),
            **{f"variable_{k}": v for k, v in variables.items()}}


def stored(ctx) -> list[tuple]:
    rows = ctx.session.execute(select(CallRecord, Line.number).outerjoin(Line, Line.id == CallRecord.line_id)
                               .order_by(CallRecord.call_uuid)).all()
    return [(n, r.direction, r.caller, r.callee, r.reception_number, r.special_number, r.disposition)
            for r, n in rows]


@pytest.fixture
def tenant(ctx):
    importer.import_document(ctx, document())
    ctx.session.commit()


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
@pytest.mark.parametrize("event_first", [False, True], ids=["cdr-then-event", "event-then-cdr"])
def test_recorded_call(ctx, tenant, scenario, event_first):
    docs = cdrs(scenario)
    first = (lambda d: calllog.from_event(as_event(d))) if event_first else calllog.from_json_cdr
    second = calllog.from_json_cdr if event_first else (lambda d: calllog.from_event(as_event(d)))
    for doc in docs:
        calllog.record(ctx.session, first(doc), "fs1")
    assert stored(ctx) == EXPECTED[scenario]
    for doc in docs:  # the other path reports the same call: nothing new
        assert calllog.record(ctx.session, second(doc), "fs1") is None
    assert stored(ctx) == EXPECTED[scenario]


def test_click_to_call_leg_is_the_phone_contact(ctx, tenant):
    """What FreeSWITCH reports as the click-to-call leg's caller is the
    phone's contact; the record names the line."""
    [doc] = cdrs("click_to_call")
    assert unquote(doc["variables"]["channel_name"]).startswith("sofia/internal/0175600001-0x")
    row = calllog.record(ctx.session, calllog.from_json_cdr(doc))
    assert row is not None and row.caller == M1


def test_hunt_group_nobody_answered_is_the_reception_numbers(ctx, tenant):
    """A hunt nobody took (native path: the last member's variables are on
    the channel) is the reception number's missed call, on no line."""
    doc = next(d for d in cdrs("hunt_native") if unquote(d["variables"].get("centrex_number", "")))
    doc = json.loads(json.dumps(doc))
    doc["variables"].update(uuid="missed-hunt", answer_epoch="0", billsec="0", hangup_cause="NO_ANSWER",
                            centrex_line="%2B33175600003")
    row = calllog.record(ctx.session, calllog.from_json_cdr(doc))
    assert row is not None
    assert (row.line_id, row.reception_number, row.disposition) == (None, RECEPTION, "missed")


def test_no_tenant_still_ignored(ctx, tenant):
    doc = json.loads(json.dumps(cdrs("hunt_service")[1]))
    for key in ("centrex_tenant", "centrex_number", "centrex_route", "dialed_domain", "domain_name"):
        doc["variables"].pop(key, None)
    doc["variables"]["uuid"] = "no-tenant"
    assert calllog.record(ctx.session, calllog.from_json_cdr(doc)) is None
    assert ctx.session.scalar(select(CallRecord.id)) is None


def test_backup_number_on_another_line(ctx, tenant):
    """An unregistered line whose backup number is another line of the
    platform: the same two records as a forward (the dialplan's
    ``unregistered`` step exports ``centrex_fwd_from`` as ``forward`` does)."""
    docs = json.loads(json.dumps(cdrs("forwarded")))
    for doc in docs:
        if "centrex_fwd_from" in doc["variables"]:
            doc["variables"]["centrex_outbound"] = "backup"
    for doc in docs:
        calllog.record(ctx.session, calllog.from_json_cdr(doc))
    assert stored(ctx) == EXPECTED["forwarded"]
