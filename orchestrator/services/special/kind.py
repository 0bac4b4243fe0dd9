"""Special numbers as a :class:`~..numberprofiles.kind.NumberKind`: their
profiles hold routings (a duplicate copies them); nothing points to a
special profile; rules may be limited to caller origins and need a custom
profile."""

from __future__ import annotations

from typing import Any

from ...db.models import Routing, RoutingDestination, SpecialNumber, SpecialProfile, SpecialRule
from ..context import ServiceContext
from ..numberprofiles.kind import NameScheme, NumberKind, no_users
from .schema import ORIGIN_ORDER


def copy_content(prof: SpecialProfile, copy: SpecialProfile) -> None:
    """What « Dupliquer » copies: the routings and their destinations."""
    for routing in prof.routings:
        new = Routing(position=routing.position)
        new.destinations = [RoutingDestination(position=d.position, number=d.number, reception_id=d.reception_id,
                                               percent=d.percent) for d in routing.destinations]
        copy.routings.append(new)


def audit_rule(ctx: ServiceContext, special: SpecialNumber, action: str, position: int,
               description: dict[str, Any], **extra: Any) -> None:
    """Keyed by ``<number>/<position>``; a move records where the rule went,
    anything else the rule's days, hours, origins and profile."""
    details = extra if action == "move" else {**description, **extra}
    ctx.audit(special.tenant_id, action, "special_rule", f"{special.number}/{position}", **details)


SPECIAL = NumberKind(
    label="special number", profile_model=SpecialProfile, rule_model=SpecialRule, parent_attr="special",
    audit_number="special_number", audit_profile="special_profile", copy_audit_key="name",
    name_taken="this special number already has a profile named {name!r}",
    unknown_rule_profile="unknown profile {name!r}",
    names=NameScheme(suffix=" {n}", base_if_free=True),
    copy_content=copy_content, users=no_users, audit_rule=audit_rule,
    origins=ORIGIN_ORDER, rules_need_custom=True,
)
