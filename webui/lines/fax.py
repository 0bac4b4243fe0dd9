"""A fax line's page and its deletion (§3.4); adding one is :mod:`.add`."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orchestrator.domain.errors import ServiceError
from orchestrator.services.lines import lookup as line_lookup
from orchestrator.services.lines import removal
from orchestrator.services.lines import service as lines

from ..common.blueprints import lines as bp
from ..common.formdata import FormErrors, field_errors
from ..common.i18n import phone
from ..common.security import admin_required, db, tenant
from ..common.uow import discard_changes


@bp.get("/fax/<int:fax_id>")
@admin_required
def fax(fax_id: int):
    row = line_lookup.fax_line(db().session, current_user.tenant_id, fax_id)
    return render_template("lines/fax.html", fax=row, tenant=tenant(), values=None,
                           errors=FormErrors(fields=lines.FAX_FIELDS))


@bp.post("/fax/<int:fax_id>")
@admin_required
def save_fax(fax_id: int):
    """« Nouvel intitulé » / « Nouvel e-mail » (Figures 26-27)."""
    row = line_lookup.fax_line(db().session, current_user.tenant_id, fax_id)
    changes = {k: request.form[k] for k in lines.FAX_FIELDS if k in request.form}
    try:
        lines.update_fax(db(), row, changes)
    except ServiceError as exc:
        discard_changes()
        row = line_lookup.fax_line(db().session, current_user.tenant_id, fax_id)
        return render_template("lines/fax.html", fax=row, tenant=tenant(), values=changes,
                               errors=FormErrors(field_errors(exc), lines.FAX_FIELDS)), 422
    flash(_("Your changes have been saved."), "ok")
    return redirect(url_for("lines.fax", fax_id=row.id))


@bp.post("/fax/<int:fax_id>/delete")
@admin_required
def delete_fax(fax_id: int):
    ctx = db()
    row = line_lookup.fax_line(db().session, current_user.tenant_id, fax_id)
    number = row.number
    removal.remove_fax(ctx, row)
    flash(_("The fax line %(number)s has been deleted; its number is kept among your reserved numbers.",
            number=phone(number)), "ok")
    return redirect(url_for("lines.index"))
