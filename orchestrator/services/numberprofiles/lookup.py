"""Tenant-scoped getters shared by the numbers that have profiles and rules
(reception and special numbers): another company's row, or a profile or
rule of another number, is :class:`~orchestrator.domain.errors.NotFound`
with a stable id. Plain queries on the models."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.numbering import NumberError, normalize

from ..base import found


class TenantRow(Protocol):
    id: Any
    tenant_id: Any
    number: Any


N = TypeVar("N", bound=TenantRow)


def number_row(session: Session, model: type[N], tenant_id: int, row_id: int, what: str, fld: str) -> N:
    """The tenant's number of ``model`` with id ``row_id``; ``what`` names it
    in the message and the error id (``<fld>.not_found``)."""
    row = session.get(model, row_id)
    return found(row if row is not None and row.tenant_id == tenant_id else None,
                 f"{fld}.not_found", f"no {what} {row_id}", fld)


def number_row_by_number(session: Session, model: type[N], tenant_id: int, number: str, region: str,
                         what: str, fld: str) -> N:
    """The tenant's number of ``model`` dialled as ``number`` (any usual form)."""
    try:
        e164: str | None = normalize(number, region)
    except NumberError:
        e164 = None
    row = session.scalar(select(model).where(model.number == e164, model.tenant_id == tenant_id)) if e164 else None
    return found(row, f"{fld}.not_found", f"no {what} {number}", fld)


def profile_of(number: Any, profile_id: int) -> Any:
    """A profile of this number (reception or special)."""
    return found(next((p for p in number.profiles if p.id == profile_id), None),
                 "profile.not_found", f"no profile {profile_id}", "profile")


def rule_of(number: Any, rule_id: int) -> Any:
    """A time rule of this number (reception or special)."""
    return found(next((r for r in number.rules if r.id == rule_id), None), "rule.not_found",
                 f"no rule {rule_id}", "rule")
