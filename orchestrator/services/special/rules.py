"""Time-and-origin rules of a special number (manual §3.7.7.4, Figures
74-75; S-3, T-1): days (all week, weekdays, a date or date range), hours
(all day or a range on 10-minute steps), caller origins (01-05, mobile,
other) and the profile they select, in priority order (top wins). A custom
profile must exist before rules can be created."""

from __future__ import annotations

from typing import Any

from ...db.models import SpecialNumber, SpecialRule
from ..base import collecting, parse_doc
from ..context import ServiceContext
from orchestrator.domain.errors import Errors, ServiceError
from orchestrator.domain.profiles import parse_rule, rule_columns, rule_strings
from .inputs import MoveDoc, RuleInDoc
from .schema import SpecialRuleDoc
from .service import ORIGIN_ORDER


def get_rule(special: SpecialNumber, rule_id: int) -> SpecialRule | None:
    return next((r for r in special.rules if r.id == rule_id), None)


def origins_of(rule: SpecialRule) -> list[str]:
    return [o for o in rule.origins.split(",") if o]


def rule_doc(special: SpecialNumber, rule: SpecialRule) -> SpecialRuleDoc:
    names = {p.id: p.name for p in special.profiles}
    days, hours = rule_strings(rule)
    return SpecialRuleDoc(days=days, hours=hours, origins=origins_of(rule),  # type: ignore[arg-type]
                          profile=names.get(rule.profile_id, ""))


def _check(errors: Errors, special: SpecialNumber, doc: RuleInDoc, require_origin: bool) -> tuple[int | None, str]:
    """The profile id and the stored origins (all seven: any caller, stored empty)."""
    if not any(not p.is_default for p in special.profiles):
        errors.add("rule.needs_custom_profile", "profile", "create a custom profile before adding rules")
    parse_rule(errors, doc)
    prof = next((p for p in special.profiles if p.name == doc.profile), None)
    if prof is None:
        errors.add("profile.unknown", "profile", f"unknown profile {doc.profile!r}")
    if require_origin and not doc.origins:
        errors.add("rule.origins_required", "origins", "choose at least one caller origin")
    chosen = [o for o in ORIGIN_ORDER if o in doc.origins]
    return (prof.id if prof else None), ("" if len(chosen) == len(ORIGIN_ORDER) else ",".join(chosen))


def _renumber(special: SpecialNumber, ordered: list[SpecialRule]) -> None:
    for i, rule in enumerate(ordered):
        rule.priority = i
    special.rules[:] = ordered


def _parse(data: dict[str, Any] | RuleInDoc) -> RuleInDoc:
    return data if isinstance(data, RuleInDoc) else parse_doc(RuleInDoc, data)  # type: ignore[return-value]


def add_rule(ctx: ServiceContext, special: SpecialNumber, data: dict[str, Any] | RuleInDoc, *,
             require_origin: bool = False) -> SpecialRule:
    """« Créer une règle horaire et géographique »: added at the bottom (lowest priority)."""
    doc = _parse(data)
    with collecting(None) as step:
        profile_id, origins = _check(step.errors, special, doc, require_origin)
    rule = SpecialRule(profile_id=profile_id, origins=origins, **rule_columns(doc, len(special.rules)))
    special.rules.append(rule)
    ctx.session.flush()
    ctx.audit(special.tenant_id, "create", "special_rule", f"{special.number}/{rule.priority + 1}",
              **doc.model_dump())
    ctx.changed(special.tenant_id)
    return rule


def update_rule(ctx: ServiceContext, rule: SpecialRule, data: dict[str, Any] | RuleInDoc, *,
                require_origin: bool = False) -> SpecialRule:
    special = rule.special
    doc = _parse(data)
    with collecting(None) as step:
        profile_id, origins = _check(step.errors, special, doc, require_origin)
    for key, value in rule_columns(doc, rule.priority).items():
        setattr(rule, key, value)
    rule.profile_id, rule.origins = profile_id, origins  # type: ignore[assignment]
    ctx.session.flush()
    ctx.audit(special.tenant_id, "update", "special_rule", f"{special.number}/{rule.priority + 1}",
              **doc.model_dump())
    ctx.changed(special.tenant_id)
    return rule


def delete_rule(ctx: ServiceContext, rule: SpecialRule) -> None:
    special = rule.special
    ctx.audit(special.tenant_id, "delete", "special_rule", f"{special.number}/{rule.priority + 1}",
              **rule_doc(special, rule).model_dump())
    _renumber(special, [r for r in special.rules if r is not rule])
    ctx.session.flush()
    ctx.changed(special.tenant_id)


def move_rule(ctx: ServiceContext, rule: SpecialRule, data: dict[str, Any] | MoveDoc | str) -> SpecialRule:
    """▲/▼: one place up (higher priority) or down; at the end, nothing moves."""
    if isinstance(data, str):
        data = {"direction": data}
    doc: MoveDoc = data if isinstance(data, MoveDoc) else parse_doc(MoveDoc, data)  # type: ignore[assignment]
    special = rule.special
    ordered = list(special.rules)
    if rule not in ordered:
        raise ServiceError("this rule belongs to another special number", error_id="rule.unknown", field="rule")
    i = ordered.index(rule)
    j = max(0, min(len(ordered) - 1, i + (-1 if doc.direction == "up" else 1)))
    ordered.insert(j, ordered.pop(i))
    _renumber(special, ordered)
    ctx.session.flush()
    ctx.audit(special.tenant_id, "move", "special_rule", f"{special.number}/{i + 1}", to=j + 1)
    ctx.changed(special.tenant_id)
    return rule
