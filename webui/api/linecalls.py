"""/api/v1/lines/{number}/calls (C-3: one line's call log; an admin reads
any line of the company, a user their own) and /api/v1/stats/outgoing
(« Statistiques appels sortants », manual §3.2.1.1: per line, over a
period)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import jsonify, request
from pydantic import BaseModel, Field

from orchestrator.db.models import CallRecord
from orchestrator.services.lines import lookup as line_lookup
from orchestrator.services.lines import outgoing_stats

from .base import ctx, principal, route
from .calls import CallOut


def _call_out(row: CallRecord, number: str) -> dict:
    values = {name: getattr(row, name) for name in CallOut.model_fields if hasattr(row, name)}
    return CallOut.model_validate({**values, "line": number}).model_dump(mode="json")


@route("/lines/<number>/calls", "GET", summary="One line's call log, newest first", tag="calls",
       roles=("admin", "user"), response=CallOut, list_response=True,
       query={"limit": "at most this many (default 100, max 500)"})
def line_call_log(number: str):
    """Every direction: incoming, outgoing, internal, missed, forwarded."""
    line = line_lookup.own_line_by_number(ctx().session, principal(), number, ctx().settings.default_region)
    try:
        limit = max(1, min(500, int(request.args.get("limit", 100))))
    except ValueError:
        limit = 100
    return jsonify([_call_out(r, line.number) for r in outgoing_stats.line_call_log(ctx().session, line, limit)])


class TallyOut(BaseModel):
    calls: int
    answered: int
    total_duration_s: int = Field(description="Total duration of the answered calls")
    average_duration_s: int = Field(description="Average duration of the answered calls")


class LineTallyOut(TallyOut):
    line: str
    label: str


class DayTallyOut(TallyOut):
    date: str


class OutgoingStatsOut(BaseModel):
    from_: str = Field(alias="from", description="First day, YYYY-MM-DD")
    to: str = Field(description="Last day (included)")
    timezone: str
    total: TallyOut
    lines: list[LineTallyOut] = Field(description="Every line of the company, in number order")
    days: list[DayTallyOut] = Field(description="Every day of the period, the company's total")


@route("/stats/outgoing", "GET", summary="Outgoing-call statistics per line over a period", tag="calls",
       response=OutgoingStatsOut, query={"from": "first day YYYY-MM-DD (default: 30 days before `to`)",
                                         "to": "last day YYYY-MM-DD, included (default: today)"})
def outgoing_stats_report():
    """Calls placed to the outside (direction ``outbound``); internal calls
    are not counted. Days are those of the company's timezone; at most 366."""
    t = ctx().tenant(principal().tenant_id)
    today = datetime.now(ZoneInfo(t.timezone)).date()
    start, end = outgoing_stats.period(request.args.get("from"), request.args.get("to"), today)
    rep = outgoing_stats.report(ctx().session, t, start, end)
    return jsonify(OutgoingStatsOut.model_validate(rep.as_dict()).model_dump(mode="json", by_alias=True))
