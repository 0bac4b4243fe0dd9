"""Directory (D-1..D-3): a tree of lists holding contacts."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from ..base import Doc
from ..text import MultiLine, SingleLine
from .tree import MAX_DEPTH

ContactKind = Literal["work", "mobile", "home"]


class ContactNumberDoc(Doc):
    kind: ContactKind = "work"
    number: SingleLine = Field(max_length=32)
    short_number: SingleLine | None = Field(default=None, max_length=6,
                                            description="Dialable from every line of the tenant (D-3)")


class ContactDoc(Doc):
    first_name: SingleLine = Field(min_length=1, max_length=80)
    last_name: SingleLine = Field(min_length=1, max_length=80)
    email: SingleLine | None = Field(default=None, max_length=254)
    company: SingleLine | None = Field(default=None, max_length=120)
    function: SingleLine | None = Field(default=None, max_length=120)
    address: MultiLine | None = Field(default=None, max_length=2000)
    postal_code: SingleLine | None = Field(default=None, max_length=16)
    city: SingleLine | None = Field(default=None, max_length=80)
    country: SingleLine | None = Field(default=None, max_length=80)
    photo: SingleLine | None = Field(default=None, max_length=255)
    numbers: list[ContactNumberDoc] = Field(default_factory=list, max_length=50)
    lines: list[Annotated[SingleLine, Field(max_length=32)]] = Field(
        default_factory=list, max_length=50, description="Numbers of the tenant's lines this person uses")
    login: SingleLine | None = Field(default=None, max_length=254,
                                     description="The login of this person (a login of the document)")


class ListDoc(Doc):
    name: SingleLine = Field(min_length=1, max_length=80)
    contacts: list[ContactDoc] = Field(default_factory=list)
    lists: list[ListDoc] = Field(default_factory=list)


def deepest(lists: Any) -> int:
    """How deep the ``lists`` of a raw document nest (walked iteratively)."""
    out, stack = 0, [(lists, 1)]
    while stack:
        items, depth = stack.pop()
        if not isinstance(items, list):
            continue
        for item in items:
            if isinstance(item, dict):
                out = max(out, depth)
                stack.append((item.get("lists"), depth + 1))
    return out


class DirectoryDoc(Doc):
    contacts: list[ContactDoc] = Field(default_factory=list, description="Contacts outside any list")
    lists: list[ListDoc] = Field(default_factory=list,
                                 description=f"Lists nest {MAX_DEPTH} deep at most (\"RH / Recrutement / Cadres\": 3)")

    @model_validator(mode="before")
    @classmethod
    def _not_too_deep(cls, data: Any) -> Any:
        """Checked on the raw document, before its lists are validated one
        level at a time (which a deep document would exhaust)."""
        depth = deepest(data.get("lists")) if isinstance(data, dict) else 0
        if depth > MAX_DEPTH:
            raise PydanticCustomError("list_too_deep", "lists nest {limit} deep at most (as in \"RH / Recrutement / "
                                      "Cadres\"); these are {depth} deep", {"limit": MAX_DEPTH, "depth": depth})
        return data


class PersonalDirectoryDoc(Doc):
    owner: SingleLine = Field(max_length=254, description="The login owning these entries")
    contacts: list[ContactDoc] = Field(default_factory=list)
