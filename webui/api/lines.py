"""/api/v1/lines and /api/v1/fax-lines (L-*, V-*, F-1)."""

from __future__ import annotations

from flask import abort, jsonify
from sqlalchemy import select

from orchestrator.db.models import FaxLine, Line
from orchestrator.services.errors import FieldError, ValidationFailed
from orchestrator.services.lines import service as lines
from orchestrator.services.numbering import NumberError, normalize

from ..security import own_lines_query
from . import ctx, principal, route, body
from .schemas import MASK, FaxLineOut, LineOut

# What a user may change on their own line (the admin may change everything but the number).
USER_KEYS = {"label": None, "ring_time": None, "backup_number": None, "clir": None,
             "forwards": {"unconditional", "no_answer", "presented"}}


def line_out(line: Line) -> dict:
    doc = lines.to_doc(ctx(), line).model_dump()
    doc["sip"]["password"] = MASK
    doc["voicemail"]["pin"] = MASK if doc["voicemail"]["pin"] else None
    return LineOut(id=line.id, **doc).model_dump(mode="json")


def _own(number: str) -> Line:
    try:
        e164 = normalize(number, ctx().settings.default_region)
    except NumberError:
        abort(404)
    line = ctx().session.scalar(_scope().where(Line.number == e164))
    if line is None:
        abort(404)
    return line


def _scope():
    return own_lines_query(principal(), ctx().session)


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
    if principal().role != "admin":
        bad = []
        for key, value in changes.items():
            allowed = USER_KEYS.get(key)
            if key not in USER_KEYS:
                bad.append(FieldError("field.not_allowed", key, "a user cannot change this field"))
            elif isinstance(allowed, set) and isinstance(value, dict):
                bad += [FieldError("field.not_allowed", f"{key}.{k}", "a user cannot change this field")
                        for k in value if k not in allowed]
        if bad:
            raise ValidationFailed(bad)
    lines.update(ctx(), line, changes)
    ctx().commit()
    return jsonify(line_out(line))


@route("/fax-lines", "GET", summary="The company's fax lines", tag="lines", response=FaxLineOut,
       list_response=True)
def list_fax_lines():
    rows = ctx().session.scalars(select(FaxLine).where(FaxLine.tenant_id == principal().tenant_id)
                                 .order_by(FaxLine.number))
    return jsonify([FaxLineOut(id=f.id, **lines.fax_to_doc(f).model_dump()).model_dump(mode="json") for f in rows])
