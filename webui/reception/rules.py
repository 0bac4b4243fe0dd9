"""« Mon standard › Règles horaires » (manual §3.7.6.4, T-1): the time rules
of a reception number in priority order (the top one wins), moved up and
down with ▲/▼, and the rule form (Figure 67): the days (every day, days of
the week, a date or a period DD/MM), the hours (all day or a range on
10-minute steps) and the associated profile.

Routes of the ``reception`` blueprint; the writes go through
:mod:`orchestrator.services.reception.rules`.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orchestrator.db.models import ReceptionNumber, ReceptionRule
from orchestrator.domain.errors import Errors, ServiceError
from orchestrator.domain.timerules import WEEKDAYS
from orchestrator.services.reception import lookup as reception_lookup
from orchestrator.services.reception import rules as rules_edit

from ..common.formdata import FormErrors, field_errors
from ..common.security import admin_required, db, tenant
from ..common.uow import discard_changes
from .blueprint import bp

RULE_FIELDS = ("days", "hours", "profile")


def weekday_options() -> list[tuple[str, str]]:
    names = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]
    return list(zip(WEEKDAYS, names, strict=False))


def _rule_page(rec: ReceptionNumber, rule: ReceptionRule | None, errors: FormErrors,
               values: dict | None = None, status: int = 200):
    fields = values if values is not None else rules_edit.fields_of(rule, list(rec.profiles))
    return render_template(
        "reception/rule.html", rec=rec, rule=rule, values=fields, errors=errors, weekdays=weekday_options(),
        starts=rules_edit.time_options(), ends=rules_edit.time_options(end=True),
        profiles=[(p.name, p.name) for p in rec.profiles], tenant=tenant(),
    ), status


def _save(rec: ReceptionNumber, rule: ReceptionRule | None):
    ctx = db()
    errors = Errors()
    data = rules_edit.rule_from_fields(errors, request.form)
    try:
        if rule is None:
            rules_edit.add_rule(ctx, rec, data, errors)
        else:
            rules_edit.update_rule(ctx, rec, rule, data, errors)
        errors.raise_if_any()
    except ServiceError as exc:
        discard_changes()
        rec = reception_lookup.reception_number(db().session, current_user.tenant_id, rec.id)
        again = rules_edit.get_rule(rec, rule.id) if rule is not None else None
        return _rule_page(rec, again, FormErrors(field_errors(exc), RULE_FIELDS), dict(request.form), 422)
    flash(_("The time rule has been saved."), "ok")
    return redirect(url_for("reception.detail", rec_id=rec.id, _anchor="rules"))


@bp.get("/<int:rec_id>/rules/new")
@admin_required
def new_rule(rec_id: int):
    """« Créer une règle horaire »."""
    rec = reception_lookup.reception_number(db().session, current_user.tenant_id, rec_id)
    return _rule_page(rec, None, FormErrors(fields=RULE_FIELDS))


@bp.post("/<int:rec_id>/rules/new")
@admin_required
def create_rule(rec_id: int):
    return _save(reception_lookup.reception_number(db().session, current_user.tenant_id, rec_id), None)


@bp.get("/<int:rec_id>/rules/<int:rule_id>")
@admin_required
def rule(rec_id: int, rule_id: int):
    rec = reception_lookup.reception_number(db().session, current_user.tenant_id, rec_id)
    return _rule_page(rec, reception_lookup.rule_of(rec, rule_id), FormErrors(fields=RULE_FIELDS))


@bp.post("/<int:rec_id>/rules/<int:rule_id>")
@admin_required
def save_rule(rec_id: int, rule_id: int):
    rec = reception_lookup.reception_number(db().session, current_user.tenant_id, rec_id)
    return _save(rec, reception_lookup.rule_of(rec, rule_id))


@bp.post("/<int:rec_id>/rules/<int:rule_id>/move")
@admin_required
def move_rule(rec_id: int, rule_id: int):
    """▲ / ▼: the priority of a rule, one place at a time."""
    ctx = db()
    rec = reception_lookup.reception_number(db().session, current_user.tenant_id, rec_id)
    rule = reception_lookup.rule_of(rec, rule_id)
    direction = request.form.get("direction", "")
    if direction not in ("up", "down"):
        abort(400)
    rules_edit.move_rule(ctx, rec, rule, direction)
    flash(_("The priority of the rules has been saved."), "ok")
    return redirect(url_for("reception.detail", rec_id=rec.id, _anchor="rules"))


@bp.post("/<int:rec_id>/rules/<int:rule_id>/delete")
@admin_required
def delete_rule(rec_id: int, rule_id: int):
    ctx = db()
    rec = reception_lookup.reception_number(db().session, current_user.tenant_id, rec_id)
    rules_edit.delete_rule(ctx, rec, reception_lookup.rule_of(rec, rule_id))
    flash(_("The time rule has been deleted."), "ok")
    return redirect(url_for("reception.detail", rec_id=rec.id, _anchor="rules"))
