"""/api/v1/voicemail/counters (V-5): the new-message counters of the
token's lines (an admin: the company's), as the event service keeps them
from FreeSWITCH's MESSAGE_WAITING events; the web pages show the same."""

from __future__ import annotations

from flask import jsonify
from pydantic import BaseModel, Field

from orchestrator.live.voicemail import new_message_counts
from orchestrator.services.lines import lookup as line_lookup

from .base import ctx, principal, route


class LineCounterOut(BaseModel):
    line: str
    label: str
    new_messages: int = Field(description="Messages not yet listened to")


class CountersOut(BaseModel):
    total: int = Field(description="New messages of all these lines")
    lines: list[LineCounterOut]


@route("/voicemail/counters", "GET", summary="New voicemail messages per line", tag="voicemail",
       roles=("admin", "user"), response=CountersOut)
def voicemail_counters():
    own = sorted(line_lookup.own_lines(ctx().session, principal()), key=lambda x: x.number)
    counts = new_message_counts(ctx().session, [x.id for x in own])
    return jsonify(CountersOut(total=sum(counts.values()), lines=[
        LineCounterOut(line=x.number, label=x.label, new_messages=counts[x.id]) for x in own]).model_dump())
