"""Company directory editing (D-1, D-2): read the list tree, change or delete
a contact, add or delete a list, replace the whole company directory.

Creation is :func:`service.create_contact`; every check is the shared
:func:`validator.validate_contact`.
"""

from __future__ import annotations

from typing import overload

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from orchestrator.domain.errors import Errors, ServiceError

from ...db.models import Contact, ContactNumber, DirectoryList, Line, Login, Tenant
from ..base import collecting
from ..context import ServiceContext
from .schema import ContactDoc
from .service import _FIELDS, create_contact, create_list
from .validator import validate_contact


def list_paths(session: Session, tenant_id: int) -> dict[int, str]:
    """Company list id → "RH / Recrutement" (for selects and exports)."""
    rows = {r.id: r for r in session.scalars(select(DirectoryList).where(
        DirectoryList.tenant_id == tenant_id, DirectoryList.owner_login_id.is_(None)))}

    def path(leaf: DirectoryList) -> str:
        names, seen = [], set()
        row: DirectoryList | None = leaf
        while row is not None and row.id not in seen:
            seen.add(row.id)
            names.append(row.name)
            row = rows.get(row.parent_id) if row.parent_id is not None else None
        return " / ".join(reversed(names))

    return dict(sorted(((i, path(r)) for i, r in rows.items()), key=lambda kv: kv[1].casefold()))


def get_contact(session: Session, tenant_id: int, contact_id: int) -> Contact | None:
    """A company contact of the tenant, or None (other tenants' ids too)."""
    contact = session.get(Contact, contact_id)
    if contact is None or contact.tenant_id != tenant_id or contact.owner_login_id is not None:
        return None
    return contact


def get_list(session: Session, tenant_id: int, list_id: int) -> DirectoryList | None:
    row = session.get(DirectoryList, list_id)
    if row is None or row.tenant_id != tenant_id or row.owner_login_id is not None:
        return None
    return row


def check_list(session: Session, errors: Errors, tenant_id: int, list_id: int | None) -> None:
    if list_id is not None and get_list(session, tenant_id, list_id) is None:
        errors.add("list.unknown", "list", "unknown list")


# Column sizes the schema does not bound: a longer value would be a database
# error (PostgreSQL) instead of a field error.
_LIMITS = {"email": 254, "company": 120, "function": 120, "postal_code": 16, "city": 80, "country": 80}


def check_lengths(errors: Errors, doc: ContactDoc) -> None:
    for name, limit in _LIMITS.items():
        text_ok(errors, name, getattr(doc, name), limit)


@overload
def add_contact(ctx: ServiceContext, tenant: Tenant, doc: ContactDoc, list_id: int | None,
                errors: None = None) -> Contact: ...
@overload
def add_contact(ctx: ServiceContext, tenant: Tenant, doc: ContactDoc, list_id: int | None,
                errors: Errors) -> Contact | None: ...
def add_contact(ctx: ServiceContext, tenant: Tenant, doc: ContactDoc, list_id: int | None,
                errors: Errors | None = None) -> Contact | None:
    """Create a company contact in ``list_id`` (None: at the top). None only
    with ``errors`` to collect into; without, invalid input raises
    ValidationFailed."""
    with collecting(errors) as step:
        check_list(ctx.session, step.errors, tenant.id, list_id)
        check_lengths(step.errors, doc)
        if step.failed:
            return None
        return create_contact(ctx, tenant, doc, list_id=list_id, errors=step.errors)


def update_contact(ctx: ServiceContext, contact: Contact, doc: ContactDoc, list_id: int | None,
                   errors: Errors | None = None) -> Contact | None:
    """Replace a contact's card, numbers and lines with ``doc`` and move it
    to ``list_id``. On errors the session holds partial changes: the caller
    rolls back (nothing is committed)."""
    s = ctx.session
    tenant = ctx.tenant(contact.tenant_id)
    with collecting(errors) as step:
        check_list(s, step.errors, tenant.id, list_id)
        check_lengths(step.errors, doc)
        # What the contact holds now must not count as "taken" by someone else.
        s.execute(update(Line).where(Line.contact_id == contact.id).values(contact_id=None)
                  .execution_options(synchronize_session="fetch"))
        contact.numbers.clear()
        s.flush()
        vals = validate_contact(s, step.errors, tenant, doc, ctx.settings.default_region,
                                personal=contact.owner_login_id is not None)
        if vals.login is not None and s.scalar(select(Contact).where(Contact.login_id == vals.login.id,
                                                                     Contact.id != contact.id)):
            step.errors.add("login.has_contact", "login",
                            f"login {vals.login.login} already belongs to another contact")
        if step.failed:
            return None
        for name in _FIELDS:
            setattr(contact, name, getattr(doc, name))
        contact.photo_path = doc.photo
        contact.list_id = list_id
        contact.login_id = vals.login.id if vals.login else None
        for pos, (num, e164) in enumerate(zip(doc.numbers, vals.numbers, strict=False)):
            contact.numbers.append(ContactNumber(kind=num.kind, number=e164, short_number=num.short_number,
                                                 position=pos))
        for line in vals.lines:
            line.contact_id = contact.id
        s.flush()
        ctx.audit(tenant.id, "update", "contact", f"{doc.first_name} {doc.last_name}",
                  **doc.model_dump(exclude_none=True, exclude={"photo"}))
        ctx.changed(tenant.id)
        return contact


