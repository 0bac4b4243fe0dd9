"""Adding, relabelling and deleting a special number (manual §3.7.2,
Figures 53-55; S-1, N-2, N-3). A new number takes a free 08xx number of the
pool and gets its default profile, routed at once to the number typed in
« Votre N° spécial sera traduit vers le » or left to configure later."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.errors import ServiceError

from ...db.models import SpecialNumber, Tenant
from .. import validation as v
from ..base import collecting, parse_doc
from ..context import ServiceContext
from ..inventory import parse
from . import service
from .inputs import LabelDoc, NewSpecialDoc
from .pool import is_free_for
from .routings import destination_from_text
from .schema import RoutingDoc, SpecialDoc, SpecialProfileDoc

DEFAULT_PROFILE = "Profil par défaut"  # the manual's name; the admin may rename it


def get(session: Session, tenant_id: int, special_id: int) -> SpecialNumber | None:
    """A special number of this company, else None (another company's: None)."""
    sp = session.get(SpecialNumber, special_id)
    return sp if sp is not None and sp.tenant_id == tenant_id else None


def find(session: Session, tenant_id: int, e164: str) -> SpecialNumber | None:
    return session.scalar(select(SpecialNumber).where(SpecialNumber.number == e164,
                                                      SpecialNumber.tenant_id == tenant_id))


def add(ctx: ServiceContext, tenant: Tenant, data: dict[str, Any] | NewSpecialDoc) -> SpecialNumber:
    """§3.7.2: take a free special number of the pool for this company."""
    doc: NewSpecialDoc = data if isinstance(data, NewSpecialDoc) else parse_doc(NewSpecialDoc, data)
    s, region = ctx.session, ctx.settings.default_region
    with collecting(None) as step:
        errs = step.errors
        number = parse(errs, "number", doc.number, region)
        if number is not None and not is_free_for(s, tenant, number):
            errs.add("number.not_free", "number",
                     f"{number} is not a free special number of the pool: choose one of the numbers offered")
        v.single_line_text(errs, "label", doc.label)
        dest = None
        if doc.destination:
            with errs.at("destination"):
                dest = destination_from_text(s, errs, tenant, doc.destination, 100, region)
    routings = [RoutingDoc(destinations=[dest])] if dest is not None else []
    special = service.create(ctx, tenant, SpecialDoc(
        number=number or "", label=doc.label,
        profiles=[SpecialProfileDoc(name=DEFAULT_PROFILE, default=True, routings=routings)]))
    assert special is not None  # create raises on a failure of its own
    return special


def set_label(ctx: ServiceContext, special: SpecialNumber, data: dict[str, Any] | LabelDoc) -> SpecialNumber:
    """« Intitulé : [Modifier] »."""
    doc: LabelDoc = data if isinstance(data, LabelDoc) else parse_doc(LabelDoc, data)
    with collecting(None) as step:
        v.single_line_text(step.errors, "label", doc.label)
    before = special.label
    special.label = doc.label
    ctx.audit(special.tenant_id, "update", "special_number", special.number, label=doc.label, before=before)
    ctx.changed(special.tenant_id)
    ctx.session.flush()
    return special


def remove(ctx: ServiceContext, special: SpecialNumber) -> None:
    """Delete a special number: it goes back to the pool (reserved for the
    company); its call records stay."""
    if special.id is None:
        raise ServiceError("this special number is not saved", error_id="special.unknown", field="number")
    service.delete(ctx, special)
    ctx.session.flush()
