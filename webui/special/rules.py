"""The « Règles horaires et géo. » and « Appels » tabs of a special number
(manual §3.7.7.4, Figures 74-75; spec S-3, S-4): time-and-origin rules in
priority order (▲/▼), the rule form (days, hours on 10-minute steps, caller
origins, associated profile) checked field by field, and the incoming-call
statistics per day of a chosen period with their CSV export. Part of the
``special`` blueprint (:mod:`.blueprint`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from orchestrator.db.models import SpecialNumber, SpecialRule
from orchestrator.domain.errors import ServiceError
from orchestrator.domain.timerules import WEEKDAYS
from orchestrator.services.special import lookup as special_lookup
from orchestrator.services.special import rules as rule_service
from orchestrator.services.special import stats
from orchestrator.services.special.service import ORIGIN_ORDER

from ..common.formdata import FormErrors, field_errors
from ..common.security import admin_required, db, tenant
from ..common.timewords import day_words, hms, hour_words
from ..common.uow import discard_changes
from .blueprint import bp
from .pages import done, price

RULE_FIELDS = ("days", "hours", "origins", "profile")
STEPS = [f"{m // 60:02d}:{m % 60:02d}" for m in range(0, 24 * 60, 10)]


def origin_label(origin: str) -> str:
    return {"mobile": _("Mobile"), "other": _("Others")}.get(origin, origin)


def origin_words(origins: Sequence[str]) -> str:
    """« Appelants en provenance du 01,02,Mobile » or « Tous les appelants »."""
    if not origins or len(origins) == len(ORIGIN_ORDER):
        return _("All callers")
    return _("Callers from %(origins)s", origins=",".join(origin_label(o) for o in origins))


# -- the list (Figure 74) --------------------------------------------------------------

@bp.get("/<int:special_id>/rules")
@admin_required
def rules(special_id: int):
    special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
    rows = []
    for rule in special.rules:
        doc = rule_service.rule_doc(special, rule)
        rows.append({"id": rule.id, "when": f"{day_words(doc.days)}, {hour_words(doc.hours)}",
                     "who": origin_words(doc.origins), "profile": doc.profile})
    default = next((p for p in special.profiles if p.is_default), None)
    return render_template("special/rules.html", special=special, price=price(special.number), rows=rows,
                           default=default, has_custom=any(not p.is_default for p in special.profiles),
                           tab="rules", tenant=tenant())


@bp.post("/<int:special_id>/rules/<int:rule_id>/move")
@admin_required
def move_rule(special_id: int, rule_id: int):
    special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
    rule = special_lookup.rule_of(special, rule_id)
    direction = request.form.get("direction", "")
    if direction not in ("up", "down"):
        abort(400)
    rule_service.move_rule(db(), rule, direction)
    return done(_("The priority order has been saved."), "special.rules", special_id=special.id)


@bp.post("/<int:special_id>/rules/<int:rule_id>/delete")
@admin_required
def delete_rule(special_id: int, rule_id: int):
    special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
    rule_service.delete_rule(db(), special_lookup.rule_of(special, rule_id))
    return done(_("The rule has been deleted."), "special.rules", special_id=special.id)


# -- the rule form (Figure 75) -------------------------------------------------------

def _values_of(special: SpecialNumber, rule: SpecialRule | None) -> dict[str, Any]:
    """The form's fields for a rule (a new one: every day, all day, every caller)."""
    custom = next((p for p in special.profiles if not p.is_default), None)
    values: dict[str, Any] = {"days_kind": "all", "weekday_from": "mon", "weekday_to": "fri", "date_from": "",
                              "date_to": "", "hours_kind": "all", "time_from": "08:00", "time_to": "12:00",
                              "origins": list(ORIGIN_ORDER), "profile": str(custom.id) if custom else ""}
    if rule is None:
        return values
    doc = rule_service.rule_doc(special, rule)
    first, _sep, last = doc.days.partition("-")
    if first in WEEKDAYS:
        values.update(days_kind="weekdays", weekday_from=first, weekday_to=last or first)
    elif doc.days != "all":
        values.update(days_kind="dates", date_from=first, date_to=last)
    if doc.hours != "all":
        start, _sep, end = doc.hours.partition("-")
        values.update(hours_kind="range", time_from=start, time_to=end)
    values["origins"] = doc.origins or list(ORIGIN_ORDER)
    values["profile"] = str(rule.profile_id)
    return values


def _form_values() -> dict[str, Any]:
    form = request.form
    values: dict[str, Any] = {k: form.get(k, "").strip() for k in (
        "days_kind", "weekday_from", "weekday_to", "date_from", "date_to", "hours_kind", "time_from", "time_to",
        "profile")}
    values["origins"] = [o for o in form.getlist("origins") if o in ORIGIN_ORDER]
    return values


