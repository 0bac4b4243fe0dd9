"""Which profile of a special number applies now (manual §3.7.7, Figures 70
and 76; S-3, T-2, T-3). Rules also look at the caller's origin, so the
answer is given per origin (01-05, mobile, other): the forced profile for
all of them, else the first rule matching the local time and the origin,
else the default profile. The same evaluation as the route resolver."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from orchestrator.domain.numbering import NumberError, normalize, origin_class
from orchestrator.domain.profiles import choose_profile, selection

from ...db.models import SpecialNumber, SpecialProfile
from .schema import ORIGIN_ORDER


@dataclass(frozen=True)
class SpecialState:
    forced: SpecialProfile | None
    by_origin: dict[str, tuple[SpecialProfile | None, int | None]]  # origin → (profile, 1-based rule or None)
    with_rules: frozenset[int]  # ids of profiles that rules point to
    local_time: datetime

    @property
    def active_ids(self) -> frozenset[int]:
        """Profiles that take some caller's call now (the green ones)."""
        if self.forced is not None:
            return frozenset({self.forced.id})
        return frozenset(p.id for p, _ in self.by_origin.values() if p is not None)

    @property
    def scheduled(self) -> dict[str, str]:
        """origin → profile name, forcing aside."""
        return {o: (p.name if p else "") for o, (p, _) in self.by_origin.items()}

    @property
    def uniform(self) -> SpecialProfile | None:
        """The profile every caller gets now, forcing aside; None if it depends on the origin."""
        profiles = {p.id if p else None for p, _ in self.by_origin.values()}
        return next(iter(self.by_origin.values()))[0] if len(profiles) == 1 else None


def special_state(special: SpecialNumber, timezone: str, now: datetime | None = None) -> SpecialState:
    local = (now or datetime.now(ZoneInfo(timezone))).astimezone(ZoneInfo(timezone))
    sel = selection(special.profiles, special.rules)
    by_origin: dict[str, tuple[SpecialProfile | None, int | None]] = {}
    for origin in ORIGIN_ORDER:
        choice = choose_profile(sel, local, origin, honour_forced=False)
        profile = special.profiles[choice.profile] if choice.profile is not None else None
        by_origin[origin] = (profile, choice.rule.number if choice.rule else None)
    return SpecialState(forced=next((p for p in special.profiles if p.forced), None), by_origin=by_origin,
                        with_rules=frozenset(r.profile_id for r in special.rules), local_time=local)


@dataclass(frozen=True)
class Choice:
    profile: SpecialProfile | None
    origin: str  # 01..05 | mobile | other
    why: str  # forced | rule | default
    rule: int | None = None  # 1-based


def profile_for(special: SpecialNumber, timezone: str, at: datetime, caller: str | None, region: str = "FR") -> Choice:
    """The profile one call gets ("test this number"): as the resolver picks it."""
    try:
        origin = origin_class(normalize(caller, region, lenient=True)) if caller else "other"
    except NumberError:
        origin = "other"
    st = special_state(special, timezone, at)
    if st.forced is not None:
        return Choice(st.forced, origin, "forced")
    prof, rule = st.by_origin[origin]
    return Choice(prof, origin, "rule" if rule else "default", rule)
