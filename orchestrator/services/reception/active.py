"""Which profile of a reception number applies at a given moment (T-1..T-3):
the forced one, else the first time rule that matches the tenant's local
time, else the default profile. The same evaluation as the route resolver
(:mod:`orchestrator.routing.timeeval`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ...db.models import ReceptionNumber, ReceptionProfile
from ...routing.timeeval import rule_matches
from ..profiles import rule_strings
from ..timerules import parse_days, parse_hours


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
    by_id = {p.id: p for p in rec.profiles}
    forced = next((p for p in rec.profiles if p.forced), None)
    scheduled, rule_no = None, None
    for n, rule in enumerate(rec.rules, start=1):
        days, hours = rule_strings(rule)
        if rule_matches(parse_days(days), parse_hours(hours), local) and rule.profile_id in by_id:
            scheduled, rule_no = by_id[rule.profile_id], n
            break
    if scheduled is None:
        scheduled = next((p for p in rec.profiles if p.is_default), None)
    return ProfileState(effective=forced or scheduled, scheduled=scheduled, forced=forced, rule=rule_no,
                        with_rules=frozenset(r.profile_id for r in rec.rules), local_time=local)