def delete_contact(ctx: ServiceContext, contact: Contact) -> None:
    """Delete a contact; its lines stay, without a contact."""
    s = ctx.session
    s.execute(update(Line).where(Line.contact_id == contact.id).values(contact_id=None)
              .execution_options(synchronize_session="fetch"))
    ctx.audit(contact.tenant_id, "delete", "contact", f"{contact.first_name} {contact.last_name}")
    ctx.changed(contact.tenant_id)  # its short numbers leave the dial plan
    s.delete(contact)
    s.flush()


def add_list(ctx: ServiceContext, tenant: Tenant, name: str, parent_id: int | None,
             errors: Errors | None = None) -> DirectoryList | None:
    with collecting(errors) as step:
        name = (name or "").strip()
        if not name:
            step.errors.add("field.required", "name", "a list needs a name")
        elif len(name) > 80:
            step.errors.add("field.too_long", "name", "80 characters at most")
        check_list(ctx.session, step.errors, tenant.id, parent_id)
        if step.failed:
            return None
        position = ctx.session.scalar(select(func.count()).select_from(DirectoryList).where(
            DirectoryList.tenant_id == tenant.id, DirectoryList.owner_login_id.is_(None),
            DirectoryList.parent_id.is_(None) if parent_id is None else DirectoryList.parent_id == parent_id)) or 0
        return create_list(ctx, tenant, name, parent_id, position=position, errors=step.errors)


def delete_list(ctx: ServiceContext, row: DirectoryList) -> None:
    """Delete an empty list (no contact, no sub-list)."""
    s = ctx.session
    used = (s.scalar(select(func.count()).select_from(Contact).where(Contact.list_id == row.id)) or 0) + \
        (s.scalar(select(func.count()).select_from(DirectoryList).where(DirectoryList.parent_id == row.id)) or 0)
    if used:
        raise ServiceError(f"the list {row.name!r} is not empty: move or delete what it holds first",
                           error_id="list.not_empty", field="list")
    ctx.audit(row.tenant_id, "delete", "directory_list", row.name)
    s.delete(row)
    s.flush()


def company_counts(session: Session, tenant_id: int) -> dict[str, int]:
    contact_ids = select(Contact.id).where(Contact.tenant_id == tenant_id, Contact.owner_login_id.is_(None))
    return {
        "contacts": session.scalar(select(func.count()).select_from(contact_ids.subquery())) or 0,
        "numbers": session.scalar(select(func.count()).select_from(ContactNumber)
                                  .where(ContactNumber.contact_id.in_(contact_ids))) or 0,
        "lists": session.scalar(select(func.count()).select_from(DirectoryList).where(
            DirectoryList.tenant_id == tenant_id, DirectoryList.owner_login_id.is_(None))) or 0,
    }


def clear_company(ctx: ServiceContext, tenant: Tenant) -> None:
    """Remove every company contact and list (personal entries stay)."""
    s = ctx.session
    s.flush()
    contact_ids = select(Contact.id).where(Contact.tenant_id == tenant.id, Contact.owner_login_id.is_(None))
    s.execute(update(Line).where(Line.contact_id.in_(contact_ids)).values(contact_id=None)
              .execution_options(synchronize_session=False))
    s.execute(delete(ContactNumber).where(ContactNumber.contact_id.in_(contact_ids))
              .execution_options(synchronize_session=False))
    s.execute(update(Contact).where(Contact.tenant_id == tenant.id, Contact.owner_login_id.is_not(None))
              .where(Contact.list_id.in_(select(DirectoryList.id).where(DirectoryList.tenant_id == tenant.id,
                                                                         DirectoryList.owner_login_id.is_(None))))
              .values(list_id=None).execution_options(synchronize_session=False))
    s.execute(delete(Contact).where(Contact.tenant_id == tenant.id, Contact.owner_login_id.is_(None))
              .execution_options(synchronize_session=False))
    s.execute(update(DirectoryList).where(DirectoryList.tenant_id == tenant.id,
                                          DirectoryList.owner_login_id.is_(None)).values(parent_id=None)
              .execution_options(synchronize_session=False))
    s.execute(delete(DirectoryList).where(DirectoryList.tenant_id == tenant.id, DirectoryList.owner_login_id.is_(None))
              .execution_options(synchronize_session=False))
    s.expire_all()


def ensure_path(ctx: ServiceContext, tenant: Tenant, parts: list[str], cache: dict[tuple[str, ...], int],
                errors: Errors) -> int | None:
    """The id of the company list at ``parts`` ("RH", "Recrutement"), created as needed."""
    parent: int | None = None
    for depth in range(1, len(parts) + 1):
        key = tuple(parts[:depth])
        if key not in cache:
            row = create_list(ctx, tenant, parts[depth - 1], parent, position=len(cache), errors=errors)
            if row is None:
                return None
            cache[key] = row.id
        parent = cache[key]
    return parent


def user_login_for_line(session: Session, tenant_id: int, number: str) -> Login | None:
    """The user login of a line (users log in with their line number)."""
    return session.scalar(select(Login).where(Login.tenant_id == tenant_id, Login.role == "user",
                                              Login.login == number))


def text_ok(errors: Errors, fld: str, value: str | None, limit: int) -> None:
    if value and len(value) > limit:
        errors.add("field.too_long", fld, f"{limit} characters at most")
