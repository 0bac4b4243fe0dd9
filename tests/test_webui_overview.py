"""Health endpoint, home redirects, and no secret on the admin's pages."""

from __future__ import annotations

from sqlalchemy import select
from webui_helpers import ADMIN, PIERRE, load_demo, logged_in, make_app

from orchestrator.db.models import Line


def test_health_and_home(rt):
    load_demo(rt)
    app = make_app(rt)
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}
    assert client.get("/").location == "/login"
    admin = logged_in(app, ADMIN)
    assert admin.get("/").location == "/services/"
    page = admin.get("/services/").get_data(as_text=True)
    assert "Bauer SA" in page and "4 / 8" in page
    assert "James Bond" in page and "Fax Commandes" in page and "SAV" in page
    assert logged_in(app, PIERRE).get("/").location == "/me/"


def test_no_secret_on_the_pages(rt):
    load_demo(rt)
    app = make_app(rt)
    admin = logged_in(app, ADMIN)
    pages = [admin.get(f"/services/lines/{i}").get_data(as_text=True) for i in range(1, 5)]
    pages.append(admin.get("/services/").get_data(as_text=True))
    with rt.context() as ctx:
        for line in ctx.session.scalars(select(Line)):
            for page in pages:
                assert line.sip_password not in page
                if line.vm_pin:
                    assert f'value="{line.vm_pin}"' not in page
