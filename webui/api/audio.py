"""/api/v1/audio (manual §3.7.4; spec M-1..M-4): the company's audio files
(list, upload, download, delete), custom announcements from text and the
standard catalogue. Admin tokens only, the company's files only."""

from __future__ import annotations

from pathlib import Path

from flask import abort, jsonify, request, send_file

from orchestrator.db.models import AudioFile
from orchestrator.domain.errors import ServiceError
from orchestrator.media.catalogue import CATALOGUE
from orchestrator.services.audio import library, service
from orchestrator.services.audio import lookup as audio_lookup

from .base import body, ctx, principal, route, text_field
from .schemas import AnnouncementIn, AudioOut, CatalogueTrackOut


def audio_out(row: AudioFile) -> dict:
    # the ignore below: category: a str column holding the schema's Literal values
    return AudioOut(id=row.id, name=row.name, category=row.category,  # type: ignore[arg-type]
                    size_bytes=row.size_bytes or 0, duration_ms=row.duration_ms,
                    original_filename=row.original_filename, created_at=row.created_at.isoformat(),
                    used_by=service.uses(ctx(), row)).model_dump(mode="json")


def _audio(audio_id: int) -> AudioFile:
    return audio_lookup.audio_file(ctx().session, principal().tenant_id, audio_id)


@route("/audio", "GET", summary="The company's audio files (M-1)", tag="audio", response=AudioOut,
       list_response=True, query={"category": "hold_music, pre_answer, ivr_menu, vm_greeting_record or "
                                              "vm_greeting_announce; all when absent"})
def list_audio():
    rows = library.files(ctx().session, principal().tenant_id, request.args.get("category") or None)
    return jsonify([audio_out(r) for r in rows])


@route("/audio", "POST", summary="Upload an audio file (M-2)", tag="audio", request="multipart/form-data",
       response=AudioOut, status=201)
def upload_audio():
    """``multipart/form-data`` with ``name`` (the title), ``category`` and
    ``file``: WAV or MP3, at most 2 MB, recognised by its content (not its
    name) and converted for the phone system."""
    sent = request.files.get("file")
    row = library.upload(ctx(), ctx().tenant(principal().tenant_id), request.form.get("name", ""),
                         request.form.get("category", ""), sent.read() if sent else b"",
                         (sent.filename or "")[-255:] or None if sent else None)
    return jsonify(audio_out(row)), 201


@route("/audio/announcements", "POST", summary="Make an announcement from a text (M-4)", tag="audio",
       request=AnnouncementIn, response=AudioOut, status=201)
def create_announcement():
    """The text (at most 50 words) spoken by a French synthetic voice
    (espeak-ng), over a track of the catalogue when ``music`` is given,
    saved as a new audio file of ``category``."""
    data = body()
    row = library.announce(ctx(), ctx().tenant(principal().tenant_id), text_field(data, "name"),
                           text_field(data, "category"), text_field(data, "text"),
                           text_field(data, "voice") or "female", text_field(data, "music") or None)
    return jsonify(audio_out(row)), 201


@route("/audio/catalogue", "GET", summary="The standard hold-music catalogue (M-3)", tag="audio",
       response=CatalogueTrackOut, list_response=True)
def list_catalogue():
    """Royalty-free tracks made by this service (synthesised by sox)."""
    return jsonify([CatalogueTrackOut(name=k, label=v).model_dump() for k, v in sorted(CATALOGUE.items())])


@route("/audio/catalogue/sound", "GET", summary="Listen to a catalogue track", tag="audio",
       response="audio/wav", query={"track": "the track's name (required)"})
def catalogue_sound():
    track = request.args.get("track", "")
    if track not in CATALOGUE:
        abort(404)
    try:
        path = library.catalogue_path(ctx(), track)
    except ServiceError:
        abort(404)
    return send_file(Path(path).resolve(), mimetype="audio/wav", download_name=f"{track}.wav")


@route("/audio/<int:audio_id>", "GET", summary="One audio file", tag="audio", response=AudioOut)
def get_audio(audio_id: int):
    return jsonify(audio_out(_audio(audio_id)))


@route("/audio/<int:audio_id>/sound", "GET", summary="Download an audio file (8 kHz WAV)", tag="audio",
       response="audio/wav")
def audio_sound(audio_id: int):
    row = _audio(audio_id)
    path = library.sound_path(ctx(), row)
    if path is None:
        abort(404)
    return send_file(Path(path).resolve(), mimetype="audio/wav", download_name=f"{row.name}.wav")


@route("/audio/<int:audio_id>", "DELETE", summary="Delete an audio file", tag="audio", status=204)
def delete_audio(audio_id: int):
    """Refused (422, ``audio.in_use``) while a line or a reception profile
    uses the file: the message says where."""
    library.delete(ctx(), _audio(audio_id))
    return "", 204
