"""JSON API /api/v1 (P-9): bearer tokens stored hashed, roles, tenant
scoping, the service layer's errors as 422 JSON, the OpenAPI document."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select
from webui_helpers import (
    ADMIN,
    OTHER_ADMIN,
    PIERRE,
    ids,
    logged_in,
    post,
    token_for,
)

from orchestrator.db.models import ApiToken, Contact, Line, ReceptionNumber
from webui.api import ROUTES

HEADER = ("Numéro;Nom;Prénom;Email;Tél. Mobile;N° abrégé;Groupe / Service;Tél. Domicile;Société;Fonction;"
          "Adresse;Code Postal;Ville;Pays\n")


def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin(rt, app):
    return auth(token_for(rt, ADMIN[0]))


@pytest.fixture
def user(rt, app):
    return auth(token_for(rt, PIERRE[0]))


def test_tokens_are_created_in_my_details_shown_once_and_stored_hashed(rt, app):
    client = logged_in(app, ADMIN)
    page = post(client, "/account/tokens", {"name": "CRM"}).get_data(as_text=True)
    token = re.search(r'<code class="token">([^<]+)</code>', page).group(1)
    assert client.get("/account/tokens").get_data(as_text=True).count(token) == 0
    with rt.context() as ctx:
        row = ctx.session.scalar(select(ApiToken))
        assert row.name == "CRM" and token not in (row.token_hash, row.prefix) and len(row.token_hash) == 64
        token_id = row.id
    api = app.test_client()
    assert api.get("/api/v1/me", headers=auth(token)).get_json()["login"] == "admin@bauer.example"
    assert post(client, f"/account/tokens/{token_id}/delete").status_code == 302
    assert api.get("/api/v1/me", headers=auth(token)).status_code == 401
    assert post(client, "/account/tokens", {"name": ""}).status_code == 422


def test_without_a_valid_token_401(app, admin):
    api = app.test_client()
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": admin["Authorization"][:-2] + "xx"},
                    {"Authorization": admin["Authorization"].replace("Bearer", "Basic")}):
        resp = api.get("/api/v1/lines", headers=headers)
        assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer")
        assert resp.get_json()["errors"][0]["id"] == "auth.required"
    # a browser session is not an API credential
    browser = logged_in(app, ADMIN)
    assert browser.get("/api/v1/lines").status_code == 401


def test_admin_reads_and_changes_lines_without_secrets(rt, app, admin):
    api = app.test_client()
    lines = api.get("/api/v1/lines", headers=admin).get_json()
    assert [ln["number"] for ln in lines] == ["+33175000101", "+33175000102", "+33175000103", "+33182280007"]
    with rt.context() as ctx:
        secrets = set(ctx.session.scalars(select(Line.sip_password)))
    body = api.get("/api/v1/lines", headers=admin).get_data(as_text=True)
    assert not any(s in body for s in secrets)
    assert {ln["sip"]["password"] for ln in lines} == {"***"}
    assert [ln["voicemail"]["pin"] for ln in lines] == ["***", "***", None, "***"]
    resp = api.patch("/api/v1/lines/0175000101", headers=admin,
                     json={"ring_time": 30, "forwards": {"no_answer": "0612345678"}, "voicemail": {"mode": "announce"}})
    assert resp.status_code == 200, resp.get_json()
    out = resp.get_json()
    assert (out["ring_time"], out["forwards"]["no_answer"], out["voicemail"]["mode"]) == (
        30, "+33612345678", "announce")
    assert out["forwards"]["presented"] == "caller"  # untouched nested field kept
    assert rt.notifier.calls  # an apply was asked for


def test_validation_errors_are_422_with_ids_and_paths(app, admin):
    api = app.test_client()
    resp = api.patch("/api/v1/lines/+33175000101", headers=admin,
                     json={"ring_time": 99, "forwards": {"unconditional": "+33175000101"}, "backup_number": "abc"})
    assert resp.status_code == 422
    errors = {(e["field"], e["id"]) for e in resp.get_json()["errors"]}
    assert errors == {("ring_time", "ring_time.range"), ("forwards.unconditional", "forward.self"),
                      ("backup_number", "number.invalid")}
    assert all(set(e) == {"id", "field", "message"} for e in resp.get_json()["errors"])
    unknown = api.patch("/api/v1/lines/+33175000101", headers=admin, json={"colour": "red"})
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0] == {
        "id": "field.unknown", "field": "colour", "message": "unknown field (check its spelling against the schema)"}
    assert api.patch("/api/v1/lines/+33175000101", headers=admin, data="x").status_code == 422


def test_user_token_sees_and_changes_only_its_own_line_and_fields(app, user):
    api = app.test_client()
    assert [ln["number"] for ln in api.get("/api/v1/lines", headers=user).get_json()] == ["+33175000101"]
    me = api.get("/api/v1/me", headers=user).get_json()
    assert me == {"login": "+33175000101", "role": "user", "tenant": "Bauer SA", "lines": ["+33175000101"]}
    ok = api.patch("/api/v1/lines/+33175000101", headers=user,
                   json={"forwards": {"unconditional": "0612345678", "presented": "line"}, "clir": True})
    assert ok.status_code == 200 and ok.get_json()["forwards"]["unconditional"] == "+33612345678"
    cleared = api.patch("/api/v1/lines/+33175000101", headers=user, json={"forwards": {"unconditional": None}})
    assert cleared.get_json()["forwards"]["unconditional"] is None
    denied = api.patch("/api/v1/lines/+33175000101", headers=user,
                       json={"short_number": "299", "voicemail": {"pin": "1111"}})
    assert denied.status_code == 422
    assert {e["field"] for e in denied.get_json()["errors"]} == {"short_number", "voicemail"}
    assert api.get("/api/v1/lines/+33175000102", headers=user).status_code == 404
    assert api.patch("/api/v1/lines/+33175000102", headers=user, json={"label": "x"}).status_code == 404
    assert api.get("/api/v1/reception-numbers", headers=user).status_code == 403
    assert api.post("/api/v1/directory/contacts", headers=user, json={}).status_code == 403
    assert api.get("/api/v1/directory", headers=user).status_code == 200


def test_other_tenants_objects_are_not_found(rt, app):
    other = auth(token_for(rt, OTHER_ADMIN[0]))
    api = app.test_client()
    ident = ids(rt)
    assert [ln["number"] for ln in api.get("/api/v1/lines", headers=other).get_json()] == ["+33298000001"]
    assert api.get("/api/v1/lines/+33175000101", headers=other).status_code == 404
    assert api.patch("/api/v1/lines/+33175000101", headers=other, json={"label": "x"}).status_code == 404
    assert api.get(f"/api/v1/directory/contacts/{ident['c_durand']}", headers=other).status_code == 404
    assert api.delete(f"/api/v1/directory/contacts/{ident['c_durand']}", headers=other).status_code == 404
    assert api.get("/api/v1/reception-numbers/+33175000120", headers=other).status_code == 404
    assert api.post("/api/v1/reception-numbers/+33175000120/force", headers=other, json={}).status_code == 404
    assert "Bauer" not in api.get("/api/v1/directory", headers=other).get_data(as_text=True)


def test_directory_contacts_crud(rt, app, admin):
    api = app.test_client()
    with rt.context() as ctx:
        from orchestrator.db.models import DirectoryList

        rh = ctx.session.scalar(select(DirectoryList.id).where(DirectoryList.name == "RH"))
    created = api.post("/api/v1/directory/contacts", headers=admin, json={
        "first_name": "Anne", "last_name": "Lefèvre", "list_id": rh,
        "numbers": [{"kind": "work", "number": "0140000001", "short_number": "310"}]})
    assert created.status_code == 201, created.get_json()
    anne = created.get_json()
    assert anne["list"] == "RH" and anne["numbers"][0]["number"] == "+33140000001"
    taken = api.post("/api/v1/directory/contacts", headers=admin, json={
        "first_name": "B", "last_name": "C", "numbers": [{"number": "0140000002", "short_number": "310"}]})
    assert taken.status_code == 422 and taken.get_json()["errors"][0]["field"] == "numbers[0].short_number"
    put = api.put(f"/api/v1/directory/contacts/{anne['id']}", headers=admin,
                  json={"first_name": "Anne", "last_name": "Lefèvre", "numbers": [], "list_id": None})
    assert put.status_code == 200 and put.get_json()["numbers"] == [] and put.get_json()["list"] is None
    assert api.put(f"/api/v1/directory/contacts/{anne['id']}", headers=admin,
                   json={"first_name": "A", "last_name": "L", "photo": "/etc/passwd"}).status_code == 422
    assert api.delete(f"/api/v1/directory/contacts/{anne['id']}", headers=admin).status_code == 204
    assert api.get(f"/api/v1/directory/contacts/{anne['id']}", headers=admin).status_code == 404
    listed = api.get("/api/v1/directory/contacts", headers=admin).get_json()
    assert {c["last_name"] for c in listed} == {"Durand", "Martin", "Fontaine", "Petit", "Bond", "Client"}


def test_directory_csv_import_and_export(rt, app, admin):
    api = app.test_client()
    exported = api.get("/api/v1/directory/export", headers=admin)
    assert exported.mimetype == "text/csv" and "Fontaine;Claire" in exported.get_data().decode("utf-8-sig")
    bad = api.post("/api/v1/directory/import", headers=admin, data=(HEADER + "abc;X;;;;;;;;;;;;\n").encode())
    assert bad.status_code == 422
    assert [(e["row"], e["column"], e["id"]) for e in bad.get_json()["errors"]] == [
        (2, 1, "number.invalid"), (2, 3, "field.required")]
    good = (HEADER + "33140000001;Lefèvre;Anne;;;;RH;;;;;;;\n").encode()
    dry = api.post("/api/v1/directory/import?dry_run=true", headers=admin, data=good).get_json()
    assert dry["applied"] is False and dry["replaced"]["contacts"] == 6 and dry["new"]["contacts"] == 1
    done = api.post("/api/v1/directory/import", headers=admin, data=good).get_json()
    assert done["applied"] is True
    with rt.context() as ctx:
        company = select(Contact.last_name).where(Contact.owner_login_id.is_(None))
        assert list(ctx.session.scalars(company)) == ["Lefèvre"]


def test_reception_force_hunt_group_and_members(rt, app, admin):
    api = app.test_client()
    rec = api.get("/api/v1/reception-numbers/+33175000120", headers=admin).get_json()
    assert rec["label"] == "Accueil 1" and rec["now"]["active"] in ("Ouverture", "Profil par défaut")
    forced = api.post("/api/v1/reception-numbers/+33175000120/force", headers=admin, json={"profile": "Ouverture"})
    assert forced.get_json()["forced_profile"] == "Ouverture" and forced.get_json()["now"]["active"] == "Ouverture"
    bad = api.post("/api/v1/reception-numbers/+33175000120/force", headers=admin, json={"profile": "Nope"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["id"] == "profile.unknown"
    api.post("/api/v1/reception-numbers/+33175000120/force", headers=admin, json={"profile": None})
    pid = rec["profile_ids"]["Ouverture"]
    url = f"/api/v1/reception-numbers/+33175000120/profiles/{pid}"
    out = api.patch(url + "/hunt-group", headers=admin,
                    json={"strategy": "successive", "members": ["+33175000103", "+33175000101"]}).get_json()
    assert out["strategy"] == "successive" and out["members"] == ["+33175000103", "+33175000101"]
    out = api.post(url + "/members", headers=admin, json={"line": "0182280007"}).get_json()
    assert out["members"][-1] == "+33182280007"
    out = api.delete(url + "/members/+33175000103", headers=admin).get_json()
    assert out["members"] == ["+33175000101", "+33182280007"]
    err = api.patch(url + "/hunt-group", headers=admin, json={"ring_time": 2})
    assert err.status_code == 422 and err.get_json()["errors"][0]["field"] == "ring_time"
    with rt.context() as ctx:
        prof = ctx.session.get(ReceptionNumber, rec["id"]).profiles[1]
        assert prof.strategy == "successive" and prof.ring_time == 15


def test_simulate_and_status(app, admin):
    api = app.test_client()
    plan = api.get("/api/v1/simulate?to=0175000120&from=0612345678&at=2026-11-30T10:00", headers=admin).get_json()
    assert plan["kind"] == "reception" and plan["profile"]["name"] == "Ouverture"
    assert api.get("/api/v1/simulate?to=0175000120&at=nope", headers=admin).status_code == 422
    assert api.get("/api/v1/simulate", headers=admin).status_code == 422
    status = api.get("/api/v1/status", headers=admin).get_json()
    assert status["state"] == "pending" and status["nodes"][0]["node"] == "local"


def test_openapi_document_is_valid_and_lists_every_route(app):
    api = app.test_client()
    doc = api.get("/api/v1/openapi.json").get_json()
    validate(doc)
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            served |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == served
    schemas = doc["components"]["schemas"]
    assert {"LineDoc", "LineOut", "LinePatch", "ContactIn", "ContactOut", "HuntGroupDoc", "ReceptionOut",
            "ErrorsOut"} <= set(schemas)
    assert "required" not in schemas["LinePatch"] and schemas["LineDoc"]["required"] == ["number", "label"]
    patch = doc["paths"]["/api/v1/lines/{number}"]["patch"]
    assert patch["x-roles"] == ["admin", "user"] and "422" in patch["responses"]
    assert len(ROUTES) == len(served) - 1  # every route but the document itself is registered with its schema


def test_ids_beyond_64_bits_are_no_row_not_a_server_error(app, admin):
    """Found by schemathesis: an id too large for the database's integer
    failed in the driver (500); every `<int:...>` of the app stops at the
    largest INTEGER of both databases (2**31-1, PostgreSQL's)."""
    huge = "1058977398106507837440"
    assert app.test_client().get(f"/api/v1/click-to-call/{huge}", headers=admin).status_code == 404
    for row_id in (2**31 - 1, 2**31, 2**63):
        assert app.test_client().get(f"/api/v1/click-to-call/{row_id}", headers=admin).status_code == 404
    client = logged_in(app, ADMIN)
    assert client.get(f"/services/lines/{huge}").status_code == 404
