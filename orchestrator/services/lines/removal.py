"""Deleting a line or a fax line (manual §3.2.1.1, §3.4): the number goes
back to the pool, still reserved for the company (N-1: it can be taken
again from « N° réservé »)."""

from __future__ import annotations

from sqlalchemy import select

from ...db.models import FaxLine, Line, Login
from ..context import ServiceContext
from . import service


def user_login(ctx: ServiceContext, line: Line) -> Login | None:
    """The user login of a line (A-2: users log in with their line number)."""
    return ctx.session.scalar(select(Login).where(Login.tenant_id == line.tenant_id, Login.role == "user",
                                                  Login.login == line.number))


def remove_line(ctx: ServiceContext, line: Line) -> None:
    """Delete ``line``; its user login (named after its number) goes with it,
    and so do the device ports, keys and hunt-group places that held it."""
    login = user_login(ctx, line)
    if login is not None:
        ctx.audit(line.tenant_id, "delete", "login", login.login, reason="line deleted")
        ctx.session.delete(login)
    service.delete(ctx, line)
    ctx.session.flush()
    ctx.session.expire_all()  # rows the database removed in cascade


def remove_fax(ctx: ServiceContext, fax: FaxLine) -> None:
    service.delete_fax(ctx, fax)
    ctx.session.flush()
