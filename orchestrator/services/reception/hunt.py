"""Hunt-group editing (H-1..H-6, manual §3.7.3): the settings of a hunt
profile and its members (add, remove, reorder). Checks are the shared
:func:`validator.validate_hunt` and :func:`validation.hold_music`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from orchestrator.domain.errors import Errors, ServiceError

from ...db.models import HuntMember, Line, ReceptionNumber, ReceptionProfile, Tenant
from .. import validation as v
from ..base import collecting, parse_doc
from ..context import ServiceContext
from .schema import HuntGroupDoc
from .service import profile_to_doc
from .validator import validate_hunt


def get_reception(session: Session, tenant_id: int, rec_id: int) -> ReceptionNumber | None:
    rec = session.get(ReceptionNumber, rec_id)
    return rec if rec is not None and rec.tenant_id == tenant_id else None


def get_profile(session: Session, tenant_id: int, rec_id: int, profile_id: int) -> ReceptionProfile | None:
    rec = get_reception(session, tenant_id, rec_id)
    if rec is None:
        return None
    return next((p for p in rec.profiles if p.id == profile_id), None)


def hunt_doc(ctx: ServiceContext, prof: ReceptionProfile) -> HuntGroupDoc:
    if prof.kind != "hunt":
        raise ServiceError(f"profile {prof.name!r} is a voice menu, not a hunt group", error_id="profile.not_hunt",
                           field="profile")
    # the ignore below: a hunt profile's document has its hunt_group
    return profile_to_doc(ctx, prof).hunt_group  # type: ignore[return-value]


def update_hunt(ctx: ServiceContext, prof: ReceptionProfile, changes: dict[str, Any],
                errors: Errors | None = None) -> ReceptionProfile | None:
    """Apply ``changes`` (any fields of :class:`HuntGroupDoc`; ``members`` is
    the whole ordered list) and re-validate the whole hunt group."""
    merged = {**hunt_doc(ctx, prof).model_dump(), **changes}
    rec = prof.reception
    with collecting(errors) as step:
        doc: HuntGroupDoc = parse_doc(HuntGroupDoc, merged)
        tenant = ctx.tenant(rec.tenant_id)
        members, vm_line = validate_hunt(ctx.session, step.errors, tenant, doc, ctx.settings.default_region)
        catalogue, audio_id = v.hold_music(ctx.session, step.errors, "hold_music", tenant.id, doc.hold_music)
        if step.failed:
            return None
        prof.strategy, prof.ring_time, prof.cycles = doc.strategy, doc.ring_time, doc.cycles
        prof.forwards_allowed = doc.forwards_allowed
        prof.voicemail_line_id = vm_line.id if vm_line else None
        prof.hold_music_catalogue, prof.hold_music_audio_id = catalogue, audio_id
        _set_members(ctx.session, prof, members)
        ctx.audit(tenant.id, "update", "hunt_group", f"{rec.number}/{prof.name}", **changes)
        ctx.changed(tenant.id)
        return prof


def _set_members(session: Session, prof: ReceptionProfile, lines: list[Line]) -> None:
    """Members in this order: rows kept are renumbered in place (the
    (profile, line) pair is unique), removed ones deleted first."""
    wanted = [line.id for line in lines]
    keep = {m.line_id: m for m in prof.members if m.line_id in wanted}
    for member in [m for m in prof.members if m.line_id not in wanted]:
        prof.members.remove(member)
    session.flush()
    ordered = []
    for pos, line_id in enumerate(wanted):
        member = keep.get(line_id) or HuntMember(line_id=line_id, position=pos)
        member.position = pos
        ordered.append(member)
    prof.members[:] = ordered
    session.flush()


def member_numbers(ctx: ServiceContext, prof: ReceptionProfile) -> list[str]:
    return list(hunt_doc(ctx, prof).members)


def add_member(ctx: ServiceContext, prof: ReceptionProfile, line: str, errors: Errors | None = None):
    """H-6: add a line at the end of the ringing order."""
    members = member_numbers(ctx, prof)
    return update_hunt(ctx, prof, {"members": [*members, line]}, errors)


def remove_member(ctx: ServiceContext, prof: ReceptionProfile, line: str, errors: Errors | None = None):
    members = member_numbers(ctx, prof)
    if line not in members:
        raise ServiceError(f"{line} is not a member of this hunt group", error_id="hunt.not_member", field="members")
    return update_hunt(ctx, prof, {"members": [m for m in members if m != line]}, errors)


def move_member(ctx: ServiceContext, prof: ReceptionProfile, line: str, delta: int, errors: Errors | None = None):
    """Move a member ``delta`` places (-1: up, +1: down), bounded by the list."""
    members = member_numbers(ctx, prof)
    if line not in members:
        raise ServiceError(f"{line} is not a member of this hunt group", error_id="hunt.not_member", field="members")
    i = members.index(line)
    j = max(0, min(len(members) - 1, i + delta))
    members.insert(j, members.pop(i))
    return update_hunt(ctx, prof, {"members": members}, errors)


def set_order(ctx: ServiceContext, prof: ReceptionProfile, order: list[str], errors: Errors | None = None):
    """Save a new ringing order: the same members, reordered."""
    members = member_numbers(ctx, prof)
    if sorted(order) != sorted(members):
        raise ServiceError("the new order must list the same members, each once", error_id="hunt.order_mismatch",
                           field="members")
    return update_hunt(ctx, prof, {"members": order}, errors)


def tenant_of(ctx: ServiceContext, prof: ReceptionProfile) -> Tenant:
    return ctx.tenant(prof.reception.tenant_id)
