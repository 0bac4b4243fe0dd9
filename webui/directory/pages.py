"""« Mon annuaire » (manual §3.2.2, §3.5): the list tree with its contacts,
a contact's card with its « Identifiants » tab (§3.5.1, Figure 31: the
user login and its password, set, or generated and e-mailed), lists, and
the CSV import (with a preview and a confirmation, all or nothing) and
export."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from orchestrator.db.models import Contact, Line, Login, ReceptionNumber
from orchestrator.domain.errors import FieldError, ServiceError, ValidationFailed
from orchestrator.services.base import parse_doc
from orchestrator.services.directory import contacts as book
from orchestrator.services.directory import csv_io
from orchestrator.services.directory import lists as directory_lists
from orchestrator.services.directory import lookup as directory_lookup
from orchestrator.services.directory.schema import ContactDoc
from orchestrator.services.logins import credentials

from ..common.contactform import KINDS, TEXT_FIELDS, contact_form, form_values, remap_errors
from ..common.directoryviews import csv_response, tree_page
from ..common.formdata import FormErrors, field_errors
from ..common.security import admin_required, db, tenant
from ..common.uow import discard_changes
from .blueprint import bp

CONTACT_FIELDS = ("list", "first_name", "last_name", *TEXT_FIELDS, "numbers", "lines", "login")
IMPORT_KEY = "directory_import_sha256"
CREDENTIAL_FIELDS = ("line", "password", "generate", "send")
MOVE_FIELDS = ("list", "new_name", "new_parent")


def _page(template: str, status: int = 200, **kw: Any):
    ctx = db()
    tid = current_user.tenant_id
    receptions = ctx.session.scalars(select(ReceptionNumber).where(ReceptionNumber.tenant_id == tid)
                                     .order_by(ReceptionNumber.number)).all()
    return render_template(template, tree=tree_page(tid), receptions=receptions,
                           paths=book.list_paths(ctx.session, tid), tenant=tenant(), **kw), status



@bp.get("/")
@admin_required
def index():
    return _page("directory/index.html", errors=FormErrors(fields=("name", "parent")),
                 move_errors=FormErrors(fields=MOVE_FIELDS))


# -- contacts -------------------------------------------------------------------

def _free_lines(contact: Contact | None) -> list[Line]:
    """Lines a contact may take: its own and those of nobody."""
    q = select(Line).where(Line.tenant_id == current_user.tenant_id)
    q = q.where((Line.contact_id.is_(None)) | (Line.contact_id == (contact.id if contact else -1)))
    return list(db().session.scalars(q.order_by(Line.number)))


def _contact_page(contact: Contact | None, values: dict[str, Any] | None, errors: FormErrors,
                  list_id: int | None, status: int = 200, creds: FormErrors | None = None, **kw: Any):
    if values is None and contact is not None:
        values = {**{f: getattr(contact, f) or "" for f in ("first_name", "last_name", *TEXT_FIELDS)},
                  "numbers": [{"kind": n.kind, "number": n.number, "short_number": n.short_number or ""}
                              for n in contact.numbers],
                  "lines": [ln.number for ln in contact.lines]}
    values = values or {"numbers": [], "lines": []}
    rows = list(values.get("numbers", [])) + [{"kind": "work", "number": "", "short_number": ""}] * 2
    return _page("directory/contact.html", status, contact=contact, values=values, number_rows=rows,
                 errors=errors, list_id=list_id, free_lines=_free_lines(contact), kinds=KINDS,
                 creds=creds or FormErrors(fields=CREDENTIAL_FIELDS),
                 user_login=credentials.contact_login(db(), contact) if contact else None, **kw)


@bp.get("/contacts/new")
@admin_required
def new_contact():
    raw = request.args.get("list", "")
    return _contact_page(None, None, FormErrors(fields=CONTACT_FIELDS), int(raw) if raw.isdigit() else None)


@bp.post("/contacts/new")
@admin_required
def create_contact():
    ctx = db()
    data, rows, list_id = contact_form(request.form)
    try:
        doc = parse_doc(ContactDoc, data)
        contact = book.add_contact(ctx, tenant(), doc, list_id)
    except ServiceError as exc:
        discard_changes()
        return _contact_page(None, form_values(data, rows),
                             FormErrors(remap_errors(field_errors(exc), rows), CONTACT_FIELDS), list_id, 422)
    flash(_("The contact has been saved."), "ok")
    return redirect(url_for("directory.contact", contact_id=contact.id))


@bp.get("/contacts/<int:contact_id>")
@admin_required
def contact(contact_id: int):
    row = directory_lookup.contact(db().session, current_user.tenant_id, contact_id)
    return _contact_page(row, None, FormErrors(fields=CONTACT_FIELDS), row.list_id)


@bp.post("/contacts/<int:contact_id>")
@admin_required
def save_contact(contact_id: int):
    ctx = db()
    row = directory_lookup.contact(db().session, current_user.tenant_id, contact_id)
    data, rows, list_id = contact_form(request.form)
    login = ctx.session.get(Login, row.login_id) if row.login_id else None
    data["login"] = login.login if login else None  # the "Identifiants" tab keeps its login
    data["photo"] = row.photo_path  # so does the photo (its own form)
    try:
        doc = parse_doc(ContactDoc, data)
        book.update_contact(ctx, row, doc, list_id)
    except ServiceError as exc:
        discard_changes()
        row = directory_lookup.contact(db().session, current_user.tenant_id, contact_id)
        return _contact_page(row, form_values(data, rows),
                             FormErrors(remap_errors(field_errors(exc), rows), CONTACT_FIELDS), list_id, 422)
    flash(_("The contact has been saved."), "ok")
    return redirect(url_for("directory.contact", contact_id=contact_id))


@bp.post("/contacts/<int:contact_id>/credentials")
@admin_required
def save_credentials(contact_id: int):
    """« Identifiants »: the user login (a line number of the contact) and
    its password, typed or generated; with "send", e-mailed to the contact.
    A generated password is shown on this page once, never again."""
    ctx = db()
    row = directory_lookup.contact(db().session, current_user.tenant_id, contact_id)
    form = request.form
    try:
        result = credentials.set_credentials(
            ctx, row, password=form.get("password", ""), generate=bool(form.get("generate")),
            send=bool(form.get("send")), line=form.get("line", "").strip() or None)
    except ServiceError as exc:
        discard_changes()
        row = directory_lookup.contact(db().session, current_user.tenant_id, contact_id)
        errors = field_errors(exc)
        return _contact_page(row, None, FormErrors(fields=CONTACT_FIELDS), row.list_id, 422,
                             creds=FormErrors(errors, CREDENTIAL_FIELDS),
                             cred_values={k: form[k] for k in ("line", "generate", "send") if form.get(k)})
    messages = [_("The password of %(login)s has been saved.", login=result.login.login)]
    if result.mailed_to:
        messages.append(_("It has been sent by e-mail to %(email)s.", email=result.mailed_to))
    if result.generated is None:
        flash(" ".join(messages), "ok")
        return redirect(url_for("directory.contact", contact_id=contact_id, _anchor="identifiers"))
    row = directory_lookup.contact(db().session, current_user.tenant_id, contact_id)
    return _contact_page(row, None, FormErrors(fields=CONTACT_FIELDS), row.list_id,
                         saved=" ".join(messages), generated=result.generated)


@bp.post("/contacts/<int:contact_id>/delete")
@admin_required
def delete_contact(contact_id: int):
    ctx = db()
    book.delete_contact(ctx, directory_lookup.contact(db().session, current_user.tenant_id, contact_id))
    flash(_("The contact has been deleted."), "ok")
    return redirect(url_for("directory.index"))


# -- lists ----------------------------------------------------------------------

@bp.post("/lists")
@admin_required
def add_list():
    ctx = db()
    raw = request.form.get("parent", "")
    try:
        book.add_list(ctx, tenant(), request.form.get("name", ""), int(raw) if raw.isdigit() else None)
    except ServiceError as exc:
        discard_changes()
        return _page("directory/index.html", 422, errors=FormErrors(field_errors(exc), ("name", "parent", "list")),
                     move_errors=FormErrors(fields=MOVE_FIELDS),
                     list_name=request.form.get("name", ""))
    flash(_("The list has been created."), "ok")
    return redirect(url_for("directory.index"))


@bp.post("/lists/change")
@admin_required
def change_list():
    """Rename a list and/or move it under another one (or to the top)."""
    ctx = db()
    form = request.form
    raw = form.get("list", "")
    row = book.get_list(ctx.session, current_user.tenant_id, int(raw)) if raw.isdigit() else None
    changes: dict[str, Any] = {}
    if form.get("new_name", "").strip():
        changes["name"] = form["new_name"]
    parent = form.get("new_parent", "keep")
    if parent == "top":
        changes["parent_id"] = None
    elif parent.isdigit():
        changes["parent_id"] = int(parent)
    try:
        if row is None:
            raise ValidationFailed([FieldError("list.unknown", "list", "choose the list to change")])
        directory_lists.change_list(ctx, row, changes)
    except ServiceError as exc:
        discard_changes()
        problems = [FieldError(e.error_id, {"name": "new_name", "parent_id": "new_parent"}.get(e.field, e.field),
                               e.message) for e in field_errors(exc)]
        return _page("directory/index.html", 422, errors=FormErrors(fields=("name", "parent")),
                     move_errors=FormErrors(problems, MOVE_FIELDS), move_values=dict(form))
    flash(_("The list has been changed."), "ok")
    return redirect(url_for("directory.index"))


@bp.post("/lists/<int:list_id>/delete")
@admin_required
def delete_list(list_id: int):
    ctx = db()
    row = book.get_list(ctx.session, current_user.tenant_id, list_id)
    if row is None:
        abort(404)
    try:
        book.delete_list(ctx, row)
    except ServiceError as exc:
        discard_changes()
        flash(exc.message if exc.error_id != "list.not_empty" else _("This list is not empty."), "error")
        return redirect(url_for("directory.index"))
    flash(_("The list has been deleted."), "ok")
    return redirect(url_for("directory.index"))


# -- CSV --------------------------------------------------------------------------

@bp.get("/import")
@admin_required
def import_form():
    return _page("directory/import.html", report=None, payload=None)


@bp.post("/import")
@admin_required
def import_preview():
    """Step 1: check the file and show what it will replace (nothing changes)."""
    upload = request.files.get("file")
    data = upload.read() if upload else b""
    if not data:
        return _page("directory/import.html", 422, report=None, payload=None,
                     upload_error=_("Choose a CSV file."))
    ctx = db()
    report = csv_io.import_company_directory(ctx, tenant(), data, dry_run=True)
    payload = None
    if report.ok:
        session[IMPORT_KEY] = hashlib.sha256(data).hexdigest()
        payload = base64.b64encode(data).decode()
    return _page("directory/import.html", 200 if report.ok else 422, report=report, payload=payload)


@bp.post("/import/confirm")
@admin_required
def import_confirm():
    """Step 2: the confirmed file replaces the company directory, all or nothing."""
    try:
        data = base64.b64decode(request.form.get("payload", ""), validate=True)
    except (binascii.Error, ValueError):
        abort(400)
    if not data or session.get(IMPORT_KEY) != hashlib.sha256(data).hexdigest():
        flash(_("Check the file again before importing it."), "error")
        return redirect(url_for("directory.import_form"))
    ctx = db()
    report = csv_io.import_company_directory(ctx, tenant(), data)
    if not report.ok:  # the directory changed since the preview
        return _page("directory/import.html", 422, report=report, payload=None)
    session.pop(IMPORT_KEY, None)
    flash(_("Directory imported: %(count)s contact(s).", count=len(report.plan.entries)), "ok")
    return redirect(url_for("directory.index"))


def _csv(body: bytes, name: str) -> Response:
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/export.csv")
@admin_required
def export():
    return csv_response(current_user.tenant_id, "annuaire.csv")


@bp.get("/template.csv")
@admin_required
def template():
    """« Voir le modèle de type CSV »: the header and the manual's example row."""
    example = ["33123456789", "Durand", "Pierre", "pierre@durand.fr", "33612345678", "1234",
               "RH / Recrutement / Cadres", "33123456789", "Durand SA", "Directeur RH", "Avenue de la République",
               "75000", "Paris", "France"]
    body = ";".join(label for _, label in csv_io.COLUMNS) + "\r\n" + ";".join(example) + "\r\n"
    return _csv(b"\xef\xbb\xbf" + body.encode("utf-8"), "modele-annuaire.csv")


