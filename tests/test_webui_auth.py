"""Logging in and out, roles, CSRF, cookies, rate limit, acting as a user,
password change (A-2, A-3, P-13)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from webui_helpers import ADMIN, PIERRE, csrf, ids, load_demo, logged_in, login, make_app, post

from orchestrator.db.models import AuditEntry, Login
from orchestrator.services.passwords import verify_password
from webui.auth.limiting import LoginLimits
from webui.common.ratelimit import MemoryLimiter, RedisLimiter


@pytest.fixture
def app(rt):
    load_demo(rt)
    return make_app(rt)


def test_anonymous_is_sent_to_login_and_admin_logs_in_by_email(app):
    client = app.test_client()
    assert client.get("/").location.endswith("/login")
    resp = client.get("/services/")
    assert resp.status_code == 302 and "/login?next=" in resp.location
    resp = post(client, "/login?next=/reception/", {"login": "Admin@Bauer.example", "password": ADMIN[1]})
    assert resp.status_code == 302 and resp.location == "/reception/"
    page = client.get("/reception/").get_data(as_text=True)
    assert "Accueil 1" in page and "Mon standard" in page


@pytest.mark.parametrize("given", ["+33175000101", "33175000101", "0175000101", "01 75 00 01 01"])
def test_user_logs_in_with_the_line_number_in_any_format(app, given):
    client = app.test_client()
    resp = post(client, "/login", {"login": given, "password": PIERRE[1]})
    assert resp.status_code == 302
    page = client.get(client.get("/").location, follow_redirects=True).get_data(as_text=True)
    assert "Ma ligne" in page and "01 75 00 01 01" in page
    assert client.get("/services/").status_code == 403  # not an admin


def test_wrong_password_and_unknown_login_look_the_same(app):
    client = app.test_client()
    a = post(client, "/login", {"login": ADMIN[0], "password": "nope"})
    b = post(client, "/login", {"login": "nobody@x.example", "password": "nope"})
    assert a.status_code == b.status_code == 401
    assert "Login ou mot de passe incorrect" in a.get_data(as_text=True)
    assert a.get_data(as_text=True).replace(ADMIN[0], "X") .count("incorrect") == \
        b.get_data(as_text=True).replace("nobody@x.example", "X").count("incorrect")


def test_next_cannot_leave_the_site(app):
    client = app.test_client()
    resp = post(client, "/login?next=//evil.example/x", {"login": ADMIN[0], "password": ADMIN[1]})
    assert resp.location == "/"


def test_login_is_rate_limited_per_address_and_login(rt):
    load_demo(rt)
    now = [1000.0]
    clock = lambda: now[0]  # noqa: E731
    limits = LoginLimits(MemoryLimiter(5, 300, clock), MemoryLimiter(30, 300, clock), MemoryLimiter(20, 900, clock))
    app = make_app(rt, LOGIN_LIMITS=limits)
    client = app.test_client()
    for _ in range(5):
        assert post(client, "/login", {"login": ADMIN[0], "password": "bad"}).status_code == 401
    blocked = post(client, "/login", {"login": ADMIN[0], "password": ADMIN[1]})
    assert blocked.status_code == 429 and "Trop de tentatives" in blocked.get_data(as_text=True)
    # another login from the same address is not blocked
    assert post(client, "/login", {"login": PIERRE[0], "password": PIERRE[1]}).status_code == 302
    now[0] += 301
    assert post(app.test_client(), "/login", {"login": ADMIN[0], "password": ADMIN[1]}).status_code == 302


def test_redis_limiter_counts_in_redis(redis_conn):
    conn, prefix = redis_conn
    limiter = RedisLimiter(conn, prefix, limit=3, window=60)
    key = "192.0.2.1|admin@x.example"
    for _ in range(3):
        assert limiter.blocked(key) == 0
        limiter.failed(key)
    assert 0 < limiter.blocked(key) <= 60
    assert limiter.blocked("192.0.2.1|other") == 0
    limiter.reset(key)
    assert limiter.blocked(key) == 0


def test_forms_need_the_csrf_token(app):
    client = app.test_client()
    resp = client.post("/login", data={"login": ADMIN[0], "password": ADMIN[1]})
    assert resp.status_code == 400 and "expiré" in resp.get_data(as_text=True)
    login(client, ADMIN)
    line = client.post("/services/lines/1", data={"label": "X"})
    assert line.status_code == 400


def test_session_cookie_is_secure_httponly_samesite_and_renewed_at_login(app):
    client = app.test_client()
    client.get("/login")
    before = client.get_cookie("centrex_session")
    resp = post(client, "/login", {"login": ADMIN[0], "password": ADMIN[1]})
    header = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("centrex_session="))
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    assert before is None or client.get_cookie("centrex_session").value != before.value
    page = client.get("/services/")
    assert page.headers["X-Frame-Options"] == "DENY" and "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"


def test_logout(app):
    client = logged_in(app, ADMIN)
    assert client.get("/services/").status_code == 200
    assert post(client, "/logout").status_code == 302
    assert client.get("/services/").status_code == 302


def test_admin_logs_in_as_a_user_with_banner_audit_and_way_back(rt, app):
    ident = ids(rt)
    client = logged_in(app, ADMIN)
    resp = post(client, f"/directory/contacts/{ident['c_durand']}/login-as")
    assert resp.status_code == 302 and resp.location == "/me/"
    page = client.get("/me/", follow_redirects=True).get_data(as_text=True)
    assert "Vous êtes connecté en utilisateur +33175000101" in page and "admin@bauer.example" in page
    assert "Revenir en mode administrateur" in page
    assert client.get("/services/").status_code == 403  # acting as the user, with the user's rights only
    assert client.get(f"/me/lines/{ident['paul']}").status_code == 404
    assert client.get("/account/password").status_code == 403  # not the user's password
    # a change made while acting as the user is audited with both names
    assert post(client, f"/me/lines/{ident['pierre']}", {"label": "Pierre D", "ring_time": "20",
                                                          "forwards.presented": "caller"}).status_code == 302
    back = post(client, "/impersonate/stop")
    assert back.status_code == 302
    assert client.get("/services/").status_code == 200
    assert "Revenir en mode administrateur" not in client.get("/services/").get_data(as_text=True)
    with rt.context() as ctx:
        rows = ctx.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        actions = [(r.action, r.actor) for r in rows if r.action in ("impersonate", "impersonate_end", "update")]
    assert ("impersonate", "admin@bauer.example") in actions
    assert ("update", "admin@bauer.example as +33175000101") in actions
    assert ("impersonate_end", "admin@bauer.example as +33175000101") in actions


def test_login_as_a_contact_without_login_but_with_a_line(rt, app):
    ident = ids(rt)
    with rt.context() as ctx:  # James Bond's contact loses its login: the line is enough
        from orchestrator.db.models import Contact

        c = ctx.session.scalar(select(Contact).where(Contact.last_name == "Bond"))
        c.login_id = None
        ctx.session.commit()
        bond_contact = c.id
    client = logged_in(app, ADMIN)
    post(client, f"/directory/contacts/{bond_contact}/login-as")
    page = client.get(f"/me/lines/{ident['bond']}").get_data(as_text=True)
    assert "James Bond" in page and "Vous êtes connecté en utilisateur" in page
    # a contact without a line has no user space
    resp = post(client, "/impersonate/stop")
    resp = post(client, f"/directory/contacts/{ident['c_fontaine']}/login-as")
    assert resp.status_code == 302 and "/directory/contacts/" in resp.location


def test_a_user_cannot_log_in_as_someone(rt, app):
    ident = ids(rt)
    client = logged_in(app, PIERRE)
    assert post(client, f"/directory/contacts/{ident['c_martin']}/login-as").status_code == 403
    assert post(client, "/impersonate/stop").status_code == 403


def test_password_change(rt, app):
    client = logged_in(app, PIERRE)
    page = post(client, "/account/password", {"old": "wrong", "new": "abc", "confirm": "abd"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "L&#39;ancien mot de passe n&#39;est pas le bon." in text
    assert "Les deux mots de passe ne sont pas identiques." in text
    short = post(client, "/account/password", {"old": "pierre", "new": "abc", "confirm": "abc"}).get_data(as_text=True)
    assert "Ce mot de passe est trop court." in short
    ok = post(client, "/account/password", {"old": "pierre", "new": "pierre-2", "confirm": "pierre-2"})
    assert ok.status_code == 302
    with rt.context() as ctx:
        row = ctx.session.scalar(select(Login).where(Login.login == PIERRE[0]))
        assert verify_password("pierre-2", row.password_hash)
        audit = ctx.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "login")).all()
        assert all("pierre-2" not in a.details for a in audit)
        assert any(json.loads(a.details).get("password") == "***" for a in audit)
    fresh = app.test_client()
    assert post(fresh, "/login", {"login": PIERRE[0], "password": "pierre-2"}).status_code == 302


def test_language_switch_keeps_french_by_default(app):
    client = app.test_client()
    assert 'lang="fr"' in client.get("/login").get_data(as_text=True)
    client.get("/lang/en")
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page and "My account" in page
    assert client.get("/lang/xx").status_code == 404
    assert csrf(client)
