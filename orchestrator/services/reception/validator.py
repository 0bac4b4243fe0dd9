"""Checks for reception numbers (R-1, H-*, I-*, T-*)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.errors import Errors
from orchestrator.domain.profiles import check_profiles

from ...db.models import IvrKey, Line, ReceptionNumber, ReceptionProfile, Tenant
from .. import shortnumbers
from .. import validation as v
from ..inventory import parse
from ..lines.validator import check_own_number
from .lookup import checked_reception
from .schema import HuntGroupDoc, IvrTargetDoc, ReceptionDoc

DIGITS = tuple("0123456789")


def tenant_line(session: Session, errors: Errors, fld: str, tenant: Tenant, raw: str | None,
                region: str) -> Line | None:
    e164 = parse(errors, fld, raw, region, required=False)
    if e164 is None:
        return None
    line = session.scalar(select(Line).where(Line.number == e164, Line.tenant_id == tenant.id))
    if line is None:
        errors.add("line.unknown", fld, f"unknown line {e164}")
    return line


def validate_base(session: Session, errors: Errors, tenant: Tenant, doc: ReceptionDoc, region: str,
                  current: ReceptionNumber | None = None) -> str | None:
    number = parse(errors, "number", doc.number, region)
    check_own_number(errors, "number", number, "a reception number")
    v.single_line_text(errors, "label", doc.label)
    owner = f"reception number {current.number}" if current is not None else None
    shortnumbers.check(session, errors, "short_number", tenant.id, doc.short_number, current_owner=owner)
    if not doc.profiles:
        errors.add("profile.default_count", "profiles", "a reception number needs its default profile")
    check_profiles(errors, doc.profiles, doc.forced_profile, doc.rules, rules_need_custom=False)
    for i, prof in enumerate(doc.profiles):
        with errors.at(f"profiles[{i}]"):
            if (prof.hunt_group is None) == (prof.ivr is None):
                errors.add("profile.kind", "", "a profile is either a hunt_group or an ivr")
            if prof.ivr is not None:
                for digit in prof.ivr.keys:
                    if digit not in DIGITS:
                        errors.add("ivr.key", f"ivr.keys.{digit}", f"{digit!r} is not a key: use 0 to 9")
    return number


def validate_hunt(session: Session, errors: Errors, tenant: Tenant, hunt: HuntGroupDoc,
                  region: str) -> tuple[list[Line], Line | None]:
    v.ring_time(errors, "ring_time", hunt.ring_time)
    members: list[Line] = []
    for i, raw in enumerate(hunt.members):
        line = tenant_line(session, errors, f"members[{i}]", tenant, raw, region)
        if line is not None:
            if line in members:
                errors.add("hunt.member_twice", f"members[{i}]", f"line {line.number} is already a member")
            else:
                members.append(line)
    vm_line = tenant_line(session, errors, "voicemail", tenant, hunt.voicemail, region)
    return members, vm_line


def resolve_target(session: Session, errors: Errors, tenant: Tenant, target: IvrTargetDoc,
                   region: str) -> IvrKey | None:
    """An :class:`IvrKey` (without profile/digit) for one key's target."""
    chosen = [k for k in ("line", "voicemail", "reception", "hangup") if getattr(target, k)]
    if len(chosen) != 1:
        errors.add("ivr.target", "", "choose exactly one of line, voicemail, reception, hangup")
        return None
    action = chosen[0]
    if action == "hangup":
        return IvrKey(action="hangup")
    if action in ("line", "voicemail"):
        line = tenant_line(session, errors, action, tenant, getattr(target, action), region)
        if line is not None and action == "voicemail" and not line.vm_enabled:
            errors.add("ivr.voicemail_off", action, f"line {line.number} has no voicemail")
        return IvrKey(action=action, line_id=line.id) if line else None
    rec = checked_reception(session, errors, tenant.id, target.reception, region)
    if rec is None:
        return None
    mode = target.mode or "dynamic"
    key = IvrKey(action="reception", target_reception_id=rec.id, target_mode=mode)
    if mode == "profile":
        prof = session.scalar(select(ReceptionProfile).where(ReceptionProfile.reception_id == rec.id,
                                                             ReceptionProfile.name == target.profile))
        if prof is None:
            errors.add("profile.unknown", "profile", f"reception number {rec.number} has no profile {target.profile!r}")
            return None
        key.target_profile_id = prof.id
    elif target.profile is not None:
        errors.add("ivr.profile_without_mode", "profile", "a profile is only chosen with mode: profile")
    return key


def find_loop(session: Session, tenant_id: int) -> list[str] | None:
    """A cycle of reception numbers reachable through IVR keys (I-2)."""
    edges: dict[int, set[int]] = {}
    rows = session.execute(
        select(ReceptionProfile.reception_id, IvrKey.target_reception_id)
        .join(IvrKey, IvrKey.profile_id == ReceptionProfile.id)
        .join(ReceptionNumber, ReceptionNumber.id == ReceptionProfile.reception_id)
        .where(ReceptionNumber.tenant_id == tenant_id, IvrKey.target_reception_id.is_not(None))
    )
    for src, dst in rows:
        if dst is not None:
            edges.setdefault(src, set()).add(dst)
    numbers = dict(session.execute(select(ReceptionNumber.id, ReceptionNumber.number)
                                   .where(ReceptionNumber.tenant_id == tenant_id)).all())
    state: dict[int, int] = {}
    stack: list[int] = []

    def visit(node: int) -> list[int] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state:
            cycle = visit(start)
            if cycle:
                return [numbers[n] for n in cycle]
    return None
