"""API tokens (P-9): created for a login, shown once, stored as a SHA-256.

A token reads ``ctk_<prefix>_<secret>``: the prefix finds the row, the hash
of the whole token is compared in constant time. Tokens are random (256
bits), so a fast hash is enough; the clear token is never stored or logged.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.errors import Errors

from ..db import utcnow
from ..db.models import ApiToken, Login
from . import validation as v
from .base import found
from .context import ServiceContext

_FORMAT = re.compile(r"^ctk_([0-9a-f]{12})_[A-Za-z0-9_-]{20,100}$")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(ctx: ServiceContext, login: Login, name: str) -> tuple[ApiToken, str]:
    """A new token for ``login``; returns the row and the clear token (shown once)."""
    errors = Errors()
    name = (name or "").strip()
    if not name:
        errors.add("field.required", "name", "give the token a name (what uses it)")
    elif len(name) > 80:
        errors.add("field.too_long", "name", "80 characters at most")
    v.single_line_text(errors, "name", name)
    errors.raise_if_any()
    prefix = secrets.token_hex(6)
    token = f"ctk_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiToken(tenant_id=login.tenant_id, login_id=login.id, name=name, prefix=prefix, token_hash=_digest(token))
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit(login.tenant_id, "create", "api_token", f"{login.login}/{name}", prefix=prefix)
    return row, token


def verify(session: Session, token: str) -> ApiToken | None:
    """The token's row when ``token`` is valid, else None (records its use)."""
    m = _FORMAT.match(token or "")
    if not m:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.prefix == m.group(1)))
    if row is None or not hmac.compare_digest(row.token_hash, _digest(token)):
        return None
    row.last_used_at = utcnow()
    return row


def for_tenant(session: Session, tenant_id: int) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.tenant_id == tenant_id).order_by(ApiToken.id)))


def token(session: Session, tenant_id: int, token_id: int) -> ApiToken:
    """A token of this tenant (another tenant's is NotFound ``token.not_found``)."""
    row = session.get(ApiToken, token_id)
    return found(row if row is not None and row.tenant_id == tenant_id else None, "token.not_found",
                 f"no token {token_id}", "token")


def revoke(ctx: ServiceContext, token: ApiToken) -> None:
    ctx.audit(token.tenant_id, "delete", "api_token", token.name, prefix=token.prefix)
    ctx.session.delete(token)
