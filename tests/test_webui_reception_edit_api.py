"""« Mon standard » editors in the JSON API (manual §3.7.1, §3.7.5, §3.7.6;
R-1, I-*, T-1..T-3): add, change and delete reception numbers, profiles,
time rules and the voice menu; errors as 422 JSON with the service ids and
paths; roles, tenant isolation and the OpenAPI document; and the route
resolver following a rule made through the API."""

from __future__ import annotations

from datetime import datetime

import pytest
from test_webui_reception_edit import (  # noqa: F401  (app_fixture: the app fixture)
    ACCUEIL1,
    ACCUEIL2,
    PARIS,
    app_fixture,
    errors_of,
    profile_id,
    profile_names,
    rec_of,
    rule_rows,
)
from webui_helpers import ADMIN, OTHER_ADMIN, PIERRE, token_for

from orchestrator.render.snapshot import load_snapshot
from orchestrator.routing.resolver import resolve
from webui.api import ROUTES


def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(rt, app):
    client = app.test_client()
    client.h = auth(token_for(rt, ADMIN[0]))
    return client


R = f"/api/v1/reception-numbers/{ACCUEIL1}"


def test_api_add_change_and_delete_reception_numbers(rt, api):
    got = api.get("/api/v1/reception-numbers/proposals?kind=geographic", headers=api.h).get_json()
    assert got == [{"number": "+33175000150", "kind": "geographic"}, {"number": "+33175000151", "kind": "geographic"}]
    resp = api.post("/api/v1/reception-numbers", headers=api.h,
                    json={"number": "0175000150", "label": "Support", "short_number": "310"})
    assert resp.status_code == 201
    out = resp.get_json()
    assert (out["number"], out["label"], out["now"]["active"]) == ("+33175000150", "Support", "Profil par défaut")
    assert out["profiles"][0]["hunt_group"]["members"] == []
    again = api.post("/api/v1/reception-numbers", headers=api.h, json={"number": "0175000150", "label": "X"})
    assert again.status_code == 422 and errors_of(again) == [("number.taken", "number")]
    bad = api.post("/api/v1/reception-numbers", headers=api.h, json={"number": "0175000199", "label": "X", "x": 1})
    assert bad.status_code == 422 and errors_of(bad) == [("field.unknown", "x")]
    resp = api.patch("/api/v1/reception-numbers/+33175000150", headers=api.h, json={"label": "Hotline"})
    assert resp.status_code == 200 and resp.get_json()["label"] == "Hotline"
    refused = api.delete(R, headers=api.h)
    assert refused.status_code == 422 and errors_of(refused) == [("reception.in_use", "number")]
    assert api.delete("/api/v1/reception-numbers/+33175000150", headers=api.h).status_code == 204
    assert api.get("/api/v1/reception-numbers/+33175000150", headers=api.h).status_code == 404


def test_api_profiles(rt, api):
    resp = api.post(R + "/profiles", headers=api.h, json={"name": "Menu", "kind": "ivr"})
    assert resp.status_code == 201
    menu = resp.get_json()
    assert (menu["name"], menu["kind"], menu["ivr"], menu["hunt_group"]) == (
        "Menu", "ivr", {"menu": None, "keys": {}, "fallback": None}, None)
    taken = api.post(R + "/profiles", headers=api.h, json={"name": "Menu"})
    assert taken.status_code == 422 and errors_of(taken) == [("profile.name_taken", "name")]
    resp = api.patch(f"{R}/profiles/{menu['id']}", headers=api.h, json={"name": "Menu du soir",
                                                                        "pre_answer": "Bienvenue"})
    assert resp.get_json()["name"] == "Menu du soir" and resp.get_json()["pre_answer"] == "Bienvenue"
    ouverture = profile_id(rt, "Ouverture")
    resp = api.post(f"{R}/profiles/{ouverture}/duplicate", headers=api.h)
    assert resp.status_code == 201 and resp.get_json()["name"] == "Ouverture (2)"
    assert resp.get_json()["hunt_group"]["members"] == ["+33175000101", "+33175000102", "+33175000103"]
    resp = api.post(f"{R}/profiles/{ouverture}/duplicate", headers=api.h, json={"name": "Été"})
    assert resp.get_json()["name"] == "Été"
    default = profile_id(rt, "Profil par défaut")
    refused = api.delete(f"{R}/profiles/{default}", headers=api.h)
    assert refused.status_code == 422 and errors_of(refused) == [("profile.default_undeletable", "profile")]
    assert api.delete(f"{R}/profiles/{ouverture}", headers=api.h).status_code == 204
    assert profile_names(rt) == ["Profil par défaut", "Menu du soir", "Ouverture (2)", "Été"]
    assert api.get(R + "/rules", headers=api.h).get_json() == []
    assert api.get(f"{R}/profiles/{ouverture}", headers=api.h).status_code == 404


