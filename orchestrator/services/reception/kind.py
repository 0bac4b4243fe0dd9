"""Reception numbers as a :class:`~..numberprofiles.kind.NumberKind`: their
profiles hold a hunt group or an IVR (a duplicate copies the settings, the
members and the keys); IVR keys of reception numbers may force a profile,
which then cannot be deleted; rules have no caller origins."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ...db.models import HuntMember, IvrKey, ReceptionNumber, ReceptionProfile, ReceptionRule
from ..context import ServiceContext
from ..numberprofiles.kind import NameScheme, NumberKind

NAME_MAX = 80
COPIED = ("kind", "pre_answer_audio_id", "strategy", "ring_time", "cycles", "forwards_allowed", "voicemail_line_id",
          "hold_music_catalogue", "hold_music_audio_id", "menu_audio_id")
KEY_COPIED = ("digit", "action", "line_id", "target_reception_id", "target_mode", "target_profile_id")


def copy_content(prof: ReceptionProfile, copy: ReceptionProfile) -> None:
    """What « Dupliquer » copies: the settings, the members and the IVR keys."""
    for column in COPIED:
        setattr(copy, column, getattr(prof, column))
    copy.members = [HuntMember(line_id=m.line_id, position=m.position) for m in prof.members]
    copy.keys = [IvrKey(**{k: getattr(key, k) for k in KEY_COPIED}) for key in prof.keys]


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


def audit_rule(ctx: ServiceContext, rec: ReceptionNumber, action: str, position: int,
               description: dict[str, Any], **extra: Any) -> None:
    """Keyed by the number; a move or a deletion names the rule's position,
    a creation or a change its days, hours and profile."""
    details = {"rule": position, **extra} if action in ("move", "delete") else {**description, **extra}
    ctx.audit(rec.tenant_id, action, "reception_rule", rec.number, **details)


RECEPTION = NumberKind(
    label="reception number", profile_model=ReceptionProfile, rule_model=ReceptionRule, parent_attr="reception",
    audit_number="reception_number", audit_profile="reception_profile", copy_audit_key="copy",
    name_taken="profile name {name!r} is used twice",
    unknown_rule_profile="reception number {number} has no profile {name!r}",
    names=NameScheme(suffix=" ({n})", strip_cut=True, max_length=NAME_MAX),
    copy_content=copy_content, users=profile_users, audit_rule=audit_rule,
)
