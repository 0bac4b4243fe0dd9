"""« Mon standard »: the profiles of a reception number (manual §3.7.6.1 to
§3.7.6.3, T-3, R-1): « Créer un nouveau profil » (a hunt group or a voice
menu), « Renommer », « Type d'accueil », « Prédécroché », « Dupliquer » and
« Supprimer » (never the default profile; its rules go with it).

Routes of the ``reception`` blueprint; the writes go through
:mod:`orchestrator.services.reception.profiles`.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orchestrator.domain.errors import ServiceError
from orchestrator.services.reception import lookup as reception_lookup
from orchestrator.services.reception import profiles as profiles_edit

from ..common.formdata import FormErrors, field_errors
from ..common.security import admin_required, db
from ..common.uow import discard_changes
from .blueprint import bp
from .editors import profile_page
from .pages import detail_page

NEW_FIELDS = ("name", "kind")


@bp.post("/<int:rec_id>/profiles/new")
@admin_required
def create_profile(rec_id: int):
    """« Créer un nouveau profil »: it appears in the list, edited next."""
    ctx = db()
    rec = reception_lookup.reception_number(db().session, current_user.tenant_id, rec_id)
    data = {"name": request.form.get("name", ""), "kind": request.form.get("kind", "hunt")}
    try:
        prof = profiles_edit.create_profile(ctx, rec, data)
    except ServiceError as exc:
        discard_changes()
        rec = reception_lookup.reception_number(db().session, current_user.tenant_id, rec_id)
        return detail_page(rec, FormErrors(field_errors(exc), NEW_FIELDS), dict(request.form), 422)
    flash(_("The profile %(name)s has been created.", name=prof.name), "ok")
    return redirect(url_for("reception.detail", rec_id=rec.id, _anchor="profiles"))


def _update(rec_id: int, profile_id: int, data: dict, fields: tuple[str, ...], message: str):
    ctx = db()
    prof = reception_lookup.profile(db().session, current_user.tenant_id, rec_id, profile_id)
    try:
        profiles_edit.update_profile(ctx, prof, data)
    except ServiceError as exc:
        discard_changes()
        prof = reception_lookup.profile(db().session, current_user.tenant_id, rec_id, profile_id)
        return profile_page(prof, FormErrors(field_errors(exc), fields), dict(request.form), 422)
    flash(message, "ok")
    return redirect(url_for("reception.profile", rec_id=rec_id, profile_id=profile_id))


@bp.post("/<int:rec_id>/profiles/<int:profile_id>/rename")
@admin_required
def rename_profile(rec_id: int, profile_id: int):
    """« Édition du profil … Renommer »."""
    return _update(rec_id, profile_id, {"name": request.form.get("name", "")}, ("name",),
                   _("The profile has been renamed."))


@bp.post("/<int:rec_id>/profiles/<int:profile_id>/type")
@admin_required
def profile_type(rec_id: int, profile_id: int):
    """« Type d'accueil »: hunt group or voice menu (SVI)."""
    return _update(rec_id, profile_id, {"kind": request.form.get("kind", "")}, ("kind",),
                   _("The reception type has been changed."))


@bp.post("/<int:rec_id>/profiles/<int:profile_id>/pre-answer")
@admin_required
def save_pre_answer(rec_id: int, profile_id: int):
    """« Prédécroché »: the greeting played before the routing."""
    return _update(rec_id, profile_id, {"pre_answer": request.form.get("pre_answer", "").strip() or None},
                   ("pre_answer",), _("The pre-answer greeting has been saved."))


@bp.post("/<int:rec_id>/profiles/<int:profile_id>/duplicate")
@admin_required
def duplicate_profile(rec_id: int, profile_id: int):
    """« Dupliquer »: a copy under a new name, to edit next."""
    ctx = db()
    prof = reception_lookup.profile(db().session, current_user.tenant_id, rec_id, profile_id)
    try:
        copy = profiles_edit.duplicate_profile(ctx, prof)
    except ServiceError as exc:
        discard_changes()
        rec = reception_lookup.reception_number(db().session, current_user.tenant_id, rec_id)
        return detail_page(rec, FormErrors(field_errors(exc)), None, 422)
    flash(_("The profile %(name)s has been created as a copy of %(original)s.", name=copy.name,
            original=prof.name), "ok")
    return redirect(url_for("reception.detail", rec_id=rec_id, _anchor="profiles"))


@bp.post("/<int:rec_id>/profiles/<int:profile_id>/delete")
@admin_required
def delete_profile(rec_id: int, profile_id: int):
    """« Supprimer »: not the default profile; its time rules go with it."""
    ctx = db()
    prof = reception_lookup.profile(db().session, current_user.tenant_id, rec_id, profile_id)
    name = prof.name
    try:
        profiles_edit.delete_profile(ctx, prof)
    except ServiceError as exc:
        discard_changes()
        rec = reception_lookup.reception_number(db().session, current_user.tenant_id, rec_id)
        return detail_page(rec, FormErrors(field_errors(exc)), None, 422)
    flash(_("The profile %(name)s has been deleted.", name=name), "ok")
    return redirect(url_for("reception.detail", rec_id=rec_id, _anchor="profiles"))
