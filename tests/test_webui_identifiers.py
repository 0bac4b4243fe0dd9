"""The contact's « Identifiants » tab (§3.5.1, Figure 31; A-2, D-2): the user
login is a line number in international format; the admin sets a password,
or generates one (shown once) and e-mails it (a real SMTP server: the
sink). Passwords are stored hashed. Pages, API, bad input, isolation."""

from __future__ import annotations

import re
from dataclasses import replace

from smtp_sink import smtp_sink
from sqlalchemy import select
from webui_helpers import (
    ADMIN,
    OTHER_ADMIN,
    PIERRE,
    field_error,
    ids,
    logged_in,
    post,
    token_for,
)

from orchestrator.db.models import AuditEntry, Contact, Login
from orchestrator.services.passwords import verify_password


def admin(app):
    client = logged_in(app, ADMIN)
    client.get("/lang/en")
    return client


def password_ok(rt, login_name, password):
    with rt.context() as ctx:
        row = ctx.session.scalar(select(Login).where(Login.login == login_name))
        return verify_password(password, row.password_hash)


def can_log_in(app, login_name, password) -> bool:
    return post(app.test_client(), "/login", {"login": login_name, "password": password}).status_code == 302


def test_identifiers_tab_shows_the_login_and_sets_a_typed_password(rt, app):
    ident = ids(rt)
    client = admin(app)
    url = f"/directory/contacts/{ident['c_durand']}"
    page = client.get(url).get_data(as_text=True)
    assert '<strong id="user-login">+33175000101</strong>' in page and 'id="identifiers-form"' in page
    resp = post(client, f"{url}/credentials", {"password": "9876"})
    assert resp.status_code == 302 and resp.location.endswith("#identifiers")
    page = client.get(resp.location).get_data(as_text=True)
    assert "The password of +33175000101 has been saved." in page and "9876" not in page
    assert password_ok(rt, "+33175000101", "9876") and can_log_in(app, "01 75 00 01 01", "9876")
    with rt.context() as ctx:
        audit = ctx.session.scalars(select(AuditEntry.details).where(AuditEntry.object_type.in_(["login", "contact"])))
        assert not any("9876" in d for d in audit)


def test_generated_password_is_shown_once_and_mailed(rt, app):
    ident = ids(rt)
    client = admin(app)
    url = f"/directory/contacts/{ident['c_durand']}"
    with smtp_sink() as (sink, port):
        rt.settings = replace(rt.settings, smtp_port=port, smtp_from="centrex@bauer.centrex.test")
        resp = post(client, f"{url}/credentials", {"password": "", "generate": "1", "send": "1"})
        assert resp.status_code == 200
        [mail] = sink.wait()
    page = resp.get_data(as_text=True)
    generated = re.search(r'<code class="password">([^<]+)</code>', page).group(1)
    assert len(generated) == 10 and "It has been sent by e-mail to pierre@bauer.example." in page
    assert mail["To"] == "pierre@bauer.example" and "Centrex" in mail["Subject"]
    body = mail.get_content()
    assert "+33175000101" in body and generated in body
    assert password_ok(rt, "+33175000101", generated) and can_log_in(app, "+33175000101", generated)
    assert generated not in client.get(url).get_data(as_text=True)  # never shown again


def test_a_contact_without_login_gets_one_on_its_line(rt, app):
    ident = ids(rt)
    with rt.context() as ctx:  # Paul Martin's line has no login any more
        ctx.session.delete(ctx.session.scalar(select(Login).where(Login.login == "+33175000102")))
        ctx.session.commit()
    client = admin(app)
    url = f"/directory/contacts/{ident['c_martin']}"
    page = client.get(url).get_data(as_text=True)
    assert '<strong id="user-login">+33175000102</strong>' in page and "created when you save the password" in page
    assert post(client, f"{url}/credentials", {"password": "paul"}).status_code == 302
    with rt.context() as ctx:
        row = ctx.session.scalar(select(Login).where(Login.login == "+33175000102"))
        assert row.role == "user" and ctx.session.get(Contact, ident["c_martin"]).login_id == row.id
    assert can_log_in(app, "0175000102", "paul")


