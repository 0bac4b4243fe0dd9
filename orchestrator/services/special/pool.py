"""Free special numbers of the pool (manual §3.7.2, Figures 53-54; N-1..N-3):
by prefix with the caller price, "Gold" numbers flagged, "à la carte" by the
last digits, numbers reserved for the company first."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.numbering import SPECIAL_PRICES, special_prefix

from ...db.models import PhoneNumber, Tenant

PRICES = SPECIAL_PRICES  # prefix → caller price (N-3), in the manual's order


@dataclass(frozen=True)
class FreeNumber:
    number: str  # E.164
    prefix: str  # 0811 …
    price: str  # N-3, as SPECIAL_PRICES writes it
    gold: bool
    reserved: bool  # reserved for this company


def price_of(e164: str) -> str:
    """N-3: what the caller pays (``""`` for a number of no known prefix)."""
    return SPECIAL_PRICES.get(special_prefix(e164) or "", "")


def free_numbers(session: Session, tenant: Tenant, prefix: str | None = None, last_digits: str | None = None,
                 limit: int = 50) -> list[FreeNumber]:
    """Free special numbers this company may take: in the pool, unused, and
    either nobody's or reserved for it. ``prefix`` (``0811``) and
    ``last_digits`` filter; malformed filters give nothing."""
    query = select(PhoneNumber).where(PhoneNumber.kind == "special", PhoneNumber.usage.is_(None))
    query = query.where((PhoneNumber.tenant_id.is_(None)) | (PhoneNumber.tenant_id == tenant.id))
    if prefix:
        if prefix not in SPECIAL_PRICES:
            return []
        query = query.where(PhoneNumber.e164.like(f"+33{prefix[1:]}%"))
    if last_digits:
        if not re.fullmatch(r"\d{1,6}", last_digits):
            return []
        query = query.where(PhoneNumber.e164.like(f"%{last_digits}"))
    query = query.order_by(PhoneNumber.tenant_id.is_(None), PhoneNumber.gold.desc(), PhoneNumber.e164).limit(limit)
    out = []
    for row in session.scalars(query):
        pfx = special_prefix(row.e164)
        if pfx is None:
            continue
        out.append(FreeNumber(row.e164, pfx, SPECIAL_PRICES[pfx], row.gold, row.tenant_id == tenant.id))
    return out


def is_free_for(session: Session, tenant: Tenant, e164: str) -> bool:
    row = session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == e164))
    return (row is not None and row.kind == "special" and row.usage is None
            and row.tenant_id in (None, tenant.id) and special_prefix(e164) is not None)
