"""« Mes infos » (A-4): change one's password; for admins, the company's
contacts (billing and technical e-mails, postal address: §3.2.4.1) and
its API tokens (P-9). An admin acting as a user changes nothing here."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orchestrator.db.models import Login
from orchestrator.domain.errors import ServiceError
from orchestrator.services import apitokens
from orchestrator.services.logins import ownpassword
from orchestrator.services.logins import service as logins
from orchestrator.services.tenants import contacts as tenant_contacts

from ..common.formdata import FormErrors, field_errors
from ..common.security import admin_required, db, login_required, open_session, tenant
from ..common.uow import discard_changes
from .blueprint import bp


def _own_login() -> Login:
    if current_user.impersonator is not None or current_user.login_id is None:
        abort(403)
    row = db().session.get(Login, current_user.login_id)
    if row is None:
        abort(404)
    return row


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    row = _own_login()
    errors = FormErrors(fields=("old", "new", "confirm", "password"))
    if request.method == "POST":
        old, new, confirm = (request.form.get(k, "") for k in ("old", "new", "confirm"))
        try:
            ownpassword.change_own(db(), row, old, new, confirm)
        except ServiceError as exc:
            discard_changes()
            errors = FormErrors(field_errors(exc), errors.fields)
        else:
            open_session(row)  # every other session of this login ends; this one goes on
            flash(_("Your password has been changed."), "ok")
            return redirect(url_for("account.password"))
    return _password_page(row, errors)


def _password_page(row: Login, errors: FormErrors, contact_errors: FormErrors | None = None,
                   values: dict[str, str] | None = None, status: int = 200):
    contacts = tenant_contacts.to_doc(tenant()) if row.role == "admin" else None
    return render_template("account/password.html", login=row, errors=errors,
                           minimum=logins.MIN_PASSWORD[row.role], contacts=contacts, values=values,
                           contact_errors=contact_errors or FormErrors(fields=tenant_contacts.FIELDS)), status


@bp.post("/contacts")
@admin_required
def save_contacts():
    """« Contacts » and « Informations de facturation » (Figure 7)."""
    row = _own_login()
    changes = {k: request.form.get(k, "") for k in tenant_contacts.FIELDS}
    try:
        tenant_contacts.update(db(), tenant(), changes)
    except ServiceError as exc:
        discard_changes()
        return _password_page(row, FormErrors(fields=("old", "new", "confirm", "password")),
                              FormErrors(field_errors(exc), tenant_contacts.FIELDS), changes, 422)
    flash(_("Your contact details have been saved."), "ok")
    return redirect(url_for("account.password"))


@bp.get("/tokens")
@admin_required
def tokens():
    _own_login()
    ctx = db()
    rows = apitokens.for_tenant(ctx.session, current_user.tenant_id)
    # the ignore below: a token's login exists (foreign key)
    owners = {r.id: ctx.session.get(Login, r.login_id).login for r in rows}  # type: ignore[union-attr]
    return render_template("account/tokens.html", tokens=rows, owners=owners, new_token=None,
                           errors=FormErrors(fields=("name",)))


@bp.post("/tokens")
@admin_required
def create_token():
    row = _own_login()
    ctx = db()
    try:
        _, token = apitokens.create(ctx, row, request.form.get("name", ""))
    except ServiceError as exc:
        discard_changes()
        rows = apitokens.for_tenant(ctx.session, current_user.tenant_id)
        # the ignore below: a token's login exists (foreign key)
        owners = {r.id: ctx.session.get(Login, r.login_id).login for r in rows}  # type: ignore[union-attr]
        return render_template("account/tokens.html", tokens=rows, owners=owners, new_token=None,
                               errors=FormErrors(field_errors(exc), ("name",))), 422
    rows = apitokens.for_tenant(ctx.session, current_user.tenant_id)
    # the ignore below: a token's login exists (foreign key)
    owners = {r.id: ctx.session.get(Login, r.login_id).login for r in rows}  # type: ignore[union-attr]
    return render_template("account/tokens.html", tokens=rows, owners=owners, new_token=token,
                           errors=FormErrors(fields=("name",)))


@bp.post("/tokens/<int:token_id>/delete")
@admin_required
def delete_token(token_id: int):
    _own_login()
    ctx = db()
    row = apitokens.token(ctx.session, current_user.tenant_id, token_id)
    apitokens.revoke(ctx, row)
    flash(_("The token has been revoked."), "ok")
    return redirect(url_for("account.tokens"))
