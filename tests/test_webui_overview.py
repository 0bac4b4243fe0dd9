"""The read-only overview served by ``make run`` (Flask test client)."""

from __future__ import annotations

from orchestrator.cli.demo_cmds import demo_yaml
from orchestrator.tenantdoc import importer
from webui import create_app


def test_overview_and_health(rt):
    with rt.context() as ctx:
        importer.import_document(ctx, importer.load_yaml(demo_yaml()))
    client = create_app(rt).test_client()
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}
    page = client.get("/").get_data(as_text=True)
    assert "Bauer SA" in page and "4 / 8" in page
    detail = client.get("/tenants/Bauer%20SA").get_data(as_text=True)
    assert "Accueil 1" in detail and "James Bond" in detail and "SAV" in detail
    # no secret on the page
    with rt.context() as ctx:
        from sqlalchemy import select
        from orchestrator.db.models import Line
        for password in ctx.session.scalars(select(Line.sip_password)):
            assert password not in detail
    assert client.get("/tenants/Nobody").status_code == 404
