"""/api/v1/lines and /api/v1/fax-lines (L-*, V-*, F-1), and adding or
deleting them on a number of the pool (/api/v1/numbers/available: §3.3.1,
§3.4, N-2)."""

from __future__ import annotations

from flask import jsonify, request
from pydantic import BaseModel, Field
from sqlalchemy import select

from orchestrator.db.models import FaxLine, Line
from orchestrator.services.base import parse_doc
from orchestrator.services.lines import lookup as line_lookup
from orchestrator.services.lines import numberchoice, removal
from orchestrator.services.lines import service as lines
from orchestrator.services.lines.schema import AddLineDoc, NewFaxDoc

from .base import body, ctx, principal, route
from .schemas import MASK, FaxLineOut, LineOut


def line_out(line: Line) -> dict:
    doc = lines.to_doc(ctx(), line).model_dump()
    doc["sip"]["password"] = MASK
    doc["voicemail"]["pin"] = MASK if doc["voicemail"]["pin"] else None
    return LineOut(id=line.id, **doc).model_dump(mode="json")


def _own(number: str) -> Line:
    return line_lookup.own_line_by_number(ctx().session, principal(), number, ctx().settings.default_region)


def _scope():
    return line_lookup.own_lines_query(ctx().session, principal())


@route("/lines", "GET", summary="The lines this token may see", tag="lines", roles=("admin", "user"),
       response=LineOut, list_response=True)
def list_lines():
    """An admin sees every line of the company, a user their own line(s)."""
    rows = ctx().session.scalars(_scope().order_by(Line.number))
    return jsonify([line_out(r) for r in rows])


@route("/lines/<number>", "GET", summary="One line", tag="lines", roles=("admin", "user"), response=LineOut)
def get_line(number: str):
    return jsonify(line_out(_own(number)))


@route("/lines/<number>", "PATCH", summary="Change a line", tag="lines", roles=("admin", "user"),
       request="LinePatch", response=LineOut)
def patch_line(number: str):
    """Any subset of the line document (nested objects may be partial). A
    user may change label, ring_time, forwards, backup_number and clir of
    their own line; clearing a forward (null) removes it."""
    line = _own(number)
    changes = body()
    if principal().role == "admin":
        lines.update(ctx(), line, changes)
    else:  # what a user may change: the service's one list (lines.USER_FIELDS)
        lines.update_as_user(ctx(), principal(), line.id, changes)
    return jsonify(line_out(line))


@route("/fax-lines", "GET", summary="The company's fax lines", tag="lines", response=FaxLineOut,
       list_response=True)
def list_fax_lines():
    rows = ctx().session.scalars(select(FaxLine).where(FaxLine.tenant_id == principal().tenant_id)
                                 .order_by(FaxLine.number))
    return jsonify([fax_out(f) for f in rows])


class PairOut(BaseModel):
    number: str
    fax: str


class NumberOfferOut(BaseModel):
    kind: str = Field(description="geographic | voip | reserved")
    zone: str | None = Field(None, description="01..05 for geographic numbers")
    fax: bool
    ending: str | None = None
    numbers: list[str] = Field(description="Three proposed free numbers; for reserved: every free reserved number")
    pairs: list[PairOut] = Field(description="With fax=true: pairs phone / fax (n, n+1)")
    gold: list[str] = Field(description="Free Gold (memorable) numbers")
    matches: list[str] = Field(description="« À la carte »: free numbers ending in `ending`")


class AddLineOut(LineOut):
    fax_line: FaxLineOut | None = Field(None, description="The associated fax line, when asked for")


def fax_out(fax: FaxLine) -> dict:
    return FaxLineOut(id=fax.id, **lines.fax_to_doc(fax).model_dump()).model_dump(mode="json")


def _tenant():
    return ctx().tenant(principal().tenant_id)


@route("/numbers/available", "GET", summary="Free numbers for a new line or fax line (N-2)", tag="lines",
       response=NumberOfferOut, query={"kind": "geographic (default) | voip | reserved",
                                       "zone": "01..05 (geographic; default: the company's)",
                                       "fax": "true: pairs phone/fax", "ending": "« à la carte »: the last digits"})
def available_numbers():
    args = request.args
    found = numberchoice.offer(ctx().session, _tenant(), args.get("kind", "geographic"), args.get("zone"),
                               fax=args.get("fax", "").lower() in ("1", "true", "yes"), ending=args.get("ending"))
    return jsonify(NumberOfferOut.model_validate(found.as_dict()).model_dump(mode="json"))


@route("/lines", "POST", summary="Add a line on a free number, with or without its fax line (§3.3.1)", tag="lines",
       request=AddLineDoc, response=AddLineOut, status=201)
def add_line():
    """The number must be free in the pool (see /numbers/available); the
    company's line limit applies; the line starts "activating". With
    ``fax``, the fax line takes the next number. All or nothing."""
    doc = parse_doc(AddLineDoc, body())
    line, fax = numberchoice.add_line(ctx(), _tenant(), doc)
    return jsonify({**line_out(line), "fax_line": fax_out(fax) if fax else None}), 201


@route("/lines/<number>", "DELETE", summary="Delete a line (its number goes back to the reserved numbers)",
       tag="lines", response=None, status=204)
def delete_line(number: str):
    """Its user login, device ports and hunt-group places go with it."""
    removal.remove_line(ctx(), _own(number))
    return "", 204


def _fax(number: str) -> FaxLine:
    return line_lookup.fax_line_by_number(ctx().session, principal().tenant_id, number, ctx().settings.default_region)


@route("/fax-lines", "POST", summary="Add a fax line on a free number (§3.4)", tag="lines", request=NewFaxDoc,
       response=FaxLineOut, status=201)
def add_fax_line():
    fax = numberchoice.add_fax(ctx(), _tenant(), parse_doc(NewFaxDoc, body()))
    return jsonify(fax_out(fax)), 201


@route("/fax-lines/<number>", "DELETE", summary="Delete a fax line", tag="lines", response=None, status=204)
def delete_fax_line(number: str):
    removal.remove_fax(ctx(), _fax(number))
    return "", 204


class FaxLinePatch(BaseModel):
    """Any subset; the number does not change."""

    label: str | None = Field(None, max_length=80)
    email: str | None = Field(None, max_length=254, description="Where received faxes are sent as PDF")


@route("/fax-lines/<number>", "GET", summary="One fax line", tag="lines", response=FaxLineOut)
def get_fax_line(number: str):
    return jsonify(fax_out(_fax(number)))


@route("/fax-lines/<number>", "PATCH", summary="Change a fax line's label or e-mail (Figures 26-27)", tag="lines",
       request=FaxLinePatch, response=FaxLineOut)
def patch_fax_line(number: str):
    fax = _fax(number)
    lines.update_fax(ctx(), fax, body())
    return jsonify(fax_out(fax))
