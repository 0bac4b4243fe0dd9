"""« Mes services » (manual §3.2.1, §3.3.3-3.3.5, §3.4): the company's
lines with their status, a line's settings, the fax lines, deleting a line
or a fax line, and « Mes accès » (§3.2.1.3). Adding a line or a fax line
(§3.3.1, §3.4) is :mod:`.add`, a fax line's page :mod:`.fax`; « Mes
équipements » (§3.2.1.2, §3.6.1) is the :mod:`webui.devices` area, on the
same ``lines`` blueprint (:mod:`webui.common.blueprints`)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orchestrator.db.models import Line
from orchestrator.domain.errors import ServiceError
from orchestrator.domain.numbering import SPECIAL_PRICES, national
from orchestrator.services.lines import lookup as line_lookup
from orchestrator.services.lines import removal
from orchestrator.services.lines import service as lines
from orchestrator.services.logins.accesses import accesses as company_accesses
from orchestrator.services.special import lookup as special_lookup

from ..common import formdata
from ..common.blueprints import lines as bp
from ..common.formdata import FormErrors, field_errors
from ..common.i18n import phone
from ..common.lineoptions import LINE_FIELDS, RING_TIMES, caller_price, hold_music_options
from ..common.security import admin_required, db, tenant
from ..common.uow import discard_changes

DEPARTMENTS = ([f"{n:02d}" for n in range(1, 20)] + ["2A", "2B"] + [f"{n:02d}" for n in range(21, 96)]
               + [str(n) for n in range(971, 977)])


@bp.get("/")
@admin_required
def index():
    ctx = db()
    tid = current_user.tenant_id
    phone_lines = line_lookup.tenant_lines(ctx.session, tid)
    faxes = line_lookup.tenant_fax_lines(ctx.session, tid)
    specials = special_lookup.tenant_specials(ctx.session, tid)
    prices = {s.id: caller_price(SPECIAL_PRICES.get(national(s.number)[:4], "")) for s in specials}
    return render_template("lines/list.html", lines=phone_lines, faxes=faxes, specials=specials, prices=prices,
                           tenant=tenant())


def _render(line: Line, errors: FormErrors, values: dict[str, Any] | None = None, status: int = 200):
    ctx = db()
    doc = lines.to_doc(ctx, line)
    return render_template(
        "lines/detail.html", line=line, doc=doc, values=values, errors=errors, ring_times=RING_TIMES,
        departments=DEPARTMENTS, hold_options=hold_music_options(line.tenant_id),
        hold_choice=formdata.hold_music_choice(doc.hold_music), tenant=tenant(),
    ), status


@bp.get("/lines/<int:line_id>")
@admin_required
def line(line_id: int):
    return _render(line_lookup.own_line(db().session, current_user, line_id), FormErrors(fields=LINE_FIELDS))


@bp.post("/lines/<int:line_id>")
@admin_required
def save_line(line_id: int):
    ctx = db()
    row = line_lookup.own_line(db().session, current_user, line_id)
    changes = formdata.changes(request.form, LINE_FIELDS)
    try:
        lines.update(ctx, row, changes)
        if request.form.get("hold_music_all"):  # L-10 « Appliquer à l'ensemble de mes lignes »
            for other in line_lookup.tenant_lines(ctx.session, row.tenant_id, except_id=row.id):
                lines.update(ctx, other, {"hold_music": changes.get("hold_music")})
    except ServiceError as exc:
        discard_changes()
        row = line_lookup.own_line(db().session, current_user, line_id)
        return _render(row, FormErrors(field_errors(exc), LINE_FIELDS), dict(request.form), 422)
    flash(_("Your changes have been saved."), "ok")
    return redirect(url_for("lines.line", line_id=row.id))


@bp.post("/lines/<int:line_id>/delete")
@admin_required
def delete_line(line_id: int):
    """Delete a line (confirmed on the page): its number goes back to the
    company's reserved numbers; its user login goes with it."""
    ctx = db()
    row = line_lookup.own_line(db().session, current_user, line_id)
    number = row.number
    removal.remove_line(ctx, row)
    flash(_("The line %(number)s has been deleted; its number is kept among your reserved numbers.",
            number=phone(number)), "ok")
    return redirect(url_for("lines.index"))


@bp.get("/accesses")
@admin_required
def accesses():
    """« Mes accès »: the company's logins, admins and users, with each
    user login's line and contact."""
    return render_template("lines/accesses.html", accesses=company_accesses(db().session, current_user.tenant_id),
                           tenant=tenant())
