"""The route resolver's answer as plain data: the plan (steps in words and
as data, weighted choices) and the outcome under given conditions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypedDict

from ..db.models import Line, ReceptionNumber, SpecialNumber, Tenant


class WeightedDestination(TypedDict):
    to: str
    percent: int
    probability: float  # of the call's UUID drawing it


class WeightedChoice(TypedDict):
    routing: int  # 1-based
    destinations: list[WeightedDestination]


class Target(TypedDict, total=False):
    kind: str  # line | reception | outside | voicemail | hunt_service
    number: str
    label: str
    percent: int
    probability: float


class Step(TypedDict, total=False):
    """One step of the plan, as data (:mod:`orchestrator.routing.answer`
    describes the fields); ``text`` is the same step in words."""

    action: str
    text: str
    condition: str
    targets: list[Target]
    ring_time_s: int
    cycles: int
    strategy: str
    keys: list[dict[str, str]]
    routing: int
    next: str


class TenantView(Protocol):
    """The part of a tenant snapshot (:class:`orchestrator.render.snapshot.TenantSnap`)
    the resolver reads."""

    @property
    def tenant(self) -> Tenant: ...
    @property
    def lines(self) -> Sequence[Line]: ...
    @property
    def receptions(self) -> Sequence[ReceptionNumber]: ...
    @property
    def specials(self) -> Sequence[SpecialNumber]: ...
    @property
    def domain(self) -> str: ...


@dataclass
class Conditions:
    registered: set[str] = field(default_factory=set)  # user@domain
    answers: dict[str, str] = field(default_factory=dict)  # target → answer | busy | no_answer
    uuid: str = "00000000-0000-4000-8000-000000000000"
    digits: list[str] = field(default_factory=list)
    hunt_service_up: bool = False


@dataclass
class Outcome:
    profile: int | None = None
    attempts: list[tuple[str, ...]] = field(default_factory=list)
    final: str = ""  # bridge:<target> | voicemail:<user> | announce:<user> | socket | hangup:<cause>
    # a loopback leg to a line of the tenant (a special number's routing): how that leg ended, what it rang
    inner: str = ""
    inner_attempts: list[tuple[str, ...]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"profile": self.profile, "attempts": [list(a) for a in self.attempts], "final": self.final}


@dataclass
class Plan:
    dialled: str
    caller: str | None
    at: str
    timezone: str
    kind: str  # line | reception | special | outside | emergency | unknown
    number: str | None = None
    label: str | None = None
    profile: dict[str, str] | None = None
    steps: list[str] = field(default_factory=list)
    choices: list[WeightedChoice] = field(default_factory=list)  # weighted choices with probabilities
    outcome: Outcome | None = None
    details: list[Step] = field(default_factory=list)  # the steps as data, one per entry of ``steps``
    routings: list[dict[str, Any]] = field(default_factory=list)  # every routing of a special number's profile

    def as_dict(self) -> dict[str, Any]:  # JSON-shaped
        out: dict[str, Any] = {k: v for k, v in self.__dict__.items()
                               if k not in ("outcome", "details", "routings")}
        out["outcome"] = self.outcome.as_dict() if self.outcome else None
        return out

    def add(self, action: str, text: str, **data: Any) -> None:
        self.steps.append(text)
        step = Step(action=action, text=text)
        step.update({k: v for k, v in data.items() if v is not None})  # type: ignore[typeddict-item]
        self.details.append(step)

    def text(self) -> str:
        head = f"{self.dialled} → {self.kind}" + (f" {self.label} ({self.number})" if self.number else "")
        head += f", caller {self.caller or 'unknown'}, at {self.at} {self.timezone}"
        body = [f"{i + 1}. {s}" for i, s in enumerate(self.steps)]
        return "\n".join([head, *body])
