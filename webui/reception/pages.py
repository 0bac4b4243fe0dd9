"""« Mon standard » (manual §3.2.3, §3.7.3, §3.7.6): reception numbers, their
profiles (active now in green, forced in red), forcing, the hunt-group
editor with its members, and "test this number" with the route simulator.

The other screens of the ``reception`` blueprint live in their own modules:
adding and deleting a number (:mod:`.numbers`, §3.7.1),
profiles (:mod:`.profiles`, §3.7.6.1-3), time rules
(:mod:`.rules`, §3.7.6.4) and the IVR editor
(:mod:`.ivr`, §3.7.5)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from orchestrator.db.models import ReceptionNumber, ReceptionProfile
from orchestrator.domain.errors import FieldError, ServiceError, ValidationFailed
from orchestrator.domain.profiles import rule_strings
from orchestrator.services.reception import hunt
from orchestrator.services.reception import lookup as reception_lookup
from orchestrator.services.reception.active import profile_state
from orchestrator.services.reception.service import force_profile

from ..common import formdata
from ..common.formdata import FormErrors, field_errors
from ..common.security import admin_required, db, tenant
from ..common.simulation import simulation_panel
from ..common.timewords import day_words, hour_words
from ..common.uow import discard_changes
from .blueprint import bp
from .editors import profile_page
from .forms import HUNT_FIELDS


@bp.get("/")
@admin_required
def index():
    ctx = db()
    t = tenant()
    recs = ctx.session.scalars(select(ReceptionNumber).where(ReceptionNumber.tenant_id == t.id)
                               .order_by(ReceptionNumber.number)).all()
    states = {r.id: profile_state(r, t.timezone) for r in recs}
    return render_template("reception/list.html", receptions=recs, states=states, tenant=t)


def detail_page(rec: ReceptionNumber, errors: FormErrors | None = None, values: dict | None = None,
                status: int = 200):
    """The reception number's page: its settings, profiles (T-3), time rules
    (T-1) and "test this number". Forms that fail come back here (422)."""
    t = tenant()
    names = {p.id: p.name for p in rec.profiles}
    rules = []
    for rule in rec.rules:
        days, hours = rule_strings(rule)
        rules.append({"id": rule.id, "days": day_words(days), "hours": hour_words(hours),
                      "profile": names.get(rule.profile_id)})
    panel = simulation_panel(t, rec.number)
    default = next((p for p in rec.profiles if p.is_default), None)
    return render_template("reception/detail.html", rec=rec, state=profile_state(rec, t.timezone), rules=rules,
                           default=default, **panel, tenant=t,
                           errors=errors or FormErrors(), values=values), status


@bp.get("/<int:rec_id>")
@admin_required
def detail(rec_id: int):
    return detail_page(reception_lookup.reception_number(db().session, current_user.tenant_id, rec_id))


@bp.post("/<int:rec_id>/force")
@admin_required
def force(rec_id: int):
    """T-2: force a profile (only it applies) or stop forcing."""
    ctx = db()
    rec = reception_lookup.reception_number(db().session, current_user.tenant_id, rec_id)
    raw = request.form.get("profile", "")
    prof = next((p for p in rec.profiles if str(p.id) == raw), None) if raw else None
    if raw and prof is None:
        abort(404)
    force_profile(ctx, rec, prof.name if prof else None)
    flash(_("Profile %(name)s is forced.", name=prof.name) if prof else _("No profile is forced any more."), "ok")
    return redirect(url_for("reception.detail", rec_id=rec.id))


@bp.get("/<int:rec_id>/profiles/<int:profile_id>")
@admin_required
def profile(rec_id: int, profile_id: int):
    prof = reception_lookup.profile(db().session, current_user.tenant_id, rec_id, profile_id)
    return profile_page(prof, FormErrors(fields=HUNT_FIELDS))


def _saved(prof: ReceptionProfile, message: str):
    flash(message, "ok")
    return redirect(url_for("reception.profile", rec_id=prof.reception_id, profile_id=prof.id))


def _failed(rec_id: int, profile_id: int, exc: ServiceError, fields, values=None):
    discard_changes()
    prof = reception_lookup.profile(db().session, current_user.tenant_id, rec_id, profile_id)
    return profile_page(prof, FormErrors(field_errors(exc), fields), values, 422)


@bp.post("/<int:rec_id>/profiles/<int:profile_id>")
@admin_required
def save_profile(rec_id: int, profile_id: int):
    prof = reception_lookup.profile(db().session, current_user.tenant_id, rec_id, profile_id)
    changes = formdata.changes(request.form, HUNT_FIELDS)
    if "forwards_allowed" in changes:
        changes["forwards_allowed"] = changes["forwards_allowed"] == "yes"
    try:
        hunt.update_hunt(db(), prof, changes)
    except ServiceError as exc:
        return _failed(rec_id, profile_id, exc, HUNT_FIELDS, dict(request.form))
    return _saved(prof, _("The hunt group settings have been saved."))


@bp.post("/<int:rec_id>/profiles/<int:profile_id>/members/add")
@admin_required
def add_member(rec_id: int, profile_id: int):
    prof = reception_lookup.profile(db().session, current_user.tenant_id, rec_id, profile_id)
    number = request.form.get("line", "").strip()
    try:
        if not number:
            raise ServiceError("choose a line", error_id="field.required", field="line")
        hunt.add_member(db(), prof, number)
    except ServiceError as exc:
        errs = [FieldError(e.error_id, "line" if e.field.startswith("members") else e.field, e.message)
                for e in field_errors(exc)]
        return _failed(rec_id, profile_id, ValidationFailed(errs), ("line",))
    return _saved(prof, _("The line has been added to the group."))


@bp.post("/<int:rec_id>/profiles/<int:profile_id>/members")
@admin_required
def members(rec_id: int, profile_id: int):
    """The members form: ↑/↓ move at once (without JavaScript), "Supprimer"
    removes, "Enregistrer l'ordre de routage" saves the order the page shows."""
    prof = reception_lookup.profile(db().session, current_user.tenant_id, rec_id, profile_id)
    ctx = db()
    try:
        if request.form.get("remove"):
            hunt.remove_member(ctx, prof, request.form["remove"])
            message = _("The line has been removed from the group.")
        elif request.form.get("move"):
            number, _sep, way = request.form["move"].rpartition(":")
            hunt.move_member(ctx, prof, number, -1 if way == "up" else 1)
            message = _("The routing order has been saved.")
        else:
            hunt.set_order(ctx, prof, request.form.getlist("order"))
            message = _("The routing order has been saved.")
    except ServiceError as exc:
        return _failed(rec_id, profile_id, exc, ("members",))
    return _saved(prof, message)


