"""From an HTML form to a service call and back: a form's fields become a
partial document (nested by the dotted field names the service layer uses
in its error paths), and the errors come back keyed by those same names."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from orchestrator.domain.errors import FieldError, ServiceError, ValidationFailed

from .i18n import error_text


def field_errors(exc: ServiceError) -> list[FieldError]:
    if isinstance(exc, ValidationFailed):
        return list(exc.errors)
    return [FieldError(exc.error_id, exc.field, exc.message)]


class FormErrors:
    """Errors of one form: those of a field are shown next to it, the rest on top."""

    def __init__(self, errors: Iterable[FieldError] = (), fields: Iterable[str] = ()) -> None:
        self.items = list(errors)
        self.fields = set(fields)

    def of(self, name: str) -> list[FieldError]:
        return [e for e in self.items if e.field == name or e.field.startswith(name + ".")
                or e.field.startswith(name + "[")]

    def general(self) -> list[FieldError]:
        return [e for e in self.items if not any(e.field == f or e.field.startswith((f + ".", f + "["))
                                                 for f in self.fields)]

    def texts(self, name: str) -> list[str]:
        return [error_text(e) for e in self.of(name)]

    def __bool__(self) -> bool:
        return bool(self.items)


def _set(out: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = out
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def hold_music_value(choice: str | None) -> dict[str, str | None] | None:
    """``catalogue:mambo`` / ``file:Name`` / empty (no music)."""
    kind, _, name = (choice or "").partition(":")
    if kind == "catalogue" and name:
        return {"catalogue": name, "file": None}
    if kind == "file" and name:
        return {"catalogue": None, "file": name}
    return None


def hold_music_choice(doc: Any) -> str:
    if doc is None:
        return ""
    return f"catalogue:{doc.catalogue}" if doc.catalogue else f"file:{doc.file}" if doc.file else ""


def changes(form: Mapping[str, str], spec: Mapping[str, str]) -> dict[str, Any]:
    """Read the fields of ``spec`` (name → kind) from ``form``.

    kinds: ``text`` (stripped), ``opt`` (stripped, empty → None: clearing a
    forward removes it), ``raw`` (as sent; the schema converts and checks),
    ``bool`` (a checkbox: absent → False), ``secret`` (only when given),
    ``hold`` (a hold-music choice)."""
    out: dict[str, Any] = {}
    for name, kind in spec.items():
        value = form.get(name)
        if kind == "bool":
            _set(out, name, value is not None and value not in ("", "0", "off", "false"))
        elif value is None:
            continue
        elif kind == "text":
            _set(out, name, value.strip())
        elif kind == "opt":
            _set(out, name, value.strip() or None)
        elif kind == "secret":
            if value.strip():
                _set(out, name, value.strip())
        elif kind == "hold":
            _set(out, name, hold_music_value(value))
        else:
            _set(out, name, value)
    return out
