"""Directory: lists, contacts, personal entries (D-1..D-3)."""

from __future__ import annotations

from typing import cast

from sqlalchemy import select

from orchestrator.domain.errors import Errors

from ...db.models import Contact, ContactNumber, DirectoryList, Line, Login, Tenant
from .. import validation as v
from ..base import collecting
from ..context import ServiceContext
from .schema import ContactDoc, ContactKind, ContactNumberDoc, DirectoryDoc, ListDoc, PersonalDirectoryDoc
from .validator import validate_contact

_FIELDS = ("first_name", "last_name", "email", "company", "function", "address", "postal_code", "city", "country")


def create_contact(ctx: ServiceContext, tenant: Tenant, doc: ContactDoc, *, list_id: int | None = None,
                   owner: Login | None = None, errors: Errors | None = None) -> Contact | None:
    with collecting(errors) as step:
        vals = validate_contact(ctx.session, step.errors, tenant, doc, ctx.settings.default_region,
                                personal=owner is not None)
        if vals.login is not None and ctx.session.scalar(select(Contact).where(Contact.login_id == vals.login.id)):
            step.errors.add("login.has_contact", "login",
                            f"login {vals.login.login} already belongs to another contact")
        if step.failed:
            return None
        contact = Contact(tenant_id=tenant.id, list_id=list_id, owner_login_id=owner.id if owner else None,
                          photo_path=doc.photo, login_id=vals.login.id if vals.login else None,
                          **{f: getattr(doc, f) for f in _FIELDS})
        for pos, (num, e164) in enumerate(zip(doc.numbers, vals.numbers, strict=False)):
            contact.numbers.append(ContactNumber(kind=num.kind, number=e164, short_number=num.short_number,
                                                 position=pos))
        ctx.session.add(contact)
        ctx.session.flush()
        for line in vals.lines:
            line.contact_id = contact.id
        ctx.audit(tenant.id, "create", "contact", f"{doc.first_name} {doc.last_name}")
        ctx.changed(tenant.id)
        return contact


def create_list(ctx: ServiceContext, tenant: Tenant, name: str, parent_id: int | None = None,
                position: int = 0, owner: Login | None = None, errors: Errors | None = None) -> DirectoryList | None:
    with collecting(errors) as step:
        v.single_line_text(step.errors, "name", name)
        if step.failed:
            return None
    row = DirectoryList(tenant_id=tenant.id, parent_id=parent_id, name=name, position=position,
                        owner_login_id=owner.id if owner else None)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit(tenant.id, "create", "directory_list", name)
    return row


def import_tree(ctx: ServiceContext, tenant: Tenant, doc: DirectoryDoc, errors: Errors) -> None:
    """Create the company directory of a tenant document."""
    for i, contact in enumerate(doc.contacts):
        with errors.at(f"contacts[{i}]"):
            create_contact(ctx, tenant, contact, errors=errors)
    _import_lists(ctx, tenant, doc.lists, None, errors)


def _import_lists(ctx: ServiceContext, tenant: Tenant, lists: list[ListDoc], parent_id: int | None,
                  errors: Errors) -> None:
    for i, sub in enumerate(lists):
        with errors.at(f"lists[{i}]"):
            row = create_list(ctx, tenant, sub.name, parent_id, position=i, errors=errors)
            if row is None:
                continue
            for j, contact in enumerate(sub.contacts):
                with errors.at(f"contacts[{j}]"):
                    create_contact(ctx, tenant, contact, list_id=row.id, errors=errors)
            _import_lists(ctx, tenant, sub.lists, row.id, errors)


def import_personal(ctx: ServiceContext, tenant: Tenant, doc: PersonalDirectoryDoc, errors: Errors) -> None:
    owner = ctx.session.scalar(select(Login).where(Login.tenant_id == tenant.id, Login.login == doc.owner))
    if owner is None:
        errors.add("login.unknown", "owner", f"unknown login {doc.owner!r}")
        return
    for i, contact in enumerate(doc.contacts):
        with errors.at(f"contacts[{i}]"):
            create_contact(ctx, tenant, contact, owner=owner, errors=errors)


def contact_to_doc(ctx: ServiceContext, contact: Contact) -> ContactDoc:
    lines = ctx.session.scalars(select(Line.number).where(Line.contact_id == contact.id).order_by(Line.number))
    login = ctx.session.get(Login, contact.login_id) if contact.login_id else None
    return ContactDoc(
        **{f: getattr(contact, f) for f in _FIELDS},
        photo=contact.photo_path,
        numbers=[ContactNumberDoc(kind=cast(ContactKind, n.kind),  # stored from a ContactNumberDoc
                                  number=n.number, short_number=n.short_number)
                 for n in contact.numbers],
        lines=list(lines),
        login=login.login if login else None,
    )


def _contacts(ctx: ServiceContext, tenant: Tenant, list_id: int | None, owner_id: int | None) -> list[ContactDoc]:
    query = select(Contact).where(Contact.tenant_id == tenant.id, Contact.list_id.is_(None) if list_id is None
                                  else Contact.list_id == list_id)
    query = query.where(Contact.owner_login_id.is_(None) if owner_id is None else Contact.owner_login_id == owner_id)
    return [contact_to_doc(ctx, c) for c in ctx.session.scalars(query.order_by(Contact.id))]


def _lists(ctx: ServiceContext, tenant: Tenant, parent_id: int | None) -> list[ListDoc]:
    query = select(DirectoryList).where(
        DirectoryList.tenant_id == tenant.id, DirectoryList.owner_login_id.is_(None),
        DirectoryList.parent_id.is_(None) if parent_id is None else DirectoryList.parent_id == parent_id,
    ).order_by(DirectoryList.position, DirectoryList.id)
    return [ListDoc(name=row.name, contacts=_contacts(ctx, tenant, row.id, None), lists=_lists(ctx, tenant, row.id))
            for row in ctx.session.scalars(query)]


def tree_to_doc(ctx: ServiceContext, tenant: Tenant) -> DirectoryDoc:
    return DirectoryDoc(contacts=_contacts(ctx, tenant, None, None), lists=_lists(ctx, tenant, None))


def personal_to_docs(ctx: ServiceContext, tenant: Tenant) -> list[PersonalDirectoryDoc]:
    out = []
    for login in ctx.session.scalars(select(Login).where(Login.tenant_id == tenant.id).order_by(Login.login)):
        contacts = [contact_to_doc(ctx, c) for c in ctx.session.scalars(
            select(Contact).where(Contact.owner_login_id == login.id).order_by(Contact.id))]
        if contacts:
            out.append(PersonalDirectoryDoc(owner=login.login, contacts=contacts))
    return out
