"""Tenant-scoped getters of lines and fax lines: a row of another company
(or, for a user, another user's line) is :class:`NotFound`, like no row."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from orchestrator.domain.numbering import NumberError, normalize

from ...db.models import Contact, FaxLine, Line, Login
from ..base import found


class Owner(Protocol):
    """Who asks for lines (a web or API principal): an admin of one tenant,
    or a user (their login, or a directory contact an admin acts as)."""

    tenant_id: int
    login_id: int | None
    contact_id: int | None

    @property
    def is_admin(self) -> bool: ...


def own_lines_query(session: Session, owner: Owner) -> Select[Line]:
    """The lines of ``owner``: all the tenant's for an admin; for a user the
    line of its login and the lines of its directory contact."""
    q = select(Line).where(Line.tenant_id == owner.tenant_id)
    if owner.is_admin:
        return q
    conds: list[Any] = []
    if owner.login_id is not None:
        login = session.get(Login, owner.login_id)
        if login is not None:
            conds.append(Line.number == login.login)
        conds.append(Line.contact_id.in_(select(Contact.id).where(Contact.login_id == owner.login_id)))
    if owner.contact_id is not None:
        conds.append(Line.contact_id == owner.contact_id)
    return q.where(or_(*conds)) if conds else q.where(Line.id.is_(None))


def own_lines(session: Session, owner: Owner) -> list[Line]:
    return list(session.scalars(own_lines_query(session, owner).order_by(Line.number)))


def own_line(session: Session, owner: Owner, line_id: int) -> Line:
    return found(session.scalar(own_lines_query(session, owner).where(Line.id == line_id)),
                 "line.not_found", f"no line {line_id}", "line")


def _e164(number: str, region: str) -> str | None:
    try:
        return normalize(number, region)
    except NumberError:
        return None


def own_line_by_number(session: Session, owner: Owner, number: str, region: str) -> Line:
    e164 = _e164(number, region)
    row = session.scalar(own_lines_query(session, owner).where(Line.number == e164)) if e164 else None
    return found(row, "line.not_found", f"no line {number}", "line")


def line(session: Session, tenant_id: int, line_id: int) -> Line:
    row = session.get(Line, line_id)
    return found(row if row is not None and row.tenant_id == tenant_id else None,
                 "line.not_found", f"no line {line_id}", "line")


def fax_line(session: Session, tenant_id: int, fax_id: int) -> FaxLine:
    row = session.get(FaxLine, fax_id)
    return found(row if row is not None and row.tenant_id == tenant_id else None,
                 "fax_line.not_found", f"no fax line {fax_id}", "fax_line")


def fax_line_by_number(session: Session, tenant_id: int, number: str, region: str) -> FaxLine:
    e164 = _e164(number, region)
    query = select(FaxLine).where(FaxLine.number == e164, FaxLine.tenant_id == tenant_id)
    row = session.scalar(query) if e164 else None
    return found(row, "fax_line.not_found", f"no fax line {number}", "fax_line")


def tenant_lines(session: Session, tenant_id: int, *, except_id: int | None = None) -> list[Line]:
    """The company's phone lines by number (``except_id`` left out)."""
    query = select(Line).where(Line.tenant_id == tenant_id)
    if except_id is not None:
        query = query.where(Line.id != except_id)
    return list(session.scalars(query.order_by(Line.number)))


def tenant_fax_lines(session: Session, tenant_id: int) -> list[FaxLine]:
    return list(session.scalars(select(FaxLine).where(FaxLine.tenant_id == tenant_id).order_by(FaxLine.number)))
