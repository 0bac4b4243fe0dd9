"""Time rules of a reception number (manual §3.7.6.4, T-1): in priority
order (the top one wins; no match: the default profile), each with its
days, hours and the profile it selects. Add, change, move up/down, delete,
or replace the whole list.

The shared implementation is :mod:`..numberprofiles.rules` with the kind
:data:`.kind.RECEPTION`; this module keeps the reception entry points and
the rule form. The syntax is checked by :func:`profiles.parse_rule` (thus
:func:`timerules.parse_days` / :func:`timerules.parse_hours`), errors on
``days``, ``hours`` and ``profile``. Rows keep their ids across moves and
edits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from orchestrator.domain.errors import Errors, ValidationFailed
from orchestrator.domain.profiles import rule_strings
from orchestrator.domain.timerules import WEEKDAYS

from ...db.models import ReceptionNumber, ReceptionProfile, ReceptionRule
from ..base import Doc, collecting, parse_doc
from ..context import ServiceContext
from ..numberprofiles import rules as shared
from .kind import RECEPTION
from .schema import RuleDoc


class ReceptionRuleIn(RuleDoc):
    position: int | None = Field(None, ge=1, description="1-based priority to insert at; default: the end")


class ReceptionRulesIn(Doc):
    rules: list[RuleDoc] = Field(default_factory=list, description="The whole list, in priority order")


class RuleMoveIn(Doc):
    direction: Literal["up", "down"]


def rule_list(rec: ReceptionNumber) -> list[dict[str, Any]]:
    """``[{id, priority, days, hours, profile}]`` in priority order (1 = top)."""
    names = {p.id: p.name for p in rec.profiles}
    out = []
    for n, rule in enumerate(rec.rules, start=1):
        days, hours = rule_strings(rule)
        out.append({"id": rule.id, "priority": n, "days": days, "hours": hours, "profile": names.get(rule.profile_id)})
    return out


def get_rule(rec: ReceptionNumber, rule_id: int) -> ReceptionRule | None:
    return shared.get_rule(rec, rule_id)


def _parse(errors: Errors, model: type[Doc], data: Any) -> Any:
    try:
        return parse_doc(model, data)
    except ValidationFailed as exc:
        errors.items.extend(exc.errors)
        return None


def add_rule(ctx: ServiceContext, rec: ReceptionNumber, data: Mapping[str, Any],
             errors: Errors | None = None) -> ReceptionRule | None:
    """« Créer une règle horaire »: at ``position`` (1-based), else last.
    With a caller's collector, nothing is stored while it holds errors."""
    with collecting(errors) as step:
        doc: ReceptionRuleIn | None = _parse(step.errors, ReceptionRuleIn, dict(data))
        if doc is None:
            return None
        return shared.add_rule(ctx, RECEPTION, rec, doc, position=doc.position, errors=step.errors)


def update_rule(ctx: ServiceContext, rec: ReceptionNumber, rule: ReceptionRule, data: Mapping[str, Any],
                errors: Errors | None = None) -> ReceptionRule | None:
    """Change a rule's days, hours and profile; its priority stays."""
    with collecting(errors) as step:
        doc: RuleDoc | None = _parse(step.errors, RuleDoc, dict(data))
        if doc is None:
            return None
        return shared.update_rule(ctx, RECEPTION, rec, rule, doc, errors=step.errors)


def move_rule(ctx: ServiceContext, rec: ReceptionNumber, rule: ReceptionRule, direction: str) -> None:
    """▲ / ▼: one place up or down, bounded by the list."""
    shared.move_rule(ctx, RECEPTION, rec, rule, direction)


def delete_rule(ctx: ServiceContext, rec: ReceptionNumber, rule: ReceptionRule) -> None:
    shared.delete_rule(ctx, RECEPTION, rec, rule)


