"""Answers for requests the application cannot serve (issue 15):

* a NUL character in any query argument, form field or JSON string: no
  field of the platform accepts one (the service layer refuses it too,
  :func:`orchestrator.services.base.has_nul`); refused before any view, so
  it never reaches the database (PostgreSQL refuses NUL with an error);
* the database cannot be reached: a 503 page, or the API's JSON error with
  the stable id ``db.unavailable``, instead of a bare 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, g, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError

from orchestrator.db.availability import is_unavailable, public_url
from orchestrator.services.base import has_nul

from .security import login_manager

log = logging.getLogger(__name__)

Answer = Callable[[], ResponseReturnValue]


def nul_in_request() -> bool:
    if has_nul(list(request.args.values())) or has_nul(list(request.args.keys())):
        return True
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return has_nul(list(request.form.keys())) or any(has_nul(v) for v in request.form.lists())
    if request.is_json:
        return has_nul(request.get_json(silent=True))
    return False


def init_app(app: Flask, refuse_nul: Answer, database_down: Answer) -> None:
    rt = app.extensions["runtime"]

    @app.before_request
    def _refuse_nul() -> ResponseReturnValue | None:
        return refuse_nul() if nul_in_request() else None

    def _database_error(exc: DBAPIError) -> ResponseReturnValue:
        if not is_unavailable(rt.engine, exc):
            raise exc
        log.warning("database unavailable", extra={"event": "db.unavailable", "path": request.path,
                                                   "database": public_url(rt.settings.effective_database_url),
                                                   "error": " ".join(str(exc.orig).split())[:200]})
        g._login_user = login_manager.anonymous_user()  # no second lookup of the session's user
        return database_down()

    app.register_error_handler(DBAPIError, _database_error)
