"""User space (manual §4.2, §4.4 « Journal »): the call log of the user's
own lines, with click-to-call (C-1, progress shown live) and SMS (C-2)."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orchestrator.db.models import ClickToCall, Login
from orchestrator.domain.errors import ServiceError
from orchestrator.live import click_to_call, sms
from orchestrator.live import lookup as live_lookup

from ..common.esl import connect
from ..common.formdata import field_errors
from ..common.security import db, own_lines, tenant, user_required
from ..common.sse import stream
from ..common.uow import discard_changes
from .blueprint import bp


def _login() -> Login:
    login = db().session.get(Login, current_user.login_id) if current_user.login_id else None
    if login is None:
        abort(403)
    return login


def _own_call(call_id: int) -> ClickToCall:
    return live_lookup.own_click_to_call(db().session, current_user, call_id)


@bp.get("/")
@user_required
def index():
    lines = own_lines(current_user)
    records, numbers = live_lookup.own_call_records(db().session, current_user, 100)
    current = None
    if request.args.get("c2c", "").isdigit():
        current = _own_call(int(request.args["c2c"]))
    return render_template("me/calls.html", lines=lines, numbers=numbers, records=records, current=current,
                           tenant=tenant())


def _through_esl(action):
    """Run ``action(ctx, login, esl)`` on a connection to the phone system;
    a refusal is flashed and None returned (nothing stays half-saved)."""
    ctx = db()
    esl = connect(ctx.settings)
    try:
        return action(ctx, _login(), esl)
    except ServiceError as exc:
        discard_changes()
        flash(" ".join(e.message for e in field_errors(exc)), "error")
        return None
    finally:
        esl.close()


@bp.post("/click")
@user_required
def click():
    form = request.form
    call = _through_esl(lambda ctx, login, esl: click_to_call.start(
        ctx, login, form.get("line", ""), form.get("target", ""), esl))
    return redirect(url_for("calls.index", c2c=call.id) if call else url_for("calls.index"))


@bp.get("/click/<int:call_id>")
@user_required
def progress(call_id: int):
    """Polled by the page until the call is connected, ended or failed."""
    call = _own_call(call_id)
    return jsonify(_progress(call))


def _progress(call: ClickToCall) -> dict:
    return {"id": call.id, "status": call.status, "cause": call.cause, "target": call.target}


@bp.get("/click/<int:call_id>/stream")
@user_required
def progress_stream(call_id: int):
    """Server-sent events: the progress on each change until the call has
    ended or failed."""
    call_id = _own_call(call_id).id  # ownership checked once, in the request

    def poll(ctx) -> dict | None:
        call = ctx.session.get(ClickToCall, call_id)
        return _progress(call) if call is not None else None

    return stream(poll, lambda st: st["status"] in ("ended", "failed"))


@bp.post("/sms")
@user_required
def send_sms():
    form = request.form
    msg = _through_esl(lambda ctx, login, esl: sms.send(
        ctx, login, form.get("line", ""), form.get("to", ""), form.get("text", ""), esl))
    if msg is not None and msg.status == "sent":
        flash(_("Your SMS has been sent."), "ok")
    elif msg is not None:
        flash(_("The SMS could not be sent: %(error)s", error=msg.error or ""), "error")
    return redirect(url_for("calls.index"))
