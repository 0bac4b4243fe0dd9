"""Flask application factory: the admin space ("Mes services", "Mon
annuaire", "Mon standard", "Mes infos"), the user space ("Ma ligne"), the
JSON API under ``/api/v1``, the mod_xml_curl endpoint and ``/healthz``.

Every save goes through the service layer and triggers an apply (an RQ job
with Redis, inline without); pages show whether the change is live.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from orchestrator.apply.jobs import notifier_for
from orchestrator.config import platform_from_settings
from orchestrator.domain.errors import NotFound
from orchestrator.runtime import Runtime

from . import (
    account,
    api,
    audio,
    auth,
    devices,
    directory,
    lines,
    reception,
    special,
    user_calls,
    user_directory,
    user_line,
    user_voicemail,
)
from .auth.limiting import Devices, limits_for
from .common import applystatus, guards, i18n, uow, vmcounters, xmlcurl
from .common.security import login_manager

csrf = CSRFProtect()
# The areas of the web UI (each a package with its blueprint, pages and forms).
AREAS = (auth, account, lines, devices, directory, reception, special, audio, user_line, user_directory, user_calls,
         user_voicemail)


class RowIdConverter(IntegerConverter):
    """``<int:...>`` in every route: ids of database rows (``INTEGER``
    columns, 32-bit in PostgreSQL); a larger number is no row (404), not a
    database error."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _secret_key(rt: Runtime) -> str:
    """``secret_key`` from the settings, else one kept in ``var_dir`` (0600)."""
    if rt.settings.secret_key:
        return rt.settings.secret_key
    path = Path(rt.settings.var_dir) / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key


def create_app(runtime: Runtime | None = None, config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.url_map.converters["int"] = RowIdConverter
    rt = runtime or Runtime.from_environment()
    platform_from_settings(rt.settings)  # refuses unsafe [freeswitch] settings at start (xml_curl, no credentials)
    app.config.update(
        SESSION_COOKIE_NAME="centrex_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=True,  # `orchestrator web` on plain-HTTP loopback turns it off
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=True,
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        APPLY_ON_SAVE=True,
        LOGIN_FAILURES=5,  # per account and client (see webui.auth.limiting)
        LOGIN_WINDOW=300,
        LOGIN_ADDRESS_FAILURES=30,  # per client address, every account
        LOGIN_ACCOUNT_FAILURES=20,  # per account, every client without its device cookie
        LOGIN_ACCOUNT_WINDOW=900,
        LOGIN_DEVICE_DAYS=180,
        LOGIN_REDIS_RETRY=5.0,  # seconds between tries while Redis is down
    )
    app.config.update(config or {})
    app.config.setdefault("SECRET_KEY", None)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(rt)
    if app.config["APPLY_ON_SAVE"]:
        rt.notifier = notifier_for(rt, rt.settings.config_file or None)
    app.extensions["runtime"] = rt
    app.extensions["login_limits"] = app.config.get("LOGIN_LIMITS") or limits_for(
        rt.settings.redis_url, rt.settings.redis_prefix, app.config)
    app.extensions["login_devices"] = Devices(app.config["SECRET_KEY"], app.config["SESSION_COOKIE_SECURE"],
                                              app.config["LOGIN_DEVICE_DAYS"] * 86400)
    if rt.settings.proxy_hops > 0:  # X-Forwarded-* are believed only from the configured proxies
        hops = rt.settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    _register(app)
    _handlers(app, rt)
    return app


def _register(app: Flask) -> None:
    """Every area's blueprint once (``lines`` and ``me`` serve two areas each)."""
    blueprints: list[Blueprint] = []
    for area in AREAS:
        if all(area.bp is not bp for bp in blueprints):
            blueprints.append(area.bp)
    for bp in blueprints:
        app.register_blueprint(bp)
    app.register_blueprint(applystatus.bp)
    app.register_blueprint(vmcounters.bp)
    csrf.exempt(xmlcurl.bp)  # FreeSWITCH posts there, authenticated by its own rule
    csrf.exempt(api.bp)  # bearer tokens, never cookies
    app.register_blueprint(xmlcurl.bp)
    app.register_blueprint(api.bp)


def _handlers(app: Flask, rt: Runtime) -> None:
    @app.get("/healthz")
    def healthz():
        try:
            with rt.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001
            return jsonify(status="error", database=str(exc.__class__.__name__)), 503
        return jsonify(status="ok", database="ok")

    @app.get("/")
    def home():
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        if current_user.is_admin:
            return redirect(url_for("lines.index"))
        return redirect(url_for("me.index"))

    @app.after_request
    def headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
        if current_user and getattr(current_user, "is_authenticated", False):
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    def page(code: int, title: str, message: str, error_id: str = "", api_code: int = 0):
        if request.path.startswith("/api/"):
            return jsonify(errors=[{"id": error_id or f"http.{code}", "field": "", "message": message}]), \
                api_code or code
        return render_template("error.html", code=code, title=title, message=message), code

    def commit_failed() -> Response:
        return app.make_response(page(500, _("Not saved"), _("The change could not be saved. Try again.")))

    guards.init_app(
        app,
        refuse_nul=lambda: page(400, _("Invalid characters"),
                                _("The request contains a NUL character (\\x00): no field accepts it."),
                                "text.nul", api_code=422),
        database_down=lambda: page(503, _("Database unavailable"),
                                   _("The database cannot be reached. Try again in a few minutes; if it lasts, "
                                     "tell the platform's operator."), "db.unavailable"))
    uow.init_app(app, commit_failed)  # after `headers`: runs first, its 500 still gets the headers

    # a service's tenant-scoped getter found nothing (the API's blueprint answers its own 404 JSON first)
    app.register_error_handler(NotFound, lambda e: page(404, _("Not found"), _("This page does not exist.")))
    app.register_error_handler(403, lambda e: page(403, _("Access denied"),
                                                   _("This page is not part of your space.")))
    app.register_error_handler(404, lambda e: page(404, _("Not found"), _("This page does not exist.")))
    app.register_error_handler(405, lambda e: page(405, _("Not allowed"), _("This action is not possible here.")))
    app.register_error_handler(413, lambda e: page(413, _("Too large"), _("The file is too large.")))
    app.register_error_handler(CSRFError, lambda e: page(400, _("Form expired"),
                                                         _("The form expired. Reload the page and try again.")))
