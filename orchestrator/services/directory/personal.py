"""A user's personal directory (manual §3.5: « un annuaire Personnel géré par
l'utilisateur dont les contacts ne sont visibles que par lui-même »; spec
D-1): contacts owned by the user's login. They have no list, no line, no
login and no short number (short numbers belong to the company directory,
D-3); the company directory and the admins never see them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.errors import Errors

from ...db.models import Contact, Login, Tenant
from ..context import ServiceContext
from . import contacts as book
from .schema import ContactDoc
from .service import create_contact


def personal_contacts(session: Session, owner: Login) -> list[Contact]:
    return list(session.scalars(select(Contact).where(Contact.owner_login_id == owner.id,
                                                      Contact.tenant_id == owner.tenant_id)
                                .order_by(Contact.last_name, Contact.first_name, Contact.id)))


def get_personal(session: Session, owner: Login, contact_id: int) -> Contact | None:
    """A contact of ``owner``'s personal directory, or None (anyone else's too)."""
    contact = session.get(Contact, contact_id)
    if contact is None or contact.owner_login_id != owner.id or contact.tenant_id != owner.tenant_id:
        return None
    return contact


def _check(errors: Errors, doc: ContactDoc) -> None:
    book.check_lengths(errors, doc)
    if doc.lines:
        errors.add("field.not_allowed", "lines", "a personal contact has no line of the company")
    if doc.login is not None:
        errors.add("field.not_allowed", "login", "a personal contact has no login")
    if doc.photo is not None:
        errors.add("field.not_allowed", "photo", "a personal contact has no photo")


def _safe(doc: ContactDoc) -> ContactDoc:
    """What a personal contact may hold (the rest is refused by :func:`_check`)."""
    return doc.model_copy(update={"lines": [], "login": None, "photo": None})


def add_personal(ctx: ServiceContext, owner: Login, doc: ContactDoc) -> Contact:
    """Add a contact to ``owner``'s personal directory; every problem at once."""
    errors = Errors()
    _check(errors, doc)
    tenant = ctx.session.get_one(Tenant, owner.tenant_id)  # the login's tenant: always there
    contact = create_contact(ctx, tenant, _safe(doc), owner=owner, errors=errors)
    errors.raise_if_any()  # the caller rolls back
    assert contact is not None  # None only with errors, raised just above
    return contact


def update_personal(ctx: ServiceContext, contact: Contact, doc: ContactDoc) -> Contact:
    """Replace a personal contact's card and numbers with ``doc``."""
    errors = Errors()
    _check(errors, doc)
    book.update_contact(ctx, contact, _safe(doc), None, errors)
    errors.raise_if_any()  # the caller rolls back
    return contact


def delete_personal(ctx: ServiceContext, contact: Contact) -> None:
    book.delete_contact(ctx, contact)
