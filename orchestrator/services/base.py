"""Helpers shared by the resource services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from orchestrator.domain.errors import Errors, FieldError, NotFound, ValidationFailed


def has_nul(value: Any) -> bool:
    """A NUL character in ``value`` (a string, or strings in a list or a
    mapping). No text of the platform holds one: PostgreSQL refuses it,
    and C programs (FreeSWITCH) cut the string there."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    return False  # a nested Doc checks its own fields


class Doc(BaseModel):
    """Base of every input/output schema: unknown fields are errors, and no
    text field accepts a NUL character (id ``text.nul``)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if has_nul(value):
            raise PydanticCustomError("text_nul", "the NUL character (\\x00) is not allowed in text")
        return value


class Step:
    """Outcome of one validation run inside a shared :class:`Errors`."""

    def __init__(self, errors: Errors) -> None:
        self.errors = errors
        self.start = len(errors)

    @property
    def failed(self) -> bool:
        return len(self.errors) > self.start


@contextmanager
def collecting(errors: Errors | None) -> Iterator[Step]:
    """Use the caller's collector (YAML import: report everything) or a
    private one that raises :class:`ValidationFailed` on exit (UI, API)."""
    own = errors is None
    step = Step(errors if errors is not None else Errors())
    yield step
    if own:
        step.errors.raise_if_any()


_PYDANTIC_IDS = {
    "missing": "field.required",
    "extra_forbidden": "field.unknown",
    "string_too_long": "field.too_long",
    "too_long": "field.too_long",
    "string_too_short": "field.too_short",
    "greater_than_equal": "field.out_of_range",
    "less_than_equal": "field.out_of_range",
    "literal_error": "field.choice",
    "enum": "field.choice",
    "text_nul": "text.nul",
    "text_control_chars": "text.control_chars",
    "list_too_deep": "list.too_deep",
}


def loc_to_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def pydantic_errors(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    errs = Errors(prefix=prefix)
    for item in exc.errors(include_url=False):
        loc = tuple(p for p in item["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        error_id = _PYDANTIC_IDS.get(item["type"], f"field.{item['type']}")
        msg = item["msg"]
        if item["type"] == "extra_forbidden":
            msg = "unknown field (check its spelling against the schema)"
        elif item["type"] in ("string_too_long", "too_long") and isinstance(item.get("input"), str):
            msg = f"{item.get('ctx', {}).get('max_length')} characters at most"
        errs.add(error_id, loc_to_path(loc), msg)
    return errs.items


M = TypeVar("M", bound=BaseModel)


def parse_doc(model: type[M], data: Any, prefix: str = "") -> M:
    """Validate ``data`` against ``model`` or raise :class:`ValidationFailed`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(pydantic_errors(exc, prefix)) from None


def merge_changes(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` (a document as a dict) with ``changes`` applied: nested
    objects are merged key by key, anything else is replaced (PATCH)."""
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_changes(out[key], value)
        else:
            out[key] = value
    return out


T = TypeVar("T")


def found(row: T | None, error_id: str, message: str, field: str = "") -> T:
    """``row``, or :class:`NotFound` with a stable ``error_id`` (the web UI
    answers 404, the API its 404 JSON). The tenant-scoped getters of every
    service package's ``lookup`` module end with it."""
    if row is None:
        raise NotFound(message, error_id=error_id, field=field)
    return row
