"""P-9: what « Mes infos » and « Mon annuaire » do in the web UI, through
the API too: the company directory's lists (create, rename, move, delete),
changing one's own password, and the API tokens (list, create shown once,
revoke); each company reaching only its own."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select
from webui_helpers import (
    ADMIN,
    OTHER_ADMIN,
    PIERRE,
    logged_in,
    post,
    token_for,
)

from orchestrator.db.models import ApiToken, DirectoryList, Login
from orchestrator.services.passwords import verify_password


def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin(rt, app):
    return auth(token_for(rt, ADMIN[0]))


def _errors(resp):
    return [(e["id"], e["field"]) for e in resp.get_json()["errors"]]


def test_directory_lists_are_created_renamed_moved_and_deleted(rt, app, admin):
    client = app.test_client()
    got = client.get("/api/v1/directory/lists", headers=admin).get_json()
    by_path = {x["path"]: x for x in got}
    assert {"Direction", "RH", "RH / Recrutement", "Comptabilité"} <= set(by_path)
    rh, recrutement = by_path["RH"], by_path["RH / Recrutement"]
    assert recrutement["parent_id"] == rh["id"]

    made = client.post("/api/v1/directory/lists", headers=admin, json={"name": "Stagiaires", "parent_id": rh["id"]})
    assert made.status_code == 201 and made.get_json()["path"] == "RH / Stagiaires"
    new_id = made.get_json()["id"]
    renamed = client.patch(f"/api/v1/directory/lists/{new_id}", headers=admin, json={"name": "Alternants"})
    assert renamed.status_code == 200 and renamed.get_json()["path"] == "RH / Alternants"
    moved = client.patch(f"/api/v1/directory/lists/{recrutement['id']}", headers=admin,
                         json={"parent_id": by_path["Direction"]["id"]})
    assert moved.get_json()["path"] == "Direction / Recrutement"
    top = client.patch(f"/api/v1/directory/lists/{new_id}", headers=admin, json={"parent_id": None})
    assert top.get_json() == {"id": new_id, "name": "Alternants", "parent_id": None, "path": "Alternants"}
    # the tree the UI and /directory show follows
    tree = client.get("/api/v1/directory", headers=admin).get_json()
    direction = next(x for x in tree["lists"] if x["name"] == "Direction")
    assert [x["name"] for x in direction["lists"]] == ["Recrutement"]
    assert client.delete(f"/api/v1/directory/lists/{new_id}", headers=admin).status_code == 204
    with rt.context() as ctx:
        assert ctx.session.get(DirectoryList, new_id) is None


def test_a_list_never_moves_under_itself_nor_too_deep_and_a_full_list_stays(rt, app, admin):
    client = app.test_client()
    by_path = {x["path"]: x for x in client.get("/api/v1/directory/lists", headers=admin).get_json()}
    rh, recrutement = by_path["RH"]["id"], by_path["RH / Recrutement"]["id"]
    assert _errors(client.patch(f"/api/v1/directory/lists/{rh}", headers=admin, json={"parent_id": recrutement})) \
        == [("list.cycle", "parent_id")]
    assert _errors(client.patch(f"/api/v1/directory/lists/{rh}", headers=admin, json={"parent_id": rh})) \
        == [("list.cycle", "parent_id")]
    assert _errors(client.patch(f"/api/v1/directory/lists/{rh}", headers=admin, json={"name": " "})) \
        == [("field.required", "name")]
    # a chain of 9 levels under "Direction": RH (2 levels) would end 12 deep
    parent = by_path["Direction"]["id"]
    for depth in range(8):
        parent = client.post("/api/v1/directory/lists", headers=admin,
                             json={"name": f"N{depth}", "parent_id": parent}).get_json()["id"]
    assert _errors(client.patch(f"/api/v1/directory/lists/{rh}", headers=admin, json={"parent_id": parent})) \
        == [("list.too_deep", "parent_id")]
    resp = client.delete(f"/api/v1/directory/lists/{rh}", headers=admin)
    assert resp.status_code == 422 and _errors(resp) == [("list.not_empty", "list")]
    with rt.context() as ctx:
        row = ctx.session.get(DirectoryList, rh)
        assert (row.name, row.parent_id) == ("RH", None)


def test_another_company_cannot_touch_the_lists(rt, app, admin):
    client = app.test_client()
    rh = next(x for x in client.get("/api/v1/directory/lists", headers=admin).get_json() if x["name"] == "RH")
    zeta = auth(token_for(rt, OTHER_ADMIN[0]))
    assert client.get("/api/v1/directory/lists", headers=zeta).get_json() == []
    assert client.patch(f"/api/v1/directory/lists/{rh['id']}", headers=zeta, json={"name": "x"}).status_code == 404
    assert client.delete(f"/api/v1/directory/lists/{rh['id']}", headers=zeta).status_code == 404
    # nor hang a list of its own under the demo company's
    resp = client.post("/api/v1/directory/lists", headers=zeta, json={"name": "Z", "parent_id": rh["id"]})
    assert resp.status_code == 422
    zlist = client.post("/api/v1/directory/lists", headers=zeta, json={"name": "Z"}).get_json()["id"]
    resp = client.patch(f"/api/v1/directory/lists/{zlist}", headers=zeta, json={"parent_id": rh["id"]})
    assert _errors(resp) == [("list.unknown", "parent_id")]
    user = auth(token_for(rt, PIERRE[0]))
    assert client.post("/api/v1/directory/lists", headers=user, json={"name": "U"}).status_code == 403


def _password_ok(rt, login: str, password: str) -> bool:
    with rt.context() as ctx:
        return verify_password(password, ctx.session.scalar(select(Login).where(Login.login == login)).password_hash)


def test_i_change_my_own_password_with_the_current_one(rt, app):
    client = app.test_client()
    user = auth(token_for(rt, PIERRE[0]))
    web = logged_in(app, PIERRE)
    resp = client.post("/api/v1/me/password", headers=user, json={"old": "wrong", "new": "abcd"})
    assert resp.status_code == 422 and _errors(resp) == [("password.wrong", "old")]
    resp = client.post("/api/v1/me/password", headers=user, json={"old": PIERRE[1], "new": "abc"})
    assert _errors(resp) == [("password.too_short", "new")]
    assert _password_ok(rt, PIERRE[0], PIERRE[1])
    assert client.post("/api/v1/me/password", headers=user, json={"old": PIERRE[1], "new": "n3w-pass"}).status_code \
        == 204
    assert _password_ok(rt, PIERRE[0], "n3w-pass") and not _password_ok(rt, PIERRE[0], PIERRE[1])
    assert web.get("/me/").status_code == 302  # the web sessions of the login ended
    assert client.get("/api/v1/me", headers=user).status_code == 200  # the token still works
    # an admin's own password: 6 characters at least
    admin = auth(token_for(rt, ADMIN[0]))
    resp = client.post("/api/v1/me/password", headers=admin, json={"old": ADMIN[1], "new": "12345"})
    assert _errors(resp) == [("password.too_short", "new")]


def test_api_tokens_are_listed_created_once_and_revoked(rt, app, admin):
    client = app.test_client()
    listed = client.get("/api/v1/tokens", headers=admin).get_json()
    assert [(t["name"], t["login"]) for t in listed] == [("test", ADMIN[0])]
    assert "token" not in listed[0] and "token_hash" not in listed[0]
    made = client.post("/api/v1/tokens", headers=admin, json={"name": "CRM"})
    assert made.status_code == 201
    new = made.get_json()
    assert new["token"].startswith(f"ctk_{new['prefix']}_") and new["login"] == ADMIN[0]
    assert client.get("/api/v1/me", headers=auth(new["token"])).get_json()["login"] == ADMIN[0]
    assert all("token" not in t for t in client.get("/api/v1/tokens", headers=admin).get_json())
    with rt.context() as ctx:
        assert new["token"] not in {r.token_hash for r in ctx.session.scalars(select(ApiToken))}
    assert _errors(client.post("/api/v1/tokens", headers=admin, json={"name": ""}))[0][1] == "name"
    # another company neither sees nor revokes it
    zeta = auth(token_for(rt, OTHER_ADMIN[0]))
    assert [t["login"] for t in client.get("/api/v1/tokens", headers=zeta).get_json()] == [OTHER_ADMIN[0]]
    assert client.delete(f"/api/v1/tokens/{new['id']}", headers=zeta).status_code == 404
    assert client.delete(f"/api/v1/tokens/{new['id']}", headers=admin).status_code == 204
    assert client.get("/api/v1/me", headers=auth(new["token"])).status_code == 401
    user = auth(token_for(rt, PIERRE[0]))
    assert client.get("/api/v1/tokens", headers=user).status_code == 403


def test_the_new_operations_are_in_the_openapi_document(app):
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    validate(doc)
    paths = doc["paths"]
    assert {"get", "patch"} <= set(paths["/api/v1/account"])
    assert {"get", "post"} <= set(paths["/api/v1/directory/lists"])
    assert {"patch", "delete"} <= set(paths["/api/v1/directory/lists/{list_id}"])
    assert "post" in paths["/api/v1/me/password"] and {"get", "post"} <= set(paths["/api/v1/tokens"])
    assert "delete" in paths["/api/v1/tokens/{token_id}"]
    assert "NewTokenOut" in doc["components"]["schemas"]


def test_the_web_ui_renames_and_moves_a_list_too(rt, app):
    client = logged_in(app, ADMIN)
    with rt.context() as ctx:
        lists = {r.name: r.id for r in ctx.session.scalars(select(DirectoryList))}
    page = client.get("/directory/").get_data(as_text=True)
    assert 'id="change-list"' in page
    resp = post(client, "/directory/lists/change", {"list": lists["Recrutement"], "new_name": "Embauche",
                                                    "new_parent": "top"})
    assert resp.status_code == 302
    with rt.context() as ctx:
        row = ctx.session.get(DirectoryList, lists["Recrutement"])
        assert (row.name, row.parent_id) == ("Embauche", None)
    resp = post(client, "/directory/lists/change", {"list": lists["RH"], "new_name": "",
                                                    "new_parent": lists["RH"]})
    assert resp.status_code == 422 and 'id="f-new_parent-error"' in resp.get_data(as_text=True)
    resp = post(client, "/directory/lists/change", {"list": "", "new_parent": "keep"})
    assert resp.status_code == 422 and 'id="f-list-error"' in resp.get_data(as_text=True)
    other = logged_in(app, OTHER_ADMIN)
    resp = post(other, "/directory/lists/change", {"list": lists["RH"], "new_name": "Volé"})
    assert resp.status_code == 422
    with rt.context() as ctx:
        assert ctx.session.get(DirectoryList, lists["RH"]).name == "RH"
