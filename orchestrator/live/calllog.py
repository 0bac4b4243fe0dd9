"""Call records (C-3) from FreeSWITCH: one per finished call, from the
CHANNEL_HANGUP_COMPLETE event or, when the event socket was down, from the
JSON CDR file mod_json_cdr wrote. Both go through :func:`record`, which
stores a call once (the FreeSWITCH Unique-ID is the key).

The rendered dialplan tags a call where it routes it, with ``export`` so
that every later leg and the hunt-group service's socket path carry the
same variables: ``centrex_tenant`` (the tenant's SIP domain) and
``centrex_line`` at a line's entry; ``centrex_tenant`` and
``centrex_number`` at a reception or special number's entry (``R~N``),
``centrex_profile`` at each profile (``P~N~p``; stored on the number's
record), ``centrex_sent_to`` before a special number's routing to a plain
number, ``centrex_fwd_from`` when a line's forward or backup number takes
the call. A caller's line comes from the directory
(``centrex_caller_line``). Records are keyed ``<uuid>`` for the first line
involved, ``<uuid>~fwd`` / ``<uuid>~in`` for the others."""

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


def _tenant(session: Session, v: Mapping[str, str], lines: tuple[str | None, ...]) -> Tenant | None:
    """The tenant the dialplan tagged (``centrex_tenant``, exported where it
    routes the call), else the older variables, else a line's tenant."""
    for key in ("centrex_tenant", "centrex_caller_domain", "centrex_domain", "domain_name"):
        domain = v.get(key)
        if domain:
            tenant = session.scalar(select(Tenant).where(Tenant.sip_domain == domain))
            if tenant is not None:
                return tenant
    for number in lines:
        if number:
            tenant = session.scalar(select(Tenant).join(Line, Line.tenant_id == Tenant.id)
                                    .where(Line.number == number))
            if tenant is not None:
                return tenant
    return None


def _line(session: Session, tenant: Tenant, number: str | None) -> Line | None:
    if not number:
        return None
    return session.scalar(select(Line).where(Line.number == number, Line.tenant_id == tenant.id))


def _called_line(session: Session, tenant: Tenant, facts: CallFacts) -> Line | None:
    """The line that took an incoming call: the one the dialplan named, else,
    for a reception number's hunt run by the hunt-group service (which rings
    members without the line's variables), the member whose phone answered."""
    v = facts.variables
    line = _line(session, tenant, v.get("centrex_line"))
    if line is None and v.get("centrex_number") and facts.answer > 0 and v.get("dialed_user") \
            and v.get("dialed_domain") == tenant.sip_domain:
        line = session.scalar(select(Line).where(Line.tenant_id == tenant.id,
                                                 Line.sip_username == v["dialed_user"]))
    return line


def _disposition(facts: CallFacts, incoming: bool, forwarded: bool = False) -> str:
    """What became of the call, for the called side (``incoming``) or the
    caller's: a forward or a voicemail is the callee's doing."""
    v = facts.variables
    if incoming and forwarded:
        return "forwarded"
    if incoming and (v.get("voicemail_message_len") or v.get("current_application") == "voicemail"):
        return "voicemail"
    if facts.answer > 0:
        return "answered"
    if facts.cause == "USER_BUSY":
        return "busy"
    return "missed" if incoming else "failed"


def classify(session: Session, facts: CallFacts) -> list[dict]:
    """The records of one call, one per line involved: the caller's line
    (outgoing, or internal when it calls another line of the platform), and
    the line, reception or special number it reached (incoming), and the
    line that forwarded it there when that is another line. The first
    record has the call's uuid as its key, the callee's ``<uuid>~in``, the
    forwarding line's ``<uuid>~fwd``. Empty when the call touches no tenant."""
    v = facts.variables
    caller_number = v.get("centrex_caller_line")
    tenant = _tenant(session, v, (caller_number, v.get("centrex_line")))
    if tenant is None:
        return []
    caller_line = _line(session, tenant, caller_number)
    called_line = _called_line(session, tenant, facts)
    special = v.get("centrex_special") or None
    reception = v.get("centrex_number") or v.get("centrex_route") or None
    reception = None if reception == special else reception
    incoming = bool(called_line or special or reception)
    # the number dialled, not the last internal step the call was transferred to
    dialled = v.get("sip_req_user") or v.get("centrex_c2c_target") or facts.callee
    common = dict(tenant_id=tenant.id, started_at=_dt(facts.start) or datetime.now(UTC),
                  answered_at=_dt(facts.answer), ended_at=_dt(facts.end), duration_s=facts.billsec,
                  hangup_cause=facts.cause or None)
    out: list[dict] = []
    if caller_number:
        # the line's number, never the phone's SIP contact (click-to-call)
        out.append(dict(common, call_uuid=facts.uuid, direction="internal" if incoming else "outbound",
                        caller=caller_number[:40], callee=dialled[:40],
                        line_id=caller_line.id if caller_line else None, reception_number=None,
                        special_number=None, disposition=_disposition(facts, False)))
    # a forward, or the backup number of an unregistered line
    forwarded = v.get("centrex_outbound") == "forward"
    rerouted = v.get("centrex_outbound") in ("forward", "backup")
    fwd_from = _line(session, tenant, v.get("centrex_fwd_from")) if rerouted else None
    if fwd_from is not None and called_line is not None and fwd_from.id != called_line.id:
        # forwarded to another line of the platform: that line's record is
        # an incoming call of its own (answered, missed...)
        out.append(dict(common, call_uuid=facts.uuid + ("~fwd" if out else ""), direction="inbound",
                        caller=(caller_number or facts.caller)[:40], callee=fwd_from.number,
                        line_id=fwd_from.id, reception_number=None, special_number=None,
                        disposition="forwarded"))
        forwarded = False
    if incoming:
        disposition = _disposition(facts, True, forwarded)
        if v.get("centrex_hunt") and disposition in ("missed", "busy"):
            # a hunt nobody took: the reception number's record, not that of
            # whichever member happened to be rung last (native path)
            called_line = None
        callee = (called_line.number if called_line and not (special or reception)
                  else v.get("centrex_sent_to") or dialled)
        out.append(dict(common, call_uuid=facts.uuid + ("~in" if out else ""), direction="inbound",
                        caller=(caller_number or facts.caller)[:40], callee=callee[:40],
                        line_id=called_line.id if called_line else None, reception_number=reception,
                        special_number=special, disposition=disposition,
                        profile=(v.get("centrex_profile") or None) if (special or reception) else None))
    return out


def record(session: Session, facts: CallFacts, node: str | None = None) -> CallRecord | None:
    """Store the call once, one record per line involved; a second report of
    the same call is ignored. Returns the first record stored, if any."""
    if not is_call_leg(facts):
        return None
    rows = classify(session, facts)
    if not rows:
        log.info("call of no tenant ignored", extra={"uuid": facts.uuid})
        return None
    first: CallRecord | None = None
    for values in rows:
        if session.scalar(select(CallRecord.id).where(CallRecord.call_uuid == values["call_uuid"])) is not None:
            continue
        row = CallRecord(node=node, **values)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # the other path stored it meanwhile
            continue
        first = first or row
    return first


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
