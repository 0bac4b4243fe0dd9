"""Tenant-scoped getters of reception numbers, their profiles and rules
(another company's is :class:`NotFound`). Plain queries on the models, so
this module depends on no other module of the package."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.errors import Errors
from orchestrator.domain.numbering import NumberError, normalize

from ...db.models import ReceptionNumber, ReceptionProfile, ReceptionRule
from ..base import found
from ..inventory import parse


def reception_number(session: Session, tenant_id: int, rec_id: int) -> ReceptionNumber:
    rec = session.get(ReceptionNumber, rec_id)
    return found(rec if rec is not None and rec.tenant_id == tenant_id else None,
                 "reception.not_found", f"no reception number {rec_id}", "reception")


def reception_by_number(session: Session, tenant_id: int, number: str, region: str) -> ReceptionNumber:
    try:
        e164: str | None = normalize(number, region)
    except NumberError:
        e164 = None
    rec = session.scalar(select(ReceptionNumber).where(ReceptionNumber.number == e164,
                                                       ReceptionNumber.tenant_id == tenant_id)) if e164 else None
    return found(rec, "reception.not_found", f"no reception number {number}", "reception")


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
    return found(next((p for p in rec.profiles if p.id == profile_id), None),
                 "profile.not_found", f"no profile {profile_id}", "profile")


def profile(session: Session, tenant_id: int, rec_id: int, profile_id: int) -> ReceptionProfile:
    return profile_of(reception_number(session, tenant_id, rec_id), profile_id)


def rule_of(rec: ReceptionNumber, rule_id: int) -> ReceptionRule:
    return found(next((r for r in rec.rules if r.id == rule_id), None), "rule.not_found", f"no rule {rule_id}",
                 "rule")
