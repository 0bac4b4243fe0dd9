"""Number inventory (N-1..N-3) and the emergency routing table (L-4)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base


class PhoneNumber(Base):
    """One number of the platform pool. A number has at most one owner."""

    __tablename__ = "phone_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    e164: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # geographic | voip | special | mobile | other
    zone: Mapped[str | None] = mapped_column(String(2))  # 01..05 for geographic
    gold: Mapped[bool] = mapped_column(Boolean, default=False)
    reserved: Mapped[bool] = mapped_column(Boolean, default=False)  # reserved / ported
    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="SET NULL"), index=True
    )
    usage: Mapped[str | None] = mapped_column(String(16))  # line | fax | reception | special


class EmergencyRoute(Base):
    """Where an emergency service is reached from a département (L-4).

    ``department`` ``*`` is the default row for a service.
    """

    __tablename__ = "emergency_routes"
    __table_args__ = (UniqueConstraint("department", "service"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department: Mapped[str] = mapped_column(String(3))
    service: Mapped[str] = mapped_column(String(3))  # 15 17 18 112 115 119
    destination: Mapped[str] = mapped_column(String(32))
