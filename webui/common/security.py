"""Who is asking (A-2, A-3, A-5): the principal of a web session, role
checks for views, and the request's service context.

A principal is an admin or a user of exactly one tenant. Users are their
``Login`` row (login = line number) or, while an admin acts as them
("Se connecter en utilisateur", A-3), a directory contact with a line.
Every lookup of a view is tenant-scoped (the services' ``lookup`` getters, the
``own_*`` helpers), so nothing of another tenant, or another user, is reachable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import abort, current_app, session
from flask_login import LoginManager, UserMixin, current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.db.models import Contact, Line, Login, Tenant
from orchestrator.domain.numbering import NumberError, normalize
from orchestrator.runtime import Runtime
from orchestrator.services.context import ServiceContext
from orchestrator.services.lines import lookup as line_lookup

from .uow import request_context

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "strong"
IMPERSONATOR = "impersonator_id"
SESSION_VERSION = "sv"  # the session owner's Login.session_version when it logged in


@dataclass
class Principal(UserMixin):
    key: str  # "L:<login id>" or "C:<contact id>"
    tenant_id: int
    role: str  # admin | user
    name: str
    login_id: int | None = None
    contact_id: int | None = None
    impersonator: str | None = None  # the admin's login while acting as this user

    def get_id(self) -> str:
        return self.key

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def actor(self) -> str:
        return f"{self.impersonator} as {self.name}" if self.impersonator else self.name


def runtime() -> Runtime:
    return current_app.extensions["runtime"]


def db() -> ServiceContext:
    """The service context of this request: the application commits it
    when the view returns (see :mod:`webui.common.uow`). Its actor is the
    principal."""
    ctx = _ctx()
    if current_user and getattr(current_user, "is_authenticated", False):
        ctx.actor = current_user.actor
    return ctx


def _ctx() -> ServiceContext:
    return request_context()


def principal_for_login(row: Login, impersonator: Login | None = None) -> Principal:
    return Principal(key=f"L:{row.id}", tenant_id=row.tenant_id, role=row.role, name=row.login, login_id=row.id,
                     impersonator=impersonator.login if impersonator else None)


def principal_for_contact(contact: Contact, impersonator: Login) -> Principal:
    return Principal(key=f"C:{contact.id}", tenant_id=contact.tenant_id, role="user",
                     name=f"{contact.first_name} {contact.last_name}", contact_id=contact.id,
                     impersonator=impersonator.login)


def open_session(owner: Login) -> None:
    """Bind this session to ``owner``'s current session version (at login,
    and after the owner changes their own password)."""
    session[SESSION_VERSION] = owner.session_version


def _current(owner: Login | None) -> bool:
    """The session was opened with the owner's current version (not revoked
    by a logout, a password change or reset since)."""
    return owner is not None and session.get(SESSION_VERSION) == owner.session_version


@login_manager.user_loader
def load_principal(key: str) -> Principal | None:
    """The principal of this session, checked on every request: a revoked
    session (see :func:`~orchestrator.services.logins.service.end_sessions`)
    is anonymous. While an admin acts as a user, the session is the admin's."""
    s = _ctx().session
    kind, _, raw = key.partition(":")
    if not raw.isdigit():
        return None
    admin = None
    if session.get(IMPERSONATOR) is not None:
        admin = s.get(Login, session[IMPERSONATOR])
        if admin is None or admin.role != "admin" or not _current(admin):
            return None
    if kind == "L":
        row = s.get(Login, int(raw))
        if row is None or (admin is not None and (row.role != "user" or row.tenant_id != admin.tenant_id)):
            return None
        if admin is None and not _current(row):
            return None
        return principal_for_login(row, admin)
    if kind == "C" and admin is not None:
        contact = s.get(Contact, int(raw))
        if contact is None or contact.tenant_id != admin.tenant_id or contact.owner_login_id is not None:
            return None
        return principal_for_contact(contact, admin)
    return None


def find_login(s: Session, raw: str, region: str) -> Login | None:
    """Admins give their e-mail; users their line number (+33…, 33…, 0…)."""
    text = (raw or "").strip()
    if not text or len(text) > 254 or "\x00" in text:  # NUL: no login has one (and PostgreSQL refuses it)
        return None
    if "@" in text:
        return s.scalar(select(Login).where(Login.login == text.lower(), Login.role == "admin"))
    try:
        e164 = normalize(text, region, lenient=True)
    except NumberError:
        return None
    return s.scalar(select(Login).where(Login.login == e164, Login.role == "user"))


def tenant_id() -> int:
    return current_user.tenant_id


def tenant() -> Tenant:
    return db().tenant(current_user.tenant_id)


def own_lines(p: Principal) -> list[Line]:
    return line_lookup.own_lines(db().session, p)


def role_required(role: str) -> Callable:
    """Views of one role: anonymous → the login page, other role → 403."""

    def deco(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if role != "any" and current_user.role != role:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return deco


admin_required = role_required("admin")
user_required = role_required("user")
login_required = role_required("any")
