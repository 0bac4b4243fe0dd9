"""Bounded text for every user-typed field of the schemas: two constrained
string types, reused. Every field using them is limited in length (its database column's
size, or a sensible bound where the column is TEXT) and refuses control
characters, NUL included; multi-line fields (addresses, notes) accept line
breaks and tabs only.

    name: SingleLine | None = Field(None, max_length=80)
    address: MultiLine | None = Field(None, max_length=2000)

Errors carry the ids ``field.too_long``, ``text.nul`` and ``text.control_chars`` (the same
as the validators'), with the field's path.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def _no_nul(value: str) -> None:
    """The same id as every schema's NUL check (``Doc``), whichever runs first."""
    if "\x00" in value:
        raise PydanticCustomError("text_nul", "the NUL character (\\x00) is not allowed in text")


def _single(value: str) -> str:
    _no_nul(value)
    if _CONTROL.search(value):
        raise PydanticCustomError("text_control_chars", "line breaks and control characters are not allowed here")
    return value


def _multi(value: str) -> str:
    _no_nul(value)
    if _CONTROL_BUT_LINES.search(value):
        raise PydanticCustomError("text_control_chars", "control characters are not allowed here")
    return value


SingleLine = Annotated[str, AfterValidator(_single)]
MultiLine = Annotated[str, AfterValidator(_multi)]
