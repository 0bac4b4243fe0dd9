"""V-5: the new-message counters of the voicemail boxes, live. The event
service keeps them in the database (:mod:`orchestrator.live.voicemail`,
from FreeSWITCH's MESSAGE_WAITING events); here they are read for the
login's own lines (a user: their lines; an admin: the company's) and
pushed to the page with server-sent events (:mod:`.sse`) when they change:
the user's « Ma messagerie » tab on every page, the admin's lines list.
Without JavaScript the page shows the counts of when it was loaded."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from orchestrator.live.voicemail import new_message_counts

from .security import db, login_required, own_lines
from .sse import stream

bp = Blueprint("vmcounters", __name__)


def own_counts() -> dict[str, int | dict[str, int]]:
    """``{"lines": {line id: new messages}, "total": n}`` (ids as strings, as in JSON)."""
    counts = new_message_counts(db().session, [line.id for line in own_lines(current_user)])
    return {"lines": {str(k): v for k, v in sorted(counts.items())}, "total": sum(counts.values())}


@bp.get("/status/voicemail")
@login_required
def counts_json():
    """Polled by pages whose browser has no ``EventSource``."""
    return jsonify(own_counts())


@bp.get("/status/voicemail/stream")
@login_required
def counts_stream():
    """Server-sent events ``counters`` on each change; the stream ends
    after ``SSE_LIFETIME`` and the browser reconnects."""
    line_ids = [line.id for line in own_lines(current_user)]  # scoped once, in the request

    def poll(ctx) -> dict:
        counts = new_message_counts(ctx.session, line_ids)
        return {"lines": {str(k): v for k, v in sorted(counts.items())}, "total": sum(counts.values())}

    return stream(poll, lambda _state: False, name="counters")


@bp.app_context_processor
def _inject() -> dict:
    return {"voicemail_counts": own_counts}
