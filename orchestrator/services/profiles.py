"""Rules shared by the profiles of reception and special numbers
(T-1..T-3, S-3): one default profile, unique names, forced profile, rules."""

from __future__ import annotations

from collections.abc import Sequence
import re
from typing import Any, Protocol

from .errors import Errors
from .timerules import Days, Hours, RuleSyntaxError, format_days, format_hours, parse_days, parse_hours

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class NamedProfile(Protocol):
    name: str
    default: bool


class RuleLike(Protocol):
    days: str
    hours: str
    profile: str


def check_profiles(errors: Errors, profiles: Sequence[NamedProfile], forced: str | None,
                   rules: Sequence[RuleLike], *, rules_need_custom: bool) -> None:
    names = [p.name for p in profiles]
    defaults = [p for p in profiles if p.default]
    if len(defaults) != 1:
        errors.add("profile.default_count", "profiles",
                   f"exactly one profile is the default profile (found {len(defaults)})")
    for i, name in enumerate(names):
        if _CONTROL.search(name):
            errors.add("text.control_chars", f"profiles[{i}].name", "line breaks and control characters are not allowed here")
        if name in names[:i]:
            errors.add("profile.name_taken", f"profiles[{i}].name", f"profile name {name!r} is used twice")
    if forced is not None and forced not in names:
        errors.add("profile.unknown", "forced_profile", f"unknown profile {forced!r}")
    if rules and rules_need_custom and len(profiles) - len(defaults) < 1:
        errors.add("rule.needs_custom_profile", "rules", "create a custom profile before adding rules")
    for i, rule in enumerate(rules):
        with errors.at(f"rules[{i}]"):
            parse_rule(errors, rule)
            if rule.profile not in names:
                errors.add("profile.unknown", "profile", f"unknown profile {rule.profile!r}")


def parse_rule(errors: Errors, rule: RuleLike) -> tuple[Days, Hours] | None:
    try:
        days = parse_days(rule.days)
    except RuleSyntaxError as exc:
        errors.add(exc.error_id, "days", exc.message)
        days = None
    try:
        hours = parse_hours(rule.hours)
    except RuleSyntaxError as exc:
        errors.add(exc.error_id, "hours", exc.message)
        hours = None
    if days is None or hours is None:
        return None
    return days, hours


def rule_columns(rule: RuleLike, priority: int) -> dict[str, Any]:
    days, hours = parse_days(rule.days), parse_hours(rule.hours)
    return dict(priority=priority, days=days.kind, weekday_from=days.weekday_from, weekday_to=days.weekday_to,
                date_from=days.date_from, date_to=days.date_to, time_from=hours.time_from, time_to=hours.time_to)


def rule_strings(row: Any) -> tuple[str, str]:
    days = Days(row.days, row.weekday_from, row.weekday_to, row.date_from, row.date_to)
    return format_days(days), format_hours(Hours(row.time_from, row.time_to))
