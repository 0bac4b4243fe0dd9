"""« Mes accès » (manual §3.2.1.3, spec A-2): who can log in to the
company's account — its administrators (by e-mail) and its users (by line
number) — with the line and the directory contact of each user login."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db.models import Contact, Line, Login


@dataclass
class Access:
    login: Login
    line: Line | None  # a user's line (its login is the line's number)
    contact: Contact | None  # the directory contact holding this login

    @property
    def role(self) -> str:
        return self.login.role


def accesses(session: Session, tenant_id: int) -> list[Access]:
    """Admins first, then users, each by login."""
    logins = session.scalars(select(Login).where(Login.tenant_id == tenant_id)
                             .order_by(Login.role, Login.login)).all()
    lines = {ln.number: ln for ln in session.scalars(select(Line).where(Line.tenant_id == tenant_id))}
    holders = {c.login_id: c for c in session.scalars(select(Contact).where(
        Contact.tenant_id == tenant_id, Contact.login_id.is_not(None)))}
    return [Access(login=row, line=lines.get(row.login) if row.role == "user" else None,
                   contact=holders.get(row.id)) for row in logins]
