"""« Standard automatique SVI » (manual §3.7.5, §3.7.6.2; I-1, I-2): the
editor of a voice-menu profile. The pre-answer greeting and the menu prompt
(the company's audio files), each key 0-9 to a phone line, a line's
voicemail, another reception number (« Profil dynamique », « Profil par
défaut » or one of its profiles) or hang up, and the fallback after three
invalid or missing keys. Loops between reception numbers are refused.

Routes of the ``reception`` blueprint; the writes go through
:mod:`orchestrator.services.reception.ivr_edit`.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orchestrator.domain.errors import Errors, ServiceError
from orchestrator.services.reception import ivr as ivr_edit
from orchestrator.services.reception import lookup as reception_lookup

from ..common.formdata import FormErrors, field_errors
from ..common.security import admin_required, db
from ..common.uow import discard_changes
from .blueprint import bp
from .editors import ivr_page
from .forms import IVR_FIELDS


@bp.get("/<int:rec_id>/profiles/<int:profile_id>/ivr")
@admin_required
def ivr(rec_id: int, profile_id: int):
    prof = reception_lookup.profile(db().session, current_user.tenant_id, rec_id, profile_id)
    if prof.kind != "ivr":  # a hunt group has its own editor
        return redirect(url_for("reception.profile", rec_id=rec_id, profile_id=profile_id))
    return ivr_page(prof, FormErrors(fields=IVR_FIELDS))


@bp.post("/<int:rec_id>/profiles/<int:profile_id>/ivr")
@admin_required
def save_ivr(rec_id: int, profile_id: int):
    """« Enregistrer »: the whole voice menu at once."""
    ctx = db()
    prof = reception_lookup.profile(db().session, current_user.tenant_id, rec_id, profile_id)
    errors = Errors()
    data = ivr_edit.fields_to_doc(errors, request.form)
    try:
        ivr_edit.update_ivr(ctx, prof, data)  # checked even after a bad choice: every error at once
    except ServiceError as exc:
        errors.items.extend(field_errors(exc))
    if errors:
        discard_changes()
        prof = reception_lookup.profile(db().session, current_user.tenant_id, rec_id, profile_id)
        if prof.kind != "ivr":
            flash(_("This profile is not a voice menu."), "error")
            return redirect(url_for("reception.profile", rec_id=rec_id, profile_id=profile_id))
        return ivr_page(prof, FormErrors(errors.items, IVR_FIELDS), dict(request.form), 422)
    flash(_("The voice menu has been saved."), "ok")
    return redirect(url_for("reception.ivr", rec_id=rec_id, profile_id=profile_id))
