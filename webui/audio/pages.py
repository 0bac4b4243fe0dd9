"""« Mon standard › Mes fichiers audio » (manual §3.7.4; spec M-1..M-4): the
company's audio files by category (hold music, pre-answer, voice menu,
voicemail greetings), each with its tabs « Téléchargée » (list, listen,
delete, upload), « Personnalisée » (an announcement spoken from a text over
a catalogue track) and, for hold music, « Standardisée » (the catalogue)."""

from __future__ import annotations

import re
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orchestrator.domain.errors import ServiceError
from orchestrator.media.announce import MAX_WORDS, VOICES
from orchestrator.media.catalogue import CATALOGUE
from orchestrator.media.convert import MAX_UPLOAD
from orchestrator.services.audio import library, service
from orchestrator.services.audio import lookup as audio_lookup

from ..common.formdata import FormErrors, field_errors
from ..common.security import admin_required, db, tenant
from ..common.uow import discard_changes
from .blueprint import bp

TABS = ("uploaded", "custom", "standard")
UPLOAD_FIELDS = ("name", "category", "file")
ANNOUNCE_FIELDS = ("name", "category", "text", "voice", "music")


def category_labels() -> dict[str, str]:
    """The tabs of §3.7.4, in the manual's order and words."""
    return {"hold_music": _("Hold music"), "pre_answer": _("Pre-answer"), "ivr_menu": _("Voice menu (IVR)"),
            "vm_greeting_record": _("Answering machine"), "vm_greeting_announce": _("Announcement only")}


def use_words(use: str) -> str:
    """One entry of the service's list of uses, in the page's language."""
    m = re.fullmatch(r"line (\S+) \((.*)\)", use)
    if m:
        return _("line %(number)s (%(label)s)", number=m.group(1), label=m.group(2))
    m = re.fullmatch(r"profile '(.*)' of reception number (\S+)", use) or re.fullmatch(
        r'profile "(.*)" of reception number (\S+)', use)
    if m:
        return _("profile « %(name)s » of the reception number %(number)s", name=m.group(1), number=m.group(2))
    return use


def _page(category: str, tab: str, errors: FormErrors | None = None, values: dict | None = None,
          in_use: dict | None = None, status: int = 200):
    labels = category_labels()
    category = category if category in labels else "hold_music"
    tabs = TABS if category == "hold_music" else TABS[:2]
    tab = tab if tab in tabs else "uploaded"
    fields = ANNOUNCE_FIELDS if tab == "custom" else UPLOAD_FIELDS
    rows = library.files(db().session, current_user.tenant_id, category)
    return render_template(
        "audio/index.html", category=category, tab=tab, tabs=tabs, labels=labels, files=rows,
        catalogue=sorted(CATALOGUE.items()), errors=errors or FormErrors(fields=fields), values=values,
        in_use=in_use, voices=list(VOICES), max_words=MAX_WORDS, max_mb=MAX_UPLOAD // (1024 * 1024),
        tenant=tenant(),
    ), status


@bp.get("/")
@admin_required
def index():
    return _page(request.args.get("category", "hold_music"), request.args.get("tab", "uploaded"))


def _failed(exc: ServiceError, category: str, tab: str, fields):
    discard_changes()
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    return _page(category, tab, FormErrors(field_errors(exc), fields), values, status=422)


@bp.post("/upload")
@admin_required
def upload():
    """M-2: « Téléchargez un nouveau fichier » (title, WAV or MP3 up to 2 MB)."""
    ctx = db()
    category = request.form.get("category", "")
    sent = request.files.get("file")
    data = sent.read() if sent else b""
    try:
        row = library.upload(ctx, tenant(), request.form.get("name", ""), category, data,
                             (sent.filename or "")[-255:] or None if sent else None)
    except ServiceError as exc:
        return _failed(exc, category, "uploaded", UPLOAD_FIELDS)
    flash(_("The file %(name)s has been added.", name=row.name), "ok")
    return redirect(url_for("audio.index", category=row.category, tab="uploaded"))


@bp.post("/announce")
@admin_required
def announce():
    """M-4: « Personnalisée »: the text, the voice, the music → a new file."""
    ctx = db()
    form = request.form
    category = form.get("category", "")
    try:
        row = library.announce(ctx, tenant(), form.get("name", ""), category, form.get("text", ""),
                               form.get("voice", ""), form.get("music", "") or None)
    except ServiceError as exc:
        return _failed(exc, category, "custom", ANNOUNCE_FIELDS)
    flash(_("The announcement %(name)s has been made and added to your files.", name=row.name), "ok")
    return redirect(url_for("audio.index", category=row.category, tab="uploaded"))


@bp.get("/<int:audio_id>/sound")
@admin_required
def sound(audio_id: int):
    """« Écouter »: the converted sound, for the page's audio player."""
    row = audio_lookup.audio_file(db().session, current_user.tenant_id, audio_id)
    path = library.sound_path(db(), row)
    if path is None:
        abort(404)
    return send_file(Path(path).resolve(), mimetype="audio/wav", download_name=f"{row.name}.wav", conditional=True)


@bp.get("/catalogue/sound")
@admin_required
def catalogue_sound():
    """A track of the standard catalogue (M-3): ``?track=<name>``."""
    track = request.args.get("track", "")
    if track not in CATALOGUE:
        abort(404)
    try:
        path = library.catalogue_path(db(), track)
    except ServiceError:
        abort(404)
    return send_file(Path(path).resolve(), mimetype="audio/wav", download_name=f"{track}.wav", conditional=True)


@bp.post("/<int:audio_id>/delete")
@admin_required
def delete(audio_id: int):
    """M-2: « Supprimer », refused with the list of uses while the file is used."""
    ctx = db()
    row = audio_lookup.audio_file(db().session, current_user.tenant_id, audio_id)
    uses = service.uses(ctx, row)
    if uses:
        return _page(row.category, "uploaded", in_use={"name": row.name, "uses": [use_words(u) for u in uses]},
                     status=422)
    name, category = row.name, row.category
    library.delete(ctx, row)
    flash(_("The file %(name)s has been deleted.", name=name), "ok")
    return redirect(url_for("audio.index", category=category, tab="uploaded"))
