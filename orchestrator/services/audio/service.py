"""Audio library entries (M-1, M-2). Upload and conversion of the sound
itself belong to the media pipeline; this is the catalogue of a tenant's
files and the rule that a file in use cannot be deleted."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import overload

from sqlalchemy import or_, select

from orchestrator.domain.errors import Errors, ServiceError

from ...config import platform_from_settings
from ...db.models import AudioFile, Line, ReceptionProfile, Tenant
from ...media.convert import convert, output_paths, publish_stream
from ...render.views import stream_name
from .. import validation as v
from ..base import collecting, parse_doc
from ..context import ServiceContext
from .schema import AudioDoc

log = logging.getLogger(__name__)


def create(ctx: ServiceContext, tenant: Tenant, doc: AudioDoc, errors: Errors | None = None) -> AudioFile | None:
    with collecting(errors) as step:
        v.single_line_text(step.errors, "name", doc.name)
        if ctx.session.scalar(select(AudioFile).where(AudioFile.tenant_id == tenant.id, AudioFile.name == doc.name)):
            step.errors.add("audio.name_taken", "name", f"an audio file named {doc.name!r} already exists")
        if step.failed:
            return None
        row = AudioFile(tenant_id=tenant.id, **doc.model_dump())
        ctx.session.add(row)
        ctx.session.flush()
        ctx.audit(tenant.id, "create", "audio_file", doc.name, category=doc.category)
        ctx.changed(tenant.id)
        return row


def uses(ctx: ServiceContext, audio: AudioFile) -> list[str]:
    """Where the file is used, in words (M-2: say it before refusing)."""
    aid = audio.id
    found: list[str] = []
    for line in ctx.session.scalars(select(Line).where(or_(
            Line.hold_music_audio_id == aid, Line.vm_greeting_record_id == aid, Line.vm_greeting_announce_id == aid))):
        found.append(f"line {line.number} ({line.label})")
    for prof in ctx.session.scalars(select(ReceptionProfile).where(or_(
            ReceptionProfile.hold_music_audio_id == aid, ReceptionProfile.pre_answer_audio_id == aid,
            ReceptionProfile.menu_audio_id == aid))):
        found.append(f"profile {prof.name!r} of reception number {prof.reception.number}")
    return found


def delete(ctx: ServiceContext, audio: AudioFile) -> None:
    used = uses(ctx, audio)
    if used:
        raise ServiceError(f"{audio.name!r} is in use by {', '.join(used)}; choose another file there first",
                           error_id="audio.in_use", field="name")
    ctx.audit(audio.tenant_id, "delete", "audio_file", audio.name)
    ctx.changed(audio.tenant_id)
    ctx.session.delete(audio)


def to_doc(audio: AudioFile) -> AudioDoc:
    # the ignore below: category: a str column holding the schema's Literal values
    return AudioDoc(name=audio.name, category=audio.category, sha256=audio.sha256,  # type: ignore[arg-type]
                    original_filename=audio.original_filename, size_bytes=audio.size_bytes,
                    duration_ms=audio.duration_ms)


def _remove_on_rollback(ctx: ServiceContext, paths: list[Path]) -> None:
    def remove() -> None:
        for path in paths:
            path.unlink(missing_ok=True)
        if paths:
            log.info("audio files removed after rollback", extra={"files": [str(p) for p in paths]})

    ctx.on_rollback(remove)


@overload
def upload(ctx: ServiceContext, tenant: Tenant, name: str, category: str, data: bytes,
           filename: str | None = None, errors: None = None) -> AudioFile: ...
@overload
def upload(ctx: ServiceContext, tenant: Tenant, name: str, category: str, data: bytes,
           filename: str | None = None, *, errors: Errors) -> AudioFile | None: ...
def upload(ctx: ServiceContext, tenant: Tenant, name: str, category: str, data: bytes,
           filename: str | None = None, errors: Errors | None = None) -> AudioFile | None:
    """M-2: check the upload by content, convert it with sox, store it under
    its SHA-256, and add it to the tenant's library. None only with
    ``errors`` to collect into; without, invalid input raises
    ValidationFailed."""
    media_dir = platform_from_settings(ctx.settings).media_dir
    with collecting(errors) as step:
        doc = parse_doc(AudioDoc, {"name": name, "category": category, "original_filename": filename})
        if ctx.session.scalar(select(AudioFile).where(AudioFile.tenant_id == tenant.id, AudioFile.name == name)):
            step.errors.add("audio.name_taken", "name", f"an audio file named {name!r} already exists")
            return None
        # files this upload adds (not those of the same sound already stored) go if the unit of work rolls back
        _remove_on_rollback(ctx, [p for p in output_paths(data, media_dir)[1].values() if not p.exists()])
        converted = convert(data, media_dir)
        doc = doc.model_copy(update={"sha256": converted.sha256, "size_bytes": len(data),
                                     "duration_ms": converted.duration_ms})
        row = create(ctx, tenant, doc, step.errors)
        if row is not None and category == "hold_music":
            stream = stream_name(None, row) or ""
            published = media_dir / "streams" / stream / converted.paths[8000].name
            if not published.exists():
                _remove_on_rollback(ctx, [published])
            publish_stream(media_dir, stream, converted.paths[8000])
        return row
