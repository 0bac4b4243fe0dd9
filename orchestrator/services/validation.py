"""Small field checks shared by the resource validators."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.errors import Errors
from orchestrator.domain.names import domain_problem, timezone_problem

from ..db.models import AudioFile
from ..media.catalogue import CATALOGUE
from .audio.schema import HoldMusicDoc

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
_DEPARTMENT = re.compile(r"^(0[1-9]|[1-8]\d|9[0-5]|2A|2B|97[1-6])$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def email(errors: Errors, fld: str, value: str | None, *, required: bool = False) -> None:
    if not value:
        if required:
            errors.add("email.required", fld, "an e-mail address is required")
        return
    if not _EMAIL.match(value):
        errors.add("email.invalid", fld, f"{value!r} is not an e-mail address")


def hostname(errors: Errors, fld: str, value: str) -> None:
    """A DNS name in its stored (ASCII) form: see :mod:`orchestrator.domain.names`."""
    problem = domain_problem(value)
    if problem:
        errors.add("domain.invalid", fld, problem)


def timezone(errors: Errors, fld: str, value: str) -> None:
    """A canonical IANA time zone, looked up in a list (never opened as a path)."""
    problem = timezone_problem(value)
    if problem:
        errors.add("timezone.invalid", fld, problem)


def department(errors: Errors, fld: str, value: str | None) -> None:
    if value is not None and not _DEPARTMENT.match(value):
        errors.add("department.invalid", fld, f"{value!r} is not a French département code (01-95, 2A, 2B, 971-976)")


def single_line_text(errors: Errors, fld: str, value: str | None) -> None:
    """Labels become caller names and file names: no control characters."""
    if value and _CONTROL.search(value):
        errors.add("text.control_chars", fld, "line breaks and control characters are not allowed here")


def ring_time(errors: Errors, fld: str, value: int) -> None:
    if not 5 <= value <= 60:
        errors.add("ring_time.range", fld, f"ring time must be between 5 and 60 seconds, got {value}")


def pin(errors: Errors, fld: str, value: str | None) -> None:
    if value is not None and not re.fullmatch(r"\d{4,12}", value):
        errors.add("pin.invalid", fld, "the PIN has 4 to 12 digits")


def audio_ref(session: Session, errors: Errors, fld: str, tenant_id: int, name: str | None,
              categories: tuple[str, ...]) -> int | None:
    """Resolve an audio file of the tenant by name, checking its category."""
    if name is None:
        return None
    row = session.scalar(select(AudioFile).where(AudioFile.tenant_id == tenant_id, AudioFile.name == name))
    if row is None:
        errors.add("audio.unknown", fld, f"unknown audio file {name!r}")
        return None
    if row.category not in categories:
        expected = " or ".join(categories)
        errors.add("audio.category", fld, f"audio file {name!r} is a {row.category} file, expected {expected}")
        return None
    return row.id


def hold_music(session: Session, errors: Errors, fld: str, tenant_id: int,
               doc: HoldMusicDoc | None) -> tuple[str | None, int | None]:
    """(catalogue track, audio file id) for a hold-music choice."""
    if doc is None:
        return None, None
    if (doc.catalogue is None) == (doc.file is None):
        errors.add("hold_music.choice", fld, "choose either a catalogue track or one of your files")
        return None, None
    if doc.catalogue is not None:
        if doc.catalogue not in CATALOGUE:
            errors.add("hold_music.unknown", f"{fld}.catalogue" if fld else "catalogue",
                       f"unknown catalogue track {doc.catalogue!r}; choose one of {', '.join(sorted(CATALOGUE))}")
        return doc.catalogue, None
    return None, audio_ref(session, errors, f"{fld}.file" if fld else "file", tenant_id, doc.file, ("hold_music",))
