"""/api/v1/click-to-call, /api/v1/sms (send, read back, list), /api/v1/calls: C-1, C-2, C-3 for the
token's own lines (the phone system is reached through :mod:`webui.common.esl`)."""

from __future__ import annotations

from datetime import datetime

from flask import jsonify, request
from pydantic import BaseModel, Field

from orchestrator.db.models import ClickToCall, Line, Login, SmsMessage
from orchestrator.live import click_to_call, sms
from orchestrator.live import lookup as live_lookup
from orchestrator.services.base import parse_doc
from orchestrator.services.lines import lookup as line_lookup

from ..common.esl import connect
from .base import body, ctx, principal, route


class ClickToCallIn(BaseModel):
    line: str = Field(description="One of your lines (it rings first)")
    target: str = Field(description="The number to call, as the line would dial it")


class ClickToCallOut(BaseModel):
    id: int
    line: str | None
    target: str
    status: str = Field(description="requested | ringing_you | calling | connected | ended | failed")
    cause: str | None


class SmsIn(BaseModel):
    line: str
    to: str
    text: str = Field(max_length=2000, description="At most 160 characters once line breaks become spaces")


class SmsOut(BaseModel):
    id: int
    line: str | None = Field(default=None, description="The line it was sent from")
    to: str
    text: str = Field(default="", description="The text as sent (line breaks became spaces)")
    status: str = Field(description="queued | sent (FreeSWITCH handed it on) | failed")
    error: str | None
    created_at: datetime | None = None


class CallOut(BaseModel):
    id: int = Field(description="The call record's id")
    direction: str = Field(description="inbound | outbound | internal")
    caller: str
    callee: str
    line: str | None = Field(description="The line of yours the call concerns")
    reception_number: str | None = Field(description="The reception number that routed the call, if any")
    special_number: str | None = Field(description="The special (08xx) number that routed the call, if any")
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    duration_s: int
    disposition: str = Field(description="answered | missed | busy | failed | forwarded | voicemail")
    hangup_cause: str | None


def _login() -> Login:
    return ctx().session.get(Login, principal().login_id)


def _c2c_out(call: ClickToCall) -> dict:
    line = ctx().session.get(Line, call.line_id) if call.line_id else None
    return ClickToCallOut(id=call.id, line=line.number if line else None, target=call.target, status=call.status,
                          cause=call.cause).model_dump()


@route("/click-to-call", "POST", summary="Call a number from one of your lines (your phone rings first)",
       tag="calls", roles=("admin", "user"), request=ClickToCallIn, response=ClickToCallOut, status=201)
def start_click_to_call():
    doc = parse_doc(ClickToCallIn, body())
    esl = connect(ctx().settings)
    try:
        call = click_to_call.start(ctx(), _login(), doc.line, doc.target, esl)
    finally:
        esl.close()
    return jsonify(_c2c_out(call)), 201


@route("/click-to-call/<int:call_id>", "GET", summary="Progress of a click-to-call", tag="calls",
       roles=("admin", "user"), response=ClickToCallOut)
def get_click_to_call(call_id: int):
    return jsonify(_c2c_out(live_lookup.own_click_to_call(ctx().session, principal(), call_id)))


@route("/sms", "POST", summary="Send an SMS from one of your lines", tag="calls", roles=("admin", "user"),
       request=SmsIn, response=SmsOut, status=201)
def send_sms():
    doc = parse_doc(SmsIn, body())
    esl = connect(ctx().settings)
    try:
        msg = sms.send(ctx(), _login(), doc.line, doc.to, doc.text, esl)
    finally:
        esl.close()
    return jsonify(_sms_out(msg)), 201


def _sms_out(msg: SmsMessage, numbers: dict[int, str] | None = None) -> dict:
    if numbers is not None:
        number = numbers.get(msg.line_id) if msg.line_id is not None else None
    else:
        line = ctx().session.get(Line, msg.line_id) if msg.line_id is not None else None
        number = line.number if line else None
    return SmsOut(id=msg.id, line=number, to=msg.to_number, text=msg.body, status=msg.status, error=msg.error,
                  created_at=msg.created_at).model_dump(mode="json")


@route("/sms/<int:sms_id>", "GET", summary="One SMS sent from your lines, and its status", tag="calls",
       roles=("admin", "user"), response=SmsOut)
def get_sms(sms_id: int):
    return jsonify(_sms_out(live_lookup.own_sms(ctx().session, principal(), sms_id)))


@route("/sms", "GET", summary="SMS sent from your lines, newest first", tag="calls", roles=("admin", "user"),
       response=SmsOut, list_response=True,
       query={"line": "only this line of yours", "limit": "at most this many (default 50, max 500)"})
def list_sms():
    try:
        limit = max(1, min(500, int(request.args.get("limit", 50))))
    except ValueError:
        limit = 50
    line_id = None
    if request.args.get("line"):
        line_id = line_lookup.own_line_by_number(ctx().session, principal(), request.args["line"],
                                                 ctx().settings.default_region).id
    rows, numbers = live_lookup.own_sms_list(ctx().session, principal(), line_id, limit)
    return jsonify([_sms_out(m, numbers) for m in rows])


@route("/calls", "GET", summary="Call log of your lines, newest first", tag="calls", roles=("admin", "user"),
       response=CallOut, list_response=True, query={"limit": "at most this many (default 50, max 500)"})
def call_log():
    try:
        limit = max(1, min(500, int(request.args.get("limit", 50))))
    except ValueError:
        limit = 50
    rows, lines = live_lookup.own_call_records(ctx().session, principal(), limit)
    return jsonify([CallOut(id=r.id, direction=r.direction, caller=r.caller, callee=r.callee,
                            line=lines.get(r.line_id) if r.line_id is not None else None,
                            reception_number=r.reception_number, special_number=r.special_number,
                            started_at=r.started_at, answered_at=r.answered_at, ended_at=r.ended_at,
                            duration_s=r.duration_s, disposition=r.disposition,
                            hangup_cause=r.hangup_cause).model_dump(mode="json") for r in rows])
