"""Number inventory (N-1, N-2): every number has at most one owner on the
platform; allocation proposals for the add-line flow."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orchestrator.domain.errors import Errors
from orchestrator.domain.numbering import NumberError, french_class, normalize, zone

from ..db.models import PhoneNumber, Tenant

USAGE_LABEL = {"line": "a line", "fax": "a fax line", "reception": "a reception number", "special": "a special number"}


def kind_of(e164: str) -> str:
    cls = french_class(e164)
    return {"geographic": "geographic", "voip": "voip", "special": "special", "mobile": "mobile"}.get(cls, "other")


def parse(errors: Errors, fld: str, raw: str | None, region: str, *, required: bool = True) -> str | None:
    """Normalise ``raw`` to E.164, recording a field error on failure."""
    if raw is None or str(raw).strip() == "":
        if required:
            errors.add("number.required", fld, "a phone number is required")
        return None
    try:
        return normalize(raw, region)
    except NumberError as exc:
        errors.add(exc.error_id, fld, exc.message)
        return None


def allocate(session: Session, errors: Errors, fld: str, tenant: Tenant, e164: str, usage: str) -> PhoneNumber | None:
    """Give ``e164`` to ``tenant`` for ``usage``; a number has one owner."""
    row = session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == e164))
    if row is not None and row.usage is not None:
        owner = "another company" if row.tenant_id != tenant.id else USAGE_LABEL.get(row.usage, row.usage)
        errors.add("number.taken", fld, f"{e164} is already used by {owner}")
        return None
    if row is not None and row.tenant_id not in (None, tenant.id):
        errors.add("number.taken", fld, f"{e164} is reserved for another company")
        return None
    if row is None:
        row = PhoneNumber(e164=e164, kind=kind_of(e164), zone=zone(e164))
        session.add(row)
    row.tenant_id = tenant.id
    row.usage = usage
    return row


def release(session: Session, e164: str) -> None:
    """Give a number back to the pool (it stays reserved for the tenant)."""
    row = session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == e164))
    if row is not None:
        row.usage = None


def add_to_pool(session: Session, errors: Errors, raw: str, region: str, *, gold: bool = False,
                reserved_for: Tenant | None = None) -> PhoneNumber | None:
    e164 = parse(errors, "number", raw, region)
    if e164 is None:
        return None
    if session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == e164)) is not None:
        errors.add("number.exists", "number", f"{e164} is already in the pool")
        return None
    row = PhoneNumber(e164=e164, kind=kind_of(e164), zone=zone(e164), gold=gold,
                      reserved=reserved_for is not None, tenant_id=reserved_for.id if reserved_for else None)
    session.add(row)
    return row


def propose(session: Session, tenant: Tenant, *, kind: str = "geographic", zone_code: str | None = None,
            last_digits: str | None = None, count: int = 3) -> list[str]:
    """Free numbers for the add-line flow: three proposals, or "à la carte"
    numbers ending in ``last_digits``, plus those reserved for the tenant."""
    query = select(PhoneNumber.e164).where(PhoneNumber.usage.is_(None), PhoneNumber.kind == kind)
    query = query.where((PhoneNumber.tenant_id.is_(None)) | (PhoneNumber.tenant_id == tenant.id))
    if zone_code:
        query = query.where(PhoneNumber.zone == zone_code)
    if last_digits:
        query = query.where(PhoneNumber.e164.like(f"%{last_digits}"))
    query = query.order_by(PhoneNumber.tenant_id.is_(None), PhoneNumber.e164).limit(count)
    return list(session.scalars(query))


def fax_pair(session: Session, tenant: Tenant, count: int = 3) -> list[tuple[str, str]]:
    """Free pairs tel/fax = n / n+1 (N-2)."""
    free = set(propose(session, tenant, count=10000))
    pairs = []
    for e164 in sorted(free):
        nxt = "+" + str(int(e164[1:]) + 1)
        if nxt in free:
            pairs.append((e164, nxt))
            if len(pairs) == count:
                break
    return pairs


def pool_size(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(PhoneNumber)) or 0
