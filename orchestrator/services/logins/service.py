"""Logins (A-2): admins by e-mail (password 6+), users by line number (4+)."""

from __future__ import annotations

from typing import overload

from sqlalchemy import select

from orchestrator.domain.errors import Errors

from ...db.models import Line, Login, Tenant
from .. import validation as v
from ..base import collecting
from ..context import ServiceContext
from ..inventory import parse
from ..passwords import hash_password, is_password_hash
from .schema import LoginDoc

MIN_PASSWORD = {"admin": 6, "user": 4}


def canonical_login(ctx: ServiceContext, errors: Errors, doc: LoginDoc) -> str | None:
    if doc.role == "admin":
        v.email(errors, "login", doc.login, required=True)
        return doc.login.lower()
    return parse(errors, "login", doc.login, ctx.settings.default_region)


@overload
def create(ctx: ServiceContext, tenant: Tenant, doc: LoginDoc, errors: None = None) -> Login: ...
@overload
def create(ctx: ServiceContext, tenant: Tenant, doc: LoginDoc, errors: Errors) -> Login | None: ...
def create(ctx: ServiceContext, tenant: Tenant, doc: LoginDoc, errors: Errors | None = None) -> Login | None:
    """None only with ``errors`` to collect into; without, invalid input raises ValidationFailed."""
    with collecting(errors) as step:
        errs = step.errors
        login = canonical_login(ctx, errs, doc)
        if (doc.password is None) == (doc.password_hash is None):
            errs.add("password.choice", "password", "give either password (clear, will be hashed) or password_hash")
        elif doc.password is not None and len(doc.password) < MIN_PASSWORD[doc.role]:
            errs.add("password.too_short", "password",
                     f"an {doc.role} password has at least {MIN_PASSWORD[doc.role]} characters")
        elif doc.password_hash is not None and not is_password_hash(doc.password_hash):
            errs.add("password.bad_hash", "password_hash", "not a password hash exported by this platform")
        if login and doc.role == "user":
            owner = ctx.session.scalar(select(Line.tenant_id).where(Line.number == login))
            if owner != tenant.id:
                errs.add("login.unknown_line", "login",
                         f"{login} is not a line of this company: users log in with their line number")
        if login and ctx.session.scalar(select(Login).where(Login.login == login)):
            errs.add("login.taken", "login", f"the login {login} already exists")
        if step.failed or login is None:
            return None
        # the ignore below: password is set when password_hash is not (checked above)
        password_hash = doc.password_hash or hash_password(doc.password)  # type: ignore[arg-type]
        row = Login(tenant_id=tenant.id, role=doc.role, login=login, password_hash=password_hash)
        ctx.session.add(row)
        ctx.session.flush()
        ctx.audit(tenant.id, "create", "login", login, role=doc.role)
        return row


def set_password(ctx: ServiceContext, login: Login, password: str) -> None:
    errs = Errors()
    if len(password) < MIN_PASSWORD[login.role]:
        errs.add("password.too_short", "password",
                 f"an {login.role} password has at least {MIN_PASSWORD[login.role]} characters")
    errs.raise_if_any()
    login.password_hash = hash_password(password)
    end_sessions(login)
    ctx.audit(login.tenant_id, "update", "login", login.login, password="changed")


def end_sessions(login: Login) -> None:
    """Revoke every web session of ``login`` (logout, password change or
    reset): each carries the version it was opened with, and is refused
    once it differs (see webui.common.security)."""
    login.session_version = (login.session_version + 1) % 2**31


def to_doc(login: Login) -> LoginDoc:
    # the ignore below: role: a str column holding the schema's Literal values
    return LoginDoc(login=login.login, role=login.role, password_hash=login.password_hash)  # type: ignore[arg-type]
