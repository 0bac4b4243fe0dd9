"""Tenant-scoped getters of special numbers, their profiles and rules
(another company's is :class:`NotFound`): :mod:`..numberprofiles.lookup`
for special numbers."""

from __future__ import annotations

from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db.models import SpecialNumber, SpecialProfile, SpecialRule
from ..numberprofiles import lookup as shared


def special_number(session: Session, tenant_id: int, special_id: int) -> SpecialNumber:
    return shared.number_row(session, SpecialNumber, tenant_id, special_id, "special number", "special")


def special_by_number(session: Session, tenant_id: int, number: str, region: str) -> SpecialNumber:
    return shared.number_row_by_number(session, SpecialNumber, tenant_id, number, region, "special number",
                                       "special")


def tenant_specials(session: Session, tenant_id: int) -> list[SpecialNumber]:
    """The company's special numbers by number."""
    query = select(SpecialNumber).where(SpecialNumber.tenant_id == tenant_id).order_by(SpecialNumber.number)
    return list(session.scalars(query))


def profile_of(special: SpecialNumber, profile_id: int) -> SpecialProfile:
    return cast(SpecialProfile, shared.profile_of(special, profile_id))


def rule_of(special: SpecialNumber, rule_id: int) -> SpecialRule:
    return cast(SpecialRule, shared.rule_of(special, rule_id))
