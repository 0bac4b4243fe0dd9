"""Tenants: create, update, delete, empty (for a replacing import)."""

from __future__ import annotations

from typing import cast, overload

from sqlalchemy import delete, func, select
from sqlalchemy import update as sql_update

from orchestrator.domain.errors import Errors
from orchestrator.domain.names import to_ascii_domain

from ...db.models import (
    AudioFile,
    Contact,
    Device,
    DirectoryList,
    FaxLine,
    Line,
    Login,
    PhoneNumber,
    ReceptionNumber,
    SpecialNumber,
    Tenant,
)
from ..base import collecting
from ..context import ServiceContext
from .schema import TenantDoc, TenantKind
from .validator import validate


def _line_limit(ctx: ServiceContext, doc: TenantDoc) -> int:
    if doc.line_limit is not None:
        return doc.line_limit
    s = ctx.settings
    return s.individual_line_limit if doc.kind == "individual" else s.default_line_limit


def _normalised(doc: TenantDoc) -> TenantDoc:
    """An international domain is stored in its ASCII (``xn--``) form."""
    domain = to_ascii_domain(doc.sip_domain)
    return doc if domain == doc.sip_domain else doc.model_copy(update={"sip_domain": domain})


@overload
def create(ctx: ServiceContext, doc: TenantDoc, errors: None = None) -> Tenant: ...
@overload
def create(ctx: ServiceContext, doc: TenantDoc, errors: Errors) -> Tenant | None: ...


def create(ctx: ServiceContext, doc: TenantDoc, errors: Errors | None = None) -> Tenant | None:
    """The new tenant; None when ``errors`` is given and collected problems
    (without ``errors`` they are raised as :class:`ValidationFailed`)."""
    doc = _normalised(doc)
    with collecting(errors) as step:
        validate(ctx.session, step.errors, doc)
        if step.failed:
            return None
        tenant = Tenant(
            name=doc.name, sip_domain=doc.sip_domain, kind=doc.kind, timezone=doc.timezone,
            emergency_department=doc.emergency_department, line_limit=_line_limit(ctx, doc),
            billing_email=doc.billing_email, technical_email=doc.technical_email,
            postal_address=doc.postal_address,
        )
        ctx.session.add(tenant)
        ctx.session.flush()
        ctx.audit(tenant.id, "create", "tenant", tenant.name, **doc.model_dump(exclude_none=True))
        ctx.changed(tenant.id)
        return tenant


@overload
def update(ctx: ServiceContext, tenant: Tenant, doc: TenantDoc, errors: None = None) -> Tenant: ...
@overload
def update(ctx: ServiceContext, tenant: Tenant, doc: TenantDoc, errors: Errors) -> Tenant | None: ...


def update(ctx: ServiceContext, tenant: Tenant, doc: TenantDoc, errors: Errors | None = None) -> Tenant | None:
    doc = _normalised(doc)
    with collecting(errors) as step:
        validate(ctx.session, step.errors, doc, current=tenant)
        limit = _line_limit(ctx, doc)
        used = ctx.session.scalar(select(func.count()).select_from(Line).where(Line.tenant_id == tenant.id)) or 0
        if limit < used:
            step.errors.add("tenant.line_limit", "line_limit",
                            f"the company has {used} lines; the limit cannot go below that")
        if step.failed:
            return None
        for key in ("name", "sip_domain", "kind", "timezone", "emergency_department",
                    "billing_email", "technical_email", "postal_address"):
            setattr(tenant, key, getattr(doc, key))
        tenant.line_limit = limit
        ctx.audit(tenant.id, "update", "tenant", tenant.name, **doc.model_dump(exclude_none=True))
        ctx.changed(tenant.id)
        return tenant


def to_doc(tenant: Tenant) -> TenantDoc:
    return TenantDoc(
        name=tenant.name, sip_domain=tenant.sip_domain, kind=cast(TenantKind, tenant.kind),  # stored from a TenantDoc
        timezone=tenant.timezone,
        emergency_department=tenant.emergency_department, line_limit=tenant.line_limit,
        billing_email=tenant.billing_email, technical_email=tenant.technical_email,
        postal_address=tenant.postal_address,
    )


def empty(ctx: ServiceContext, tenant: Tenant) -> None:
    """Remove every configured object of the tenant (not its history: call
    records, SMS and the audit log stay) and give its numbers back."""
    s = ctx.session
    tid = tenant.id
    s.execute(delete(Device).where(Device.tenant_id == tid))
    s.execute(delete(SpecialNumber).where(SpecialNumber.tenant_id == tid))
    s.execute(delete(ReceptionNumber).where(ReceptionNumber.tenant_id == tid))
    s.execute(delete(Contact).where(Contact.tenant_id == tid))
    s.execute(delete(DirectoryList).where(DirectoryList.tenant_id == tid))
    s.execute(delete(FaxLine).where(FaxLine.tenant_id == tid))
    s.execute(delete(Line).where(Line.tenant_id == tid))
    s.execute(delete(Login).where(Login.tenant_id == tid))
    s.execute(delete(AudioFile).where(AudioFile.tenant_id == tid))
    s.execute(sql_update(PhoneNumber).where(PhoneNumber.tenant_id == tid).values(usage=None))
    s.expire_all()
    ctx.audit(tid, "empty", "tenant", tenant.name)
    ctx.changed(tid)


def delete_tenant(ctx: ServiceContext, tenant: Tenant) -> None:
    empty(ctx, tenant)
    ctx.session.execute(sql_update(PhoneNumber).where(PhoneNumber.tenant_id == tenant.id).values(tenant_id=None))
    ctx.audit(tenant.id, "delete", "tenant", tenant.name)
    ctx.session.delete(tenant)
    ctx.changed(tenant.id)
