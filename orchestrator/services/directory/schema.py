"""Directory (D-1..D-3): a tree of lists holding contacts."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ..base import Doc
from ..text import MultiLine, SingleLine

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


class DirectoryDoc(Doc):
    contacts: list[ContactDoc] = Field(default_factory=list, description="Contacts outside any list")
    lists: list[ListDoc] = Field(default_factory=list)


class PersonalDirectoryDoc(Doc):
    owner: SingleLine = Field(max_length=254, description="The login owning these entries")
    contacts: list[ContactDoc] = Field(default_factory=list)
