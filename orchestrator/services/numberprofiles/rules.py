"""The time rules of a number with profiles (reception or special, see
:class:`.kind.NumberKind`), in priority order (the first match wins; no
match: the default profile): check, add (at a position, else last), change,
move up / down, delete, replace the whole list. With caller origins where
the kind has them. Rows keep their ids across moves and edits; priorities
are renumbered 0, 1, 2… on every change of the list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from orchestrator.domain.errors import Errors, ServiceError
from orchestrator.domain.profiles import parse_rule, rule_columns, rule_strings

from ..base import collecting
from ..context import ServiceContext
from .kind import NumberKind


class RuleInput(Protocol):
    """A rule as given: days, hours, the profile's name (and origins where
    the kind has them)."""

    days: str
    hours: str
    profile: str


@runtime_checkable
class RuleWithOrigins(RuleInput, Protocol):
    """A rule given for a kind with caller origins."""

    @property
    def origins(self) -> Sequence[str]: ...


def given_origins(doc: RuleInput) -> Sequence[str]:
    """The caller origins of ``doc``, a rule given for a kind that has them."""
    if not isinstance(doc, RuleWithOrigins):
        raise TypeError(f"{type(doc).__name__} has no caller origins")
    return doc.origins


def get_rule(number: Any, rule_id: int) -> Any | None:
    return next((r for r in number.rules if r.id == rule_id), None)


def origins_of(rule: Any) -> list[str]:
    """The stored origins of a rule as a list; [] for any caller."""
    return [o for o in rule.origins.split(",") if o]


def stored_origins(kind: NumberKind, origins: Sequence[str]) -> str:
    """In the kind's order, comma-separated; every origin is stored as ""
    (any caller)."""
    chosen = [o for o in kind.origins if o in origins]
    return "" if len(chosen) == len(kind.origins) else ",".join(chosen)


def describe(kind: NumberKind, number: Any, rule: Any) -> dict[str, Any]:
    """A stored rule as ``{days, hours, [origins,] profile}``."""
    names = {p.id: p.name for p in number.profiles}
    days, hours = rule_strings(rule)
    out: dict[str, Any] = {"days": days, "hours": hours}
    if kind.origins:
        out["origins"] = origins_of(rule)
    out["profile"] = names.get(rule.profile_id, "")
    return out


def _described(kind: NumberKind, doc: RuleInput) -> dict[str, Any]:
    out: dict[str, Any] = {"days": doc.days, "hours": doc.hours}
    if kind.origins:
        out["origins"] = list(given_origins(doc))
    out["profile"] = doc.profile
    return out


def check_rule(errors: Errors, kind: NumberKind, number: Any, doc: RuleInput, *,
               require_origin: bool = False) -> Any | None:
    """Errors on ``profile``, ``days``, ``hours`` (and ``origins``); returns
    the profile the rule selects, None if there is none of that name."""
    if kind.rules_need_custom and not any(not p.is_default for p in number.profiles):
        errors.add("rule.needs_custom_profile", "profile", "create a custom profile before adding rules")
    parse_rule(errors, doc)
    prof = next((p for p in number.profiles if p.name == doc.profile), None)
    if prof is None:
        errors.add("profile.unknown", "profile", kind.unknown_rule_profile.format(number=number.number,
                                                                                  name=doc.profile))
    if kind.origins and require_origin and not given_origins(doc):
        errors.add("rule.origins_required", "origins", "choose at least one caller origin")
    return prof


def store(kind: NumberKind, rule: Any, doc: RuleInput, prof: Any) -> None:
    """The days, hours (and origins) of ``doc`` and its profile into ``rule``;
    its priority stays."""
    for key, value in rule_columns(doc, rule.priority or 0).items():
        if key != "priority":
            setattr(rule, key, value)
    rule.profile_id = prof.id
    if kind.origins:
        rule.origins = stored_origins(kind, given_origins(doc))


def renumber(number: Any, ordered: list[Any]) -> None:
    """``ordered`` becomes the rules of ``number``, priorities 0, 1, 2…"""
    for i, rule in enumerate(ordered):
        rule.priority = i
    number.rules[:] = ordered


def _index(kind: NumberKind, number: Any, rule: Any) -> int:
    if rule not in number.rules:
        raise ServiceError(f"this rule belongs to another {kind.label}", error_id="rule.unknown", field="rule")
    return list(number.rules).index(rule)


def add_rule(ctx: ServiceContext, kind: NumberKind, number: Any, doc: RuleInput, *, position: int | None = None,
             require_origin: bool = False, errors: Errors | None = None) -> Any | None:
    """A new rule at ``position`` (1-based), else last. With a caller's
    collector, nothing is stored while it holds errors (None is returned);
    without one, errors raise."""
    with collecting(errors) as step:
        prof = check_rule(step.errors, kind, number, doc, require_origin=require_origin)
        if step.errors or prof is None:
            return None
        rule = kind.rule_model(priority=0)
        store(kind, rule, doc, prof)
        rules = list(number.rules)
        at = len(rules) if position is None else min(position - 1, len(rules))
        rules.insert(at, rule)
        renumber(number, rules)
        ctx.session.flush()
        kind.audit_rule(ctx, number, "create", at + 1, _described(kind, doc))
        ctx.changed(number.tenant_id)
        return rule


def update_rule(ctx: ServiceContext, kind: NumberKind, number: Any, rule: Any, doc: RuleInput, *,
                require_origin: bool = False, errors: Errors | None = None) -> Any | None:
    """Change a rule's days, hours (origins) and profile; its place stays.
    Errors as :func:`add_rule`."""
    with collecting(errors) as step:
        prof = check_rule(step.errors, kind, number, doc, require_origin=require_origin)
        if step.errors or prof is None:
            return None
        i = _index(kind, number, rule)
        store(kind, rule, doc, prof)
        renumber(number, list(number.rules))
        ctx.session.flush()
        kind.audit_rule(ctx, number, "update", i + 1, _described(kind, doc))
        ctx.changed(number.tenant_id)
        return rule


def move_rule(ctx: ServiceContext, kind: NumberKind, number: Any, rule: Any, direction: str) -> None:
    """▲ / ▼: one place up (``up``: higher priority) or down, bounded by the list."""
    i = _index(kind, number, rule)
    rules = list(number.rules)
    j = max(0, min(len(rules) - 1, i + (-1 if direction == "up" else 1)))
    rules.insert(j, rules.pop(i))
    renumber(number, rules)
    ctx.session.flush()
    kind.audit_rule(ctx, number, "move", i + 1, describe(kind, number, rule), to=j + 1)
    ctx.changed(number.tenant_id)


def delete_rule(ctx: ServiceContext, kind: NumberKind, number: Any, rule: Any) -> None:
    i = _index(kind, number, rule)
    description = describe(kind, number, rule)
    renumber(number, [r for r in number.rules if r is not rule])
    ctx.session.flush()
    kind.audit_rule(ctx, number, "delete", i + 1, description)
    ctx.changed(number.tenant_id)


def replace_rules(ctx: ServiceContext, kind: NumberKind, number: Any, docs: Sequence[RuleInput],
                  **details: Any) -> list[Any]:
    """The whole list at once: every rule is checked (errors on
    ``rules[i].days`` etc., raised); existing rows are reused in order.
    ``details`` go to the audit entry."""
    with collecting(None) as step:
        profiles = []
        for i, doc in enumerate(docs):
            with step.errors.at(f"rules[{i}]"):
                profiles.append(check_rule(step.errors, kind, number, doc))
    old = list(number.rules)
    rules = old[:len(docs)] + [kind.rule_model(priority=0) for _ in range(len(docs) - len(old))]
    for rule, doc, prof in zip(rules, docs, profiles, strict=False):
        store(kind, rule, doc, prof)
    renumber(number, rules)
    ctx.session.flush()
    kind.audit_rule(ctx, number, "replace", 0, {}, **details)
    ctx.changed(number.tenant_id)
    return rules