def replace_rules(ctx: ServiceContext, rec: ReceptionNumber, data: Mapping[str, Any]) -> list[ReceptionRule]:
    """The whole list at once (API ``PUT``): every rule is checked, errors
    on ``rules[i].days`` etc.; existing rows are reused in order."""
    doc: ReceptionRulesIn = parse_doc(ReceptionRulesIn, dict(data))
    return shared.replace_rules(ctx, RECEPTION, rec, doc.rules, rules=[r.model_dump() for r in doc.rules])


# -- the rule form (§3.7.6.4, Figure 67) -------------------------------------------

def time_options(end: bool = False) -> list[str]:
    """10-minute steps: 00:00…23:50 for a start, 00:10…24:00 for an end."""
    minutes = range(10, 24 * 60 + 1, 10) if end else range(0, 24 * 60, 10)
    return [f"{m // 60:02d}:{m % 60:02d}" for m in minutes]


def rule_from_fields(errors: Errors, form: Mapping[str, str]) -> dict[str, str]:
    """The form's fields → ``{days, hours, profile}``. ``days_kind``: all |
    weekdays (``weekday_from``, ``weekday_to``) | dates (``date_from``,
    optional ``date_to``, DD/MM); ``hours_kind``: all | range
    (``time_from``, ``time_to``). What the form cannot express is an error
    on ``days`` or ``hours``; the syntax is checked by the service."""
    get = lambda name: (form.get(name) or "").strip()  # noqa: E731
    days_kind, hours_kind = get("days_kind") or "all", get("hours_kind") or "all"
    if days_kind == "all":
        days = "all"
    elif days_kind == "weekdays":
        first, last = get("weekday_from"), get("weekday_to") or get("weekday_from")
        days = first if first == last else f"{first}-{last}"
        if first not in WEEKDAYS or last not in WEEKDAYS:
            errors.add("field.choice", "days", "choose the first and the last day of the week")
    elif days_kind == "dates":
        first, last = get("date_from"), get("date_to")
        days = f"{first}-{last}" if last and last != first else first
        if not first:
            errors.add("field.required", "days", "give a date (DD/MM) or a period (DD/MM to DD/MM)")
    else:
        days = ""
        errors.add("field.choice", "days", "choose every day, days of the week or dates")
    if hours_kind == "all":
        hours = "all"
    elif hours_kind == "range":
        hours = f"{get('time_from')}-{get('time_to')}"
        if not get("time_from") or not get("time_to"):
            errors.add("field.required", "hours", "choose the start and the end of the time range")
    else:
        hours = ""
        errors.add("field.choice", "hours", "choose all day or a time range")
    return {"days": days, "hours": hours, "profile": get("profile")}


def fields_of(rule: ReceptionRule | None, profiles: list[ReceptionProfile]) -> dict[str, str]:
    """The form's fields for an existing rule (or a new one)."""
    if rule is None:
        custom = next((p for p in profiles if not p.is_default), profiles[0] if profiles else None)
        return {"days_kind": "weekdays", "weekday_from": "mon", "weekday_to": "fri", "hours_kind": "range",
                "time_from": "08:00", "time_to": "18:00", "profile": custom.name if custom else ""}
    hhmm = lambda m: f"{m // 60:02d}:{m % 60:02d}"  # noqa: E731
    out = {"days_kind": rule.days, "hours_kind": "all" if rule.time_from is None else "range",
           "profile": next((p.name for p in profiles if p.id == rule.profile_id), "")}
    if rule.days == "weekdays" and rule.weekday_from and rule.weekday_to:
        out.update(weekday_from=WEEKDAYS[rule.weekday_from - 1], weekday_to=WEEKDAYS[rule.weekday_to - 1])
    elif rule.days == "dates":
        out.update(date_from=rule.date_from or "", date_to="" if rule.date_to == rule.date_from else rule.date_to or "")
    if rule.time_from is not None:
        out.update(time_from=hhmm(rule.time_from), time_to=hhmm(rule.time_to))
    return out
