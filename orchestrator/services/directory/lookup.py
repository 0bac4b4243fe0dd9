"""Tenant-scoped getters of the directory: company contacts and lists, and
a user's personal contacts (anyone else's is :class:`NotFound`)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ...db.models import Contact, DirectoryList, Login
from ..base import found
from .contacts import get_contact, get_list
from .personal import get_personal


def contact(session: Session, tenant_id: int, contact_id: int) -> Contact:
    return found(get_contact(session, tenant_id, contact_id), "contact.not_found", f"no contact {contact_id}",
                 "contact")


def directory_list(session: Session, tenant_id: int, list_id: int) -> DirectoryList:
    return found(get_list(session, tenant_id, list_id), "list.not_found", f"no list {list_id}", "list")


def personal_contact(session: Session, owner: Login, contact_id: int) -> Contact:
    return found(get_personal(session, owner, contact_id), "contact.not_found", f"no contact {contact_id}",
                 "contact")
