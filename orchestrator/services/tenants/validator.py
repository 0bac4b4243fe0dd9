from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.errors import Errors

from ...db.models import Tenant
from .. import validation as v
from .schema import TenantDoc


def validate(session: Session, errors: Errors, doc: TenantDoc, current: Tenant | None = None) -> None:
    v.single_line_text(errors, "name", doc.name)
    v.hostname(errors, "sip_domain", doc.sip_domain)
    v.timezone(errors, "timezone", doc.timezone)
    v.department(errors, "emergency_department", doc.emergency_department)
    v.email(errors, "billing_email", doc.billing_email)
    v.email(errors, "technical_email", doc.technical_email)
    other = session.scalar(select(Tenant).where(Tenant.name == doc.name))
    if other is not None and other is not current:
        errors.add("tenant.name_taken", "name", f"a company named {doc.name!r} already exists")
    other = session.scalar(select(Tenant).where(Tenant.sip_domain == doc.sip_domain))
    if other is not None and other is not current:
        errors.add("tenant.domain_taken", "sip_domain", f"the SIP domain {doc.sip_domain!r} is already used")
