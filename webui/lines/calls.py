"""« Mes services » (manual §3.2.1.1, C-3): « Statistiques appels
sortants » of the company's lines over a period, and a line's call log as
its admin sees it (from the lines list and the line's page)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import render_template, request
from flask_login import current_user

from orchestrator.domain.errors import ServiceError
from orchestrator.services.lines import lookup as line_lookup
from orchestrator.services.lines import outgoing_stats

from ..common.blueprints import lines as bp
from ..common.formdata import FormErrors, field_errors
from ..common.security import admin_required, db, tenant
from ..common.timewords import hms


@bp.get("/stats/outgoing")
@admin_required
def outgoing_stats_page():
    t = tenant()
    args = {"from": request.args.get("from", ""), "to": request.args.get("to", "")}
    today = datetime.now(ZoneInfo(t.timezone)).date()
    try:
        start, end = outgoing_stats.period(args["from"] or None, args["to"] or None, today)
    except ServiceError as exc:
        return render_template("lines/outgoing.html", report=None, args=args, hms=hms, tenant=t,
                               errors=FormErrors(field_errors(exc), ("from", "to"))), 422
    rep = outgoing_stats.report(db().session, t, start, end)
    return render_template("lines/outgoing.html", report=rep, hms=hms, tenant=t,
                           errors=FormErrors(fields=("from", "to")),
                           args={"from": start.isoformat(), "to": end.isoformat()})


@bp.get("/lines/<int:line_id>/calls")
@admin_required
def line_calls(line_id: int):
    """The line's call log (every direction, newest first) and its outgoing
    calls of the last 30 days."""
    t = tenant()
    row = line_lookup.own_line(db().session, current_user, line_id)
    start, end = outgoing_stats.period(None, None, datetime.now(ZoneInfo(t.timezone)).date())
    rep = outgoing_stats.report(db().session, t, start, end, [row.id])
    return render_template("lines/calls.html", line=row, records=outgoing_stats.line_call_log(db().session, row),
                           report=rep, hms=hms, tz=ZoneInfo(t.timezone), utc=UTC, tenant=t)
