"""One short-number namespace per tenant: lines, directory short numbers and
reception numbers share it (L-2, D-3)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.errors import Errors
from orchestrator.domain.numbering import check_short_number

from ..db.models import Contact, ContactNumber, Line, ReceptionNumber


def owner_of(session: Session, tenant_id: int, short: str) -> str | None:
    """Who holds ``short`` in the tenant, as words, or None."""
    line = session.scalar(select(Line.number).where(Line.tenant_id == tenant_id, Line.short_number == short))
    if line:
        return f"line {line}"
    rec = session.scalar(
        select(ReceptionNumber.number)
        .where(ReceptionNumber.tenant_id == tenant_id, ReceptionNumber.short_number == short)
    )
    if rec:
        return f"reception number {rec}"
    contact = session.execute(
        select(Contact.first_name, Contact.last_name)
        .join(ContactNumber, ContactNumber.contact_id == Contact.id)
        .where(Contact.tenant_id == tenant_id, Contact.owner_login_id.is_(None), ContactNumber.short_number == short)
    ).first()
    if contact:
        return f"directory contact {contact[0]} {contact[1]}"
    return None


def check(session: Session, errors: Errors, fld: str, tenant_id: int, short: str | None,
          current_owner: str | None = None) -> bool:
    """Record an error if ``short`` is malformed or taken by someone else."""
    if short is None:
        return True
    problem = check_short_number(short)
    if problem:
        errors.add("short_number.invalid", fld, problem)
        return False
    owner = owner_of(session, tenant_id, short)
    if owner is not None and owner != current_owner:
        errors.add("short_number.taken", fld, f"short number {short} is already used by {owner}")
        return False
    return True
