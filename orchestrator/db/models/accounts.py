"""Tenants (A-1), logins and roles (A-2), audit log (A-5)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base, utcnow


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    sip_domain: Mapped[str] = mapped_column(String(253), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="business")  # business | individual
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    emergency_department: Mapped[str] = mapped_column(String(3), default="75")
    line_limit: Mapped[int] = mapped_column(Integer, default=8)
    billing_email: Mapped[str | None] = mapped_column(String(254))
    technical_email: Mapped[str | None] = mapped_column(String(254))
    postal_address: Mapped[str | None] = mapped_column(Text)
    # Incremented on every committed change: "is my change live?" compares it
    # with the revision each node has applied.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    logins: Mapped[list[Login]] = relationship(back_populates="tenant", cascade="all, delete-orphan")


class Login(Base):
    """A person who can log in: admin by e-mail, user by line number (E.164)."""

    __tablename__ = "logins"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # admin | user
    login: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # The web sessions of this login carry the value they were opened with;
    # logout, a password change or reset bumps it, and every older cookie
    # stops working. Random at creation: a login deleted and created again
    # (same id on SQLite) does not revive the old one's cookies.
    session_version: Mapped[int] = mapped_column(Integer, default=lambda: secrets.randbelow(2**31),
                                                 server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tenant: Mapped[Tenant] = relationship(back_populates="logins")


class AuditEntry(Base):
    """Who changed what, when (A-5). Never holds a secret in clear."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="SET NULL"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(32))  # create | update | delete | import | ...
    object_type: Mapped[str] = mapped_column(String(40))
    object_key: Mapped[str] = mapped_column(String(254))
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON
