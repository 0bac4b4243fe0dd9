"""A read-only picture of the database for rendering.

Loading is a handful of bulk queries (no per-row lazy loads), so that
rendering 10,000 lines stays fast; the renderer then works on these plain
objects only, which keeps it a pure function.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.orm.attributes import set_committed_value  # attach children without lazy loads

from ..db.models import (
    AudioFile,
    Contact,
    ContactNumber,
    EmergencyRoute,
    FaxLine,
    HuntMember,
    IvrKey,
    Line,
    ReceptionNumber,
    ReceptionProfile,
    ReceptionRule,
    Routing,
    RoutingDestination,
    SpecialNumber,
    SpecialProfile,
    SpecialRule,
    Tenant,
)

EMERGENCY = ("15", "17", "18", "112", "115", "119")

_Row = TypeVar("_Row", Line, FaxLine, AudioFile)


@dataclass
class TenantSnap:
    tenant: Tenant
    lines: list[Line] = field(default_factory=list)
    faxes: list[FaxLine] = field(default_factory=list)
    short_numbers: list[tuple[str, str]] = field(default_factory=list)  # (short, e164) of directory contacts
    receptions: list[ReceptionNumber] = field(default_factory=list)
    specials: list[SpecialNumber] = field(default_factory=list)
    audio: dict[int, AudioFile] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.tenant.id

    @property
    def domain(self) -> str:
        return self.tenant.sip_domain


@dataclass
class Snapshot:
    tenants: list[TenantSnap]
    emergency: dict[tuple[str, str], str]  # (department, service) → destination; department "*" = default

    def emergency_for(self, department: str) -> dict[str, str]:
        """Service → destination for a département, with the defaults."""
        out = {}
        for service in EMERGENCY:
            out[service] = (self.emergency.get((department, service)) or self.emergency.get(("*", service))
                            or service)
        return out


def load_snapshot(session: Session, tenant_ids: list[int] | None = None) -> Snapshot:
    """Everything the renderer needs, for all tenants or only ``tenant_ids``."""
    q = select(Tenant).order_by(Tenant.sip_domain)
    if tenant_ids is not None:
        q = q.where(Tenant.id.in_(tenant_ids))
    tenants = {t.id: TenantSnap(t) for t in session.scalars(q)}
    ids = list(tenants)

    def rows(model: type[_Row], *order: InstrumentedAttribute[Any]) -> Iterable[_Row]:
        query = select(model).where(model.tenant_id.in_(ids)).order_by(*order)
        return session.scalars(query) if ids else []

    for line in rows(Line, Line.number):
        tenants[line.tenant_id].lines.append(line)
    for fax in rows(FaxLine, FaxLine.number):
        tenants[fax.tenant_id].faxes.append(fax)
    for audio in rows(AudioFile, AudioFile.id):
        tenants[audio.tenant_id].audio[audio.id] = audio
    if ids:
        for tid, short, number in session.execute(
                select(Contact.tenant_id, ContactNumber.short_number, ContactNumber.number)
                .join(ContactNumber, ContactNumber.contact_id == Contact.id)
                .where(Contact.tenant_id.in_(ids), Contact.owner_login_id.is_(None),
                       ContactNumber.short_number.is_not(None))
                .order_by(ContactNumber.short_number)):
            if short is not None:  # always: the query keeps only those with one
                tenants[tid].short_numbers.append((short, number))
    _load_reception(session, tenants, ids)
    _load_special(session, tenants, ids)
    emergency = {(r.department, r.service): r.destination for r in session.scalars(select(EmergencyRoute))}
    return Snapshot(tenants=list(tenants.values()), emergency=emergency)


def _load_reception(session: Session, tenants: dict[int, TenantSnap], ids: list[int]) -> None:
    if not ids:
        return
    recs = list(session.scalars(select(ReceptionNumber).where(ReceptionNumber.tenant_id.in_(ids))
                                .order_by(ReceptionNumber.number)))
    rec_ids = [r.id for r in recs]
    profiles = defaultdict(list)
    prof_ids = []
    for prof in session.scalars(select(ReceptionProfile).where(ReceptionProfile.reception_id.in_(rec_ids))
                                .order_by(ReceptionProfile.position)):
        profiles[prof.reception_id].append(prof)
        prof_ids.append(prof.id)
    members, keys, rules = defaultdict(list), defaultdict(list), defaultdict(list)
    for m in session.scalars(select(HuntMember).where(HuntMember.profile_id.in_(prof_ids))
                             .order_by(HuntMember.position)):
        members[m.profile_id].append(m)
    for k in session.scalars(select(IvrKey).where(IvrKey.profile_id.in_(prof_ids)).order_by(IvrKey.digit)):
        keys[k.profile_id].append(k)
    for r in session.scalars(select(ReceptionRule).where(ReceptionRule.reception_id.in_(rec_ids))
                             .order_by(ReceptionRule.priority)):
        rules[r.reception_id].append(r)
    for rec in recs:
        for prof in profiles[rec.id]:
            set_committed_value(prof, "members", members[prof.id])
            set_committed_value(prof, "keys", keys[prof.id])
        set_committed_value(rec, "profiles", profiles[rec.id])
        set_committed_value(rec, "rules", rules[rec.id])
        tenants[rec.tenant_id].receptions.append(rec)


def _load_special(session: Session, tenants: dict[int, TenantSnap], ids: list[int]) -> None:
    if not ids:
        return
    specials = list(session.scalars(select(SpecialNumber).where(SpecialNumber.tenant_id.in_(ids))
                                    .order_by(SpecialNumber.number)))
    sp_ids = [s.id for s in specials]
    profiles, rules, routings, dests = defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list)
    for p in session.scalars(select(SpecialProfile).where(SpecialProfile.special_id.in_(sp_ids))
                             .order_by(SpecialProfile.position)):
        profiles[p.special_id].append(p)
    prof_ids = [p.id for ps in profiles.values() for p in ps]
    for r in session.scalars(select(Routing).where(Routing.profile_id.in_(prof_ids)).order_by(Routing.position)):
        routings[r.profile_id].append(r)
    routing_ids = [r.id for rs in routings.values() for r in rs]
    for d in session.scalars(select(RoutingDestination).where(RoutingDestination.routing_id.in_(routing_ids))
                             .order_by(RoutingDestination.position)):
        dests[d.routing_id].append(d)
    for rule in session.scalars(select(SpecialRule).where(SpecialRule.special_id.in_(sp_ids))
                                .order_by(SpecialRule.priority)):
        rules[rule.special_id].append(rule)
    for sp in specials:
        for prof in profiles[sp.id]:
            for routing in routings[prof.id]:
                set_committed_value(routing, "destinations", dests[routing.id])
            set_committed_value(prof, "routings", routings[prof.id])
        set_committed_value(sp, "profiles", profiles[sp.id])
        set_committed_value(sp, "rules", rules[sp.id])
        tenants[sp.tenant_id].specials.append(sp)
