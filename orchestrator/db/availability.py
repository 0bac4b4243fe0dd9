"""Telling "the database is down" from other database errors, and saying
so in one sentence a person can act on (issue 15: no traceback in the
CLI, a 503 page in the web UI, a JSON 503 in the API)."""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from ..domain.errors import ServiceError


class DatabaseUnavailable(ServiceError):
    error_id = "db.unavailable"


def public_url(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    try:
        u = make_url(url)
        bare = URL.create(u.drivername, u.username or None, None, u.host, u.port, u.database, u.query)
        return bare.render_as_string(hide_password=False)
    except Exception:  # noqa: BLE001 - not a URL SQLAlchemy parses: say no more than its scheme
        return url.split("://", 1)[0] + "://…"


def is_unavailable(engine: Engine, exc: BaseException) -> bool:
    """``exc`` came from a database that cannot be reached (checked by
    connecting again), not from a query that failed on a working one."""
    if not isinstance(exc, (OperationalError, DBAPIError)):
        return False
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, DBAPIError):
        return True
    return False


def unavailable(url: str, exc: BaseException) -> DatabaseUnavailable:
    """The error to report: which database, and why, without its password."""
    orig = getattr(exc, "orig", None) or exc
    reason = " ".join(str(orig).split())[:200] or orig.__class__.__name__
    return DatabaseUnavailable(f"the database {public_url(url)} is unavailable ({reason}); check that its server "
                               "runs and that database_url (DATABASE_URL) points at it")
