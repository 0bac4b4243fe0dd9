"""Special 08xx numbers: create, force, delete a profile, export."""

from __future__ import annotations

from sqlalchemy import select

from ...db.models import ReceptionNumber, Routing, RoutingDestination, SpecialNumber, SpecialProfile, SpecialRule, Tenant
from .. import inventory
from ..base import collecting
from ..context import ServiceContext
from orchestrator.domain.errors import Errors, ServiceError
from orchestrator.domain.profiles import rule_columns, rule_strings
from .schema import DestinationDoc, RoutingDoc, SpecialDoc, SpecialProfileDoc, SpecialRuleDoc
from .validator import resolve_destination, validate

ORIGIN_ORDER = ("01", "02", "03", "04", "05", "mobile", "other")


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
        for i, rdoc in enumerate(doc.rules):
            origins = ",".join(o for o in ORIGIN_ORDER if o in rdoc.origins)
            special.rules.append(SpecialRule(profile_id=by_name[rdoc.profile].id, origins=origins,
                                             **rule_columns(rdoc, i)))
        s.flush()
        ctx.audit(tenant.id, "create", "special_number", special.number, label=special.label)
        ctx.changed(tenant.id)
        return special


def force_profile(ctx: ServiceContext, special: SpecialNumber, name: str | None) -> None:
    if name is not None and name not in [p.name for p in special.profiles]:
        raise ServiceError(f"special number {special.number} has no profile {name!r}", error_id="profile.unknown",
                           field="forced_profile")
    for prof in special.profiles:
        prof.forced = prof.name == name
    ctx.audit(special.tenant_id, "force" if name else "unforce", "special_number", special.number, profile=name)
    ctx.changed(special.tenant_id)


def delete_profile(ctx: ServiceContext, prof: SpecialProfile) -> None:
    if prof.is_default:
        raise ServiceError("the default profile cannot be deleted", error_id="profile.default_undeletable",
                           field="profile")
    special = prof.special
    ctx.audit(special.tenant_id, "delete", "special_profile", f"{special.number}/{prof.name}")
    ctx.changed(special.tenant_id)
    for rule in [r for r in special.rules if r.profile_id == prof.id]:
        special.rules.remove(rule)
    ctx.session.flush()  # rules first: the database would cascade them otherwise
    special.profiles.remove(prof)
    ctx.session.flush()


def delete(ctx: ServiceContext, special: SpecialNumber) -> None:
    inventory.release(ctx.session, special.number)
    ctx.audit(special.tenant_id, "delete", "special_number", special.number)
    ctx.changed(special.tenant_id)
    ctx.session.delete(special)


def to_doc(ctx: ServiceContext, special: SpecialNumber) -> SpecialDoc:
    names = {p.id: p.name for p in special.profiles}
    profiles = []
    for prof in special.profiles:
        routings = []
        for routing in prof.routings:
            dests = []
            for d in routing.destinations:
                rec = ctx.session.get(ReceptionNumber, d.reception_id) if d.reception_id else None
                dests.append(DestinationDoc(number=d.number, reception=rec.number if rec else None, percent=d.percent))
            routings.append(RoutingDoc(destinations=dests))
        profiles.append(SpecialProfileDoc(name=prof.name, default=prof.is_default, routings=routings))
    rules = []
    for rule in special.rules:
        days, hours = rule_strings(rule)
        origins = [o for o in rule.origins.split(",") if o]
        rules.append(SpecialRuleDoc(days=days, hours=hours, origins=origins, profile=names[rule.profile_id]))  # type: ignore[arg-type]
    forced = next((p.name for p in special.profiles if p.forced), None)
    return SpecialDoc(number=special.number, label=special.label, forced_profile=forced, profiles=profiles, rules=rules)


def all_for(ctx: ServiceContext, tenant: Tenant) -> list[SpecialNumber]:
    return list(ctx.session.scalars(select(SpecialNumber).where(SpecialNumber.tenant_id == tenant.id)
                                    .order_by(SpecialNumber.number)))