def test_api_rules(rt, api):
    rules = api.get(R + "/rules", headers=api.h).get_json()
    assert [(r["priority"], r["days"], r["hours"], r["profile"]) for r in rules] == [
        (1, "mon-fri", "08:00-12:00", "Ouverture"), (2, "mon-fri", "14:00-18:00", "Ouverture")]
    resp = api.post(R + "/rules", headers=api.h, json={"days": "sat", "hours": "all", "profile": "Ouverture",
                                                       "position": 1})
    assert resp.status_code == 201 and resp.get_json()[0]["days"] == "sat"
    sat = resp.get_json()[0]["id"]
    resp = api.post(f"{R}/rules/{sat}/move", headers=api.h, json={"direction": "down"})
    assert [r["id"] for r in resp.get_json()][1] == sat
    bad = api.post(f"{R}/rules/{sat}/move", headers=api.h, json={"direction": "left"})
    assert bad.status_code == 422 and errors_of(bad) == [("field.choice", "direction")]
    resp = api.put(f"{R}/rules/{sat}", headers=api.h, json={"days": "sat-sun", "hours": "10:00-12:00",
                                                            "profile": "Profil par défaut"})
    assert resp.get_json()[1] == {"id": sat, "priority": 2, "days": "sat-sun", "hours": "10:00-12:00",
                                  "profile": "Profil par défaut"}
    bad = api.post(R + "/rules", headers=api.h, json={"days": "32/01", "hours": "08:15-09:00", "profile": "Nope"})
    assert bad.status_code == 422
    assert errors_of(bad) == [("rule.days", "days"), ("rule.step", "hours"), ("profile.unknown", "profile")]
    bad = api.put(R + "/rules", headers=api.h, json={"rules": [{"days": "all", "hours": "25:00-26:00",
                                                                "profile": "Ouverture"}]})
    assert bad.status_code == 422 and errors_of(bad) == [("rule.hours", "rules[0].hours")]
    resp = api.put(R + "/rules", headers=api.h,
                   json={"rules": [{"days": "all", "hours": "all", "profile": "Ouverture"}]})
    assert [(r["days"], r["profile"]) for r in resp.get_json()] == [("all", "Ouverture")]
    only = resp.get_json()[0]["id"]
    assert api.delete(f"{R}/rules/{only}", headers=api.h).get_json() == []
    assert api.delete(f"{R}/rules/{only}", headers=api.h).status_code == 404


def test_api_rule_then_the_resolver(rt, api):
    """A rule added through the API is the one the route resolver follows."""
    api.post(R + "/profiles", headers=api.h, json={"name": "Fermé"})
    api.post(R + "/rules", headers=api.h, json={"days": "01/05", "hours": "all", "profile": "Fermé", "position": 1})
    with rt.context() as ctx:
        snap = load_snapshot(ctx.session, [rec_of(ctx).tenant_id]).tenants[0]
        may_day = datetime(2026, 5, 1, 10, 0, tzinfo=PARIS)  # a Friday
        assert resolve(snap, ACCUEIL1, None, may_day).profile["name"] == "Fermé"
        assert resolve(snap, ACCUEIL1, None, may_day.replace(day=4)).profile["name"] == "Ouverture"


