"""Reception numbers: profiles, hunt groups, IVR keys, time rules (R/H/I/T)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base
from .rules import TimeRuleColumns


class ReceptionNumber(Base):
    __tablename__ = "reception_numbers"
    __table_args__ = (UniqueConstraint("tenant_id", "short_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    label: Mapped[str] = mapped_column(String(80))
    short_number: Mapped[str | None] = mapped_column(String(6))

    profiles: Mapped[list[ReceptionProfile]] = relationship(
        back_populates="reception",
        cascade="all, delete-orphan",
        order_by="ReceptionProfile.position",
        foreign_keys="ReceptionProfile.reception_id",
    )
    rules: Mapped[list[ReceptionRule]] = relationship(
        back_populates="reception", cascade="all, delete-orphan", order_by="ReceptionRule.priority"
    )


class ReceptionProfile(Base):
    """A routing profile: a hunt group or an IVR, with an optional greeting."""

    __tablename__ = "reception_profiles"
    __table_args__ = (UniqueConstraint("reception_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reception_id: Mapped[int] = mapped_column(ForeignKey("reception_numbers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(8), default="hunt")  # hunt | ivr
    pre_answer_audio_id: Mapped[int | None] = mapped_column(ForeignKey("audio_files.id", ondelete="RESTRICT"))
    # hunt group
    strategy: Mapped[str] = mapped_column(String(12), default="simultaneous")
    ring_time: Mapped[int] = mapped_column(Integer, default=20)
    cycles: Mapped[int] = mapped_column(Integer, default=1)
    forwards_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    voicemail_line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id", ondelete="SET NULL"))
    hold_music_catalogue: Mapped[str | None] = mapped_column(String(64))
    hold_music_audio_id: Mapped[int | None] = mapped_column(ForeignKey("audio_files.id", ondelete="RESTRICT"))
    # IVR
    menu_audio_id: Mapped[int | None] = mapped_column(ForeignKey("audio_files.id", ondelete="RESTRICT"))

    reception: Mapped[ReceptionNumber] = relationship(back_populates="profiles", foreign_keys=[reception_id])
    members: Mapped[list[HuntMember]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="HuntMember.position"
    )
    keys: Mapped[list[IvrKey]] = relationship(
        back_populates="profile",
        cascade="all, delete-orphan",
        order_by="IvrKey.digit",
        foreign_keys="IvrKey.profile_id",
    )


class HuntMember(Base):
    __tablename__ = "hunt_members"
    __table_args__ = (UniqueConstraint("profile_id", "line_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("reception_profiles.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)

    profile: Mapped[ReceptionProfile] = relationship(back_populates="members")


class IvrKey(Base):
    """Key ``0``-``9`` (or ``fallback``) → a line, a line's voicemail, or a
    reception number with its dynamic routing, default or a named profile."""

    __tablename__ = "ivr_keys"
    __table_args__ = (UniqueConstraint("profile_id", "digit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("reception_profiles.id", ondelete="CASCADE"), index=True)
    digit: Mapped[str] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(12))  # line | voicemail | reception | hangup
    line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"))
    target_reception_id: Mapped[int | None] = mapped_column(ForeignKey("reception_numbers.id", ondelete="CASCADE"))
    target_mode: Mapped[str | None] = mapped_column(String(8))  # dynamic | default | profile
    target_profile_id: Mapped[int | None] = mapped_column(ForeignKey("reception_profiles.id", ondelete="CASCADE"))

    profile: Mapped[ReceptionProfile] = relationship(back_populates="keys", foreign_keys=[profile_id])


class ReceptionRule(TimeRuleColumns, Base):
    __tablename__ = "reception_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    reception_id: Mapped[int] = mapped_column(ForeignKey("reception_numbers.id", ondelete="CASCADE"), index=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("reception_profiles.id", ondelete="CASCADE"))

    reception: Mapped[ReceptionNumber] = relationship(back_populates="rules")
