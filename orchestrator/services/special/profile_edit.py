"""Profiles of a special number (manual §3.7.7.1-3.7.7.3, §3.7.7.5; S-2,
S-3, T-2, T-3): create, rename, duplicate (routings included), delete (not
the default profile), force. Deleting a profile deletes the rules pointing
to it; once no custom profile is left, the remaining rules (which could
only select the default profile) go too: rules need a custom profile."""

from __future__ import annotations

import re
from typing import Any

from ...db.models import Routing, RoutingDestination, SpecialNumber, SpecialProfile
from ..base import collecting, parse_doc
from ..context import ServiceContext
from orchestrator.domain.errors import Errors, ServiceError
from . import service
from .inputs import ProfileNameDoc

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def get_profile(special: SpecialNumber, profile_id: int) -> SpecialProfile | None:
    return next((p for p in special.profiles if p.id == profile_id), None)


def _name(errors: Errors, special: SpecialNumber, data: dict[str, Any] | ProfileNameDoc | str,
          keep: SpecialProfile | None = None) -> str:
    if isinstance(data, str):
        data = {"name": data}
    doc: ProfileNameDoc = data if isinstance(data, ProfileNameDoc) else parse_doc(ProfileNameDoc, data)  # type: ignore[assignment]
    if _CONTROL.search(doc.name):
        errors.add("text.control_chars", "name", "line breaks and control characters are not allowed here")
    if any(p.name == doc.name and p is not keep for p in special.profiles):
        errors.add("profile.name_taken", "name", f"this special number already has a profile named {doc.name!r}")
    return doc.name


def free_name(special: SpecialNumber, base: str) -> str:
    """``base``, else ``base 2``, ``base 3``… (cut to the 80 characters of a name)."""
    names = {p.name for p in special.profiles}
    base = base[:80]
    n, name = 1, base
    while name in names:
        n += 1
        suffix = f" {n}"
        name = base[:80 - len(suffix)] + suffix
    return name


def _next_position(special: SpecialNumber) -> int:
    return max((p.position for p in special.profiles), default=-1) + 1


def create_profile(ctx: ServiceContext, special: SpecialNumber, data: dict[str, Any] | ProfileNameDoc | str
                   ) -> SpecialProfile:
    """« Créer un nouveau profil »: a profile with no routing yet."""
    with collecting(None) as step:
        name = _name(step.errors, special, data)
    prof = SpecialProfile(name=name, is_default=False, forced=False, position=_next_position(special))
    special.profiles.append(prof)
    ctx.session.flush()
    ctx.audit(special.tenant_id, "create", "special_profile", f"{special.number}/{name}")
    ctx.changed(special.tenant_id)
    return prof


def rename_profile(ctx: ServiceContext, prof: SpecialProfile, data: dict[str, Any] | ProfileNameDoc | str
                   ) -> SpecialProfile:
    """« Edition du profil » › « Renommer »."""
    special = prof.special
    with collecting(None) as step:
        name = _name(step.errors, special, data, keep=prof)
    before, prof.name = prof.name, name
    ctx.session.flush()
    ctx.audit(special.tenant_id, "rename", "special_profile", f"{special.number}/{before}", name=name)
    ctx.changed(special.tenant_id)
    return prof


def duplicate_profile(ctx: ServiceContext, prof: SpecialProfile, data: dict[str, Any] | ProfileNameDoc | str
                      ) -> SpecialProfile:
    """« Dupliquer »: a copy with the same routings, never the default nor forced."""
    special = prof.special
    with collecting(None) as step:
        name = _name(step.errors, special, data)
    copy = SpecialProfile(name=name, is_default=False, forced=False, position=_next_position(special))
    for routing in prof.routings:
        new = Routing(position=routing.position)
        new.destinations = [RoutingDestination(position=d.position, number=d.number, reception_id=d.reception_id,
                                               percent=d.percent) for d in routing.destinations]
        copy.routings.append(new)
    special.profiles.append(copy)
    ctx.session.flush()
    ctx.audit(special.tenant_id, "duplicate", "special_profile", f"{special.number}/{prof.name}", name=name)
    ctx.changed(special.tenant_id)
    return copy


def delete_profile(ctx: ServiceContext, prof: SpecialProfile) -> int:
    """Delete a custom profile and its rules; returns how many rules went."""
    special = prof.special
    before = len(special.rules)
    service.delete_profile(ctx, prof)
    if not any(not p.is_default for p in special.profiles) and special.rules:
        special.rules.clear()
        ctx.session.flush()
    for i, rule in enumerate(special.rules):
        rule.priority = i
    ctx.session.flush()
    return before - len(special.rules)


def force(ctx: ServiceContext, special: SpecialNumber, profile: SpecialProfile | None) -> None:
    """T-2 (§3.7.7.5): force ``profile`` (only it applies), or None to stop forcing."""
    if profile is not None and profile.special_id != special.id:
        raise ServiceError("this profile belongs to another special number", error_id="profile.unknown",
                           field="profile")
    service.force_profile(ctx, special, profile.name if profile else None)
    ctx.session.flush()

