"""Choosing the number of a new line or fax line (manual §3.3.1, Figures
12-13 and 25; §3.4; spec N-1, N-2).

The admin picks a kind of number — geographic (01-05, by zone), VoIP (09)
or one of the numbers reserved for the company (reserved or ported) — and
then one of three proposed free numbers, a "Gold" (memorable) number, an
"à la carte" number (the last digits wanted, or the whole number typed),
or, with an associated fax line, a pair tel/fax = n / n+1.

Whatever the choice, a number is accepted only if it is in the pool and
free for the company (:func:`check_free`); creation then goes through
:func:`service.create` / :func:`service.create_fax` (line limit, checks,
allocation, audit).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orchestrator.domain.errors import Errors, FieldError, ValidationFailed

from ...db.models import FaxLine, Line, PhoneNumber, Tenant
from .. import inventory
from .. import validation as v
from ..base import parse_doc
from ..context import ServiceContext
from . import service
from .schema import AddLineDoc, FaxLineDoc, LineDoc, NewFaxDoc

KINDS = ("geographic", "voip", "reserved")
ZONES = ("01", "02", "03", "04", "05")
PROPOSALS = 3
_SCAN = 500  # free numbers looked at to find three that are not Gold

# Départements by geographic zone (01 Île-de-France, 02 north-west, 03 north-east,
# 04 south-east, 05 south-west and the Antilles): « Votre localisation ».
_ZONE_OF = {
    "01": "75 77 78 91 92 93 94 95",
    "02": "14 18 22 27 28 29 35 36 37 41 44 45 49 50 53 56 61 72 76 85 974 976",
    "03": "02 08 10 21 25 39 51 52 54 55 57 58 59 60 62 67 68 70 71 80 88 89 90",
    "04": "01 03 04 05 06 07 11 13 15 2A 2B 26 30 34 38 42 43 48 63 66 69 73 74 83 84",
    "05": "09 12 16 17 19 23 24 31 32 33 40 46 47 64 65 79 81 82 86 87 971 972 973 975",
}
DEPARTMENT_ZONE = {dep: zone for zone, deps in _ZONE_OF.items() for dep in deps.split()}


class PairDict(TypedDict):
    number: str
    fax: str


class NumberOfferDict(TypedDict):
    kind: str
    zone: str | None
    fax: bool
    ending: str | None
    numbers: list[str]
    pairs: list[PairDict]
    gold: list[str]
    matches: list[str]


@dataclass
class NumberOffer:
    """What the "Choisissez votre numéro" page proposes."""

    kind: str
    zone: str | None
    fax: bool
    ending: str | None
    numbers: list[str] = field(default_factory=list)  # three proposals (or reserved numbers)
    pairs: list[tuple[str, str]] = field(default_factory=list)  # tel / fax
    gold: list[str] = field(default_factory=list)
    matches: list[str] = field(default_factory=list)  # « à la carte »: ending in ``ending``

    def as_dict(self) -> NumberOfferDict:
        return {"kind": self.kind, "zone": self.zone, "fax": self.fax, "ending": self.ending,
                "numbers": self.numbers, "pairs": [{"number": t, "fax": f} for t, f in self.pairs],
                "gold": self.gold, "matches": self.matches}


def default_zone(tenant: Tenant) -> str:
    """The zone of the company's location (its emergency département)."""
    return DEPARTMENT_ZONE.get(tenant.emergency_department, "01")


def clean_ending(raw: str | None) -> str | None:
    """« à la carte »: 1 to 4 digits, else None."""
    text = re.sub(r"\s", "", raw or "")
    return text if re.fullmatch(r"\d{1,4}", text) else None


def _free_rows(session: Session, tenant: Tenant, kind: str, zone: str | None):
    """Free numbers of a kind; "reserved": the company's own geographic and VoIP ones."""
    q = select(PhoneNumber).where(PhoneNumber.usage.is_(None))
    if kind == "reserved":  # 08 numbers are for special numbers, not lines
        q = q.where(PhoneNumber.tenant_id == tenant.id, PhoneNumber.kind.in_(("geographic", "voip")))
    else:
        q = q.where(PhoneNumber.kind == kind, PhoneNumber.tenant_id.is_(None))
        if kind == "geographic" and zone:
            q = q.where(PhoneNumber.zone == zone)
    return list(session.scalars(q.order_by(PhoneNumber.e164).limit(10 * _SCAN)))


def _pairs(free: list[str], count: int, ending: str | None = None) -> list[tuple[str, str]]:
    pool = set(free)
    out = []
    for e164 in sorted(pool):
        nxt = "+" + str(int(e164[1:]) + 1)
        if nxt in pool and (ending is None or e164.endswith(ending)):
            out.append((e164, nxt))
            if len(out) == count:
                break
    return out


def offer(session: Session, tenant: Tenant, kind: str = "geographic", zone: str | None = None, *,
          fax: bool = False, ending: str | None = None) -> NumberOffer:
    """The proposals for ``kind`` (and ``zone`` for geographic numbers).

    Geographic and VoIP: three free numbers of the pool
    (:func:`inventory.propose`, Gold numbers aside), the free Gold numbers,
    and with ``ending`` the free numbers ending so. Reserved: every free
    number reserved for the company. With ``fax``: pairs n / n+1 instead
    (no Gold number; ``matches`` are then the phone numbers of pairs)."""
    kind = kind if kind in KINDS else "geographic"
    zone = (zone if zone in ZONES else default_zone(tenant)) if kind == "geographic" else None
    ending = clean_ending(ending)
    out = NumberOffer(kind=kind, zone=zone, fax=fax, ending=ending)
    if kind == "reserved":
        rows = [r.e164 for r in _free_rows(session, tenant, kind, zone)]
        if fax:
            out.pairs = _pairs(rows, 50)
        else:
            out.numbers = rows[:50]
        return out
    rows = _free_rows(session, tenant, kind, zone)
    plain = [r.e164 for r in rows if not r.gold]
    allowed = set(plain)
    if fax:
        out.pairs = _pairs(plain, PROPOSALS)
        if ending:
            out.matches = [t for t, _ in _pairs(plain, PROPOSALS, ending)]
        return out
    out.gold = [r.e164 for r in rows if r.gold][:PROPOSALS]
    proposed = inventory.propose(session, tenant, kind=kind, zone_code=zone, count=_SCAN)
    out.numbers = [n for n in proposed if n in allowed][:PROPOSALS]
    if ending:
        matches = inventory.propose(session, tenant, kind=kind, zone_code=zone, last_digits=ending, count=_SCAN)
        out.matches = [n for n in matches if n in allowed][:PROPOSALS]
    return out


