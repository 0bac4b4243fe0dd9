"""« Mon annuaire » in the user space (§3.5, §4.2; D-1, D-5): the company
directory and the user's personal contacts (add, change, delete; seen only
by that user, never by the admins), each number with « Appeler »
(click-to-call) and « SMS ». Pages, API, bad input, isolation."""

from __future__ import annotations

import re

import pytest
from fake_freeswitch.server import FakeFreeSWITCH
from sqlalchemy import select
from webui_helpers import (
    ADMIN,
    PIERRE,
    esl_to,
    field_error,
    ids,
    load_demo,
    load_other_tenant,
    logged_in,
    make_app,
    post,
    token_for,
)

from orchestrator.db.models import ClickToCall, Contact, Login

PAUL = ("+33175000102", "paul1")
FORM = {"first_name": "Léa", "last_name": "Roux", "email": "", "company": "", "function": "", "address": "",
        "postal_code": "", "city": "", "country": "", "number_rows": "2",
        "numbers[0].kind": "mobile", "numbers[0].number": "06 11 22 33 55",
        "numbers[1].kind": "work", "numbers[1].number": ""}


@pytest.fixture
def app(rt):
    load_demo(rt)
    load_other_tenant(rt)
    with FakeFreeSWITCH(password="ClueCon") as fs:
        fs.set_api_response("chat", "Sent")
        application = make_app(rt)
        application.extensions["esl"] = esl_to(fs)
        application.extensions["fake_fs"] = fs
        yield application


def user(app, who=PIERRE):
    client = logged_in(app, who)
    client.get("/lang/en")
    return client


def sophie(rt) -> int:
    with rt.context() as ctx:
        return ctx.session.scalar(select(Contact.id).where(Contact.first_name == "Sophie"))


def personal_names(rt, login_name):
    with rt.context() as ctx:
        owner = ctx.session.scalar(select(Login).where(Login.login == login_name))
        personal = select(Contact).where(Contact.owner_login_id == owner.id)
        return sorted(c.last_name for c in ctx.session.scalars(personal))


def test_my_directory_shows_the_company_and_my_contacts_with_call_and_sms(rt, app):
    page = user(app).get("/me/directory").get_data(as_text=True)
    assert "Claire Fontaine" in page and "01 40 00 00 00" in page
    personal = page.split('id="personal-directory"')[1].split("</section>")[0]
    assert "Sophie Durand" in personal and f"/me/contacts/{sophie(rt)}" in personal
    # every number has « Appeler » (a click-to-call from my line) and « SMS »
    calls = re.findall(r'<input type="hidden" name="line" value="([^"]+)">'
                       r'<input type="hidden" name="target" value="([^"]+)">', page)
    assert ("+33175000101", "+33611223344") in calls and ("+33175000101", "+33140000000") in calls
    assert ("+33175000101", "+33175000102") in calls  # Paul's line
    assert page.count('class="button small light sms"') == len(calls)
    sms = user(app).get("/me/directory?sms=%2B33611223344").get_data(as_text=True)
    assert 'id="sms-to" name="to" required inputmode="tel" value="0611223344"' in sms
    # Paul does not see Pierre's personal contacts
    assert "Sophie" not in user(app, PAUL).get("/me/directory").get_data(as_text=True)


def test_call_from_the_directory(rt, app):
    client = user(app)
    resp = post(client, "/me/calls/click", {"line": "+33175000101", "target": "+33611223344"})
    assert resp.status_code == 302 and "c2c=" in resp.location
    assert app.extensions["fake_fs"].wait_for_command(lambda c: c.startswith("bgapi originate"))
    with rt.context() as ctx:
        assert ctx.session.scalar(select(ClickToCall.target)) == "+33611223344"


def test_add_edit_and_delete_a_personal_contact(rt, app):
    client = user(app)
    assert 'id="personal-form"' in client.get("/me/contacts/new").get_data(as_text=True)
    resp = post(client, "/me/contacts/new", FORM)
    assert resp.status_code == 302 and resp.location.endswith("/me/directory")
    page = client.get(resp.location).get_data(as_text=True)
    assert "The contact has been saved." in page and "Léa Roux" in page.split('id="personal-directory"')[1]
    assert personal_names(rt, "+33175000101") == ["Durand", "Roux"]
    with rt.context() as ctx:
        lea = ctx.session.scalar(select(Contact).where(Contact.last_name == "Roux"))
        assert (lea.list_id, [n.number for n in lea.numbers]) == (None, ["+33611223355"])
        lea_id = lea.id
    # not in the company directory, for anyone
    admin = logged_in(app, ADMIN)
    assert "Roux" not in admin.get("/directory/").get_data(as_text=True)
    assert admin.get(f"/directory/contacts/{lea_id}").status_code == 404
    assert "Roux" not in user(app, PAUL).get("/me/directory").get_data(as_text=True)
    page = client.get(f"/me/contacts/{lea_id}").get_data(as_text=True)
    assert 'value="0611223355"' in page and 'id="delete-personal"' in page
    resp = post(client, f"/me/contacts/{lea_id}", {**FORM, "last_name": "Roux-Martin", "city": "Lyon"})
    assert resp.status_code == 302
    with rt.context() as ctx:
        lea = ctx.session.get(Contact, lea_id)
        assert (lea.last_name, lea.city) == ("Roux-Martin", "Lyon")
    assert post(client, f"/me/contacts/{lea_id}/delete").status_code == 302
    assert personal_names(rt, "+33175000101") == ["Durand"]


def test_bad_input_keeps_the_form(rt, app):
    client = user(app)
    resp = post(client, "/me/contacts/new", {**FORM, "first_name": ""})
    assert resp.status_code == 422 and field_error(resp.get_data(as_text=True), "f-first_name") is not None
    resp = post(client, "/me/contacts/new", {**FORM, "email": "lea@", "numbers[1].number": "12"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert field_error(page, "f-email") is not None and field_error(page, "f-numbers-1-number") is not None
    assert 'value="lea@"' in page and 'value="Roux"' in page and 'value="12"' in page
    fr = logged_in(app, PIERRE)
    text = post(fr, "/me/contacts/new", {**FORM, "email": "lea@"}).get_data(as_text=True)
    assert field_error(text, "f-email") == "Cette adresse e-mail n&#39;est pas valide."
    bad_edit = post(client, f"/me/contacts/{sophie(rt)}", {**FORM, "last_name": ""})
    assert bad_edit.status_code == 422
    assert personal_names(rt, "+33175000101") == ["Durand"]


def test_isolation(rt, app):
    ident = ids(rt)
    sid = sophie(rt)
    paul = user(app, PAUL)
    assert paul.get(f"/me/contacts/{sid}").status_code == 404
    assert post(paul, f"/me/contacts/{sid}", FORM).status_code == 404
    assert post(paul, f"/me/contacts/{sid}/delete").status_code == 404
    pierre = user(app)
    assert pierre.get(f"/me/contacts/{ident['c_martin']}").status_code == 404  # a company contact
    admin = logged_in(app, ADMIN)
    assert admin.get(f"/me/contacts/{sid}").status_code == 403
    # an admin acting as Pierre does not see his personal contacts either
    post(admin, f"/directory/contacts/{ident['c_durand']}/login-as")
    page = admin.get("/me/directory").get_data(as_text=True)
    assert "Claire Fontaine" in page and "Sophie" not in page
    assert admin.get(f"/me/contacts/{sid}").status_code == 403
    assert post(admin, "/me/contacts/new", FORM).status_code == 403
    assert personal_names(rt, "+33175000101") == ["Durand"]


def test_api_personal_contacts(rt, app):
    api = app.test_client()
    pierre = {"Authorization": f"Bearer {token_for(rt, PIERRE[0])}"}
    mine = api.get("/api/v1/me/contacts", headers=pierre).get_json()
    assert [(c["first_name"], c["numbers"][0]["number"]) for c in mine] == [("Sophie", "+33611223344")]
    made = api.post("/api/v1/me/contacts", headers=pierre, json={
        "first_name": "Léa", "last_name": "Roux", "numbers": [{"kind": "mobile", "number": "0611223355"}]})
    assert made.status_code == 201
    lea = made.get_json()["id"]
    bad = api.post("/api/v1/me/contacts", headers=pierre, json={
        "first_name": "X", "last_name": "Y", "lines": ["+33175000103"],
        "numbers": [{"number": "0140000009", "short_number": "399"}]})
    assert bad.status_code == 422
    assert {(e["field"], e["id"]) for e in bad.get_json()["errors"]} >= {
        ("lines", "field.not_allowed"), ("numbers[0].short_number", "short_number.personal")}
    put = api.put(f"/api/v1/me/contacts/{lea}", headers=pierre, json={"first_name": "Léa", "last_name": "Roux",
                                                                       "city": "Lyon"})
    assert put.status_code == 200 and (put.get_json()["city"], put.get_json()["numbers"]) == ("Lyon", [])
    paul = {"Authorization": f"Bearer {token_for(rt, PAUL[0])}"}
    assert api.get("/api/v1/me/contacts", headers=paul).get_json() == []
    assert api.get(f"/api/v1/me/contacts/{lea}", headers=paul).status_code == 404
    assert api.delete(f"/api/v1/me/contacts/{lea}", headers=paul).status_code == 404
    admin = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    assert api.get("/api/v1/me/contacts", headers=admin).status_code == 403
    assert api.get(f"/api/v1/directory/contacts/{lea}", headers=admin).status_code == 404
    assert api.delete(f"/api/v1/me/contacts/{lea}", headers=pierre).status_code == 204
    assert api.get(f"/api/v1/me/contacts/{lea}", headers=pierre).status_code == 404
