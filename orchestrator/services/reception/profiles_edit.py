"""The profiles of a reception number (manual §3.7.6.1-3.7.6.3, T-3, R-1):
create (a hunt group or an IVR "SVI"), rename, duplicate (settings,
members and IVR keys), change the reception type, set the pre-answer
greeting, delete (never the default profile; its rules go with it).

Names are checked by the shared :func:`profiles.check_profiles` (unique in
the reception number, no control characters) after the schema's length
limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import select

from ...db.models import HuntMember, IvrKey, ReceptionNumber, ReceptionProfile
from .. import validation as v
from ..base import Doc, collecting, parse_doc
from ..context import ServiceContext
from orchestrator.domain.errors import Errors, ServiceError
from orchestrator.domain.profiles import check_profiles
from .service import delete_profile as _delete_profile

KINDS = ("hunt", "ivr")
NAME_MAX = 80


class ReceptionProfileIn(Doc):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    kind: Literal["hunt", "ivr"] = Field("hunt", description="hunt: a hunt group; ivr: a voice menu (SVI)")


class ReceptionProfilePatch(Doc):
    name: str | None = Field(None, min_length=1, max_length=NAME_MAX)
    kind: Literal["hunt", "ivr"] | None = Field(
        None, description="Change the reception type: the members or the keys of the old type are dropped")
    pre_answer: str | None = Field(None, description="Audio file (pre_answer) played first; null: none")


class ReceptionDuplicateIn(Doc):
    name: str | None = Field(None, min_length=1, max_length=NAME_MAX,
                             description="Name of the copy; default: the original's name followed by (2), (3)…")


@dataclass(frozen=True)
class _Named:
    name: str
    default: bool


def check_name(errors: Errors, rec: ReceptionNumber, name: str, current: ReceptionProfile | None = None) -> None:
    """Unique among the profiles of ``rec`` and a single line of text; the
    error is reported on ``name``."""
    others = [_Named(p.name, p.is_default) for p in rec.profiles if p is not current]
    found = Errors()
    check_profiles(found, [*others, _Named(name, False)], None, [], rules_need_custom=False)
    mine = f"profiles[{len(others)}].name"
    for err in found.items:
        if err.field == mine:
            errors.add(err.error_id, "name", err.message)


def free_name(rec: ReceptionNumber, base: str) -> str:
    """``base (2)``, ``base (3)``… : the first name no profile has."""
    taken = {p.name for p in rec.profiles}
    n = 2
    while True:
        suffix = f" ({n})"
        name = base[:NAME_MAX - len(suffix)].rstrip() + suffix
        if name not in taken:
            return name
        n += 1


def _append(ctx: ServiceContext, rec: ReceptionNumber, prof: ReceptionProfile) -> None:
    prof.position = max((p.position for p in rec.profiles), default=-1) + 1
    prof.is_default, prof.forced = False, False
    rec.profiles.append(prof)
    ctx.session.flush()


def create_profile(ctx: ServiceContext, rec: ReceptionNumber, data: dict[str, Any]) -> ReceptionProfile:
    """§3.7.6.1 « Créer un nouveau profil »: a hunt group (simultaneous, no
    members) or a voice menu without keys (invalid keys hang up)."""
    doc: ReceptionProfileIn = parse_doc(ReceptionProfileIn, data)  # type: ignore[assignment]
    with collecting(None) as step:
        check_name(step.errors, rec, doc.name)
    prof = ReceptionProfile(name=doc.name, kind=doc.kind)
    _append(ctx, rec, prof)
    ctx.audit(rec.tenant_id, "create", "reception_profile", f"{rec.number}/{prof.name}", kind=doc.kind)
    ctx.changed(rec.tenant_id)
    return prof


COPIED = ("kind", "pre_answer_audio_id", "strategy", "ring_time", "cycles", "forwards_allowed", "voicemail_line_id",
          "hold_music_catalogue", "hold_music_audio_id", "menu_audio_id")
KEY_COPIED = ("digit", "action", "line_id", "target_reception_id", "target_mode", "target_profile_id")


def duplicate_profile(ctx: ServiceContext, prof: ReceptionProfile,
                      data: dict[str, Any] | None = None) -> ReceptionProfile:
    """§3.7.6.1 « Dupliquer »: a copy of the settings, members and IVR keys
    under a new unique name (never default, never forced; no rules)."""
    doc: ReceptionDuplicateIn = parse_doc(ReceptionDuplicateIn, data or {})  # type: ignore[assignment]
    rec = prof.reception
    name = doc.name or free_name(rec, prof.name)
    with collecting(None) as step:
        check_name(step.errors, rec, name)
    copy = ReceptionProfile(name=name, **{k: getattr(prof, k) for k in COPIED})
    copy.members = [HuntMember(line_id=m.line_id, position=m.position) for m in prof.members]
    copy.keys = [IvrKey(**{k: getattr(key, k) for k in KEY_COPIED}) for key in prof.keys]
    _append(ctx, rec, copy)
    ctx.audit(rec.tenant_id, "duplicate", "reception_profile", f"{rec.number}/{prof.name}", copy=name)
    ctx.changed(rec.tenant_id)
    return copy


def update_profile(ctx: ServiceContext, prof: ReceptionProfile, data: dict[str, Any]) -> ReceptionProfile:
    """§3.7.6.2: rename (« Renommer »), change the reception type (« Type
    d'accueil »), set the pre-answer greeting (« Prédécroché »)."""
    doc: ReceptionProfilePatch = parse_doc(ReceptionProfilePatch, data)  # type: ignore[assignment]
    given = doc.model_fields_set
    rec = prof.reception
    with collecting(None) as step:
        if "name" in given:
            if doc.name is None:
                step.errors.add("field.required", "name", "a profile needs a name")
            else:
                check_name(step.errors, rec, doc.name, current=prof)
        if "kind" in given and doc.kind is None:
            step.errors.add("field.required", "kind", "choose hunt or ivr")
        audio_id = None
        if "pre_answer" in given:
            audio_id = v.audio_ref(ctx.session, step.errors, "pre_answer", rec.tenant_id, doc.pre_answer,
                                   ("pre_answer",))
    old = prof.name
    if "name" in given:
        prof.name = doc.name  # type: ignore[assignment]
    if "pre_answer" in given:
        prof.pre_answer_audio_id = audio_id
    if "kind" in given and doc.kind != prof.kind:
        _change_kind(ctx, prof, doc.kind)  # type: ignore[arg-type]
    ctx.session.flush()
    ctx.audit(rec.tenant_id, "update", "reception_profile", f"{rec.number}/{old}",
              **{k: getattr(doc, k) for k in given})
    ctx.changed(rec.tenant_id)
    return prof


def _change_kind(ctx: ServiceContext, prof: ReceptionProfile, kind: str) -> None:
    """A hunt group becomes a voice menu or back: what belonged to the old
    type is dropped, the new one starts empty."""
    prof.kind = kind
    prof.members.clear()
    prof.keys.clear()
    prof.menu_audio_id = None
    prof.strategy, prof.ring_time, prof.cycles, prof.forwards_allowed = "simultaneous", 20, 1, False
    prof.voicemail_line_id = prof.hold_music_audio_id = None
    prof.hold_music_catalogue = None


def profile_users(ctx: ServiceContext, prof: ReceptionProfile) -> list[str]:
    """IVR keys that force this profile (mode: profile), elsewhere."""
    rows = ctx.session.execute(
        select(ReceptionNumber.number, ReceptionNumber.label, ReceptionProfile.name, IvrKey.digit)
        .join(ReceptionProfile, ReceptionProfile.reception_id == ReceptionNumber.id)
        .join(IvrKey, IvrKey.profile_id == ReceptionProfile.id)
        .where(IvrKey.target_profile_id == prof.id)
        .order_by(ReceptionNumber.number, IvrKey.digit))
    return [f"{'the fallback' if d == 'fallback' else f'key {d}'} of the profile {p!r} of {label} ({number})"
            for number, label, p, d in rows]


def delete_profile(ctx: ServiceContext, prof: ReceptionProfile) -> None:
    """§3.7.6.3: any profile but the default one, with its rules; refused
    while an IVR key forces it (``profile.in_use``)."""
    users = profile_users(ctx, prof)
    if users and not prof.is_default:
        raise ServiceError(f"profile {prof.name!r} is forced by {'; '.join(users)}: change them first",
                           error_id="profile.in_use", field="profile")
    _delete_profile(ctx, prof)


def get_profile(rec: ReceptionNumber, profile_id: int) -> ReceptionProfile | None:
    return next((p for p in rec.profiles if p.id == profile_id), None)


def require_kind(prof: ReceptionProfile, kind: str) -> None:
    if prof.kind != kind:
        what = "a voice menu" if kind == "ivr" else "a hunt group"
        raise ServiceError(f"profile {prof.name!r} is not {what}", error_id=f"profile.not_{kind}", field="profile")

