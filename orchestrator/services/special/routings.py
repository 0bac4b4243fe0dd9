"""A profile's routings with load sharing (manual §3.7.7.1-3.7.7.2, Figures
72-73; S-1, S-2): « Routage 1 », « Routage 2 »… tried in order; each tries
exactly one of its destinations, drawn by weight; the percentages of a
routing add up to 100. A destination is a 10-digit French number (not
special, mobile or international) or a reception number of the company.

The odds are those of the route resolver and of the rendered dialplan:
:func:`orchestrator.domain.weights.buckets` over 4096 buckets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.errors import Errors
from orchestrator.domain.weights import BUCKETS, buckets

from ...db.models import ReceptionNumber, Routing, RoutingDestination, SpecialProfile, Tenant
from ..base import collecting, parse_doc
from ..context import ServiceContext
from ..inventory import parse
from .inputs import RoutingsDoc
from .schema import DestinationDoc, RoutingDoc
from .validator import resolve_destination


def destination_from_text(session: Session, errors: Errors, tenant: Tenant, raw: str, percent: int,
                          region: str) -> DestinationDoc | None:
    """What a person types in « Numéro de redirection »: a reception number
    of the company becomes that reception number, anything else a number
    (checked by :func:`resolve_destination`: French, not special/mobile)."""
    e164 = parse(errors, "number", raw, region)
    if e164 is None:
        return None
    rec = session.scalar(select(ReceptionNumber).where(ReceptionNumber.number == e164,
                                                        ReceptionNumber.tenant_id == tenant.id))
    doc = DestinationDoc(reception=e164, percent=percent) if rec else DestinationDoc(number=e164, percent=percent)
    start = len(errors)
    resolve_destination(session, errors, tenant, doc, region)
    return doc if len(errors) == start else None


def routings_doc(session: Session, prof: SpecialProfile) -> RoutingsDoc:
    recs = {r.id: r.number for r in session.scalars(
        select(ReceptionNumber).where(ReceptionNumber.tenant_id == prof.special.tenant_id))}
    return RoutingsDoc(routings=[
        RoutingDoc(destinations=[DestinationDoc(number=d.number, reception=recs.get(d.reception_id or 0),
                                                percent=d.percent) for d in r.destinations])
        for r in prof.routings])


def check_routings(session: Session, errors: Errors, tenant: Tenant, doc: RoutingsDoc,
                   region: str) -> list[list[tuple[str | None, int | None, int]]]:
    """Every routing: destinations that resolve, percentages adding up to 100.
    Returns (number, reception id, percent) per destination."""
    out = []
    for i, routing in enumerate(doc.routings):
        resolved = []
        with errors.at(f"routings[{i}]"):
            total = sum(d.percent for d in routing.destinations)
            if total != 100:
                errors.add("routing.percent_sum", "destinations",
                           f"load-share percentages add up to {total}, they must add up to 100")
            for j, dest in enumerate(routing.destinations):
                with errors.at(f"destinations[{j}]"):
                    got = resolve_destination(session, errors, tenant, dest, region)
                if got is not None:
                    resolved.append((got[0], got[1], dest.percent))
        out.append(resolved)
    return out


def set_routings(ctx: ServiceContext, prof: SpecialProfile, data: dict[str, Any] | RoutingsDoc) -> SpecialProfile:
    """Replace the routings of a profile (« Enregistrer », Figure 73)."""
    doc: RoutingsDoc = data if isinstance(data, RoutingsDoc) else parse_doc(RoutingsDoc, data)
    special = prof.special
    tenant = ctx.tenant(special.tenant_id)
    with collecting(None) as step:
        resolved = check_routings(ctx.session, step.errors, tenant, doc, ctx.settings.default_region)
    prof.routings.clear()
    ctx.session.flush()
    for i, dests in enumerate(resolved):
        routing = Routing(position=i)
        routing.destinations = [RoutingDestination(position=j, number=n, reception_id=r, percent=p)
                                for j, (n, r, p) in enumerate(dests)]
        prof.routings.append(routing)
    ctx.session.flush()
    ctx.audit(special.tenant_id, "update", "special_profile", f"{special.number}/{prof.name}",
              routings=doc.model_dump(exclude_none=True)["routings"])
    ctx.changed(special.tenant_id)
    return prof


# -- odds (S-2) -----------------------------------------------------------------

@dataclass(frozen=True)
class DestinationOdds:
    to: str  # E.164 of the number or of the reception number
    percent: int
    probability: float  # chance this routing draws it (the resolver's figure)


@dataclass(frozen=True)
class Odds:
    routings: list[list[DestinationOdds]]
    reach: dict[str, float]  # destination → chance it is tried if every earlier routing fails


def routing_odds(names: list[str], percents: list[int]) -> list[DestinationOdds]:
    """As the resolver reports them: bucket share of 4096, 4 decimals."""
    if not percents or sum(percents) <= 0:
        return []
    return [DestinationOdds(n, p, round((hi - lo + 1) / BUCKETS, 4))
            for n, p, (lo, hi) in zip(names, percents, buckets(percents), strict=False)]


def odds(doc: RoutingsDoc) -> Odds:
    """Per routing, the chance of each destination; and for each destination
    the chance it is tried at least once when the calls overflow through
    every routing (Figure 72: repeating a number in several routings).
    Each routing reads digits of the call's UUID of its own, so the routings'
    draws are independent."""
    names = [[d.number or d.reception or "" for d in r.destinations] for r in doc.routings]
    percents = [[d.percent for d in r.destinations] for r in doc.routings]
    per = [routing_odds(n, p) for n, p in zip(names, percents, strict=False)]
    reach: dict[str, float] = {}
    for dest in dict.fromkeys(n for ns in names for n in ns):
        miss = 1.0
        for k in range(len(doc.routings)):
            if sum(percents[k]) <= 0:
                continue
            hit = sum(hi - lo + 1 for n, (lo, hi) in zip(names[k], buckets(percents[k]), strict=False) if n == dest)
            miss *= 1 - hit / BUCKETS
        reach[dest] = round(1 - miss, 4)
    return Odds(per, reach)


# -- the routings form ------------------------------------------------------------

def _percent(errors: Errors, raw: str) -> int | None:
    text = (raw or "").strip().rstrip("%").strip()
    if not text.isdigit():
        errors.add("field.int_parsing", "percent", f"{raw!r}: give the load share as a whole number of percent")
        return None
    value = int(text)
    if not 1 <= value <= 100:
        errors.add("field.out_of_range", "percent", f"a load share is between 1 and 100 %, got {value}")
        return None
    return value


def set_routings_from_rows(ctx: ServiceContext, prof: SpecialProfile,
                           rows: list[list[dict[str, str]]]) -> SpecialProfile:
    """The editor of Figure 73 as typed: per routing, rows of « Partage de
    charge » and « Numéro de redirection » text. Errors are reported at
    ``routings[i].destinations[j].number|percent`` and, for a total that is
    not 100, at ``routings[i].destinations``."""
    tenant = ctx.tenant(prof.special.tenant_id)
    region = ctx.settings.default_region
    docs: list[list[DestinationDoc]] = []
    with collecting(None) as step:
        errors = step.errors
        for i, dests in enumerate(rows):
            with errors.at(f"routings[{i}]"):
                if not dests:
                    errors.add("routing.empty", "destinations", "a routing needs at least one destination")
                percents, out = [], []
                for j, row in enumerate(dests):
                    with errors.at(f"destinations[{j}]"):
                        percent = _percent(errors, row.get("percent", ""))
                        dest = destination_from_text(ctx.session, errors, tenant, row.get("number", ""),
                                                     percent or 1, region)
                    percents.append(percent)
                    if dest is not None:
                        out.append(dest)
                given = [p for p in percents if p is not None]
                if dests and len(given) == len(percents) and sum(given) != 100:
                    errors.add("routing.percent_sum", "destinations",
                               f"load-share percentages add up to {sum(given)}, they must add up to 100")
                docs.append(out)
    return set_routings(ctx, prof, RoutingsDoc(routings=[RoutingDoc(destinations=d) for d in docs]))
