"""Tenant-scoped getters of audio files (another company's is :class:`NotFound`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db.models import AudioFile
from ..base import found
from .library import get


def audio_file(session: Session, tenant_id: int, audio_id: int) -> AudioFile:
    return found(get(session, tenant_id, audio_id), "audio.not_found", f"no audio file {audio_id}", "audio")


def names(session: Session, tenant_id: int, categories: tuple[str, ...]) -> list[str]:
    """The names of the company's audio files of these categories, sorted."""
    return list(session.scalars(select(AudioFile.name).where(AudioFile.tenant_id == tenant_id,
                                                             AudioFile.category.in_(categories))
                                .order_by(AudioFile.name)))


def name_of(session: Session, tenant_id: int, audio_id: int | None) -> str:
    """The name of one of the company's audio files; "" for none."""
    row = get(session, tenant_id, audio_id) if audio_id else None
    return row.name if row is not None else ""
