"""Profiles of a special number (manual §3.7.7.1-3.7.7.3, §3.7.7.5; S-2,
S-3, T-2, T-3): create, rename, duplicate (routings included), delete (not
the default profile), force. Deleting a profile deletes the rules pointing
to it; once no custom profile is left, the remaining rules (which could
only select the default profile) go too: rules need a custom profile.

The shared implementation is :mod:`..numberprofiles.profiles` with the kind
:data:`.kind.SPECIAL`; these are the special-number entry points, which take
a name as text, as ``{"name": …}`` or as a :class:`ProfileNameDoc`."""

from __future__ import annotations

from typing import Any

from ...db.models import SpecialNumber, SpecialProfile
from ..base import parse_doc
from ..context import ServiceContext
from ..numberprofiles import profiles as shared
from .inputs import ProfileNameDoc
from .kind import SPECIAL

NameInput = dict[str, Any] | ProfileNameDoc | str


def get_profile(special: SpecialNumber, profile_id: int) -> SpecialProfile | None:
    return shared.get_profile(special, profile_id)


def _name(data: NameInput) -> str:
    """The name given, within the limits of :class:`ProfileNameDoc`."""
    if isinstance(data, str):
        data = {"name": data}
    doc: ProfileNameDoc = data if isinstance(data, ProfileNameDoc) else parse_doc(ProfileNameDoc, data)
    return doc.name


def free_name(special: SpecialNumber, base: str) -> str:
    """``base``, else ``base 2``, ``base 3``… (cut to the 80 characters of a name)."""
    return shared.free_name(SPECIAL, special, base)


def create_profile(ctx: ServiceContext, special: SpecialNumber, data: NameInput) -> SpecialProfile:
    """« Créer un nouveau profil »: a profile with no routing yet."""
    return shared.create_profile(ctx, SPECIAL, special, _name(data))


def rename_profile(ctx: ServiceContext, prof: SpecialProfile, data: NameInput) -> SpecialProfile:
    """« Edition du profil » › « Renommer »."""
    return shared.rename_profile(ctx, SPECIAL, prof, _name(data))


def duplicate_profile(ctx: ServiceContext, prof: SpecialProfile, data: NameInput) -> SpecialProfile:
    """« Dupliquer »: a copy with the same routings, never the default nor forced."""
    return shared.duplicate_profile(ctx, SPECIAL, prof, _name(data))


def delete_profile(ctx: ServiceContext, prof: SpecialProfile) -> int:
    """Delete a custom profile and its rules; returns how many rules went."""
    return shared.delete_profile(ctx, SPECIAL, prof)


def force(ctx: ServiceContext, special: SpecialNumber, profile: SpecialProfile | None) -> None:
    """T-2 (§3.7.7.5): force ``profile`` (only it applies), or None to stop forcing."""
    shared.force(ctx, SPECIAL, special, profile)
