"""What the special-number screens and the API send (manual §3.7.2, §3.7.7;
S-1..S-3, N-2, N-3): a new number, a profile name, a profile's routings, a
time-and-origin rule. The service documents of :mod:`.schema` are reused
where they fit."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from orchestrator.domain.weights import MAX_ROUTINGS

from ..base import Doc
from .schema import Origin, RoutingDoc


class NewSpecialDoc(Doc):
    """§3.7.2: a free 08xx number of the pool, its label and, optionally, the
    number it is translated to (« Configurer plus tard »: leave it empty)."""

    number: str = Field(description="A free special number of the pool (see /special-numbers/available)")
    label: str = Field(min_length=1, max_length=80)
    destination: str | None = Field(
        None, description="10-digit French number or a reception number of the company; empty: configure later")


class LabelDoc(Doc):
    label: str = Field(min_length=1, max_length=80)


class ProfileNameDoc(Doc):
    name: str = Field(min_length=1, max_length=80)


class RoutingsDoc(Doc):
    """§3.7.7.2 (Figure 73): « Routage 1 », « Routage 2 »… in overflow order."""

    routings: list[RoutingDoc] = Field(default_factory=list, max_length=MAX_ROUTINGS)


class RuleInDoc(Doc):
    """§3.7.7.4 (Figure 75): days, hours, caller origins and the profile."""

    days: str = Field("all", max_length=40, description="all | mon-fri | DD/MM | DD/MM-DD/MM")
    hours: str = Field("all", max_length=40, description="all | HH:MM-HH:MM on 10-minute steps")
    origins: list[Origin] = Field(default_factory=list, description="Subset of 01-05, mobile, other; empty: any caller")
    profile: str = Field(min_length=1, max_length=80, description="Name of the associated profile")


class MoveDoc(Doc):
    direction: Literal["up", "down"]
