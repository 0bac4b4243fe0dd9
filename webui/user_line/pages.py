"""User space (manual §4): « Ma ligne » (label, forwards, ring time,
presented number, backup number, number hidden) for the user's own lines
only. Routes of the ``me`` blueprint; the personal directory is
:mod:`webui.user_directory`."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orchestrator.domain.errors import ServiceError
from orchestrator.services.lines import lookup as line_lookup
from orchestrator.services.lines import service as lines

from ..common import formdata
from ..common.blueprints import me as bp
from ..common.formdata import FormErrors, field_errors
from ..common.lineoptions import LINE_FIELDS, RING_TIMES
from ..common.security import db, own_lines, tenant, user_required
from ..common.uow import discard_changes

# What a user may change on their line (A-2, §2 « Mode Utilisateur »), as the service says: nothing else is read.
USER_FIELDS = {name: kind for name, kind in LINE_FIELDS.items() if lines.user_may_change(name)}


@bp.get("/")
@user_required
def index():
    mine = own_lines(current_user)
    if not mine:
        return render_template("me/none.html", tenant=tenant())
    return redirect(url_for("me.line", line_id=mine[0].id))


def _render(line_id: int, errors: FormErrors, values: dict | None = None, status: int = 200):
    row = line_lookup.own_line(db().session, current_user, line_id)
    return render_template("me/line.html", line=row, doc=lines.to_doc(db(), row), lines=own_lines(current_user),
                           errors=errors, values=values, ring_times=RING_TIMES, tenant=tenant()), status


@bp.get("/lines/<int:line_id>")
@user_required
def line(line_id: int):
    return _render(line_id, FormErrors(fields=USER_FIELDS))


@bp.post("/lines/<int:line_id>")
@user_required
def save_line(line_id: int):
    try:
        lines.update_as_user(db(), current_user, line_id, formdata.changes(request.form, USER_FIELDS))
    except ServiceError as exc:
        discard_changes()
        return _render(line_id, FormErrors(field_errors(exc), USER_FIELDS), dict(request.form), 422)
    flash(_("Your changes have been saved."), "ok")
    return redirect(url_for("me.line", line_id=line_id))
