"""Phone lines and fax lines: create, update, delete, export."""

from __future__ import annotations

from typing import Any, overload

from sqlalchemy import func, select

from orchestrator.domain.errors import Errors, FieldError, ValidationFailed
from orchestrator.domain.numbering import national

from ...db.models import AudioFile, FaxLine, Line, Tenant
from .. import inventory
from .. import validation as v
from ..audio.schema import HoldMusicDoc
from ..base import collecting, merge_changes, parse_doc
from ..context import ServiceContext
from ..passwords import random_password
from .lookup import Owner, own_line
from .schema import FaxLineDoc, ForwardsDoc, LineDoc, OptionsDoc, SipDoc, VoicemailDoc
from .validator import LineValues, validate, validate_fax

# What a user may change on their own line (A-2, §2 « Mode Utilisateur »): a
# top-level key, or (a set) some keys of a nested object. The admin may change
# everything but the number. The one list: the user's page and the API read it.
USER_FIELDS: dict[str, frozenset[str] | None] = {
    "label": None, "ring_time": None, "backup_number": None, "clir": None,
    "forwards": frozenset({"unconditional", "no_answer", "presented"}),
}


def _store(line: Line, doc: LineDoc, vals: LineValues) -> None:
    line.label = doc.label
    line.short_number = doc.short_number
    line.offer = doc.offer
    line.status = doc.status
    line.ring_time = doc.ring_time
    line.forward_unconditional = vals.forward_unconditional
    line.forward_no_answer = vals.forward_no_answer
    line.forward_presented = doc.forwards.presented
    line.backup_number = vals.backup_number
    line.clir = doc.clir
    line.department = doc.department
    line.hold_music_catalogue = vals.hold_music_catalogue
    line.hold_music_audio_id = vals.hold_music_audio_id
    line.mobile_app = doc.options.mobile_app
    line.mobile_number = vals.mobile_number
    line.twin = doc.options.twin
    vm = doc.voicemail
    line.vm_enabled, line.vm_mode, line.vm_email, line.vm_pin = vm.enabled, vm.mode, vm.email, vm.pin
    line.vm_greeting_record_id = vals.vm_greeting_record_id
    line.vm_greeting_announce_id = vals.vm_greeting_announce_id
    if doc.sip.username:
        line.sip_username = doc.sip.username
    if doc.sip.password:
        line.sip_password = doc.sip.password


def create(ctx: ServiceContext, tenant: Tenant, doc: LineDoc, errors: Errors | None = None) -> Line | None:
    with collecting(errors) as step:
        vals = validate(ctx.session, step.errors, tenant, doc, ctx.settings.default_region)
        used = ctx.session.scalar(select(func.count()).select_from(Line).where(Line.tenant_id == tenant.id)) or 0
        if used >= tenant.line_limit:
            step.errors.add("tenant.line_limit", "number",
                            f"the company already has {used} of its {tenant.line_limit} lines;"
                            " ask the operator to raise the limit")
        if vals.number and not step.failed:
            inventory.allocate(ctx.session, step.errors, "number", tenant, vals.number, "line")
        if step.failed:
            return None
        # the ignore below: the number is set once validation passed
        line = Line(tenant_id=tenant.id, number=vals.number, sip_username=national(vals.number),  # type: ignore[arg-type]
                    sip_password=random_password(16))
        _store(line, doc, vals)
        ctx.session.add(line)
        ctx.session.flush()
        ctx.audit(tenant.id, "create", "line", line.number, **doc.model_dump(exclude_none=True))
        ctx.changed(tenant.id)
        return line


def update(ctx: ServiceContext, line: Line, changes: dict[str, Any], errors: Errors | None = None) -> Line | None:
    """Apply ``changes`` (a partial document, nested keys allowed) and
    re-validate the whole line, so one rule set serves create and update."""
    merged = merge_changes(to_doc(ctx, line).model_dump(), changes)
    with collecting(errors) as step:
        doc = parse_doc(LineDoc, merged)
        tenant = ctx.tenant(line.tenant_id)
        vals = validate(ctx.session, step.errors, tenant, doc, ctx.settings.default_region, current=line)
        if step.failed:
            return None
        _store(line, doc, vals)
        ctx.audit(line.tenant_id, "update", "line", line.number, **changes)
        ctx.changed(line.tenant_id)
        return line


def user_may_change(path: str) -> bool:
    """``label``, ``forwards.no_answer``...: may a user change this field?"""
    key, _, sub = path.partition(".")
    if key not in USER_FIELDS:
        return False
    allowed = USER_FIELDS[key]
    return not sub if allowed is None else (not sub or sub in allowed)


def refused_for_user(changes: dict[str, Any]) -> list[FieldError]:
    """The fields of ``changes`` a user may not change (``field.not_allowed``)."""
    bad = []
    for key, value in changes.items():
        allowed = USER_FIELDS.get(key)
        if key not in USER_FIELDS:
            bad.append(FieldError("field.not_allowed", key, "a user cannot change this field"))
        elif isinstance(allowed, frozenset) and isinstance(value, dict):
            bad += [FieldError("field.not_allowed", f"{key}.{k}", "a user cannot change this field")
                    for k in value if k not in allowed]
    return bad


