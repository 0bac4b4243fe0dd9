"""« Mes fichiers audio » (manual §3.7.4; spec M-1, M-2, M-4) for the web UI
and the API: the checks before an upload, custom announcements from text,
where a file's sound lives, and voicemail greetings (§3.3.5, V-2).

The storing itself is :func:`.service.upload` (checked by content, converted
with sox) and :func:`.service.delete` (refused while the file is in use)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.errors import FieldError, ServiceError, ValidationFailed

from ...config import platform_from_settings
from ...db.models import AudioFile, Line, Tenant
from ...media import announce as tts
from ...render.views import audio_path
from ..base import parse_doc
from ..context import ServiceContext
from ..lines import service as lines
from . import service
from .schema import AudioDoc

GREETING_CATEGORY = {"record": "vm_greeting_record", "announce": "vm_greeting_announce"}


def files(session: Session, tenant_id: int, category: str | None = None) -> list[AudioFile]:
    q = select(AudioFile).where(AudioFile.tenant_id == tenant_id)
    if category:
        q = q.where(AudioFile.category == category)
    return list(session.scalars(q.order_by(AudioFile.category, AudioFile.name)))


def get(session: Session, tenant_id: int, audio_id: int) -> AudioFile | None:
    """A file of this tenant only (another tenant's id is None)."""
    row = session.get(AudioFile, audio_id)
    return row if row is not None and row.tenant_id == tenant_id else None


def _check(session: Session, tenant_id: int, name: str, category: str) -> list[FieldError]:
    """Name (a one-line title, unique in the tenant) and category."""
    problems: list[FieldError] = []
    try:
        parse_doc(AudioDoc, {"name": name, "category": category})
    except ValidationFailed as exc:
        problems += exc.errors
    if name and re.search(r"[\x00-\x1f\x7f/\\]", name):
        problems.append(FieldError("audio.name_chars", "name", "the title cannot hold line breaks, / or \\"))
    if name and session.scalar(select(AudioFile.id).where(AudioFile.tenant_id == tenant_id,
                                                          AudioFile.name == name.strip())):
        problems.append(FieldError("audio.name_taken", "name", f"an audio file named {name.strip()!r} already exists"))
    return problems


def upload(ctx: ServiceContext, tenant: Tenant, name: str, category: str, data: bytes | None,
           filename: str | None = None) -> AudioFile:
    """M-2: every problem of the form at once (title, category, file), then
    the content check and the conversion."""
    problems = _check(ctx.session, tenant.id, name or "", category or "")
    if not data:
        problems.append(FieldError("audio.no_file", "file", "choose a WAV or MP3 file"))
    if problems:
        raise ValidationFailed(problems)
    return service.upload(ctx, tenant, (name or "").strip(), category, data or b"", filename=filename)


def announce(ctx: ServiceContext, tenant: Tenant, name: str, category: str, text: str, voice: str,
             music: str | None) -> AudioFile:
    """M-4: the text spoken (espeak-ng) over a catalogue track (sox), added to
    the library like an upload."""
    problems = _check(ctx.session, tenant.id, name or "", category or "")
    try:
        tts.check(text, voice, music)
    except ValidationFailed as exc:
        problems += exc.errors
    if problems:
        raise ValidationFailed(problems)
    media_dir = platform_from_settings(ctx.settings).media_dir
    data = tts.synthesise(text, voice, music or None, media_dir)
    row = service.upload(ctx, tenant, name.strip(), category, data, filename=f"announce-{voice}.wav")
    ctx.audit(tenant.id, "announce", "audio_file", row.name, voice=voice, music=music or None,
              words=len(text.split()))
    return row


def sound_path(ctx: ServiceContext, audio: AudioFile) -> Path | None:
    """The converted sound (8 kHz wav) of a library file, if present here."""
    path = Path(audio_path(platform_from_settings(ctx.settings), audio))
    return path if path.is_file() else None


def catalogue_path(ctx: ServiceContext, track: str) -> Path:
    """The sound of a catalogue track (synthesised on first use)."""
    return tts.catalogue_track(platform_from_settings(ctx.settings).media_dir, track)


def delete(ctx: ServiceContext, audio: AudioFile) -> None:
    """M-2: refused with the list of uses while the file is used."""
    service.delete(ctx, audio)


# -- voicemail greetings (§3.3.5.1, §3.3.5.3, §4.3; V-2) ----------------------

def greeting_options(session: Session, tenant_id: int) -> dict[str, list[str]]:
    """mode → names of the tenant's greeting files of that mode's category."""
    return {mode: [a.name for a in files(session, tenant_id, cat)] for mode, cat in GREETING_CATEGORY.items()}


def set_greetings(ctx: ServiceContext, line: Line, changes: dict) -> Line:
    """Mode, greeting per mode (a file name, or None: back to the default
    prompt) and e-mail; checked by the line service's rules."""
    allowed = {"mode", "greeting_record", "greeting_announce", "email"}
    unknown = [k for k in changes if k not in allowed]
    if unknown:
        raise ValidationFailed([FieldError("field.not_allowed", k, "not a voicemail greeting setting")
                                for k in unknown])
    lines.update(ctx, line, {"voicemail": dict(changes)})
    return line


def upload_greeting(ctx: ServiceContext, line: Line, mode: str, name: str, data: bytes | None,
                    filename: str | None = None) -> AudioFile:
    """§3.3.5.3: a new greeting for one mode, added to the library and
    chosen for the line at once."""
    if mode not in GREETING_CATEGORY:
        raise ServiceError(f"the mode is one of {', '.join(GREETING_CATEGORY)}", error_id="field.choice",
                           field="mode")
    tenant = ctx.tenant(line.tenant_id)
    row = upload(ctx, tenant, name, GREETING_CATEGORY[mode], data, filename)
    set_greetings(ctx, line, {f"greeting_{mode}": row.name})
    return row


