"""« Ma messagerie » (manual §4.3 Figures 84-85, §3.3.5; spec V-1, V-2, V-3,
V-5): the messages of a line (date, caller, duration, new or saved; listen;
delete) read from FreeSWITCH's mod_voicemail over the event socket, and its
settings: mode, the greeting of each mode (keep, choose a file, upload a new
one, or back to the default prompt) and the e-mail receiving the messages.

A user reaches their own lines only; an admin any line of the company (from
« Mes services › line › Messagerie »). Anything else is a 404.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orchestrator.db.models import Line
from orchestrator.domain.errors import NotFound, ServiceError
from orchestrator.domain.numbering import NumberError, normalize
from orchestrator.live import voicemail_messages as vm
from orchestrator.services.audio import library
from orchestrator.services.lines import lookup as line_lookup
from orchestrator.services.lines import service as lines

from ..common import formdata
from ..common.esl import connect
from ..common.formdata import FormErrors, field_errors
from ..common.i18n import phone
from ..common.security import db, login_required, own_lines, tenant
from ..common.uow import discard_changes
from .blueprint import bp

SETTINGS_FIELDS = {"voicemail.mode": "raw", "voicemail.greeting_record": "opt",
                   "voicemail.greeting_announce": "opt", "voicemail.email": "opt"}
UPLOAD_FIELDS = ("mode", "name", "file")


def _with_esl(action):
    esl = connect(db().settings)
    try:
        return action(esl)
    finally:
        esl.close()


def _messages(line: Line) -> tuple[list[dict], str | None]:
    """The rows of the messages table, or the reason they cannot be read."""
    ctx = db()
    try:
        found = _with_esl(lambda esl: vm.list_messages(ctx, line, esl))
    except ServiceError as exc:
        return [], exc.message
    tz = ZoneInfo(tenant().timezone)
    return [{"msg": m, "when": m.created.astimezone(tz).strftime("%d/%m/%Y %H:%M"), "caller": _caller(m.caller_number),
             "playable": vm.audio_file(ctx, m) is not None} for m in found], None


def _caller(number: str) -> str:
    """The caller's number as the call log writes numbers (01 40 00 00 01)."""
    try:
        return phone(normalize(number, db().settings.default_region, lenient=True))
    except NumberError:
        return number


def _page(line: Line, errors: FormErrors | None = None, upload_errors: FormErrors | None = None,
          values: dict | None = None, status: int = 200):
    ctx = db()
    messages, unavailable = _messages(line)
    return render_template(
        "me/voicemail.html", line=line, doc=lines.to_doc(ctx, line), lines=own_lines(current_user),
        messages=messages, unavailable=unavailable, options=library.greeting_options(ctx.session, line.tenant_id),
        errors=errors or FormErrors(fields=SETTINGS_FIELDS),
        upload_errors=upload_errors or FormErrors(fields=UPLOAD_FIELDS),
        values=values, tenant=tenant(),
    ), status


@bp.get("/")
@login_required
def index():
    if current_user.is_admin:
        return redirect(url_for("lines.index"))
    mine = own_lines(current_user)
    if not mine:
        return render_template("me/none.html", tenant=tenant())
    return redirect(url_for("voicemail.line", line_id=mine[0].id))


@bp.get("/lines/<int:line_id>")
@login_required
def line(line_id: int):
    return _page(line_lookup.own_line(db().session, current_user, line_id))


@bp.post("/lines/<int:line_id>")
@login_required
def save(line_id: int):
    """« Paramètres »: mode, greeting of each mode, e-mail (« Enregistrer »)."""
    ctx = db()
    row = line_lookup.own_line(db().session, current_user, line_id)
    changes = formdata.changes(request.form, SETTINGS_FIELDS).get("voicemail", {})
    try:
        library.set_greetings(ctx, row, changes)
    except ServiceError as exc:
        discard_changes()
        row = line_lookup.own_line(db().session, current_user, line_id)
        return _page(row, FormErrors(field_errors(exc), SETTINGS_FIELDS), values=dict(request.form),
                     status=422)
    flash(_("Your voicemail settings have been saved."), "ok")
    return redirect(url_for("voicemail.line", line_id=row.id))


