"""Directory (D-1..D-3): a tree of lists holding contacts."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..base import Doc

ContactKind = Literal["work", "mobile", "home"]


class ContactNumberDoc(Doc):
    kind: ContactKind = "work"
    number: str
    short_number: str | None = Field(default=None, description="Dialable from every line of the tenant (D-3)")


class ContactDoc(Doc):
    first_name: str = Field(min_length=1, max_length=80)
    last_name: str = Field(min_length=1, max_length=80)
    email: str | None = Field(default=None, max_length=254)
    company: str | None = Field(default=None, max_length=120)
    function: str | None = Field(default=None, max_length=120)
    address: str | None = Field(default=None, max_length=2000)
    postal_code: str | None = Field(default=None, max_length=16)
    city: str | None = Field(default=None, max_length=80)
    country: str | None = Field(default=None, max_length=80)
    photo: str | None = Field(default=None, max_length=255)
    numbers: list[ContactNumberDoc] = Field(default_factory=list)
    lines: list[str] = Field(default_factory=list, description="Numbers of the tenant's lines this person uses")
    login: str | None = Field(default=None, description="The login of this person (a login of the document)")


class ListDoc(Doc):
    name: str = Field(min_length=1, max_length=80)
    contacts: list[ContactDoc] = Field(default_factory=list)
    lists: list[ListDoc] = Field(default_factory=list)


class DirectoryDoc(Doc):
    contacts: list[ContactDoc] = Field(default_factory=list, description="Contacts outside any list")
    lists: list[ListDoc] = Field(default_factory=list)


class PersonalDirectoryDoc(Doc):
    owner: str = Field(description="The login owning these entries")
    contacts: list[ContactDoc] = Field(default_factory=list)
