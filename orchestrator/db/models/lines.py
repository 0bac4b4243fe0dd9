"""Phone lines (L-*), their voicemail (V-*) and fax lines (F-*)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base, utcnow
from ..secretbox import Sealed


class Line(Base):
    __tablename__ = "lines"
    __table_args__ = (
        UniqueConstraint("tenant_id", "short_number"),
        CheckConstraint("ring_time BETWEEN 5 AND 60", name="ring_time_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    label: Mapped[str] = mapped_column(String(80))
    short_number: Mapped[str | None] = mapped_column(String(6))
    offer: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12), default="activating")  # activating | active
    sip_username: Mapped[str] = mapped_column(String(64))
    sip_password: Mapped[str] = mapped_column(Sealed())  # phones need it in clear: stored encrypted (secretbox)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)

    ring_time: Mapped[int] = mapped_column(Integer, default=20)
    forward_unconditional: Mapped[str | None] = mapped_column(String(20))
    forward_no_answer: Mapped[str | None] = mapped_column(String(20))
    forward_presented: Mapped[str] = mapped_column(String(8), default="caller")  # caller | line
    backup_number: Mapped[str | None] = mapped_column(String(20))
    clir: Mapped[bool] = mapped_column(Boolean, default=False)
    department: Mapped[str | None] = mapped_column(String(3))  # None: the tenant's
    hold_music_catalogue: Mapped[str | None] = mapped_column(String(64))
    hold_music_audio_id: Mapped[int | None] = mapped_column(ForeignKey("audio_files.id", ondelete="RESTRICT"))
    mobile_app: Mapped[bool] = mapped_column(Boolean, default=False)
    mobile_number: Mapped[str | None] = mapped_column(String(20))
    twin: Mapped[bool] = mapped_column(Boolean, default=False)

    vm_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    vm_mode: Mapped[str] = mapped_column(String(8), default="record")  # record | announce
    vm_email: Mapped[str | None] = mapped_column(String(254))
    vm_pin: Mapped[str | None] = mapped_column(Sealed())  # stored encrypted (secretbox)
    vm_greeting_record_id: Mapped[int | None] = mapped_column(ForeignKey("audio_files.id", ondelete="RESTRICT"))
    vm_greeting_announce_id: Mapped[int | None] = mapped_column(ForeignKey("audio_files.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contact = relationship("Contact", back_populates="lines")


class FaxLine(Base):
    __tablename__ = "fax_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    label: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
