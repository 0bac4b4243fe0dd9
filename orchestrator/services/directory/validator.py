"""Checks for directory contacts (D-1..D-3)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.errors import Errors

from ...db.models import Line, Login, Tenant
from .. import shortnumbers
from .. import validation as v
from ..inventory import parse
from .schema import ContactDoc


@dataclass
class ContactValues:
    numbers: list[str | None] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    login: Login | None = None


def validate_contact(session: Session, errors: Errors, tenant: Tenant, doc: ContactDoc, region: str,
                     *, personal: bool = False) -> ContactValues:
    out = ContactValues()
    for fld in ("first_name", "last_name", "company", "function", "postal_code", "city", "country"):
        v.single_line_text(errors, fld, getattr(doc, fld))
    v.email(errors, "email", doc.email)
    seen_short: set[str] = set()
    for i, num in enumerate(doc.numbers):
        with errors.at(f"numbers[{i}]"):
            out.numbers.append(parse(errors, "number", num.number, region))
            if num.short_number is not None:
                if personal:
                    errors.add("short_number.personal", "short_number",
                               "short numbers belong to the company directory, not to personal entries")
                elif num.short_number in seen_short:
                    errors.add("short_number.taken", "short_number", f"short number {num.short_number} is given twice")
                else:
                    shortnumbers.check(session, errors, "short_number", tenant.id, num.short_number)
                    seen_short.add(num.short_number)
    for i, raw in enumerate(doc.lines):
        e164 = parse(errors, f"lines[{i}]", raw, region)
        if e164 is None:
            continue
        line = session.scalar(select(Line).where(Line.number == e164, Line.tenant_id == tenant.id))
        if line is None:
            errors.add("line.unknown", f"lines[{i}]", f"unknown line {e164}")
        elif line.contact_id is not None:
            errors.add("line.has_contact", f"lines[{i}]", f"line {e164} already belongs to another contact")
        else:
            out.lines.append(line)
    if doc.login is not None:
        login = session.scalar(select(Login).where(Login.tenant_id == tenant.id, Login.login == doc.login))
        if login is None:
            errors.add("login.unknown", "login", f"unknown login {doc.login!r}")
        out.login = login
    return out
