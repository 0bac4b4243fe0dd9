"""Which lines a login may use for click-to-call and SMS: its own only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.errors import ServiceError
from orchestrator.domain.numbering import NumberError, normalize

from ..db.models import Contact, Line, Login


def own_line(session: Session, login: Login, line_number: str, region: str = "FR") -> Line:
    try:
        e164 = normalize(line_number, region)
    except NumberError:
        raise ServiceError(f"{line_number!r} is not a line number", error_id="line.invalid", field="line") from None
    line = session.scalar(select(Line).where(Line.number == e164, Line.tenant_id == login.tenant_id))
    if line is None:
        raise ServiceError(f"{e164} is not one of your lines", error_id="line.not_yours", field="line")
    if login.login == line.number:
        return line
    contact = session.scalar(select(Contact).where(Contact.login_id == login.id))
    if contact is not None and line.contact_id == contact.id:
        return line
    raise ServiceError(f"{e164} is not one of your lines", error_id="line.not_yours", field="line")
