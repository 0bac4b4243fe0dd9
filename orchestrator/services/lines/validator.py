"""Checks for a phone line (L-*, V-*) and a fax line (F-1)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.errors import Errors
from orchestrator.domain.numbering import french_class

from ...db.models import Line, Tenant
from .. import shortnumbers
from .. import validation as v
from ..inventory import parse
from .schema import FaxLineDoc, LineDoc


@dataclass
class LineValues:
    """What the validator resolved: E.164 numbers and audio ids."""

    number: str | None = None
    forward_unconditional: str | None = None
    forward_no_answer: str | None = None
    backup_number: str | None = None
    mobile_number: str | None = None
    hold_music_catalogue: str | None = None
    hold_music_audio_id: int | None = None
    vm_greeting_record_id: int | None = None
    vm_greeting_announce_id: int | None = None


def check_own_number(errors: Errors, fld: str, e164: str | None, what: str) -> None:
    if e164 is not None and french_class(e164) not in ("geographic", "voip"):
        errors.add("number.kind", fld, f"{e164}: {what} needs a geographic (01-05) or VoIP (09) number")


def validate(session: Session, errors: Errors, tenant: Tenant, doc: LineDoc, region: str,
             current: Line | None = None) -> LineValues:
    out = LineValues()
    out.number = parse(errors, "number", doc.number, region)
    if current is not None and out.number is not None and out.number != current.number:
        errors.add("line.number_fixed", "number", "a line keeps its number; create a new line instead")
    check_own_number(errors, "number", out.number, "a phone line")
    v.single_line_text(errors, "label", doc.label)
    v.single_line_text(errors, "offer", doc.offer)
    owner = f"line {current.number}" if current is not None else None
    shortnumbers.check(session, errors, "short_number", tenant.id, doc.short_number, current_owner=owner)
    v.ring_time(errors, "ring_time", doc.ring_time)
    with errors.at("forwards"):
        out.forward_unconditional = parse(errors, "unconditional", doc.forwards.unconditional, region, required=False)
        out.forward_no_answer = parse(errors, "no_answer", doc.forwards.no_answer, region, required=False)
        for fld in ("unconditional", "no_answer"):
            if out.number and getattr(out, f"forward_{fld}") == out.number:
                errors.add("forward.self", fld, "a line cannot forward to itself")
    out.backup_number = parse(errors, "backup_number", doc.backup_number, region, required=False)
    if out.number and out.backup_number == out.number:
        errors.add("backup.self", "backup_number", "the backup number must be another number than the line's")
    v.department(errors, "department", doc.department)
    out.hold_music_catalogue, out.hold_music_audio_id = v.hold_music(session, errors, "hold_music", tenant.id,
                                                                     doc.hold_music)
    with errors.at("options"):
        out.mobile_number = parse(errors, "mobile_number", doc.options.mobile_number, region,
                                  required=doc.options.mobile_app)
        if out.mobile_number and french_class(out.mobile_number) not in ("mobile", "international"):
            errors.add("number.kind", "mobile_number", f"{out.mobile_number} is not a mobile number")
    with errors.at("voicemail"):
        vm = doc.voicemail
        v.email(errors, "email", vm.email)
        v.pin(errors, "pin", vm.pin)
        out.vm_greeting_record_id = v.audio_ref(session, errors, "greeting_record", tenant.id, vm.greeting_record,
                                                ("vm_greeting_record",))
        out.vm_greeting_announce_id = v.audio_ref(session, errors, "greeting_announce", tenant.id,
                                                  vm.greeting_announce, ("vm_greeting_announce",))
    if doc.sip.password is not None and not re.fullmatch(r"[A-Za-z0-9._~!@#%^*+=-]{8,64}", doc.sip.password):
        errors.add("sip.password_invalid", "sip.password",
                   "8 to 64 characters among letters, digits and . _ ~ ! @ # % ^ * + = -")
    if doc.sip.username is not None:
        other = session.scalar(select(Line).where(Line.tenant_id == tenant.id, Line.sip_username == doc.sip.username))
        if other is not None and other is not current:
            errors.add("sip.username_taken", "sip.username", f"SIP user {doc.sip.username!r} is already used")
        if not doc.sip.username.replace("-", "").replace("_", "").replace(".", "").isalnum():
            errors.add("sip.username_invalid", "sip.username", "use letters, digits, '.', '-' or '_'")
    return out


def validate_fax(errors: Errors, doc: FaxLineDoc, region: str) -> str | None:
    number = parse(errors, "number", doc.number, region)
    check_own_number(errors, "number", number, "a fax line")
    v.single_line_text(errors, "label", doc.label)
    v.email(errors, "email", doc.email, required=True)
    return number
