"""Checks for special 08xx numbers (S-1..S-3)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from orchestrator.domain.errors import Errors
from orchestrator.domain.numbering import french_class, special_prefix
from orchestrator.domain.profiles import check_profiles

from ...db.models import Tenant
from .. import validation as v
from ..inventory import parse
from ..reception.lookup import checked_reception
from .schema import DestinationDoc, SpecialDoc


def validate(session: Session, errors: Errors, tenant: Tenant, doc: SpecialDoc, region: str) -> str | None:
    number = parse(errors, "number", doc.number, region)
    if number is not None and special_prefix(number) is None:
        errors.add("number.kind", "number",
                   f"{number} is not a special number (0811, 0820, 0821, 0825, 0826, 0891, 0892, 0897)")
    v.single_line_text(errors, "label", doc.label)
    check_profiles(errors, doc.profiles, doc.forced_profile, doc.rules, rules_need_custom=True)
    for i, prof in enumerate(doc.profiles):
        for j, routing in enumerate(prof.routings):
            with errors.at(f"profiles[{i}].routings[{j}]"):
                total = sum(d.percent for d in routing.destinations)
                if total != 100:
                    errors.add("routing.percent_sum", "destinations",
                               f"load-share percentages add up to {total}, they must add up to 100")
    return number


def resolve_destination(session: Session, errors: Errors, tenant: Tenant, dest: DestinationDoc,
                        region: str) -> tuple[str | None, int | None] | None:
    if (dest.number is None) == (dest.reception is None):
        errors.add("destination.choice", "", "a destination is either a number or a reception number")
        return None
    if dest.number is not None:
        e164 = parse(errors, "number", dest.number, region)
        if e164 is not None and french_class(e164) not in ("geographic", "voip"):
            errors.add("destination.kind", "number",
                       f"{e164}: a special number is translated to a 10-digit French number, not a "
                       f"{french_class(e164).replace('_', ' ')} number")
            return None
        return (e164, None) if e164 else None
    rec = checked_reception(session, errors, tenant.id, dest.reception, region)
    return (None, rec.id) if rec is not None else None