def test_bad_input(rt, app):
    ident = ids(rt)
    client = admin(app)
    short = post(client, f"/directory/contacts/{ident['c_durand']}/credentials", {"password": "12"})
    assert short.status_code == 422
    assert field_error(short.get_data(as_text=True), "f-password") == "a user password has at least 4 characters"
    assert 'id="f-generate" name="generate" value="1" checked' not in short.get_data(as_text=True)

    empty = post(client, f"/directory/contacts/{ident['c_durand']}/credentials", {"password": ""})
    assert empty.status_code == 422 and field_error(empty.get_data(as_text=True), "f-password")
    # Jacques Petit has no e-mail address
    with rt.context() as ctx:
        jacques = ctx.session.scalar(select(Contact.id).where(Contact.last_name == "Petit"))
    nomail = post(client, f"/directory/contacts/{jacques}/credentials", {"generate": "1", "send": "1"})
    assert nomail.status_code == 422
    assert field_error(nomail.get_data(as_text=True), "f-send") == \
        "This contact has no e-mail address: add one to its card first."
    assert 'id="f-send" name="send" value="1" checked' in nomail.get_data(as_text=True)  # kept as typed
    # Claire Fontaine has no line: no login to give
    page = client.get(f"/directory/contacts/{ident['c_fontaine']}").get_data(as_text=True)
    assert 'id="no-line"' in page
    noline = post(client, f"/directory/contacts/{ident['c_fontaine']}/credentials", {"password": "abcd"})
    assert noline.status_code == 422 and "This contact has no line" in noline.get_data(as_text=True)
    # in French, a known id has its French sentence
    fr = logged_in(app, ADMIN)
    text = post(fr, f"/directory/contacts/{ident['c_durand']}/credentials", {"password": "12"}).get_data(as_text=True)
    assert field_error(text, "f-password") == "Ce mot de passe est trop court."
    assert password_ok(rt, "+33175000101", "pierre")  # unchanged


def test_a_mail_that_cannot_be_sent_changes_nothing(rt, app):
    ident = ids(rt)
    rt.settings = replace(rt.settings, smtp_port=1)
    client = admin(app)
    resp = post(client, f"/directory/contacts/{ident['c_durand']}/credentials", {"generate": "1", "send": "1"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "The e-mail could not be sent: nothing was changed." in page and 'class="password"' not in page
    assert password_ok(rt, "+33175000101", "pierre")


def test_isolation(rt, app):
    ident = ids(rt)
    other = logged_in(app, OTHER_ADMIN)
    assert post(other, f"/directory/contacts/{ident['c_durand']}/credentials", {"password": "hack"}).status_code == 404
    user = logged_in(app, PIERRE)
    assert post(user, f"/directory/contacts/{ident['c_martin']}/credentials", {"password": "hack"}).status_code == 403
    # a personal entry is not a company contact
    with rt.context() as ctx:
        sophie = ctx.session.scalar(select(Contact.id).where(Contact.first_name == "Sophie"))
    assert post(admin(app), f"/directory/contacts/{sophie}/credentials", {"password": "abcd"}).status_code == 404
    assert password_ok(rt, "+33175000101", "pierre") and password_ok(rt, "+33175000102", "paul1")


def test_api_credentials(rt, app):
    ident = ids(rt)
    api = app.test_client()
    h = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    url = f"/api/v1/directory/contacts/{ident['c_durand']}/credentials"
    got = api.post(url, headers=h, json={"generate": True})
    assert got.status_code == 200
    body = got.get_json()
    assert body["login"] == "+33175000101" and len(body["password"]) == 10 and body["mailed_to"] is None
    assert password_ok(rt, "+33175000101", body["password"])
    typed = api.post(url, headers=h, json={"password": "4321"}).get_json()
    assert typed == {"login": "+33175000101", "password": None, "mailed_to": None}
    bad = api.post(url, headers=h, json={"password": "1"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["id"] == "password.too_short"
    with smtp_sink() as (sink, port):
        rt.settings = replace(rt.settings, smtp_port=port)
        mailed = api.post(url, headers=h, json={"generate": True, "send": True}).get_json()
        [mail] = sink.wait()
    assert mailed["mailed_to"] == "pierre@bauer.example" and mailed["password"] in mail.get_content()
    rt.settings = replace(rt.settings, smtp_port=1)
    failed = api.post(url, headers=h, json={"generate": True, "send": True})
    assert failed.status_code == 422 and failed.get_json()["errors"][0]["id"] == "mail.failed"
    assert password_ok(rt, "+33175000101", mailed["password"])  # rolled back
    other = {"Authorization": f"Bearer {token_for(rt, OTHER_ADMIN[0])}"}
    assert api.post(url, headers=other, json={"password": "hack"}).status_code == 404
    user = {"Authorization": f"Bearer {token_for(rt, PIERRE[0])}"}
    assert api.post(url, headers=user, json={"password": "hack"}).status_code == 403
