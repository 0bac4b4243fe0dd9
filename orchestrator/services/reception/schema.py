"""Reception numbers (R-1, H-*, I-*, T-*)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..audio.schema import HoldMusicDoc
from ..base import Doc


class HuntGroupDoc(Doc):
    strategy: Literal["simultaneous", "sequential", "successive"] = "simultaneous"
    ring_time: int = Field(20, description="Seconds each member rings (sequential, successive)")
    cycles: int = Field(1, ge=1, le=10)
    forwards_allowed: bool = False
    voicemail: str | None = Field(None, description="Line whose voicemail takes the call at the end")
    hold_music: HoldMusicDoc | None = None
    members: list[str] = Field(default_factory=list, description="Line numbers, in ringing order")


class IvrTargetDoc(Doc):
    """Exactly one of line, voicemail, reception, hangup."""

    line: str | None = None
    voicemail: str | None = None
    reception: str | None = None
    mode: Literal["dynamic", "default", "profile"] | None = Field(
        None, description="With reception: its dynamic routing (default), its default profile, or `profile`"
    )
    profile: str | None = Field(None, description="With mode: profile, the profile to force")
    hangup: bool | None = None


class IvrDoc(Doc):
    menu: str | None = Field(None, description="Audio file (ivr_menu) played as the menu")
    keys: dict[str, IvrTargetDoc] = Field(default_factory=dict, description="Keys '0'-'9'")
    fallback: IvrTargetDoc | None = Field(None, description="After 3 invalid or missing keys; default hang up")


class ProfileDoc(Doc):
    name: str = Field(min_length=1, max_length=80)
    default: bool = False
    pre_answer: str | None = Field(None, description="Audio file (pre_answer) played before routing")
    hunt_group: HuntGroupDoc | None = None
    ivr: IvrDoc | None = None


class RuleDoc(Doc):
    days: str = Field("all", description="all | mon-fri | DD/MM | DD/MM-DD/MM")
    hours: str = Field("all", description="all | HH:MM-HH:MM on 10-minute steps")
    profile: str


class ReceptionDoc(Doc):
    number: str
    label: str = Field(min_length=1, max_length=80)
    short_number: str | None = None
    forced_profile: str | None = None
    profiles: list[ProfileDoc] = Field(default_factory=list)
    rules: list[RuleDoc] = Field(default_factory=list, description="In priority order: the first match wins")
