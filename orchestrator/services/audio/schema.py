"""Audio library entry (M-1). The sound itself lives in the media store,
named by its SHA-256; the document carries the metadata."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..base import Doc
from ..text import SingleLine

AudioCategory = Literal["hold_music", "pre_answer", "ivr_menu", "vm_greeting_record", "vm_greeting_announce"]


class AudioDoc(Doc):
    name: SingleLine = Field(min_length=1, max_length=120)
    category: AudioCategory
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    original_filename: SingleLine | None = Field(None, max_length=255)
    size_bytes: int = Field(0, ge=0)
    duration_ms: int | None = Field(None, ge=0)


class HoldMusicDoc(Doc):
    """Exactly one of ``catalogue`` (a shipped track) or ``file`` (an audio
    file of the tenant's library)."""

    catalogue: SingleLine | None = Field(None, max_length=120)
    file: SingleLine | None = Field(None, max_length=120)
