"""Call records (C-3) from FreeSWITCH: one per finished call, from the
CHANNEL_HANGUP_COMPLETE event or, when the event socket was down, from the
JSON CDR file mod_json_cdr wrote. Both go through :func:`record`, which
stores a call once (the FreeSWITCH Unique-ID is the key)."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db.models import CallRecord, Line, Tenant

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallFacts:
    uuid: str
    channel: str
    caller: str
    callee: str
    direction_hint: str  # the channel's own direction: inbound | outbound
    variables: Mapping[str, str]
    start: float
    answer: float
    end: float
    billsec: int
    cause: str


def _epoch(value: str | None) -> float:
    try:
        return float(value or 0)
    except ValueError:
        return 0.0


def from_event(headers: Mapping[str, str]) -> CallFacts:
    """From a CHANNEL_HANGUP_COMPLETE event (plain or JSON)."""
    variables = {k[len("variable_"):]: v for k, v in headers.items() if k.startswith("variable_")}
    return CallFacts(
        uuid=headers.get("Unique-ID", ""), channel=headers.get("Channel-Name", ""),
        caller=headers.get("Caller-Caller-ID-Number", "") or variables.get("caller_id_number", ""),
        callee=headers.get("Caller-Destination-Number", "") or variables.get("destination_number", ""),
        direction_hint=headers.get("Call-Direction", "") or variables.get("direction", ""),
        variables=variables, start=_epoch(variables.get("start_epoch")), answer=_epoch(variables.get("answer_epoch")),
        end=_epoch(variables.get("end_epoch")), billsec=int(_epoch(variables.get("billsec"))),
        cause=headers.get("Hangup-Cause", "") or variables.get("hangup_cause", ""),
    )


def from_json_cdr(doc: Mapping) -> CallFacts:
    """From a mod_json_cdr document (its variable values are URL-encoded, as
    FreeSWITCH 1.11.1 writes them)."""
    variables = {k: unquote(str(v)) for k, v in (doc.get("variables") or {}).items()}
    callflow = doc.get("callflow")
    if isinstance(callflow, list):
        profile = ((callflow or [{}])[0] or {}).get("caller_profile", {})
    else:
        profile = (callflow or {}).get("caller_profile", {})
    return CallFacts(
        uuid=variables.get("uuid", ""), channel=doc.get("channel_data", {}).get("channel_name", "")
        or variables.get("channel_name", ""),
        caller=profile.get("caller_id_number", "") or variables.get("caller_id_number", ""),
        callee=profile.get("destination_number", "") or variables.get("destination_number", ""),
        direction_hint=doc.get("channel_data", {}).get("direction", "") or variables.get("direction", ""),
        variables=variables, start=_epoch(variables.get("start_epoch")), answer=_epoch(variables.get("answer_epoch")),
        end=_epoch(variables.get("end_epoch")), billsec=int(_epoch(variables.get("billsec"))),
        cause=variables.get("hangup_cause", ""),
    )


def _dt(epoch: float) -> datetime | None:
    return datetime.fromtimestamp(epoch, tz=UTC) if epoch else None


def is_call_leg(facts: CallFacts) -> bool:
    """One record per call: the leg FreeSWITCH received (a phone or the
    carrier calling in), or the click-to-call's leg to the user's line. B-legs
    and the internal loopback legs are part of another record; so is the leg
    of a device that lost the race (L-9: another device of the line answered
    the click-to-call)."""
    if not facts.uuid or facts.channel.startswith("loopback/"):
        return False
    if facts.variables.get("centrex_c2c"):
        return facts.cause != "LOSE_RACE"
    return facts.direction_hint == "inbound"


def classify(session: Session, facts: CallFacts) -> dict | None:
    v = facts.variables
    domain = v.get("centrex_caller_domain") or v.get("centrex_domain") or v.get("domain_name") or ""
    tenant = session.scalar(select(Tenant).where(Tenant.sip_domain == domain)) if domain else None
    caller_line = v.get("centrex_caller_line")
    called_line = v.get("centrex_line")
    if tenant is None and called_line:
        tenant = session.scalar(select(Tenant).join(Line, Line.tenant_id == Tenant.id)
                                .where(Line.number == called_line))
    if tenant is None:
        return None
    if caller_line:
        direction = "internal" if called_line else "outbound"
        line_number: str | None = caller_line
    else:
        direction, line_number = "inbound", called_line
    line = session.scalar(select(Line).where(Line.number == line_number, Line.tenant_id == tenant.id)) \
        if line_number else None
    # the number dialled, not the last internal step the call was transferred to
    dialled = v.get("sip_req_user") or v.get("centrex_c2c_target") or facts.callee
    callee = called_line if direction == "inbound" and called_line else dialled
    answered = facts.answer > 0
    if v.get("centrex_outbound") == "forward":
        disposition = "forwarded"
    elif v.get("voicemail_message_len") or (v.get("current_application") == "voicemail" and direction == "inbound"):
        disposition = "voicemail"
    elif answered:
        disposition = "answered"
    elif facts.cause == "USER_BUSY":
        disposition = "busy"
    elif direction == "inbound":
        disposition = "missed"
    else:
        disposition = "failed"
    return dict(tenant_id=tenant.id, call_uuid=facts.uuid, direction=direction,
                caller=facts.caller[:40], callee=callee[:40], line_id=line.id if line else None,
                reception_number=v.get("centrex_route") if not v.get("centrex_special") else None,
                special_number=v.get("centrex_special"), started_at=_dt(facts.start) or datetime.now(UTC),
                answered_at=_dt(facts.answer), ended_at=_dt(facts.end), duration_s=facts.billsec,
                disposition=disposition, hangup_cause=facts.cause or None)


def record(session: Session, facts: CallFacts, node: str | None = None) -> CallRecord | None:
    """Store the call once; a second report of the same call is ignored."""
    if not is_call_leg(facts):
        return None
    if session.scalar(select(CallRecord.id).where(CallRecord.call_uuid == facts.uuid)) is not None:
        return None
    values = classify(session, facts)
    if values is None:
        log.info("call of no tenant ignored", extra={"uuid": facts.uuid})
        return None
    row = CallRecord(node=node, **values)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # the other path stored it meanwhile
        return None
    return row


def import_cdr_dir(session: Session, directory: Path, node: str | None = None) -> tuple[int, int]:
    """Import the JSON CDR files mod_json_cdr wrote; move each one to
    ``imported/`` (or ``rejected/`` if unreadable). Returns (new, seen)."""
    new = seen = 0
    if not directory.is_dir():
        return 0, 0
    for path in sorted(directory.glob("*.cdr.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            facts = from_json_cdr(doc)
        except (ValueError, OSError) as exc:
            log.warning("unreadable CDR", extra={"file": path.name, "error": str(exc)})
            target = directory / "rejected"
        else:
            seen += 1
            if record(session, facts, node) is not None:
                new += 1
            target = directory / "imported"
        session.commit()
        target.mkdir(exist_ok=True)
        shutil.move(str(path), target / path.name)
    return new, seen
