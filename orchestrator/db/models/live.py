"""Live state kept by the ESL services (P-6, C-1): registrations,
voicemail counters, click-to-call progress, hunt-group call legs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base, utcnow


class Registration(Base):
    """One registered contact of a line (L-9: a line may have several)."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("line_id", "contact"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"), index=True)
    contact: Mapped[str] = mapped_column(String(255))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    network_ip: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime | None] = mapped_column()
    node: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class VoicemailCounter(Base):
    __tablename__ = "voicemail_counters"

    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"), primary_key=True)
    new_messages: Mapped[int] = mapped_column(Integer, default=0)
    saved_messages: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClickToCall(Base):
    """C-1: one click-to-call, its progress and why it ended."""

    __tablename__ = "click_to_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id", ondelete="SET NULL"), index=True)
    target: Mapped[str] = mapped_column(String(32))
    # requested | ringing_you | calling | connected | ended | failed
    status: Mapped[str] = mapped_column(String(16), default="requested")
    cause: Mapped[str | None] = mapped_column(Text)
    call_uuid: Mapped[str | None] = mapped_column(String(64), unique=True)
    job_uuid: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
