"""« Mes infos › Administration » (A-4, manual §3.2.4.1, Figure 7): the
company's billing and technical contact e-mails and its postal address,
edited by its admin from the web UI and the API. The rest of the tenant
(name, SIP domain, limits) is the platform operator's, not the admin's."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from orchestrator.domain.errors import Errors, FieldError, ValidationFailed

from ...db.models import Tenant
from .. import validation as v
from ..base import parse_doc
from ..context import ServiceContext

FIELDS = ("billing_email", "technical_email", "postal_address")
ADDRESS_MAX = 500
_ADDRESS_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")  # line breaks are allowed


class ContactsDoc(BaseModel):
    """The company's contacts (A-4); an empty value clears it."""

    billing_email: str | None = Field(None, max_length=254, description="Receives the invoice notifications")
    technical_email: str | None = Field(None, max_length=254, description="The technical contact")
    postal_address: str | None = Field(None, max_length=ADDRESS_MAX,
                                       description="Billing address, several lines (street, postcode, town)")


def to_doc(tenant: Tenant) -> ContactsDoc:
    return ContactsDoc(billing_email=tenant.billing_email, technical_email=tenant.technical_email,
                       postal_address=tenant.postal_address)


def _clean(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = value.replace("\r\n", "\n").strip()
    return text or None


def update(ctx: ServiceContext, tenant: Tenant, changes: Mapping[str, Any]) -> Tenant:
    """Apply ``changes`` (any subset of :data:`FIELDS`) or raise
    :class:`ValidationFailed` with every problem, nothing stored. Nothing
    here reaches FreeSWITCH: the configuration revision is not bumped."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise ValidationFailed([FieldError("field.unknown", k, f"{k!r} cannot be changed here; "
                                           f"only {', '.join(FIELDS)}") for k in unknown])
    merged = {**to_doc(tenant).model_dump(), **{k: _clean(val) for k, val in changes.items()}}
    doc = parse_doc(ContactsDoc, merged)
    errors = Errors()
    v.email(errors, "billing_email", doc.billing_email)
    v.email(errors, "technical_email", doc.technical_email)
    if doc.postal_address and _ADDRESS_CONTROL.search(doc.postal_address):
        errors.add("text.control_chars", "postal_address", "control characters are not allowed in an address")
    if errors:
        raise ValidationFailed(errors.items)
    for key in FIELDS:
        setattr(tenant, key, getattr(doc, key))
    ctx.audit(tenant.id, "update", "tenant_contacts", tenant.name, **doc.model_dump())
    return tenant
