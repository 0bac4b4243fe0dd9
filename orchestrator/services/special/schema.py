"""Special 08xx numbers (S-*)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from orchestrator.domain.weights import MAX_ROUTINGS

from ..base import Doc

Origin = Literal["01", "02", "03", "04", "05", "mobile", "other"]
ORIGIN_ORDER: tuple[str, ...] = ("01", "02", "03", "04", "05", "mobile", "other")  # as rules store them


class DestinationDoc(Doc):
    number: str | None = Field(None, description="A 10-digit French number (not special, mobile, international)")
    reception: str | None = Field(None, description="Or a reception number of the tenant")
    percent: int = Field(100, ge=1, le=100)


class RoutingDoc(Doc):
    destinations: list[DestinationDoc] = Field(min_length=1)


class SpecialProfileDoc(Doc):
    name: str = Field(min_length=1, max_length=80)
    default: bool = False
    routings: list[RoutingDoc] = Field(default_factory=list, max_length=MAX_ROUTINGS,
                                       description="Routage 1, 2, ... (overflow order); each draws independently")


class SpecialRuleDoc(Doc):
    days: str = "all"
    hours: str = "all"
    origins: list[Origin] = Field(default_factory=list, description="Empty: any caller")
    profile: str


class SpecialDoc(Doc):
    number: str
    label: str = Field(min_length=1, max_length=80)
    forced_profile: str | None = None
    profiles: list[SpecialProfileDoc] = Field(default_factory=list)
    rules: list[SpecialRuleDoc] = Field(default_factory=list)
