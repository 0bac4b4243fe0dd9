"""Rules shared by the profiles of reception and special numbers
(T-1..T-3, S-3): one default profile, unique names, forced profile, rules,
and which profile applies at a given moment (:func:`choose_profile`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from .errors import Errors
from .timeeval import rule_matches
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
            errors.add("text.control_chars", f"profiles[{i}].name",
                       "line breaks and control characters are not allowed here")
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


# -- which profile applies (T-1..T-3, S-3) -------------------------------------
class ProfileRow(Protocol):
    id: int
    name: str
    forced: bool
    is_default: bool


class RuleRow(Protocol):
    profile_id: int
    days: str
    weekday_from: int | None
    weekday_to: int | None
    date_from: str | None
    date_to: str | None
    time_from: int | None
    time_to: int | None


def rule_origins(rule: object) -> tuple[str, ...]:
    """The caller origins a rule is limited to (special numbers); () for any."""
    text = getattr(rule, "origins", "") or ""
    return tuple(o for o in text.split(",") if o)


@dataclass(frozen=True)
class SelectionRule:
    number: int  # 1-based position among the number's rules (its priority)
    profile: int  # index into the profiles
    days: Days
    hours: Hours
    days_text: str
    hours_text: str
    origins: tuple[str, ...]  # () = every caller


@dataclass(frozen=True)
class Selection:
    """How a number chooses its profile, in the order it is evaluated: the
    forced profile (no rule is looked at), else the first matching rule,
    else the default profile. The renderer writes it as dialplan conditions;
    :func:`choose_profile` evaluates it for one moment and caller."""

    forced: int | None
    rules: tuple[SelectionRule, ...]
    default: int | None


def selection(profiles: Sequence[ProfileRow], rules: Sequence[RuleRow]) -> Selection:
    """The selection of a reception number (rules without origins) or a
    special number (rules with origins); a rule pointing to a profile that
    is not among ``profiles`` is left out."""
    index = {p.id: i for i, p in enumerate(profiles)}
    out = []
    for n, rule in enumerate(rules, start=1):
        if rule.profile_id not in index:
            continue
        days_text, hours_text = rule_strings(rule)
        out.append(SelectionRule(number=n, profile=index[rule.profile_id], days=parse_days(days_text),
                                 hours=parse_hours(hours_text), days_text=days_text, hours_text=hours_text,
                                 origins=rule_origins(rule)))
    return Selection(forced=next((i for i, p in enumerate(profiles) if p.forced), None), rules=tuple(out),
                     default=next((i for i, p in enumerate(profiles) if p.is_default), None))


@dataclass(frozen=True)
class ProfileChoice:
    profile: int | None  # index into the profiles; None: the number has no default profile
    why: str  # forced | rule | default
    rule: SelectionRule | None = None


def choose_profile(sel: Selection, local: datetime, origin: str | None = None, *,
                   honour_forced: bool = True) -> ProfileChoice:
    """The profile a call gets at ``local`` (the tenant's local time). With
    ``origin`` (01..05, mobile, other), rules limited to other origins are
    skipped; without it (reception numbers) origins are not looked at.
    ``honour_forced=False`` gives what the rules schedule, forcing aside."""
    if honour_forced and sel.forced is not None:
        return ProfileChoice(sel.forced, "forced")
    for rule in sel.rules:
        if not rule_matches(rule.days, rule.hours, local):
            continue
        if rule.origins and origin is not None and origin not in rule.origins:
            continue
        return ProfileChoice(rule.profile, "rule", rule)
    return ProfileChoice(sel.default, "default")
