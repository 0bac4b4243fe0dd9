"""Time-and-origin rules of a special number (manual §3.7.7.4, Figures
74-75; S-3, T-1): days (all week, weekdays, a date or date range), hours
(all day or a range on 10-minute steps), caller origins (01-05, mobile,
other) and the profile they select, in priority order (top wins). A custom
profile must exist before rules can be created.

The shared implementation is :mod:`..numberprofiles.rules` with the kind
:data:`.kind.SPECIAL`; these are the special-number entry points (errors
raise; rules are added at the bottom)."""

from __future__ import annotations

from typing import Any

from ...db.models import SpecialNumber, SpecialRule
from ..base import parse_doc
from ..context import ServiceContext
from ..numberprofiles import rules as shared
from .inputs import MoveDoc, RuleInDoc
from .kind import SPECIAL
from .schema import SpecialRuleDoc


def get_rule(special: SpecialNumber, rule_id: int) -> SpecialRule | None:
    return shared.get_rule(special, rule_id)


def origins_of(rule: SpecialRule) -> list[str]:
    return shared.origins_of(rule)


def rule_doc(special: SpecialNumber, rule: SpecialRule) -> SpecialRuleDoc:
    return SpecialRuleDoc(**shared.describe(SPECIAL, special, rule))


def _parse(data: dict[str, Any] | RuleInDoc) -> RuleInDoc:
    return data if isinstance(data, RuleInDoc) else parse_doc(RuleInDoc, data)


def add_rule(ctx: ServiceContext, special: SpecialNumber, data: dict[str, Any] | RuleInDoc, *,
             require_origin: bool = False) -> SpecialRule:
    """« Créer une règle horaire et géographique »: added at the bottom (lowest priority)."""
    rule = shared.add_rule(ctx, SPECIAL, special, _parse(data), require_origin=require_origin)
    assert rule is not None  # without an error collector, invalid input raised ValidationFailed
    return rule


def update_rule(ctx: ServiceContext, rule: SpecialRule, data: dict[str, Any] | RuleInDoc, *,
                require_origin: bool = False) -> SpecialRule:
    updated = shared.update_rule(ctx, SPECIAL, rule.special, rule, _parse(data), require_origin=require_origin)
    assert updated is not None  # without an error collector, invalid input raised ValidationFailed
    return updated


def delete_rule(ctx: ServiceContext, rule: SpecialRule) -> None:
    shared.delete_rule(ctx, SPECIAL, rule.special, rule)


def move_rule(ctx: ServiceContext, rule: SpecialRule, data: dict[str, Any] | MoveDoc | str) -> SpecialRule:
    """▲/▼: one place up (higher priority) or down; at the end, nothing moves."""
    if isinstance(data, str):
        data = {"direction": data}
    doc: MoveDoc = data if isinstance(data, MoveDoc) else parse_doc(MoveDoc, data)
    shared.move_rule(ctx, SPECIAL, rule.special, rule, doc.direction)
    return rule