@bp.post("/lines/<int:line_id>/greeting")
@login_required
def upload_greeting(line_id: int):
    """§3.3.5.3 « Nouvelle annonce téléchargée »: added and chosen at once."""
    ctx = db()
    row = line_lookup.own_line(db().session, current_user, line_id)
    sent = request.files.get("file")
    mode = request.form.get("mode", "")
    try:
        audio = library.upload_greeting(ctx, row, mode, request.form.get("name", ""), sent.read() if sent else b"",
                                        (sent.filename or "")[-255:] or None if sent else None)
    except ServiceError as exc:
        discard_changes()
        row = line_lookup.own_line(db().session, current_user, line_id)
        values = {k: v for k, v in request.form.items() if k != "csrf_token"}
        return _page(row, upload_errors=FormErrors(field_errors(exc), UPLOAD_FIELDS), values=values,
                     status=422)
    flash(_("The greeting %(name)s has been added and chosen.", name=audio.name), "ok")
    return redirect(url_for("voicemail.line", line_id=row.id))


@bp.get("/lines/<int:line_id>/greeting/sound")
@login_required
def greeting_sound(line_id: int):
    """Listen to the greeting chosen for a mode: ``?mode=record|announce``."""
    row = line_lookup.own_line(db().session, current_user, line_id)
    audio_id = {"record": row.vm_greeting_record_id, "announce": row.vm_greeting_announce_id}.get(
        request.args.get("mode", ""))
    audio = library.get(db().session, row.tenant_id, audio_id) if audio_id else None
    path = library.sound_path(db(), audio) if audio is not None else None
    if audio is None or path is None:
        abort(404)
    return send_file(Path(path).resolve(), mimetype="audio/wav", download_name=f"{audio.name}.wav", conditional=True)


def _message_or_404(line: Line, uuid: str, esl) -> vm.Message:
    try:
        return vm.get_message(db(), line, uuid, esl)
    except NotFound:
        abort(404)


@bp.get("/lines/<int:line_id>/messages/<uuid>/sound")
@login_required
def message_sound(line_id: int, uuid: str):
    """« Écouter »: the recording, if this server can read it; a new message
    becomes a saved one."""
    ctx = db()
    row = line_lookup.own_line(db().session, current_user, line_id)
    if not vm.valid_uuid(uuid):
        abort(404)

    def fetch(esl):
        try:
            msg = _message_or_404(row, uuid, esl)
        except ServiceError:
            abort(503)
        path = vm.audio_file(ctx, msg)
        if path is None:
            abort(404)
        try:
            vm.mark_read(ctx, row, msg, esl)
        except ServiceError:
            pass  # listening still works; the message stays new
        return path

    path = _with_esl(fetch)
    return send_file(Path(path).resolve(), mimetype=vm.AUDIO_TYPES[path.suffix.lower()], download_name=path.name,
                     conditional=True)


@bp.post("/lines/<int:line_id>/messages/<uuid>/delete")
@login_required
def delete_message(line_id: int, uuid: str):
    ctx = db()
    row = line_lookup.own_line(db().session, current_user, line_id)
    if not vm.valid_uuid(uuid):
        abort(404)
    try:
        _with_esl(lambda esl: vm.delete_message(ctx, row, uuid, esl))
    except NotFound:
        abort(404)
    except ServiceError as exc:
        discard_changes()
        flash(_("The message could not be deleted: %(reason)s", reason=exc.message), "error")
        return redirect(url_for("voicemail.line", line_id=row.id))
    flash(_("The message has been deleted."), "ok")
    return redirect(url_for("voicemail.line", line_id=row.id))