def next_number(e164: str) -> str:
    """The fax number that follows a phone number (N-2: n / n+1)."""
    return "+" + str(int(e164[1:]) + 1)


def check_free(session: Session, errors: Errors, fld: str, tenant: Tenant, e164: str | None) -> None:
    """A chosen number must be in the pool and free for ``tenant``."""
    if e164 is None:
        return
    row = session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == e164))
    if row is None:
        errors.add("number.not_in_pool", fld,
                   f"{e164} is not among the numbers available: choose a proposed number")
    elif row.usage is not None or row.tenant_id not in (None, tenant.id):
        errors.add("number.taken", fld, f"{e164} has just been taken: choose another number")


def _unique_violation(ctx: ServiceContext, fld: str, e164: str) -> ValidationFailed:
    """Two admins chose the same number at once: the second one is told."""
    ctx.rollback()
    return ValidationFailed([FieldError("number.taken", fld, f"{e164} has just been taken: choose another number")])


def _merge(errors: Errors, more: Errors) -> None:
    """Add ``more``, without saying twice what is already said of a field."""
    said = {(e.field, e.error_id) for e in errors.items} | {(e.field, "number.taken") for e in errors.items}
    errors.items += [e for e in more.items if (e.field, e.error_id) not in said]


def _parsed(errors: Errors, model: type, data: Mapping[str, object], prefix: str = ""):
    try:
        return parse_doc(model, data, prefix)
    except ValidationFailed as exc:
        errors.items += exc.errors
        return None


def add_line(ctx: ServiceContext, tenant: Tenant, doc: AddLineDoc) -> tuple[Line, FaxLine | None]:
    """§3.3.1: a new line (status "activating") on a number of the pool,
    with its associated fax line on the next number when ``doc.fax`` is
    given. All or nothing: every problem is reported at once, and the
    caller rolls back on :class:`ValidationFailed`. Two admins taking the
    same number at once: the database refuses the second, told so."""
    try:
        return _add_line(ctx, tenant, doc)
    except IntegrityError:
        raise _unique_violation(ctx, "number", doc.number) from None


def _add_line(ctx: ServiceContext, tenant: Tenant, doc: AddLineDoc) -> tuple[Line, FaxLine | None]:
    errors = Errors()
    number = inventory.parse(errors, "number", doc.number, ctx.settings.default_region)
    check_free(ctx.session, errors, "number", tenant, number)
    fax_number = next_number(number) if number and doc.fax is not None else None
    if fax_number:
        with errors.at("fax"):
            check_free(ctx.session, errors, "number", tenant, fax_number)
    data = {"number": number or doc.number, "label": doc.label, "short_number": doc.short_number, "offer": doc.offer}
    line_doc = _parsed(errors, LineDoc, data)
    if line_doc is None:  # the label is said to be wrong; the other checks still run
        line_doc = _parsed(Errors(), LineDoc, {**data, "label": "-"})
    line = None
    if line_doc is not None:
        more = Errors()
        line = service.create(ctx, tenant, line_doc, more)
        _merge(errors, more)
    fax = None
    if doc.fax is not None:
        fax_doc = _parsed(errors, FaxLineDoc, {"number": fax_number or doc.number, "label": doc.fax.label,
                                               "email": doc.fax.email}, "fax")
        more = Errors(prefix="fax")
        if errors or fax_doc is None:
            _fax_fields(more, doc.fax.label, doc.fax.email)  # checked, not created
        else:
            fax = service.create_fax(ctx, tenant, fax_doc, more)
        _merge(errors, more)
    errors.raise_if_any()
    ctx.session.flush()
    return line, fax  # type: ignore[return-value]  # line is None only after an error, raised above


def _fax_fields(errors: Errors, label: str, email: str) -> None:
    """What the fax line's own checks say of its label and e-mail."""
    v.single_line_text(errors, "label", label)
    v.email(errors, "email", email, required=True)


def add_fax(ctx: ServiceContext, tenant: Tenant, doc: NewFaxDoc) -> FaxLine:
    """§3.4: a fax line alone on a number of the pool; every problem at once."""
    try:
        return _add_fax(ctx, tenant, doc)
    except IntegrityError:
        raise _unique_violation(ctx, "number", doc.number) from None


def _add_fax(ctx: ServiceContext, tenant: Tenant, doc: NewFaxDoc) -> FaxLine:
    errors = Errors()
    number = inventory.parse(errors, "number", doc.number, ctx.settings.default_region)
    check_free(ctx.session, errors, "number", tenant, number)
    fax_doc = _parsed(errors, FaxLineDoc, {"number": number or doc.number, "label": doc.label, "email": doc.email})
    if errors:
        more = Errors()
        _fax_fields(more, doc.label, doc.email)
        _merge(errors, more)
        errors.raise_if_any()
    fax = service.create_fax(ctx, tenant, fax_doc)
    ctx.session.flush()
    return fax
