"""Devices (E-1..E-4)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..base import Doc
from ..text import SingleLine

KeyKind = Literal["line", "voicemail", "reception", "external"]
LcdShows = Literal["number", "label"]


class VlanDoc(Doc):
    id: int | None = Field(default=None, ge=1, le=4094)
    enabled: bool = False


class AudioGainsDoc(Doc):
    handset: int = Field(default=0, ge=-12, le=12)
    headset: int = Field(default=0, ge=-12, le=12)
    speaker: int = Field(default=0, ge=-12, le=12)


class PortDoc(Doc):
    port: int = Field(ge=1, le=12)
    line: SingleLine = Field(max_length=32)


class KeyDoc(Doc):
    console: int = Field(default=0, ge=0, le=4, description="0: the phone itself, 1..: a console")
    position: int = Field(ge=1, le=64)
    kind: KeyKind
    target: SingleLine = Field(max_length=32, description="Line, reception or external number")
    label: SingleLine = Field(default="", max_length=40)
    blf: bool = Field(default=False, description="Presence supervision (internal lines)")
    pickup: bool = Field(default=False, description="Call interception (internal lines)")


class DeviceDoc(Doc):
    mac: SingleLine = Field(max_length=32)
    brand: SingleLine = Field(default="cisco", max_length=32)
    model: SingleLine = Field(max_length=32)
    name: SingleLine | None = Field(default=None, max_length=80)
    vlan: VlanDoc = Field(default_factory=VlanDoc)
    audio: AudioGainsDoc = Field(default_factory=AudioGainsDoc)
    lcd_shows: LcdShows = "number"
    consoles: int = Field(default=0, ge=0, le=4)
    provisioning_password: str | None = Field(None, max_length=64,
                                              description="Exported as ******** unless --with-secrets;"
                                                          " ******** on import keeps the stored one")
    ports: list[PortDoc] = Field(default_factory=list)
    keys: list[KeyDoc] = Field(default_factory=list)
