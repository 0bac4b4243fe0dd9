"""« Mon standard »: add a reception number (manual §3.7.1, R-1), change
its label and short number, delete it (with a confirmation step).

Routes of the ``reception`` blueprint; the writes go through
:mod:`orchestrator.services.reception.numbers`.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orchestrator.domain.errors import ServiceError
from orchestrator.services.reception import lookup as reception_lookup
from orchestrator.services.reception import numbers as numbers_edit

from ..common import formdata
from ..common.formdata import FormErrors, field_errors
from ..common.i18n import phone
from ..common.security import admin_required, db, tenant
from ..common.uow import discard_changes
from .blueprint import bp
from .pages import detail_page

NEW_FIELDS = ("number", "label", "short_number")
SETTINGS_FIELDS = {"label": "text", "short_number": "opt"}
ZONES = ("01", "02", "03", "04", "05")


def _search() -> dict[str, str]:
    """The proposal criteria: number type, zone, "à la carte" last digits."""
    args = request.values
    kind = args.get("kind", "geographic")
    zone = args.get("zone", "")
    return {"kind": kind if kind in numbers_edit.NUMBER_KINDS else "geographic",
            "zone": zone if zone in ZONES else "", "digits": (args.get("digits") or "").strip()[:8]}


def _new_page(errors: FormErrors, values: dict | None = None, status: int = 200):
    t = tenant()
    search = _search()
    proposals = numbers_edit.proposals(db(), t, search["kind"], search["zone"] or None, search["digits"] or None)
    kinds = [("geographic", _("Geographic number")), ("voip", _("VoIP number (09)"))]
    zones = [("", _("Any zone"))] + [(z, z) for z in ZONES]
    return render_template("reception/new.html", proposals=proposals, search=search, kinds=kinds, zones=zones,
                           errors=errors, values=values, tenant=t), status


@bp.get("/new")
@admin_required
def new():
    """§3.7.1 « Ajouter un numéro d'accueil »: choose a free number."""
    return _new_page(FormErrors(fields=NEW_FIELDS))


@bp.post("/new")
@admin_required
def create():
    ctx = db()
    form = request.form
    choice = form.get("number", "")
    number = form.get("other_number", "").strip() if choice in ("", "other") else choice
    data = {"number": number, "label": form.get("label", "").strip(),
            "short_number": form.get("short_number", "").strip() or None}
    try:
        rec = numbers_edit.add_reception(ctx, tenant(), data)
    except ServiceError as exc:
        discard_changes()
        return _new_page(FormErrors(field_errors(exc), NEW_FIELDS), dict(form), 422)
    flash(_("The reception number %(number)s has been created with its default profile.",
            number=phone(rec.number)), "ok")
    return redirect(url_for("reception.detail", rec_id=rec.id))


@bp.post("/<int:rec_id>/settings")
@admin_required
def save_settings(rec_id: int):
    """« Intitulé … Modifier »: the label and the short number."""
    ctx = db()
    rec = reception_lookup.reception_number(db().session, current_user.tenant_id, rec_id)
    try:
        numbers_edit.update_reception(ctx, rec, formdata.changes(request.form, SETTINGS_FIELDS))
    except ServiceError as exc:
        discard_changes()
        rec = reception_lookup.reception_number(db().session, current_user.tenant_id, rec_id)
        return detail_page(rec, FormErrors(field_errors(exc), SETTINGS_FIELDS), dict(request.form), 422)
    flash(_("Your changes have been saved."), "ok")
    return redirect(url_for("reception.detail", rec_id=rec.id))


def _delete_page(rec, errors: FormErrors, status: int = 200):
    return render_template("reception/delete.html", rec=rec, refs=numbers_edit.references(db(), rec),
                           keys=numbers_edit.phone_keys(db(), rec), errors=errors, tenant=tenant()), status


@bp.get("/<int:rec_id>/delete")
@admin_required
def confirm_delete(rec_id: int):
    """The confirmation step before deleting a reception number."""
    return _delete_page(reception_lookup.reception_number(db().session, current_user.tenant_id, rec_id), FormErrors())


@bp.post("/<int:rec_id>/delete")
@admin_required
def delete(rec_id: int):
    ctx = db()
    rec = reception_lookup.reception_number(db().session, current_user.tenant_id, rec_id)
    number = phone(rec.number)
    try:
        numbers_edit.delete_reception(ctx, rec)
    except ServiceError as exc:
        discard_changes()
        rec = reception_lookup.reception_number(db().session, current_user.tenant_id, rec_id)
        return _delete_page(rec, FormErrors(field_errors(exc)), 422)
    flash(_("The reception number %(number)s has been deleted.", number=number), "ok")
    return redirect(url_for("reception.index"))
