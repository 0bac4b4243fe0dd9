"""Tenant-scoped getters of special numbers, their profiles and rules
(another company's is :class:`NotFound`). Plain queries on the models, so
this module depends on no other module of the package."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.numbering import NumberError, normalize

from ...db.models import SpecialNumber, SpecialProfile, SpecialRule
from ..base import found


def special_number(session: Session, tenant_id: int, special_id: int) -> SpecialNumber:
    sp = session.get(SpecialNumber, special_id)
    return found(sp if sp is not None and sp.tenant_id == tenant_id else None,
                 "special.not_found", f"no special number {special_id}", "special")


def special_by_number(session: Session, tenant_id: int, number: str, region: str) -> SpecialNumber:
    try:
        e164: str | None = normalize(number, region)
    except NumberError:
        e164 = None
    sp = session.scalar(select(SpecialNumber).where(SpecialNumber.number == e164,
                                                    SpecialNumber.tenant_id == tenant_id)) if e164 else None
    return found(sp, "special.not_found", f"no special number {number}", "special")


def profile_of(special: SpecialNumber, profile_id: int) -> SpecialProfile:
    return found(next((p for p in special.profiles if p.id == profile_id), None),
                 "profile.not_found", f"no profile {profile_id}", "profile")


def rule_of(special: SpecialNumber, rule_id: int) -> SpecialRule:
    return found(next((r for r in special.rules if r.id == rule_id), None), "rule.not_found",
                 f"no rule {rule_id}", "rule")