def update_as_user(ctx: ServiceContext, owner: Owner, line_id: int, changes: dict[str, Any]) -> Line:
    """A user changes their own line: only :data:`USER_FIELDS` (anything else
    is refused before anything changes: :class:`ValidationFailed`); another
    user's line, or another company's, is :class:`NotFound`."""
    line = own_line(ctx.session, owner, line_id)
    bad = refused_for_user(changes)
    if bad:
        raise ValidationFailed(bad)
    update(ctx, line, changes)
    return line


def delete(ctx: ServiceContext, line: Line) -> None:
    inventory.release(ctx.session, line.number)
    ctx.audit(line.tenant_id, "delete", "line", line.number)
    ctx.changed(line.tenant_id)
    ctx.session.delete(line)


def _audio_name(ctx: ServiceContext, audio_id: int | None) -> str | None:
    if audio_id is None:
        return None
    audio = ctx.session.get(AudioFile, audio_id)
    return audio.name if audio else None


def hold_music_doc(ctx: ServiceContext, catalogue: str | None, audio_id: int | None) -> HoldMusicDoc | None:
    if catalogue:
        return HoldMusicDoc(catalogue=catalogue)
    if audio_id:
        return HoldMusicDoc(file=_audio_name(ctx, audio_id))
    return None


def to_doc(ctx: ServiceContext, line: Line) -> LineDoc:
    return LineDoc(
        number=line.number, label=line.label, short_number=line.short_number, offer=line.offer,
        status=line.status,  # type: ignore[arg-type]  # status: a str column holding the schema's Literal values
        sip=SipDoc(username=line.sip_username, password=line.sip_password),
        ring_time=line.ring_time,
        forwards=ForwardsDoc(unconditional=line.forward_unconditional, no_answer=line.forward_no_answer,
                             # the ignore below: presented: a str column holding the schema's Literal values
                             presented=line.forward_presented),  # type: ignore[arg-type]
        backup_number=line.backup_number, clir=line.clir, department=line.department,
        hold_music=hold_music_doc(ctx, line.hold_music_catalogue, line.hold_music_audio_id),
        options=OptionsDoc(mobile_app=line.mobile_app, mobile_number=line.mobile_number, twin=line.twin),
        voicemail=VoicemailDoc(
            # the ignore below: mode: a str column holding the schema's Literal values
            enabled=line.vm_enabled, mode=line.vm_mode, email=line.vm_email, pin=line.vm_pin,  # type: ignore[arg-type]
            greeting_record=_audio_name(ctx, line.vm_greeting_record_id),
            greeting_announce=_audio_name(ctx, line.vm_greeting_announce_id),
        ),
    )


@overload
def create_fax(ctx: ServiceContext, tenant: Tenant, doc: FaxLineDoc, errors: None = None) -> FaxLine: ...
@overload
def create_fax(ctx: ServiceContext, tenant: Tenant, doc: FaxLineDoc, errors: Errors) -> FaxLine | None: ...
def create_fax(ctx: ServiceContext, tenant: Tenant, doc: FaxLineDoc, errors: Errors | None = None) -> FaxLine | None:
    """None only with ``errors`` to collect into; without, invalid input raises ValidationFailed."""
    with collecting(errors) as step:
        number = validate_fax(step.errors, doc, ctx.settings.default_region)
        if number and not step.failed:
            inventory.allocate(ctx.session, step.errors, "number", tenant, number, "fax")
        if step.failed:
            return None
        fax = FaxLine(tenant_id=tenant.id, number=number, label=doc.label, email=doc.email)
        ctx.session.add(fax)
        ctx.session.flush()
        ctx.audit(tenant.id, "create", "fax_line", fax.number, label=doc.label, email=doc.email)
        ctx.changed(tenant.id)
        return fax


def delete_fax(ctx: ServiceContext, fax: FaxLine) -> None:
    inventory.release(ctx.session, fax.number)
    ctx.audit(fax.tenant_id, "delete", "fax_line", fax.number)
    ctx.changed(fax.tenant_id)
    ctx.session.delete(fax)


def fax_to_doc(fax: FaxLine) -> FaxLineDoc:
    return FaxLineDoc(number=fax.number, label=fax.label, email=fax.email)


FAX_FIELDS = ("label", "email")


def update_fax(ctx: ServiceContext, fax: FaxLine, changes: dict[str, Any]) -> FaxLine:
    """F-1, manual Figure 26-27: a fax line's label and the e-mail address
    receiving its faxes (its number does not change); any subset of
    :data:`FAX_FIELDS`. Raises ValidationFailed with every problem."""
    errors = Errors()
    for key in sorted(set(changes) - set(FAX_FIELDS)):
        errors.add("field.unknown", key, f"{key!r} cannot be changed; only label and email")
    errors.raise_if_any()
    merged = {"number": fax.number, "label": fax.label, "email": fax.email,
              **{k: val.strip() if isinstance(val, str) else val for k, val in changes.items()}}
    doc = parse_doc(FaxLineDoc, merged)
    v.single_line_text(errors, "label", doc.label)
    v.email(errors, "email", doc.email, required=True)
    errors.raise_if_any()
    fax.label, fax.email = doc.label, doc.email
    ctx.audit(fax.tenant_id, "update", "fax_line", fax.number, label=doc.label, email=doc.email)
    ctx.changed(fax.tenant_id)
    return fax
