"""The contact's photo on its card (manual §3.5.1: « Parcourir » to upload
a photo), on the « Mon annuaire » blueprint: upload or remove, and the
picture itself for the card (tenant-scoped)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orchestrator.domain.errors import ServiceError
from orchestrator.services.directory import lookup as directory_lookup
from orchestrator.services.directory import photos

from ..common.formdata import field_errors
from ..common.i18n import error_text
from ..common.security import admin_required, db
from ..common.uow import discard_changes
from .blueprint import bp


@bp.get("/contacts/<int:contact_id>/photo")
@admin_required
def photo(contact_id: int):
    found = photos.photo_file(db(), directory_lookup.contact(db().session, current_user.tenant_id, contact_id))
    if found is None:
        abort(404)
    path, mimetype = found
    return send_file(path, mimetype=mimetype, conditional=True)


@bp.post("/contacts/<int:contact_id>/photo")
@admin_required
def save_photo(contact_id: int):
    """Upload (``photo`` file) or, with ``remove``, take the photo off."""
    ctx = db()
    contact = directory_lookup.contact(db().session, current_user.tenant_id, contact_id)
    try:
        if request.form.get("remove"):
            photos.remove_photo(ctx, contact)
            message = _("The photo has been removed.")
        else:
            upload = request.files.get("photo")
            photos.set_photo(ctx, contact, upload.read() if upload is not None else b"")
            message = _("The photo has been saved.")
    except ServiceError as exc:
        discard_changes()
        flash(" ".join(error_text(e) for e in field_errors(exc)), "error")
        return redirect(url_for("directory.contact", contact_id=contact_id) + "#photo")
    flash(message, "ok")
    return redirect(url_for("directory.contact", contact_id=contact_id) + "#photo")
