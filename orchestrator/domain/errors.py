"""Errors a person can act on, each with a stable id.

Every validation problem is a :class:`FieldError` (id, path of the field,
message). A write that fails validation raises :class:`ValidationFailed`
carrying all of them, so a form, the API or a YAML import can show every
problem at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    error_id: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def as_dict(self) -> dict[str, str]:
        return {"id": self.error_id, "field": self.field, "message": self.message}


class ConfigError(Exception):
    """The configuration file or an environment variable is unusable."""

    error_id = "config.invalid"


class ServiceError(Exception):
    """Base of every error the service layer raises on purpose."""

    error_id = "error"

    def __init__(self, message: str, *, error_id: str | None = None, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if error_id:
            self.error_id = error_id

    def as_dict(self) -> dict[str, object]:
        return {"id": self.error_id, "field": self.field, "message": self.message}


class NotFound(ServiceError):
    error_id = "not_found"


class ValidationFailed(ServiceError):
    error_id = "validation_failed"

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = list(errors)
        lines = "\n".join(f"  - {e}" for e in self.errors)
        super().__init__(f"{len(self.errors)} problem(s):\n{lines}")

    def as_dict(self) -> dict[str, object]:
        return {"id": self.error_id, "errors": [e.as_dict() for e in self.errors]}


@dataclass
class Errors:
    """Collects field errors under a path prefix such as ``lines[2]``."""

    items: list[FieldError] = field(default_factory=list)
    prefix: str = ""

    def add(self, error_id: str, fld: str, message: str) -> None:
        self.items.append(FieldError(error_id, self.join(fld), message))

    def join(self, fld: str) -> str:
        if not self.prefix:
            return fld
        if not fld:
            return self.prefix
        return f"{self.prefix}{fld}" if fld.startswith("[") else f"{self.prefix}.{fld}"

    @contextmanager
    def at(self, fld: str) -> Iterator[Errors]:
        """Errors added inside the block are reported under ``fld``."""
        saved = self.prefix
        self.prefix = self.join(fld)
        try:
            yield self
        finally:
            self.prefix = saved

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(self.items)
