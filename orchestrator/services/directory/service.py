"""Directory: lists, contacts, personal entries (D-1..D-3)."""

from __future__ import annotations

import logging
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from orchestrator.domain.errors import Errors

from ...db.models import Contact, ContactNumber, DirectoryList, Line, Login, Tenant
from .. import validation as v
from ..base import collecting
from ..context import ServiceContext
from . import tree
from .schema import ContactDoc, ContactKind, ContactNumberDoc, DirectoryDoc, ListDoc, PersonalDirectoryDoc
from .validator import validate_contact

log = logging.getLogger(__name__)
_CHUNK = 500
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
        depth = tree.depth_of(ctx.session, parent_id) + 1
        if depth > tree.MAX_DEPTH:
            tree.too_deep(step.errors, "parent", depth)
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
    """Create ``lists`` and what they hold, depth first as written, without
    recursion: a document nested deeper than the rule stops at the first
    list too deep (:func:`create_list` says so, with its path)."""
    stack = [(f"lists[{i}]", i, sub, parent_id) for i, sub in reversed(list(enumerate(lists)))]
    while stack:
        path, i, sub, parent = stack.pop()
        with errors.at(path):
            row = create_list(ctx, tenant, sub.name, parent, position=i, errors=errors)
            if row is None:
                continue
            for j, contact in enumerate(sub.contacts):
                with errors.at(f"contacts[{j}]"):
                    create_contact(ctx, tenant, contact, list_id=row.id, errors=errors)
        stack += [(f"{path}.lists[{k}]", k, child, row.id) for k, child in reversed(list(enumerate(sub.lists)))]


def import_personal(ctx: ServiceContext, tenant: Tenant, doc: PersonalDirectoryDoc, errors: Errors) -> None:
    owner = ctx.session.scalar(select(Login).where(Login.tenant_id == tenant.id, Login.login == doc.owner))
    if owner is None:
        errors.add("login.unknown", "owner", f"unknown login {doc.owner!r}")
        return
    for i, contact in enumerate(doc.contacts):
        with errors.at(f"contacts[{i}]"):
            create_contact(ctx, tenant, contact, owner=owner, errors=errors)


def contact_to_doc(ctx: ServiceContext, contact: Contact) -> ContactDoc:
    return contact_docs(ctx.session, [contact])[contact.id]


def contact_docs(session: Session, contacts: list[Contact]) -> dict[int, ContactDoc]:
    """Contact id → its document, with a few queries for all of them (their
    numbers are best loaded with the contacts: ``selectinload``)."""
    ids = [c.id for c in contacts]
    lines: dict[int, list[str]] = {}
    logins: dict[int, str] = {}
    for at in range(0, len(ids), _CHUNK):
        chunk = ids[at:at + _CHUNK]
        for cid, number in session.execute(select(Line.contact_id, Line.number).where(Line.contact_id.in_(chunk))
                                           .order_by(Line.number)):
            if cid is not None:
                lines.setdefault(cid, []).append(number)
    login_ids = sorted({c.login_id for c in contacts if c.login_id is not None})
    for at in range(0, len(login_ids), _CHUNK):
        logins.update({lid: name for lid, name in session.execute(
            select(Login.id, Login.login).where(Login.id.in_(login_ids[at:at + _CHUNK])))})
    return {c.id: ContactDoc(
        **{f: getattr(c, f) for f in _FIELDS},
        photo=c.photo_path,
        numbers=[ContactNumberDoc(kind=cast(ContactKind, n.kind),  # stored from a ContactNumberDoc
                                  number=n.number, short_number=n.short_number)
                 for n in c.numbers],
        lines=lines.get(c.id, []),
        login=logins.get(c.login_id) if c.login_id is not None else None,
    ) for c in contacts}


def tree_to_doc(ctx: ServiceContext, tenant: Tenant) -> DirectoryDoc:
    """The company directory as a document, built without recursion. Lists
    planted deeper than :data:`tree.MAX_DEPTH` (before the rule) are written
    as siblings of their ancestor at that depth, so the document imports
    back; a warning says so."""
    s = ctx.session
    rows = list(s.scalars(select(DirectoryList).where(DirectoryList.tenant_id == tenant.id,
                                                      DirectoryList.owner_login_id.is_(None))
                          .order_by(DirectoryList.position, DirectoryList.id)))
    kids: dict[int | None, list[DirectoryList]] = {}
    for r in rows:
        kids.setdefault(r.parent_id, []).append(r)
    contacts = list(s.scalars(select(Contact).where(Contact.tenant_id == tenant.id, Contact.owner_login_id.is_(None))
                              .order_by(Contact.id).options(selectinload(Contact.numbers))))
    docs = contact_docs(s, contacts)
    by_list: dict[int | None, list[ContactDoc]] = {}
    for c in contacts:
        by_list.setdefault(c.list_id, []).append(docs[c.id])
    out = DirectoryDoc(contacts=by_list.get(None, []))
    stack: list[tuple[DirectoryList, int, list[ListDoc]]] = [(r, 1, out.lists) for r in reversed(kids.get(None, []))]
    folded = 0
    while stack:
        row, depth, container = stack.pop()
        doc = ListDoc(name=row.name, contacts=by_list.get(row.id, []))
        container.append(doc)
        inner, below = (doc.lists, depth + 1) if depth < tree.MAX_DEPTH else (container, depth)
        folded += depth >= tree.MAX_DEPTH and bool(kids.get(row.id))
        stack += [(r, below, inner) for r in reversed(kids.get(row.id, []))]
    if folded:
        log.warning("directory lists deeper than %s written as siblings", tree.MAX_DEPTH,
                    extra={"tenant": tenant.name, "lists": folded})
    return out


def personal_to_docs(ctx: ServiceContext, tenant: Tenant) -> list[PersonalDirectoryDoc]:
    out = []
    for login in ctx.session.scalars(select(Login).where(Login.tenant_id == tenant.id).order_by(Login.login)):
        contacts = [contact_to_doc(ctx, c) for c in ctx.session.scalars(
            select(Contact).where(Contact.owner_login_id == login.id).order_by(Contact.id))]
        if contacts:
            out.append(PersonalDirectoryDoc(owner=login.login, contacts=contacts))
    return out
