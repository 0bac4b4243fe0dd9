"""The profiles of a reception number (manual §3.7.6.1-3.7.6.3, T-3, R-1):
create (a hunt group or an IVR "SVI"), rename, duplicate (settings,
members and IVR keys), change the reception type, set the pre-answer
greeting, delete (never the default profile; its rules go with it).

The shared implementation is :mod:`..numberprofiles.profiles` with the
kind :data:`.kind.RECEPTION`; this module keeps the reception entry points
(a profile's kind, its pre-answer greeting). Names are unique in the
reception number and a single line of text, after the schema's length
limits.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from orchestrator.domain.errors import Errors, ServiceError

from ...db.models import ReceptionNumber, ReceptionProfile
from .. import validation as v
from ..base import Doc, collecting, parse_doc
from ..context import ServiceContext
from ..numberprofiles import profiles as shared
from .kind import COPIED, KEY_COPIED, NAME_MAX, RECEPTION, profile_users

__all__ = ["COPIED", "KEY_COPIED", "KINDS", "NAME_MAX", "ReceptionDuplicateIn", "ReceptionProfileIn",
           "ReceptionProfilePatch", "check_name", "create_profile", "delete_profile", "duplicate_profile",
           "free_name", "get_profile", "profile_users", "require_kind", "update_profile"]

KINDS = ("hunt", "ivr")


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


def check_name(errors: Errors, rec: ReceptionNumber, name: str, current: ReceptionProfile | None = None) -> None:
    """Unique among the profiles of ``rec`` and a single line of text; the
    error is reported on ``name``."""
    shared.check_name(errors, RECEPTION, rec, name, current)


def free_name(rec: ReceptionNumber, base: str) -> str:
    """``base (2)``, ``base (3)``… : the first name no profile has."""
    return shared.free_name(RECEPTION, rec, base)


def create_profile(ctx: ServiceContext, rec: ReceptionNumber, data: dict[str, Any]) -> ReceptionProfile:
    """§3.7.6.1 « Créer un nouveau profil »: a hunt group (simultaneous, no
    members) or a voice menu without keys (invalid keys hang up)."""
    doc: ReceptionProfileIn = parse_doc(ReceptionProfileIn, data)
    return shared.create_profile(ctx, RECEPTION, rec, doc.name, {"kind": doc.kind})


def duplicate_profile(ctx: ServiceContext, prof: ReceptionProfile,
                      data: dict[str, Any] | None = None) -> ReceptionProfile:
    """§3.7.6.1 « Dupliquer »: a copy of the settings, members and IVR keys
    under a new unique name (never default, never forced; no rules)."""
    doc: ReceptionDuplicateIn = parse_doc(ReceptionDuplicateIn, data or {})
    return shared.duplicate_profile(ctx, RECEPTION, prof, doc.name or free_name(prof.reception, prof.name))


def update_profile(ctx: ServiceContext, prof: ReceptionProfile, data: dict[str, Any]) -> ReceptionProfile:
    """§3.7.6.2: rename (« Renommer »), change the reception type (« Type
    d'accueil »), set the pre-answer greeting (« Prédécroché »)."""
    doc: ReceptionProfilePatch = parse_doc(ReceptionProfilePatch, data)
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
        prof.name = doc.name  # type: ignore[assignment]  # set when given (the patch's fields are optional)
    if "pre_answer" in given:
        prof.pre_answer_audio_id = audio_id
    if "kind" in given and doc.kind != prof.kind:
        _change_kind(ctx, prof, doc.kind)  # type: ignore[arg-type]  # set when given (the patch's fields are optional)
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


def delete_profile(ctx: ServiceContext, prof: ReceptionProfile) -> None:
    """§3.7.6.3: any profile but the default one, with its rules; refused
    while an IVR key forces it (``profile.in_use``)."""
    shared.delete_profile(ctx, RECEPTION, prof)


def get_profile(rec: ReceptionNumber, profile_id: int) -> ReceptionProfile | None:
    return shared.get_profile(rec, profile_id)


def require_kind(prof: ReceptionProfile, kind: str) -> None:
    if prof.kind != kind:
        what = "a voice menu" if kind == "ivr" else "a hunt group"
        raise ServiceError(f"profile {prof.name!r} is not {what}", error_id=f"profile.not_{kind}", field="profile")

