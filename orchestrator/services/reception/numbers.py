"""Adding, changing and deleting a reception number (manual §3.7.1, R-1).

A new reception number takes a free number of the pool (a proposal of
:func:`inventory.propose`, or one typed "à la carte" that is free in the
pool) and starts with its default profile: a simultaneous hunt group
without members. Deleting is refused while another reception number's IVR
key or a special number's routing sends calls to it.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlalchemy import select

from orchestrator.domain.errors import Errors, ServiceError

from ...db.models import (
    Device,
    DeviceKey,
    IvrKey,
    PhoneNumber,
    ReceptionNumber,
    ReceptionProfile,
    Routing,
    RoutingDestination,
    SpecialNumber,
    SpecialProfile,
    Tenant,
)
from .. import inventory, shortnumbers
from .. import validation as v
from ..base import Doc, collecting, parse_doc
from ..context import ServiceContext
from .schema import HuntGroupDoc, ProfileDoc, ReceptionDoc
from .service import create, delete

DEFAULT_PROFILE = "Profil par défaut"  # the manual's name (§3.7.6)
NUMBER_KINDS = ("geographic", "voip")


class NewReceptionIn(Doc):
    """What the "add a reception number" form and API take."""

    number: str = Field(min_length=1, description="A free number of the pool (see the proposals)")
    label: str = Field(min_length=1, max_length=80)
    short_number: str | None = Field(None, max_length=6)


class ReceptionPatch(Doc):
    label: str | None = Field(None, min_length=1, max_length=80)
    short_number: str | None = Field(None, max_length=6, description="null removes it")


def proposals(ctx: ServiceContext, tenant: Tenant, kind: str = "geographic", zone_code: str | None = None,
              last_digits: str | None = None, count: int = 5) -> list[str]:
    """Free numbers of the pool for a new reception number: the tenant's
    reserved ones first, then others; "à la carte" by their last digits."""
    if kind not in NUMBER_KINDS:
        kind = "geographic"
    digits = "".join(ch for ch in (last_digits or "") if ch.isdigit())[:8] or None
    return inventory.propose(ctx.session, tenant, kind=kind, zone_code=zone_code if kind == "geographic" else None,
                             last_digits=digits, count=count)


def _check_free_in_pool(ctx: ServiceContext, errors: Errors, tenant: Tenant, raw: str) -> str | None:
    e164 = inventory.parse(errors, "number", raw, ctx.settings.default_region)
    if e164 is None:
        return None
    row = ctx.session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == e164))
    if row is None:
        errors.add("number.not_in_pool", "number",
                   f"{e164} is not a number of the pool: choose one of the proposals")
        return None
    if row.usage is not None or row.tenant_id not in (None, tenant.id):
        errors.add("number.taken", "number", f"{e164} is not free")
        return None
    return e164


def add_reception(ctx: ServiceContext, tenant: Tenant, data: dict[str, Any] | NewReceptionIn) -> ReceptionNumber:
    """§3.7.1: create a reception number on a free number of the pool, with
    its default profile (hunt group, simultaneous, no members)."""
    doc: NewReceptionIn = data if isinstance(data, NewReceptionIn) else parse_doc(NewReceptionIn, data)
    short = doc.short_number or None
    with collecting(None) as step:
        e164 = _check_free_in_pool(ctx, step.errors, tenant, doc.number)
        v.single_line_text(step.errors, "label", doc.label)
        shortnumbers.check(ctx.session, step.errors, "short_number", tenant.id, short)
    rec_doc = ReceptionDoc(number=e164 or doc.number, label=doc.label, short_number=short,
                           profiles=[ProfileDoc(name=DEFAULT_PROFILE, default=True, hunt_group=HuntGroupDoc())])
    rec = create(ctx, tenant, rec_doc)
    assert rec is not None  # create raises ValidationFailed otherwise
    return rec


def update_reception(ctx: ServiceContext, rec: ReceptionNumber, data: dict[str, Any]) -> ReceptionNumber:
    """The label ("Intitulé … Modifier") and the short number."""
    doc: ReceptionPatch = parse_doc(ReceptionPatch, data)
    given = doc.model_fields_set
    with collecting(None) as step:
        if "label" in given:
            if doc.label is None:
                step.errors.add("field.required", "label", "a label is required")
            v.single_line_text(step.errors, "label", doc.label)
        if "short_number" in given:
            shortnumbers.check(ctx.session, step.errors, "short_number", rec.tenant_id, doc.short_number or None,
                               current_owner=f"reception number {rec.number}")
    if "label" in given and doc.label is not None:
        rec.label = doc.label
    if "short_number" in given:
        rec.short_number = doc.short_number or None
    ctx.session.flush()
    ctx.audit(rec.tenant_id, "update", "reception_number", rec.number, **{k: getattr(doc, k) for k in given})
    ctx.changed(rec.tenant_id)
    return rec


def references(ctx: ServiceContext, rec: ReceptionNumber) -> list[str]:
    """What sends calls to ``rec``: IVR keys of other reception numbers and
    routings of special numbers (a person can read each)."""
    s = ctx.session
    out: list[str] = []
    keys = s.execute(
        select(ReceptionNumber.number, ReceptionNumber.label, ReceptionProfile.name, IvrKey.digit)
        .join(ReceptionProfile, ReceptionProfile.reception_id == ReceptionNumber.id)
        .join(IvrKey, IvrKey.profile_id == ReceptionProfile.id)
        .where(IvrKey.target_reception_id == rec.id, ReceptionNumber.id != rec.id,
               ReceptionNumber.tenant_id == rec.tenant_id)
        .order_by(ReceptionNumber.number, ReceptionProfile.position, IvrKey.digit))
    for number, label, profile, digit in keys:
        what = "the fallback" if digit == "fallback" else f"key {digit}"
        out.append(f"{what} of the profile {profile!r} of {label} ({number})")
    specials = s.execute(
        select(SpecialNumber.number, SpecialNumber.label, SpecialProfile.name).distinct()
        .join(SpecialProfile, SpecialProfile.special_id == SpecialNumber.id)
        .join(Routing, Routing.profile_id == SpecialProfile.id)
        .join(RoutingDestination, RoutingDestination.routing_id == Routing.id)
        .where(RoutingDestination.reception_id == rec.id, SpecialNumber.tenant_id == rec.tenant_id)
        .order_by(SpecialNumber.number, SpecialProfile.name))
    for number, label, profile in specials:
        out.append(f"the profile {profile!r} of the special number {label} ({number})")
    return out


def phone_keys(ctx: ServiceContext, rec: ReceptionNumber) -> list[DeviceKey]:
    """Shortcut keys of desk phones that call ``rec`` (they go with it)."""
    return list(ctx.session.scalars(
        select(DeviceKey).join(Device, Device.id == DeviceKey.device_id)
        .where(DeviceKey.reception_id == rec.id, Device.tenant_id == rec.tenant_id)
        .order_by(Device.name, DeviceKey.console, DeviceKey.position)))


def delete_reception(ctx: ServiceContext, rec: ReceptionNumber) -> None:
    """Delete a reception number and give its number back to the pool;
    refused (``reception.in_use``) while something sends calls to it. The
    desk-phone keys that called it are removed with it."""
    refs = references(ctx, rec)
    if refs:
        raise ServiceError(f"{rec.number} still receives calls from {'; '.join(refs)}: change them first",
                           error_id="reception.in_use", field="number")
    keys = phone_keys(ctx, rec)
    for key in keys:
        ctx.session.delete(key)
    ctx.session.flush()
    delete(ctx, rec)
    ctx.session.flush()
    if keys:
        ctx.audit(rec.tenant_id, "delete", "device_keys", rec.number, count=len(keys))