def test_api_ivr(rt, api):
    ivr = profile_id(rt, "Profil par défaut", ACCUEIL2)
    url = f"/api/v1/reception-numbers/{ACCUEIL2}/profiles/{ivr}/ivr"
    doc = api.get(url, headers=api.h).get_json()
    assert set(doc["keys"]) == {"1", "2", "3"} and doc["fallback"]["hangup"] is True
    resp = api.put(url, headers=api.h, json={"menu": "Menu principal",
                                             "keys": {"1": {"line": "0175000102"}, "9": {"hangup": True}}})
    assert resp.status_code == 200
    out = resp.get_json()
    assert (out["menu"], out["keys"]["1"]["line"], sorted(out["keys"]), out["fallback"]) == (
        "Menu principal", "+33175000102", ["1", "9"], None)
    # Accueil 1 as a menu calling Accueil 2, which calls Accueil 1 back: a loop once key 3 is there again
    ouverture = profile_id(rt, "Ouverture")
    api.patch(f"{R}/profiles/{ouverture}", headers=api.h, json={"kind": "ivr"})
    assert api.put(f"{R}/profiles/{ouverture}/ivr", headers=api.h,
                   json={"keys": {"2": {"reception": ACCUEIL2, "mode": "default"}}}).status_code == 200
    loop = api.put(url, headers=api.h, json={"keys": {"3": {"reception": ACCUEIL1}}})
    assert loop.status_code == 422 and errors_of(loop) == [("reception.loop", "keys.3")]
    bad = api.put(url, headers=api.h, json={"keys": {"1": {"voicemail": "+33175000101", "line": "+33175000101"}}})
    assert errors_of(bad) == [("ivr.target", "keys.1")]
    hunt = api.get(f"{R}/profiles/{profile_id(rt, 'Profil par défaut')}/ivr", headers=api.h)
    assert hunt.status_code == 422 and errors_of(hunt) == [("profile.not_ivr", "profile")]


def test_api_roles_isolation_and_openapi(rt, api):
    other = auth(token_for(rt, OTHER_ADMIN[0]))
    user = auth(token_for(rt, PIERRE[0]))
    ouverture = profile_id(rt, "Ouverture")
    with rt.context() as ctx:
        rule = rec_of(ctx).rules[0].id
    calls = [("GET", R + "/rules", None), ("PUT", R + "/rules", {"rules": []}),
             ("POST", R + "/rules", {"days": "all", "hours": "all", "profile": "Ouverture"}),
             ("PUT", f"{R}/rules/{rule}", {"days": "all", "hours": "all", "profile": "Ouverture"}),
             ("POST", f"{R}/rules/{rule}/move", {"direction": "up"}), ("DELETE", f"{R}/rules/{rule}", None),
             ("POST", R + "/profiles", {"name": "X"}), ("GET", f"{R}/profiles/{ouverture}", None),
             ("PATCH", f"{R}/profiles/{ouverture}", {"name": "X"}),
             ("POST", f"{R}/profiles/{ouverture}/duplicate", {}), ("DELETE", f"{R}/profiles/{ouverture}", None),
             ("GET", f"{R}/profiles/{ouverture}/ivr", None), ("PUT", f"{R}/profiles/{ouverture}/ivr", {}),
             ("PATCH", R, {"label": "X"}), ("DELETE", R, None)]
    for method, url, data in calls:
        assert api.open(url, method=method, headers=other, json=data).status_code == 404, (method, url)
        assert api.open(url, method=method, headers=user, json=data).status_code == 403, (method, url)
    assert api.post("/api/v1/reception-numbers", headers=user, json={"number": "0175000150", "label": "X"}
                    ).status_code == 403
    assert profile_names(rt) == ["Profil par défaut", "Ouverture"] and len(rule_rows(rt)) == 2
    # every operation is documented
    doc = api.get("/api/v1/openapi.json").get_json()
    ops = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    assert {("POST", "/api/v1/reception-numbers"), ("DELETE", "/api/v1/reception-numbers/{number}"),
            ("PUT", "/api/v1/reception-numbers/{number}/rules"),
            ("POST", "/api/v1/reception-numbers/{number}/rules/{rule_id}/move"),
            ("PUT", "/api/v1/reception-numbers/{number}/profiles/{profile_id}/ivr"),
            ("POST", "/api/v1/reception-numbers/{number}/profiles/{profile_id}/duplicate")} <= ops
    assert "IvrEditDoc" in doc["components"]["schemas"]
    assert {r.endpoint for r in ROUTES if r.rule.startswith("/reception-numbers")} >= {
        "create_reception", "delete_reception", "add_reception_rule", "put_ivr"}
