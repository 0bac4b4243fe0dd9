"""The route simulator's answer as a published schema (``docs/simulate-schema.json``).

:func:`simulate` runs the resolver and returns a :class:`SimulationOut`: the
profile and why, every step with its targets, ring times and conditions,
every routing of a special number with its destinations and odds, and, when
the caller states the circumstances (who is busy, unregistered or does not
answer, the keys pressed, the draws), the one outcome they give, in the
call log's terms (``disposition``: answered | missed | busy | failed |
forwarded | voicemail, as :mod:`orchestrator.live.calllog` stores it).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.domain.numbering import NumberError, normalize
from orchestrator.domain.weights import BUCKETS, MAX_ROUTINGS, uuid_with_draws

from .plan import Conditions, Outcome, Plan, TenantView
from .resolver import resolve

Action = Literal["profile", "origin", "greeting", "ring", "unregistered", "forward", "voicemail", "hangup", "hunt",
                 "members", "hunt_service", "menu", "menu_fallback", "routing", "overflow"]
Disposition = Literal["answered", "missed", "busy", "failed", "forwarded", "voicemail"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TargetOut(_Out):
    kind: Literal["line", "reception", "outside", "voicemail", "hunt_service"]
    number: str | None = Field(None, description="E.164 (a line, a reception number, an outside number)")
    label: str | None = None
    percent: int | None = Field(None, description="Load share of a weighted destination")
    probability: float | None = Field(None, description="Chance the draw picks it (4096 buckets)")


class KeyOut(_Out):
    key: str
    then: str


class StepOut(_Out):
    action: Action
    text: str = Field(description="The step in words (the CLI's and the web page's line)")
    condition: str | None = Field(None, description="When this step applies")
    targets: list[TargetOut] = Field(default_factory=list, description="Who rings, or where the call goes")
    ring_time_s: int | None = None
    cycles: int | None = None
    strategy: Literal["sequential", "simultaneous", "successive"] | None = None
    keys: list[KeyOut] | None = Field(None, description="A menu's keys and what each does")
    routing: int | None = Field(None, description="1-based routing of a special number")
    next: str | None = Field(None, description="What comes after, when this step does not take the call")


class DestinationOut(TargetOut):
    draws: tuple[int, int] = Field(description="Inclusive range of the routing's draw (0-4095) that picks it")
    then: list[StepOut] = Field(description="What this destination does (every device registered, nobody answering)")


class RoutingOut(_Out):
    routing: int
    destinations: list[DestinationOut]
    on_failure: str = Field(description="The next routing, or the end of the call")


class ProfileOut(_Out):
    name: str
    reason: str


class CircumstancesOut(_Out):
    busy: list[str] = Field(default_factory=list, description="Numbers that answer busy")
    unregistered: list[str] = Field(default_factory=list, description="Lines with no device registered")
    no_answer: list[str] = Field(default_factory=list, description="Numbers that ring without answering")
    keys: str = Field("", description="Keys pressed at menus, in order")
    draws: list[int] = Field(default_factory=list,
                             description="Draw (0-4095) of routing 1, 2, ...; the last repeats; none: 0")
    uuid: str | None = Field(None, description="Or the call's UUID, read as the dialplan reads it",
                             pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class OutcomeOut(_Out):
    disposition: Disposition = Field(description="As the call log records it")
    summary: str
    line: str | None = Field(None, description="The line that answered, or whose voicemail took the call")
    label: str | None = None
    greeting_only: bool = Field(False, description="Voicemail that plays its greeting and records nothing")
    forwarded_to: str | None = Field(None, description="The outside number that answered")
    hangup_cause: str | None = None
    profile: str | None = None
    rang: list[list[str]] = Field(description="Each group of legs rung together, in order")
    dialplan: str = Field(description="The dialplan's own end: bridge:, voicemail:, announce:, hangup:")


class SimulationOut(_Out):
    dialled: str
    caller: str | None
    at: str
    timezone: str
    kind: Literal["line", "reception", "special", "unknown"]
    number: str | None = None
    label: str | None = None
    profile: ProfileOut | None = None
    steps: list[StepOut]
    routings: list[RoutingOut] = Field(default_factory=list, description="Every routing of the special profile")
    circumstances: CircumstancesOut | None = None
    outcome: OutcomeOut | None = Field(None, description="Given circumstances: never null")
    text: str = Field(description="The whole plan in words")


def schema_json() -> str:
    return json.dumps(SimulationOut.model_json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _e164(number: str, region: str) -> str:
    try:
        return normalize(number.strip(), region, lenient=True)
    except NumberError:
        return number.strip()


def conditions(snap: TenantView, c: CircumstancesOut, region: str = "FR") -> Conditions:
    """Every line registered and answering, every outside number answering,
    except as the circumstances say."""
    busy = {_e164(n, region) for n in c.busy}
    unregistered = {_e164(n, region) for n in c.unregistered}
    silent = {_e164(n, region) for n in c.no_answer}
    registered, answers = set(), {}
    for line in snap.lines:
        user = f"{line.sip_username}@{snap.domain}"
        if line.number not in unregistered:
            registered.add(user)
        answers[user] = "busy" if line.number in busy else "no_answer" if line.number in silent else "answer"
    for number in busy | silent | unregistered:
        answers.setdefault(f"gateway:{number}", "busy" if number in busy else "no_answer")
    return Conditions(registered=registered, answers=_Answers(answers), digits=list(c.keys),
                      uuid=c.uuid or uuid_with_draws(list(c.draws)))


class _Answers(dict[str, str]):
    """Outside numbers the circumstances do not name answer."""

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self and key.startswith("gateway:"):
            return "answer"
        return super().get(key, default)


def outcome(snap: TenantView, plan: Plan, out: Outcome) -> OutcomeOut:
    users = {line.sip_username: line for line in snap.lines}
    by_user = {f"{line.sip_username}@{snap.domain}": line for line in snap.lines}
    by_number = {line.number: line for line in snap.lines}
    final = out.final
    attempts = list(out.attempts)
    if final.startswith("bridge:loopback:") and out.inner:  # a line of the tenant took it: how
        final, attempts = out.inner, attempts + list(out.inner_attempts)
    kind, _, rest = final.partition(":")
    rang = [[(by_user[t].number if t in by_user else t.partition(":")[2] or t) for t in a] for a in attempts]
    profile = plan.profile["name"] if plan.profile else None
    common: dict[str, Any] = {"rang": rang, "dialplan": out.final, "profile": profile}
    if kind == "bridge":
        how, _, number = rest.partition(":")
        line = by_user.get(rest) or (by_number.get(number) if how in ("loopback", "gateway") else None)
        if line is not None:
            return OutcomeOut(disposition="answered", line=line.number, label=line.label,
                              summary=f"answered by {line.label} ({line.number})", **common)
        return OutcomeOut(disposition="forwarded", forwarded_to=number,
                          summary=f"answered at {number} (outside number)", **common)
    if kind in ("voicemail", "announce"):
        line = users[rest]
        words = "greeting of" if kind == "announce" else "message left on the voicemail of"
        return OutcomeOut(disposition="voicemail", line=line.number, label=line.label, greeting_only=kind == "announce",
                          summary=f"{words} {line.label} ({line.number})", **common)
    if kind == "socket":
        return OutcomeOut(disposition="missed", summary="handed to the hunt-group service", **common)
    cause = rest or "NORMAL_CLEARING"
    disposition: Disposition = ("busy" if cause == "USER_BUSY" else "failed"
                                if cause in ("UNALLOCATED_NUMBER", "EXCHANGE_ROUTING_ERROR") else "missed")
    words = {"USER_BUSY": "busy: the call ends", "NO_ANSWER": "nobody answered: the call ends",
             "NORMAL_CLEARING": "the caller is hung up on (menu)",
             "UNALLOCATED_NUMBER": "refused: not a number of this company"}.get(cause, f"the call ends ({cause})")
    return OutcomeOut(disposition=disposition, hangup_cause=cause, summary=words, **common)


def simulate(snap: TenantView, dialled: str, caller: str | None, at: datetime,
             circumstances: CircumstancesOut | None = None, region: str = "FR") -> SimulationOut:
    cond = conditions(snap, circumstances, region) if circumstances is not None else None
    plan = resolve(snap, dialled, caller, at, cond, region=region)
    kind = plan.kind if plan.kind in ("line", "reception", "special") else "unknown"
    return SimulationOut(
        dialled=plan.dialled, caller=plan.caller, at=plan.at, timezone=plan.timezone, kind=kind,  # type: ignore[arg-type]
        number=plan.number, label=plan.label, profile=ProfileOut(**plan.profile) if plan.profile else None,
        steps=[StepOut.model_validate(s) for s in plan.details],
        routings=[RoutingOut.model_validate(r) for r in plan.routings], circumstances=circumstances,
        outcome=outcome(snap, plan, plan.outcome) if plan.outcome is not None else None, text=plan.text())


def parse_draw(raw: str) -> int:
    """A draw as 0-4095, or as a fraction of 1 (``0.37``)."""
    text = raw.strip()
    value = float(text)
    if "." in text:
        if not 0 <= value < 1:
            raise ValueError(f"{raw}: a fraction is at least 0 and less than 1")
        return int(value * BUCKETS)
    if not value.is_integer() or not 0 <= value < BUCKETS:
        raise ValueError(f"{raw}: a draw is a whole number from 0 to {BUCKETS - 1}, or a fraction like 0.37")
    return int(value)


__all__ = ["MAX_ROUTINGS", "CircumstancesOut", "SimulationOut", "conditions", "outcome", "parse_draw",
           "schema_json", "simulate"]
