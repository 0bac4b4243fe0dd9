"""Desk phones: ports, shortcut keys, consoles, audio, VLAN, LCD (E-1..E-4)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base
from ..secretbox import Sealed


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    mac: Mapped[str] = mapped_column(String(12), unique=True)  # 12 lowercase hex digits
    brand: Mapped[str] = mapped_column(String(32), default="cisco")
    model: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(80))
    vlan_id: Mapped[int | None] = mapped_column(Integer)
    vlan_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    gain_handset: Mapped[int] = mapped_column(Integer, default=0)  # dB
    gain_headset: Mapped[int] = mapped_column(Integer, default=0)
    gain_speaker: Mapped[int] = mapped_column(Integer, default=0)
    lcd_shows: Mapped[str] = mapped_column(String(8), default="number")  # number | label
    consoles: Mapped[int] = mapped_column(Integer, default=0)
    provisioning_password: Mapped[str | None] = mapped_column(Sealed())  # stored encrypted (secretbox)

    ports: Mapped[list[DevicePort]] = relationship(
        back_populates="device", cascade="all, delete-orphan", order_by="DevicePort.port"
    )
    keys: Mapped[list[DeviceKey]] = relationship(
        back_populates="device", cascade="all, delete-orphan", order_by="[DeviceKey.console, DeviceKey.position]"
    )


class DevicePort(Base):
    __tablename__ = "device_ports"
    __table_args__ = (UniqueConstraint("device_id", "port"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    port: Mapped[int] = mapped_column(Integer)  # 1-based
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"), index=True)

    device: Mapped[Device] = relationship(back_populates="ports")


class DeviceKey(Base):
    """A shortcut key on the phone (console 0) or on console n (E-3, E-4)."""

    __tablename__ = "device_keys"
    __table_args__ = (UniqueConstraint("device_id", "console", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    console: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer)  # 1-based
    kind: Mapped[str] = mapped_column(String(12))  # line | voicemail | reception | external
    line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"))
    reception_id: Mapped[int | None] = mapped_column(ForeignKey("reception_numbers.id", ondelete="CASCADE"))
    number: Mapped[str | None] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(40), default="")
    blf: Mapped[bool] = mapped_column(Boolean, default=False)
    pickup: Mapped[bool] = mapped_column(Boolean, default=False)

    device: Mapped[Device] = relationship(back_populates="keys")
