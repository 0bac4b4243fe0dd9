"""Logging in and out (A-2, P-13), acting as a user (A-3), the language.

Admins log in with their e-mail, users with their line number (+33…, 33…
or 0…). Failures are limited per canonical account and client (see
:mod:`.limiting`); the session is renewed at login and revoked at logout;
an admin acting as a user sees a banner on every page and gets back to the
admin space in one click. Both moves are audited.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from orchestrator.db.models import Login
from orchestrator.services.directory import lookup as directory_lookup
from orchestrator.services.logins import service as logins
from orchestrator.services.passwords import hash_password, verify_password

from ..common.i18n import LANGUAGES
from ..common.security import (
    IMPERSONATOR,
    admin_required,
    db,
    find_login,
    login_required,
    open_session,
    principal_for_contact,
    principal_for_login,
)
from .blueprint import bp
from .limiting import Attempt, Devices, LoginLimits, canonical_account

_DUMMY_HASH: list[str] = []


def _dummy_verify(password: str) -> None:
    """Spend the time of a real check when the login does not exist."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hash_password("not-a-password"))
    verify_password(password, _DUMMY_HASH[0])


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Failures are limited per canonical account and client (see
    :mod:`webui.auth.limiting`)."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("home"))
    error, status = None, 200
    given = request.form.get("login", "").strip()
    if request.method == "POST":
        limits: LoginLimits = current_app.extensions["login_limits"]
        devices: Devices = current_app.extensions["login_devices"]
        ctx = db()
        account = canonical_account(given, ctx.settings.default_region)
        attempt = Attempt(account, request.remote_addr or "unknown", devices.vouches(request, account))
        wait = limits.wait(attempt)
        if wait:
            error = _("Too many failed attempts. Try again in %(minutes)s minute(s).", minutes=(wait + 59) // 60)
            status = 429
        else:
            row = find_login(ctx.session, given, ctx.settings.default_region)
            password = request.form.get("password", "")
            if row is None:
                _dummy_verify(password)
            if row is None or not verify_password(password, row.password_hash):
                limits.failed(attempt, known=row is not None)
                error, status = _("Wrong login or password."), 401
            else:
                limits.succeeded(attempt)
                target = _safe_next(request.args.get("next"))
                lang = session.get("lang")
                session.clear()  # a new session at login (no fixation)
                if lang:
                    session["lang"] = lang
                login_user(principal_for_login(row))
                open_session(row)
                response = redirect(target or url_for("home"))
                devices.remember(request, response, account)
                return response
    return render_template("login.html", error=error, given=given), status


@bp.post("/logout")
@login_required
def logout():
    """End this session and every other one of the same login (a copied
    cookie stops working too). While acting as a user, the admin's."""
    owner_id = session.get(IMPERSONATOR) or current_user.login_id
    owner = db().session.get(Login, owner_id) if owner_id is not None else None
    if owner is not None:
        logins.end_sessions(owner)
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))


@bp.post("/directory/contacts/<int:contact_id>/login-as")
@admin_required
def impersonate(contact_id: int):
    """A-3: act as the user of a contact that has a line."""
    ctx = db()
    admin = ctx.session.get(Login, current_user.login_id)
    contact = directory_lookup.contact(ctx.session, current_user.tenant_id, contact_id)
    if admin is None:
        abort(404)
    if not contact.lines:
        flash(_("This contact has no line: there is no user space to open."), "error")
        return redirect(url_for("directory.contact", contact_id=contact.id))
    user_login = ctx.session.get(Login, contact.login_id) if contact.login_id else None
    if user_login is not None and user_login.role == "user":
        principal = principal_for_login(user_login, admin)
    else:
        principal = principal_for_contact(contact, admin)
    ctx.audit(admin.tenant_id, "impersonate", "user", principal.name, admin=admin.login)
    session[IMPERSONATOR] = admin.id
    login_user(principal)
    return redirect(url_for("me.index"))


@bp.post("/impersonate/stop")
@login_required
def stop_impersonating():
    admin_id = session.get(IMPERSONATOR)
    if admin_id is None or current_user.impersonator is None:
        abort(403)
    ctx = db()
    admin = ctx.session.get(Login, admin_id)
    session.pop(IMPERSONATOR, None)
    if admin is None or admin.role != "admin":
        logout_user()
        return redirect(url_for("auth.login"))
    ctx.audit(admin.tenant_id, "impersonate_end", "user", current_user.name, admin=admin.login)
    login_user(principal_for_login(admin))
    return redirect(url_for("directory.index"))


@bp.get("/lang/<code>")
def language(code: str):
    if code not in LANGUAGES:
        abort(404)
    session["lang"] = code
    return redirect(_safe_next(request.args.get("next")) or url_for("home"))
