"""Tenant-scoped getters of reception numbers, their profiles and rules
(another company's is :class:`NotFound`): :mod:`..numberprofiles.lookup`
for reception numbers, and the checked lookup validators use."""

from __future__ import annotations

from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.errors import Errors

from ...db.models import ReceptionNumber, ReceptionProfile, ReceptionRule
from ..inventory import parse
from ..numberprofiles import lookup as shared


def reception_number(session: Session, tenant_id: int, rec_id: int) -> ReceptionNumber:
    return shared.number_row(session, ReceptionNumber, tenant_id, rec_id, "reception number", "reception")


def reception_by_number(session: Session, tenant_id: int, number: str, region: str) -> ReceptionNumber:
    return shared.number_row_by_number(session, ReceptionNumber, tenant_id, number, region, "reception number",
                                       "reception")


def tenant_receptions(session: Session, tenant_id: int, *, except_id: int | None = None) -> list[ReceptionNumber]:
    """The company's reception numbers by number (``except_id`` left out)."""
    query = select(ReceptionNumber).where(ReceptionNumber.tenant_id == tenant_id)
    if except_id is not None:
        query = query.where(ReceptionNumber.id != except_id)
    return list(session.scalars(query.order_by(ReceptionNumber.number)))


def checked_reception(session: Session, errors: Errors, tenant_id: int, raw: str | None,
                      region: str) -> ReceptionNumber | None:
    """For a validator: the tenant's reception number typed in the
    ``reception`` field, or None with the field's error recorded."""
    e164 = parse(errors, "reception", raw, region)
    if e164 is None:
        return None
    rec = session.scalar(select(ReceptionNumber).where(ReceptionNumber.number == e164,
                                                       ReceptionNumber.tenant_id == tenant_id))
    if rec is None:
        errors.add("reception.unknown", "reception", f"unknown reception number {e164}")
    return rec


def profile_of(rec: ReceptionNumber, profile_id: int) -> ReceptionProfile:
    return cast(ReceptionProfile, shared.profile_of(rec, profile_id))


def profile(session: Session, tenant_id: int, rec_id: int, profile_id: int) -> ReceptionProfile:
    return profile_of(reception_number(session, tenant_id, rec_id), profile_id)


def rule_of(rec: ReceptionNumber, rule_id: int) -> ReceptionRule:
    return cast(ReceptionRule, shared.rule_of(rec, rule_id))
