"""/api/v1/me, /api/v1/status (is my change live?), /api/v1/simulate (GET: the plan in words; POST: the
structured plan and, given circumstances, the outcome)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import jsonify, request

from orchestrator.db.models import Line, Login
from orchestrator.domain.errors import FieldError, ValidationFailed
from orchestrator.render.snapshot import load_snapshot
from orchestrator.routing.answer import SimulationOut
from orchestrator.routing.resolver import resolve
from orchestrator.services import simulation
from orchestrator.services.base import parse_doc
from orchestrator.services.lines import lookup as line_lookup

from ..common.applystatus import compute_status
from .base import body, ctx, principal, route
from .schemas import ApplyStatusOut, MeOut, PlanOut


@route("/me", "GET", summary="Who this token acts as", tag="account", roles=("admin", "user"), response=MeOut)
def me():
    p = principal()
    login = ctx().session.get(Login, p.login_id)
    numbers = ctx().session.scalars(line_lookup.own_lines_query(ctx().session, p).with_only_columns(Line.number)
                                    .order_by(Line.number))
    # the ignore below: role: a str holding the schema's Literal values
    return jsonify(MeOut(login=login.login, role=p.role, tenant=ctx().tenant(p.tenant_id).name,  # type: ignore[arg-type]
                         lines=list(numbers)).model_dump())


@route("/status", "GET", summary="Is the company's configuration live on every FreeSWITCH node?", tag="account",
       roles=("admin", "user"), response=ApplyStatusOut)
def status():
    t = ctx().tenant(principal().tenant_id)
    return jsonify(ApplyStatusOut(**compute_status(ctx().session, ctx().settings, t).as_dict()).model_dump())


@route("/simulate", "GET", summary="What happens when a caller dials a number at a time", tag="reception",
       response=PlanOut, query={"to": "number dialled (required)", "from": "caller's number",
                                "at": "local time YYYY-MM-DDTHH:MM (default: now)"})
def simulate():
    t = ctx().tenant(principal().tenant_id)
    tz = ZoneInfo(t.timezone)
    to = request.args.get("to", "").strip()
    if not to:
        raise ValidationFailed([FieldError("field.required", "to", "give the number dialled")])
    raw_at = request.args.get("at", "").strip()
    try:
        when = datetime.fromisoformat(raw_at).replace(tzinfo=tz) if raw_at else datetime.now(tz)
    except ValueError:
        raise ValidationFailed([FieldError("simulate.bad_time", "at", "write the time as YYYY-MM-DDTHH:MM")]) from None
    snap = load_snapshot(ctx().session, [t.id]).tenants[0]
    plan = resolve(snap, to, request.args.get("from") or None, when, region=ctx().settings.default_region)
    return jsonify(PlanOut(**plan.as_dict()).model_dump())


@route("/simulate", "POST", summary="The route of a call as data, and its outcome under stated circumstances",
       tag="reception", roles=("admin",), request=simulation.SimulateIn, response=SimulationOut,
       description="The profile and why, every step (targets, ring times, conditions), every routing of a "
                   "special number (destinations, odds, draws, what each does). State who is busy, unregistered "
                   "or does not answer, the keys pressed and the draws, and `outcome` gives the one outcome they "
                   "give, in the call log's terms (schema: docs/simulate-schema.json).")
def simulate_post():
    doc = parse_doc(simulation.SimulateIn, body())
    answer = simulation.run_doc(ctx(), ctx().tenant(principal().tenant_id), doc)
    return jsonify(answer.model_dump(mode="json"))
