"""/api/v1/lines/<number>/voicemail (manual §4.3, §3.3.5; spec V-1..V-3,
V-5): the greetings of a line's voicemail, and its messages (list, listen,
delete) read from FreeSWITCH. Admins: the company's lines; users: their own.
When the phone system cannot be asked, the answer is 503
``voicemail.unavailable``."""

from __future__ import annotations

from pathlib import Path

from flask import abort, jsonify, request, send_file

from orchestrator.db.models import Line
from orchestrator.domain.errors import ServiceError
from orchestrator.live import voicemail_messages as vm
from orchestrator.services.audio import library
from orchestrator.services.lines import service as lines

from ..common.esl import connect
from ..common.uow import discard_changes
from .base import body, ctx, error, route
from .lines import _own
from .schemas import VoicemailMessageOut, VoicemailSettingsIn, VoicemailSettingsOut

BOTH = ("admin", "user")
RULE = "/lines/<number>/voicemail"


def settings_out(line: Line) -> dict:
    doc = lines.to_doc(ctx(), line).voicemail
    return VoicemailSettingsOut(line=line.number, enabled=doc.enabled, mode=doc.mode, email=doc.email,
                                greeting_record=doc.greeting_record, greeting_announce=doc.greeting_announce,
                                available=library.greeting_options(ctx().session, line.tenant_id)
                                ).model_dump(mode="json")


def message_out(msg: vm.Message) -> dict:
    # the ignore below: status: a str holding the schema's Literal values
    return VoicemailMessageOut(uuid=msg.uuid, created_at=msg.created.isoformat(), status=msg.status,  # type: ignore[arg-type]
                               caller_number=msg.caller_number, caller_name=msg.caller_name,
                               duration_s=msg.duration_s, playable=vm.audio_file(ctx(), msg) is not None
                               ).model_dump(mode="json")


def _stop(status: int, error_id: str, message: str):
    resp, _ = error(status, error_id, message)
    resp.status_code = status
    abort(resp)


def _message_id(uuid: str) -> str:
    if not vm.valid_uuid(uuid):
        _stop(404, "voicemail.no_message", "no such message")
    return uuid


def _esl(action):
    """Run ``action(esl)``; the phone system's refusal is a 503."""
    esl = connect(ctx().settings)
    try:
        return action(esl)
    except vm.VoicemailUnavailable as exc:
        discard_changes()
        _stop(503, exc.error_id, exc.message)
    finally:
        esl.close()


@route(RULE, "GET", summary="Voicemail settings and greetings of a line", tag="voicemail", roles=BOTH,
       response=VoicemailSettingsOut)
def get_voicemail(number: str):
    return jsonify(settings_out(_own(number)))


@route(RULE, "PATCH", summary="Change the voicemail mode, greetings or e-mail (V-1..V-3)", tag="voicemail",
       roles=BOTH, request=VoicemailSettingsIn, response=VoicemailSettingsOut)
def patch_voicemail(number: str):
    """Any of ``mode``, ``greeting_record``, ``greeting_announce`` (the title
    of an audio file of that mode's category; null: back to the default
    prompt) and ``email``."""
    line = _own(number)
    library.set_greetings(ctx(), line, body())
    return jsonify(settings_out(line))


@route(RULE + "/greetings", "POST", summary="Upload a new greeting and choose it (§3.3.5.3)", tag="voicemail",
       roles=BOTH, request="multipart/form-data", response=VoicemailSettingsOut, status=201)
def upload_greeting(number: str):
    """``multipart/form-data``: ``mode`` (record or announce), ``name`` (the
    title) and ``file`` (WAV or MP3, at most 2 MB)."""
    line = _own(number)
    sent = request.files.get("file")
    library.upload_greeting(ctx(), line, request.form.get("mode", ""), request.form.get("name", ""),
                            sent.read() if sent else b"", (sent.filename or "")[-255:] or None if sent else None)
    return jsonify(settings_out(line)), 201


@route(RULE + "/messages", "GET", summary="The messages of a line's voicemail (V-5)", tag="voicemail",
       roles=BOTH, response=VoicemailMessageOut, list_response=True)
def list_voicemail_messages(number: str):
    """Newest first; ``status`` is ``new`` until the message is listened to."""
    line = _own(number)
    found = _esl(lambda esl: vm.list_messages(ctx(), line, esl))
    return jsonify([message_out(m) for m in found])


@route(RULE + "/messages/<uuid>/sound", "GET", summary="Listen to a message (it becomes saved)",
       tag="voicemail", roles=BOTH, response="audio/wav")
def voicemail_message_sound(number: str, uuid: str):
    """404 when the recording is not readable from this server (it is kept on
    the FreeSWITCH node that took the call)."""
    line = _own(number)
    _message_id(uuid)

    def fetch(esl):
        msg = vm.get_message(ctx(), line, uuid, esl)  # NotFound: 404 voicemail.no_message
        path = vm.audio_file(ctx(), msg)
        if path is None:
            _stop(404, "voicemail.not_here", "the recording of this message cannot be read from this server")
        try:
            vm.mark_read(ctx(), line, msg, esl)
        except ServiceError:
            pass
        return path

    path = _esl(fetch)
    return send_file(Path(path).resolve(), mimetype=vm.AUDIO_TYPES[path.suffix.lower()], download_name=path.name)


@route(RULE + "/messages/<uuid>", "DELETE", summary="Delete a message", tag="voicemail", roles=BOTH, status=204)
def delete_voicemail_message(number: str, uuid: str):
    line = _own(number)
    _message_id(uuid)
    _esl(lambda esl: vm.delete_message(ctx(), line, uuid, esl))
    return "", 204

