"""Special 08xx numbers: profiles, ordered routings, weighted destinations,
time-and-origin rules (S-1..S-4)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base
from .rules import TimeRuleColumns


class SpecialNumber(Base):
    __tablename__ = "special_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    label: Mapped[str] = mapped_column(String(80))

    profiles: Mapped[list[SpecialProfile]] = relationship(
        back_populates="special", cascade="all, delete-orphan", order_by="SpecialProfile.position"
    )
    rules: Mapped[list[SpecialRule]] = relationship(
        back_populates="special", cascade="all, delete-orphan", order_by="SpecialRule.priority"
    )


class SpecialProfile(Base):
    __tablename__ = "special_profiles"
    __table_args__ = (UniqueConstraint("special_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    special_id: Mapped[int] = mapped_column(ForeignKey("special_numbers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    special: Mapped[SpecialNumber] = relationship(back_populates="profiles")
    routings: Mapped[list[Routing]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="Routing.position"
    )


class Routing(Base):
    """"Routage n": one destination is tried, picked at random by weight."""

    __tablename__ = "special_routings"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("special_profiles.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)

    profile: Mapped[SpecialProfile] = relationship(back_populates="routings")
    destinations: Mapped[list[RoutingDestination]] = relationship(
        back_populates="routing", cascade="all, delete-orphan", order_by="RoutingDestination.position"
    )


class RoutingDestination(Base):
    __tablename__ = "special_destinations"

    id: Mapped[int] = mapped_column(primary_key=True)
    routing_id: Mapped[int] = mapped_column(ForeignKey("special_routings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(20))  # a 10-digit French number, E.164
    reception_id: Mapped[int | None] = mapped_column(ForeignKey("reception_numbers.id", ondelete="CASCADE"))
    percent: Mapped[int] = mapped_column(Integer)

    routing: Mapped[Routing] = relationship(back_populates="destinations")


class SpecialRule(TimeRuleColumns, Base):
    __tablename__ = "special_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    special_id: Mapped[int] = mapped_column(ForeignKey("special_numbers.id", ondelete="CASCADE"), index=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("special_profiles.id", ondelete="CASCADE"))
    # comma-separated subset of 01,02,03,04,05,mobile,other; empty = any origin
    origins: Mapped[str] = mapped_column(String(40), default="")

    special: Mapped[SpecialNumber] = relationship(back_populates="rules")