def _rule_data(special: SpecialNumber, values: dict[str, Any]) -> dict[str, Any]:
    """The form as the service's rule: ``mon-fri``, ``20/09-23/09``, ``08:00-12:00``."""
    if values["days_kind"] == "weekdays":
        a, b = values["weekday_from"], values["weekday_to"] or values["weekday_from"]
        days = a if a == b else f"{a}-{b}"
    elif values["days_kind"] == "dates":
        days = f"{values['date_from']}-{values['date_to'] or values['date_from']}"
    else:
        days = "all"
    hours = f"{values['time_from']}-{values['time_to']}" if values["hours_kind"] == "range" else "all"
    prof = next((p for p in special.profiles if str(p.id) == values["profile"]), None)
    return {"days": days, "hours": hours, "origins": values["origins"], "profile": prof.name if prof else "?"}


def _rule_page(special: SpecialNumber, rule: SpecialRule | None, values: dict[str, Any], errors: FormErrors,
               status: int = 200):
    return render_template(
        "special/rule.html", special=special, rule=rule, price=price(special.number), values=values, errors=errors,
        weekdays=[(d, w) for d, w in zip(WEEKDAYS, (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"),
                                                     _("Friday"), _("Saturday"), _("Sunday")), strict=False)],
        starts=STEPS, ends=STEPS[1:] + ["24:00"], origins=[(o, origin_label(o)) for o in ORIGIN_ORDER],
        tab="rules", tenant=tenant(),
    ), status


def _save_rule(special_id: int, rule_id: int | None):
    special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
    rule = special_lookup.rule_of(special, rule_id) if rule_id is not None else None
    values = _form_values()
    try:
        data = _rule_data(special, values)
        if rule is None:
            rule_service.add_rule(db(), special, data, require_origin=True)
        else:
            rule_service.update_rule(db(), rule, data, require_origin=True)
    except ServiceError as exc:
        discard_changes()
        special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
        rule = special_lookup.rule_of(special, rule_id) if rule_id is not None else None
        return _rule_page(special, rule, values, FormErrors(field_errors(exc), RULE_FIELDS), 422)
    return done(_("The rule has been saved."), "special.rules", special_id=special.id)


@bp.get("/<int:special_id>/rules/new")
@admin_required
def new_rule(special_id: int):
    special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
    return _rule_page(special, None, _values_of(special, None), FormErrors(fields=RULE_FIELDS))


@bp.post("/<int:special_id>/rules/new")
@admin_required
def create_rule(special_id: int):
    return _save_rule(special_id, None)


@bp.get("/<int:special_id>/rules/<int:rule_id>")
@admin_required
def rule(special_id: int, rule_id: int):
    special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
    row = special_lookup.rule_of(special, rule_id)
    return _rule_page(special, row, _values_of(special, row), FormErrors(fields=RULE_FIELDS))


@bp.post("/<int:special_id>/rules/<int:rule_id>")
@admin_required
def save_rule(special_id: int, rule_id: int):
    return _save_rule(special_id, rule_id)


# -- « Appels »: statistics (S-4) ------------------------------------------------------

def _report(special: SpecialNumber):
    today = datetime.now(ZoneInfo(tenant().timezone)).date()
    start, end = stats.period(request.args.get("from"), request.args.get("to"), today)
    return stats.report(db(), special, start, end)


@bp.get("/<int:special_id>/calls")
@admin_required
def calls(special_id: int):
    special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
    args = {"from": request.args.get("from", ""), "to": request.args.get("to", "")}
    try:
        rep, errors, status = _report(special), FormErrors(fields=("from", "to")), 200
    except ServiceError as exc:
        rep, errors, status = None, FormErrors(field_errors(exc), ("from", "to")), 422
    if rep is not None:
        args = {"from": rep.start.isoformat(), "to": rep.end.isoformat()}
    return render_template("special/calls.html", special=special, price=price(special.number), report=rep,
                           args=args, errors=errors, hms=hms, tab="calls", tenant=tenant()), status


@bp.get("/<int:special_id>/calls.csv")
@admin_required
def calls_csv(special_id: int):
    special = special_lookup.special_number(db().session, current_user.tenant_id, special_id)
    try:
        rep = _report(special)
    except ServiceError:
        abort(400)
    body = stats.to_csv(rep, (_("Date"), _("Calls"), _("Answered"), _("Total duration (s)"),
                              _("Average duration (s)")))
    name = f"appels-{special.number.lstrip('+')}-{rep.start.isoformat()}-{rep.end.isoformat()}.csv"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})
