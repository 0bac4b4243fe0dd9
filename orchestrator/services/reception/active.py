"""Which profile of a reception number applies at a given moment (T-1..T-3):
the forced one, else the first time rule that matches the tenant's local
time, else the default profile. The same evaluation as the route resolver
(:func:`orchestrator.domain.profiles.choose_profile`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from orchestrator.domain.profiles import choose_profile, selection

from ...db.models import ReceptionNumber, ReceptionProfile


@dataclass(frozen=True)
class ProfileState:
    effective: ReceptionProfile | None  # what applies now
    scheduled: ReceptionProfile | None  # what the rules (or the default) select, forcing aside
    forced: ReceptionProfile | None
    rule: int | None  # 1-based rule that selected ``scheduled``; None: the default profile
    with_rules: frozenset[int]  # ids of profiles that rules point to
    local_time: datetime


def profile_state(rec: ReceptionNumber, timezone: str, now: datetime | None = None) -> ProfileState:
    local = (now or datetime.now(ZoneInfo(timezone))).astimezone(ZoneInfo(timezone))
    choice = choose_profile(selection(rec.profiles, rec.rules), local, honour_forced=False)
    scheduled = rec.profiles[choice.profile] if choice.profile is not None else None
    forced = next((p for p in rec.profiles if p.forced), None)
    return ProfileState(effective=forced or scheduled, scheduled=scheduled, forced=forced,
                        rule=choice.rule.number if choice.rule else None,
                        with_rules=frozenset(r.profile_id for r in rec.rules), local_time=local)
