"""« Ajouter des services » (manual §3.3.1 « Ajout d'une ligne (avec ou sans
fax associé) », Figures 12-13; §3.4 « Ajout d'une nouvelle ligne de fax »,
Figure 25; spec N-2, A-1): choose the kind of number (geographic by zone,
VoIP, reserved), then a number — one of three proposals, a Gold number,
« à la carte » (the last digits, or the whole number typed) — or a pair
tel/fax; the line is created "being activated".

The routes are on the « Mes services » blueprint (``lines``, :mod:`webui.common.blueprints`).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from orchestrator.db.models import Line
from orchestrator.domain.errors import FieldError, ServiceError
from orchestrator.services.base import parse_doc
from orchestrator.services.lines import numberchoice
from orchestrator.services.lines.schema import AddLineDoc, NewFaxDoc

from ..common.blueprints import lines as bp
from ..common.formdata import FormErrors, field_errors
from ..common.i18n import phone
from ..common.security import admin_required, db, tenant
from ..common.uow import discard_changes

LINE_FIELDS = ("number", "custom_number", "label", "short_number", "offer", "fax.label", "fax.email", "fax.number")
FAX_FIELDS = ("number", "custom_number", "label", "email")


def _search() -> dict[str, Any]:
    """The number search of the page (GET, or the hidden fields of the POST)."""
    src = request.values
    return {"kind": src.get("kind", "geographic"), "zone": src.get("zone") or None,
            "fax": src.get("fax") == "1", "ending": src.get("ending", "").strip()}


def zones() -> list[tuple[str, str]]:
    return [("01", _("01 — Île-de-France")), ("02", _("02 — North-West")), ("03", _("03 — North-East")),
            ("04", _("04 — South-East")), ("05", _("05 — South-West"))]


def _used() -> int:
    return db().session.scalar(select(func.count()).select_from(Line).where(
        Line.tenant_id == current_user.tenant_id)) or 0


def _page(what: str, errors: FormErrors, values: dict[str, Any] | None = None, status: int = 200):
    search = _search()
    if what == "fax":
        search["fax"] = False
    t = tenant()
    offer = numberchoice.offer(db().session, t, search["kind"], search["zone"], fax=search["fax"],
                               ending=search["ending"])
    return render_template("lines/new.html", what=what, offer=offer, search=search, errors=errors,
                           values=values or {}, zones=zones(), used=_used(), tenant=t,
                           next_number=numberchoice.next_number), status


def _chosen(form) -> str:
    """The radio's number, or the number typed « à la carte »."""
    choice = form.get("number", "")
    return form.get("custom_number", "").strip() if choice == "custom" else choice


@bp.get("/lines/new")
@admin_required
def new_line():
    return _page("line", FormErrors(fields=LINE_FIELDS))


@bp.post("/lines/new")
@admin_required
def create_line():
    """Create the line (and its fax line): all or nothing."""
    ctx = db()
    form = request.form
    number = _chosen(form)
    data: dict[str, Any] = {"number": number, "label": form.get("label", "").strip(),
                            "short_number": form.get("short_number", "").strip() or None,
                            "offer": form.get("offer", "").strip() or None}
    if form.get("fax") == "1":
        data["fax"] = {"label": form.get("fax.label", "").strip(), "email": form.get("fax.email", "").strip()}
    try:
        doc = parse_doc(AddLineDoc, data)
        line, fax = numberchoice.add_line(ctx, tenant(), doc)
    except ServiceError as exc:
        discard_changes()
        return _page("line", FormErrors(_placed(field_errors(exc), form), LINE_FIELDS), dict(form), 422)
    if fax is not None:
        flash(_("The line %(number)s and its fax line %(fax)s have been created. They are being activated.",
                number=phone(line.number), fax=phone(fax.number)), "ok")
    else:
        flash(_("The line %(number)s has been created. It is being activated.", number=phone(line.number)), "ok")
    return redirect(url_for("lines.line", line_id=line.id))


def _placed(errors: list[FieldError], form) -> list[FieldError]:
    """No number chosen: "choose a number"; a typed « à la carte » number:
    its errors go next to its input; the line limit goes on top."""
    out = []
    for e in errors:
        if e.error_id == "tenant.line_limit":
            e = FieldError(e.error_id, "", e.message)
        elif e.field == "number" and e.error_id in ("number.required", "number.empty") and not form.get("number"):
            e = FieldError("number.choose", "number", "choose a number")
        elif e.field == "number" and form.get("number") == "custom":
            e = FieldError(e.error_id, "custom_number", e.message)
        out.append(e)
    return out


@bp.get("/fax/new")
@admin_required
def new_fax():
    return _page("fax", FormErrors(fields=FAX_FIELDS))


@bp.post("/fax/new")
@admin_required
def create_fax():
    """§3.4: a fax line alone; its label and e-mail are set with it."""
    ctx = db()
    form = request.form
    number = _chosen(form)
    try:
        doc = parse_doc(NewFaxDoc, {"number": number, "label": form.get("label", "").strip(),
                                    "email": form.get("email", "").strip()})
        fax = numberchoice.add_fax(ctx, tenant(), doc)
    except ServiceError as exc:
        discard_changes()
        return _page("fax", FormErrors(_placed(field_errors(exc), form), FAX_FIELDS), dict(form), 422)
    flash(_("The fax line %(number)s has been created.", number=phone(fax.number)), "ok")
    return redirect(url_for("lines.fax", fax_id=fax.id))
