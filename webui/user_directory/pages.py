"""« Mon annuaire » of the user space (§3.5, §4.2; spec D-1, D-5): the
company directory and the user's personal contacts (only they see them: not
the admins, not even acting as the user), each number with « Appeler »
(click-to-call, C-1) and « SMS » (C-2). Routes of the ``me`` blueprint."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orchestrator.db.models import Contact, Login
from orchestrator.domain.errors import ServiceError
from orchestrator.services.base import parse_doc
from orchestrator.services.directory import lookup as directory_lookup
from orchestrator.services.directory import personal
from orchestrator.services.directory.schema import ContactDoc

from ..common.blueprints import me as bp
from ..common.contactform import KINDS, TEXT_FIELDS, contact_form, form_values, remap_errors
from ..common.directoryviews import tree_page
from ..common.formdata import FormErrors, field_errors
from ..common.security import db, own_lines, tenant, user_required
from ..common.uow import discard_changes


def _owner() -> Login | None:
    """The login whose personal directory this is: the user's own. An
    admin acting as the user has none (admins never see personal entries)."""
    if current_user.impersonator is not None or current_user.login_id is None:
        return None
    return db().session.get(Login, current_user.login_id)


def _owner_or_403() -> Login:
    owner = _owner()
    if owner is None:
        abort(403)
    return owner


@bp.get("/directory")
@user_required
def directory():
    """The company directory and my contacts; « Appeler » and « SMS » from
    the line chosen in "Call from" (the first of mine by default)."""
    mine = own_lines(current_user)
    raw = request.args.get("from", "")
    from_line = next((ln for ln in mine if str(ln.id) == raw), mine[0] if mine else None)
    owner = _owner()
    return render_template(
        "me/directory.html", tree=tree_page(current_user.tenant_id),
        contacts=personal.personal_contacts(db().session, owner) if owner else None, lines=mine,
        from_line=from_line, can_call=from_line is not None and current_user.login_id is not None,
        sms_to=request.args.get("sms", ""), tenant=tenant())


PERSONAL_FIELDS = ("first_name", "last_name", *TEXT_FIELDS, "numbers", "lines", "login")


def _contact_page(contact: Contact | None, values: dict[str, Any] | None, errors: FormErrors, status: int = 200):
    if values is None and contact is not None:
        values = {**{f: getattr(contact, f) or "" for f in ("first_name", "last_name", *TEXT_FIELDS)},
                  "numbers": [{"kind": n.kind, "number": n.number, "short_number": ""} for n in contact.numbers]}
    values = values or {"numbers": []}
    rows = list(values.get("numbers", [])) + [{"kind": "mobile", "number": "", "short_number": ""}] * 2
    return render_template("me/contact.html", contact=contact, values=values, number_rows=rows, errors=errors,
                           kinds=KINDS, tenant=tenant()), status


def _personal_doc(form) -> tuple[dict[str, Any], list[int]]:
    data, rows, _list = contact_form(form)
    data["lines"] = []
    for num in data["numbers"]:
        num["short_number"] = None
    return data, rows


@bp.get("/contacts/new")
@user_required
def new_contact():
    _owner_or_403()
    return _contact_page(None, None, FormErrors(fields=PERSONAL_FIELDS))


@bp.post("/contacts/new")
@user_required
def create_contact():
    ctx = db()
    owner = _owner_or_403()
    data, rows = _personal_doc(request.form)
    try:
        personal.add_personal(ctx, owner, parse_doc(ContactDoc, data))
    except ServiceError as exc:
        discard_changes()
        errors = FormErrors(remap_errors(field_errors(exc), rows), PERSONAL_FIELDS)
        return _contact_page(None, form_values(data, rows), errors, 422)
    flash(_("The contact has been saved."), "ok")
    return redirect(url_for("me.directory"))


@bp.get("/contacts/<int:contact_id>")
@user_required
def contact(contact_id: int):
    row = directory_lookup.personal_contact(db().session, _owner_or_403(), contact_id)
    return _contact_page(row, None, FormErrors(fields=PERSONAL_FIELDS))


@bp.post("/contacts/<int:contact_id>")
@user_required
def save_contact(contact_id: int):
    ctx = db()
    row = directory_lookup.personal_contact(db().session, _owner_or_403(), contact_id)
    data, rows = _personal_doc(request.form)
    try:
        personal.update_personal(ctx, row, parse_doc(ContactDoc, data))
    except ServiceError as exc:
        discard_changes()
        errors = FormErrors(remap_errors(field_errors(exc), rows), PERSONAL_FIELDS)
        row = directory_lookup.personal_contact(db().session, _owner_or_403(), contact_id)
        return _contact_page(row, form_values(data, rows), errors, 422)
    flash(_("The contact has been saved."), "ok")
    return redirect(url_for("me.directory"))


@bp.post("/contacts/<int:contact_id>/delete")
@user_required
def delete_contact(contact_id: int):
    ctx = db()
    personal.delete_personal(ctx, directory_lookup.personal_contact(db().session, _owner_or_403(), contact_id))
    flash(_("The contact has been deleted."), "ok")
    return redirect(url_for("me.directory"))
