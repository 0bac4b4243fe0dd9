"""Flask application factory.

So far: a read-only operator overview (tenants, their lines and routing
objects, their configuration revision) and a health endpoint. The admin and
user spaces with login come with the web UI issue; until then the app binds
to 127.0.0.1 and shows no secret.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, jsonify, render_template
from sqlalchemy import func, select, text

from orchestrator.db.models import FaxLine, Line, ReceptionNumber, SpecialNumber, Tenant
from orchestrator.runtime import Runtime


def create_app(runtime: Runtime | None = None, config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(config or {})
    rt = runtime or Runtime.from_environment()
    app.extensions["runtime"] = rt
    from .xmlcurl import bp as xmlcurl_bp

    app.register_blueprint(xmlcurl_bp)

    @app.get("/healthz")
    def healthz():
        try:
            with rt.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001
            return jsonify(status="error", database=str(exc.__class__.__name__)), 503
        return jsonify(status="ok", database="ok")

    @app.get("/")
    def overview():
        with rt.context() as ctx:
            s = ctx.session
            count = lambda model, tid: s.scalar(select(func.count()).select_from(model).where(model.tenant_id == tid))  # noqa: E731
            rows = [dict(name=t.name, domain=t.sip_domain, revision=t.revision, lines=count(Line, t.id),
                         line_limit=t.line_limit, fax=count(FaxLine, t.id), reception=count(ReceptionNumber, t.id),
                         special=count(SpecialNumber, t.id))
                    for t in s.scalars(select(Tenant).order_by(Tenant.name))]
        return render_template("overview.html", tenants=rows)

    @app.get("/tenants/<name>")
    def tenant(name: str):
        with rt.context() as ctx:
            t = ctx.session.scalar(select(Tenant).where(Tenant.name == name))
            if t is None:
                abort(404)
            lines = ctx.session.scalars(select(Line).where(Line.tenant_id == t.id).order_by(Line.number)).all()
            recs = ctx.session.scalars(select(ReceptionNumber).where(ReceptionNumber.tenant_id == t.id)
                                       .order_by(ReceptionNumber.number)).all()
            specials = ctx.session.scalars(select(SpecialNumber).where(SpecialNumber.tenant_id == t.id)
                                           .order_by(SpecialNumber.number)).all()
            return render_template("tenant.html", tenant=t, lines=lines, receptions=recs, specials=specials)

    return app
