"""Helpers for the web UI tests: the demo tenant, a second tenant, and a
test client that sends the CSRF token like a browser's form would."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from helpers import make_line, make_tenant
from sqlalchemy import select

from orchestrator.cli.demo_cmds import demo_yaml
from orchestrator.db.models import Contact, Line, Login, ReceptionNumber
from orchestrator.services import apitokens
from orchestrator.services.logins import service as logins
from orchestrator.services.logins.schema import LoginDoc
from orchestrator.tenantdoc import importer
from webui import create_app

ADMIN = ("admin@bauer.example", "bauer-admin")
PIERRE = ("+33175000101", "pierre")
OTHER_ADMIN = ("boss@zeta.example", "zeta-admin")
OTHER_USER = ("+33298000001", "zeta1")


def load_demo(rt) -> None:
    with rt.context(actor="test") as ctx:
        importer.import_document(ctx, importer.load_yaml(demo_yaml()))


def load_other_tenant(rt) -> None:
    """"Zeta SARL": one line, its admin and its user."""
    with rt.context(actor="test") as ctx:
        tenant = make_tenant(ctx, "Zeta SARL", domain="zeta.centrex.test")
        make_line(ctx, tenant, "+33298000001", "Zoé Zeta", short_number="401")
        logins.create(ctx, tenant, LoginDoc(login=OTHER_ADMIN[0], role="admin", password=OTHER_ADMIN[1]))
        logins.create(ctx, tenant, LoginDoc(login=OTHER_USER[0], role="user", password=OTHER_USER[1]))
        ctx.commit()


def make_app(rt, **config: Any):
    # server-sent event streams end quickly unless a test asks for more
    return create_app(rt, {"APPLY_ON_SAVE": False, "SSE_INTERVAL": 0.02, "SSE_LIFETIME": 0.5, **config})


def csrf(client: FlaskClient) -> str:
    page = client.get("/__no_such_page__").get_data(as_text=True)  # the 404 page is a full page
    m = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert m, "every page carries the CSRF token"
    return m.group(1)


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kw: Any):
    body = {"csrf_token": csrf(client), **(data or {})}
    return client.post(url, data=body, **kw)


def login(client: FlaskClient, who: tuple[str, str]):
    resp = post(client, "/login", {"login": who[0], "password": who[1]})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    return resp


def logged_in(app, who: tuple[str, str]) -> FlaskClient:
    client = app.test_client()
    login(client, who)
    return client


def ids(rt) -> dict[str, int]:
    """Ids of demo objects by a short name."""
    with rt.context() as ctx:
        s = ctx.session
        line = lambda n: s.scalar(select(Line.id).where(Line.number == n))  # noqa: E731
        contact = lambda last: s.scalar(select(Contact.id).where(  # noqa: E731 - a company contact
            Contact.last_name == last, Contact.owner_login_id.is_(None)))
        rec = s.scalar(select(ReceptionNumber).where(ReceptionNumber.number == "+33175000120"))
        return {
            "pierre": line("+33175000101"), "paul": line("+33175000102"), "jacques": line("+33175000103"),
            "bond": line("+33182280007"), "zoe": line("+33298000001"),
            "c_durand": contact("Durand"), "c_fontaine": contact("Fontaine"), "c_martin": contact("Martin"),
            "accueil1": rec.id, "accueil1_default": rec.profiles[0].id, "accueil1_ouverture": rec.profiles[1].id,
            "accueil2": s.scalar(select(ReceptionNumber.id).where(ReceptionNumber.number == "+33974762328")),
        }


def token_for(rt, login_name: str, name: str = "test") -> str:
    with rt.context(actor="test") as ctx:
        row = ctx.session.scalar(select(Login).where(Login.login == login_name))
        _, token = apitokens.create(ctx, row, name)
        ctx.commit()
        return token


def field_error(page: str, field_id: str) -> str | None:
    """The error shown next to the input ``field_id`` (e.g. f-ring_time)."""
    m = re.search(rf'<p class="error" id="{re.escape(field_id)}-error"[^>]*>([^<]*)</p>', page)
    return m.group(1) if m else None


def esl_to(fs):
    """``app.extensions["esl"]``: a connection to a fake FreeSWITCH."""
    from orchestrator.esl import ESLClient

    def connect():
        esl = ESLClient()
        esl.connect(fs.host, fs.port, fs.password)
        return esl

    return connect
