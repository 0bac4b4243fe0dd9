"""Special 08xx numbers: create, force, delete a profile, export."""

from __future__ import annotations

from sqlalchemy import select

from orchestrator.domain.errors import Errors
from orchestrator.domain.profiles import rule_columns

from ...db.models import (
    ReceptionNumber,
    Routing,
    RoutingDestination,
    SpecialNumber,
    SpecialProfile,
    SpecialRule,
    Tenant,
)
from .. import inventory
from ..base import collecting
from ..context import ServiceContext
from ..numberprofiles import profiles
from ..numberprofiles.rules import describe
from .kind import SPECIAL
from .schema import ORIGIN_ORDER, DestinationDoc, RoutingDoc, SpecialDoc, SpecialProfileDoc, SpecialRuleDoc
from .validator import resolve_destination, validate

__all__ = ["ORIGIN_ORDER", "all_for", "create", "delete", "delete_profile", "force_profile", "to_doc"]


def create(ctx: ServiceContext, tenant: Tenant, doc: SpecialDoc, errors: Errors | None = None) -> SpecialNumber | None:
    s, region = ctx.session, ctx.settings.default_region
    with collecting(errors) as step:
        errs = step.errors
        number = validate(s, errs, tenant, doc, region)
        if number and not step.failed:
            inventory.allocate(s, errs, "number", tenant, number, "special")
        special = SpecialNumber(tenant_id=tenant.id, number=number, label=doc.label)
        by_name: dict[str, SpecialProfile] = {}
        for i, pdoc in enumerate(doc.profiles):
            prof = SpecialProfile(name=pdoc.name, is_default=pdoc.default, forced=pdoc.name == doc.forced_profile,
                                  position=i)
            for j, rdoc in enumerate(pdoc.routings):
                routing = Routing(position=j)
                for k, ddoc in enumerate(rdoc.destinations):
                    with errs.at(f"profiles[{i}].routings[{j}].destinations[{k}]"):
                        resolved = resolve_destination(s, errs, tenant, ddoc, region)
                    if resolved:
                        routing.destinations.append(RoutingDestination(
                            position=k, number=resolved[0], reception_id=resolved[1], percent=ddoc.percent))
                prof.routings.append(routing)
            special.profiles.append(prof)
            by_name[pdoc.name] = prof
        if step.failed:
            return None
        s.add(special)
        s.flush()
        for i, rule_in in enumerate(doc.rules):
            origins = ",".join(o for o in ORIGIN_ORDER if o in rule_in.origins)
            special.rules.append(SpecialRule(profile_id=by_name[rule_in.profile].id, origins=origins,
                                             **rule_columns(rule_in, i)))
        s.flush()
        ctx.audit(tenant.id, "create", "special_number", special.number, label=special.label)
        ctx.changed(tenant.id)
        return special


def force_profile(ctx: ServiceContext, special: SpecialNumber, name: str | None) -> None:
    """T-2: force ``name``, or stop forcing with None (:func:`numberprofiles.profiles.force_profile`)."""
    profiles.force_profile(ctx, SPECIAL, special, name)


def delete_profile(ctx: ServiceContext, prof: SpecialProfile) -> int:
    """T-3: a custom profile and its rules (all of them once no custom
    profile is left); returns how many rules went."""
    return profiles.delete_profile(ctx, SPECIAL, prof)


def delete(ctx: ServiceContext, special: SpecialNumber) -> None:
    inventory.release(ctx.session, special.number)
    ctx.audit(special.tenant_id, "delete", "special_number", special.number)
    ctx.changed(special.tenant_id)
    ctx.session.delete(special)


def to_doc(ctx: ServiceContext, special: SpecialNumber) -> SpecialDoc:
    docs = []
    for prof in special.profiles:
        routings = []
        for routing in prof.routings:
            dests = []
            for d in routing.destinations:
                rec = ctx.session.get(ReceptionNumber, d.reception_id) if d.reception_id else None
                dests.append(DestinationDoc(number=d.number, reception=rec.number if rec else None, percent=d.percent))
            routings.append(RoutingDoc(destinations=dests))
        docs.append(SpecialProfileDoc(name=prof.name, default=prof.is_default, routings=routings))
    rules = [SpecialRuleDoc(**describe(SPECIAL, special, rule)) for rule in special.rules]
    forced = next((p.name for p in special.profiles if p.forced), None)
    return SpecialDoc(number=special.number, label=special.label, forced_profile=forced, profiles=docs, rules=rules)


def all_for(ctx: ServiceContext, tenant: Tenant) -> list[SpecialNumber]:
    return list(ctx.session.scalars(select(SpecialNumber).where(SpecialNumber.tenant_id == tenant.id)
                                    .order_by(SpecialNumber.number)))
