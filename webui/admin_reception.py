"""« Mon standard » (manual §3.2.3, §3.7.3, §3.7.6): reception numbers, their
profiles (active now in green, forced in red), forcing, the hunt-group
editor with its members, and "test this number" with the route simulator.

The other screens of the ``reception`` blueprint live in their own modules:
adding and deleting a number (:mod:`.admin_reception_numbers`, §3.7.1),
profiles (:mod:`.admin_reception_profiles`, §3.7.6.1-3), time rules
(:mod:`.admin_reception_rules`, §3.7.6.4) and the IVR editor
(:mod:`.admin_ivr`, §3.7.5)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from orchestrator.db.models import AudioFile, Line, ReceptionNumber, ReceptionProfile
from orchestrator.render.snapshot import load_snapshot
from orchestrator.routing.resolver import resolve
from orchestrator.domain.errors import FieldError, ServiceError, ValidationFailed
from orchestrator.domain.profiles import rule_strings
from orchestrator.services.reception import hunt
from orchestrator.services.reception.active import profile_state
from orchestrator.services.reception.service import force_profile
from orchestrator.domain.timerules import WEEKDAYS

from . import formdata
from .admin_lines import RING_TIMES, hold_music_options
from .formdata import FormErrors, field_errors
from .i18n import phone
from .security import admin_required, db, tenant
from .common.uow import discard_changes

bp = Blueprint("reception", __name__, url_prefix="/reception")

HUNT_FIELDS = {"strategy": "raw", "ring_time": "raw", "cycles": "raw", "forwards_allowed": "raw",
               "voicemail": "opt", "hold_music": "hold"}
CYCLES = list(range(1, 11))


def _rec_or_404(rec_id: int) -> ReceptionNumber:
    rec = hunt.get_reception(db().session, current_user.tenant_id, rec_id)
    if rec is None:
        abort(404)
    return rec


def _profile_or_404(rec_id: int, profile_id: int) -> ReceptionProfile:
    prof = hunt.get_profile(db().session, current_user.tenant_id, rec_id, profile_id)
    if prof is None:
        abort(404)
    return prof


def day_words(days: str) -> str:
    names = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]
    if days == "all":
        return _("Every day")
    if days[:3] in WEEKDAYS:
        a, _sep, b = days.partition("-")
        if not b or a == b:
            return _("On %(day)s", day=names[WEEKDAYS.index(a)])
        return _("From %(first)s to %(last)s", first=names[WEEKDAYS.index(a)], last=names[WEEKDAYS.index(b)])
    a, _sep, b = days.partition("-")
    return _("On %(date)s", date=a) if not b or a == b else _("From %(first)s to %(last)s", first=a, last=b)


def hour_words(hours: str) -> str:
    if hours == "all":
        return _("all day")
    a, _sep, b = hours.partition("-")
    return _("from %(start)s to %(end)s", start=a, end=b)


@bp.get("/")
@admin_required
def index():
    ctx = db()
    t = tenant()
    recs = ctx.session.scalars(select(ReceptionNumber).where(ReceptionNumber.tenant_id == t.id)
                               .order_by(ReceptionNumber.number)).all()
    states = {r.id: profile_state(r, t.timezone) for r in recs}
    return render_template("reception/list.html", receptions=recs, states=states, tenant=t)


def _simulation(rec: ReceptionNumber, tz: str) -> tuple[dict[str, str], object | None, str | None]:
    """The "test this number" panel: its inputs, the plan, or an error."""
    now = datetime.now(ZoneInfo(tz))
    form = {"to": request.args.get("to", rec.number), "caller": request.args.get("caller", ""),
            "at": request.args.get("at", now.strftime("%Y-%m-%dT%H:%M"))}
    if "test" not in request.args:
        return form, None, None
    try:
        when = datetime.strptime(form["at"], "%Y-%m-%dT%H:%M").replace(tzinfo=ZoneInfo(tz))
    except ValueError:
        return form, None, _("Give the date and time as YYYY-MM-DD HH:MM.")
    ctx = db()
    snap = load_snapshot(ctx.session, [rec.tenant_id]).tenants[0]
    plan = resolve(snap, form["to"].strip() or rec.number, form["caller"].strip() or None, when,
                   region=ctx.settings.default_region)
    return form, plan, None


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
    form, plan, sim_error = _simulation(rec, t.timezone)
    default = next((p for p in rec.profiles if p.is_default), None)
    return render_template("reception/detail.html", rec=rec, state=profile_state(rec, t.timezone), rules=rules,
                           default=default, sim=form, plan=plan, sim_error=sim_error, tenant=t,
                           errors=errors or FormErrors(), values=values), status


@bp.get("/<int:rec_id>")
@admin_required
def detail(rec_id: int):
    return detail_page(_rec_or_404(rec_id))


@bp.post("/<int:rec_id>/force")
@admin_required
def force(rec_id: int):
    """T-2: force a profile (only it applies) or stop forcing."""
    ctx = db()
    rec = _rec_or_404(rec_id)
    raw = request.form.get("profile", "")
    prof = next((p for p in rec.profiles if str(p.id) == raw), None) if raw else None
    if raw and prof is None:
        abort(404)
    force_profile(ctx, rec, prof.name if prof else None)
    flash(_("Profile %(name)s is forced.", name=prof.name) if prof else _("No profile is forced any more."), "ok")
    return redirect(url_for("reception.detail", rec_id=rec.id))


def _hunt_page(prof: ReceptionProfile, errors: FormErrors, values: dict | None = None, status: int = 200):
    ctx = db()
    doc = hunt.hunt_doc(ctx, prof) if prof.kind == "hunt" else None
    tid = current_user.tenant_id
    all_lines = ctx.session.scalars(select(Line).where(Line.tenant_id == tid).order_by(Line.number)).all()
    by_number = {ln.number: ln for ln in all_lines}
    members = [by_number[n] for n in (doc.members if doc else []) if n in by_number]
    return render_template(
        "reception/hunt.html", rec=prof.reception, prof=prof, doc=doc, values=values, errors=errors,
        members=members, candidates=[ln for ln in all_lines if ln not in members],
        vm_options=[(ln.number, f"{phone(ln.number)} — {ln.label}") for ln in all_lines if ln.vm_enabled],
        ring_times=RING_TIMES, cycles=CYCLES, hold_options=hold_music_options(tid),
        hold_choice=formdata.hold_music_choice(doc.hold_music) if doc else "", tenant=tenant(),
        pre_answer_options=audio_options(tid, ("pre_answer",)),
        pre_answer=audio_name(prof.pre_answer_audio_id),
    ), status


def audio_options(tenant_id: int, categories: tuple[str, ...]) -> list[tuple[str, str]]:
    """(value, label) of the company's audio files of these categories
    (« Mes fichiers audio », §3.7.4)."""
    names = db().session.scalars(select(AudioFile.name).where(AudioFile.tenant_id == tenant_id,
                                                              AudioFile.category.in_(categories))
                                 .order_by(AudioFile.name))
    return [(name, name) for name in names]


def audio_name(audio_id: int | None) -> str:
    row = db().session.get(AudioFile, audio_id) if audio_id else None
    return row.name if row is not None else ""


def profile_page(prof: ReceptionProfile, errors: FormErrors, values: dict | None = None, status: int = 200):
    """The editor of a profile: the hunt group or the voice menu (§3.7.6.2)."""
    if prof.kind == "ivr":
        return admin_ivr.ivr_page(prof, errors, values, status)
    return _hunt_page(prof, errors, values, status)


@bp.get("/<int:rec_id>/profiles/<int:profile_id>")
@admin_required
def profile(rec_id: int, profile_id: int):
    return profile_page(_profile_or_404(rec_id, profile_id), FormErrors(fields=HUNT_FIELDS))


def _saved(prof: ReceptionProfile, message: str):
    flash(message, "ok")
    return redirect(url_for("reception.profile", rec_id=prof.reception_id, profile_id=prof.id))


def _failed(rec_id: int, profile_id: int, exc: ServiceError, fields, values=None):
    discard_changes()
    return profile_page(_profile_or_404(rec_id, profile_id), FormErrors(field_errors(exc), fields), values, 422)


@bp.post("/<int:rec_id>/profiles/<int:profile_id>")
@admin_required
def save_profile(rec_id: int, profile_id: int):
    prof = _profile_or_404(rec_id, profile_id)
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
    prof = _profile_or_404(rec_id, profile_id)
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
    prof = _profile_or_404(rec_id, profile_id)
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


from . import admin_ivr, admin_reception_numbers, admin_reception_profiles, admin_reception_rules  # noqa: E402,F401
