"""POST /api/v1/simulate (issue 16, item 6): the structured plan and, given
circumstances, the outcome; tenant-scoped; documented in the OpenAPI document."""

from __future__ import annotations

from openapi_spec_validator import validate
from webui_helpers import ADMIN, OTHER_ADMIN, PIERRE, token_for


def auth(rt, who):
    return {"Authorization": f"Bearer {token_for(rt, who[0])}"}


def test_post_simulate_gives_the_plan_and_the_outcome(rt, app):
    api, admin = app.test_client(), auth(rt, ADMIN)
    plan = api.post("/api/v1/simulate", json={"to": "0175000120", "from": "0612345678", "at": "2026-11-26T10:00"},
                    headers=admin).get_json()
    assert plan["profile"] == {"name": "Ouverture", "reason": "rule 1 matched (mon-fri, 08:00-12:00)"}
    assert plan["outcome"] is None
    hunt = next(s for s in plan["steps"] if s["action"] == "hunt")
    assert (hunt["strategy"], hunt["cycles"], hunt["ring_time_s"]) == ("sequential", 3, 15)
    given = api.post("/api/v1/simulate", json={"to": "0175000120", "at": "2026-11-26T10:00",
                                               "busy": ["0175000101"], "unregistered": ["+33175000102"]},
                     headers=admin).get_json()
    assert given["outcome"]["disposition"] == "answered" and given["outcome"]["line"] == "+33175000103"
    assert given["outcome"]["rang"][:3] == [["+33175000101"], ["+33175000102"], ["+33175000103"]]
    sav = api.post("/api/v1/simulate", json={"to": "0811000120", "from": "0612345678", "draws": [0.99]},
                   headers=admin).get_json()
    assert sav["outcome"] is not None and sav["circumstances"]["draws"] == [4055]
    assert [d["number"] for d in sav["routings"][0]["destinations"]] == ["+33175000120", "+33175000102"]


def test_post_simulate_errors_and_scope(rt, app):
    api = app.test_client()
    admin, other, user = auth(rt, ADMIN), auth(rt, OTHER_ADMIN), auth(rt, PIERRE)
    bad = api.post("/api/v1/simulate", json={"to": "0175000120", "draws": [5000]}, headers=admin)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"].startswith("draws")
    assert api.post("/api/v1/simulate", json={"to": "0175000120", "at": "nope"}, headers=admin).status_code == 422
    assert api.post("/api/v1/simulate", json={}, headers=admin).status_code == 422
    assert api.post("/api/v1/simulate", json={"to": "0175000120"}, headers=user).status_code == 403
    # another company's admin: the number is not theirs
    theirs = api.post("/api/v1/simulate", json={"to": "+33175000120", "busy": ["+33175000101"]},
                      headers=other).get_json()
    assert theirs["kind"] == "unknown" and theirs["outcome"]["hangup_cause"] == "UNALLOCATED_NUMBER"
    assert "Pierre" not in str(theirs)


def test_openapi_documents_post_simulate(app):
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    validate(doc)
    op = doc["paths"]["/api/v1/simulate"]["post"]
    assert op["x-roles"] == ["admin"]
    assert {"SimulateIn", "SimulationOut"} <= set(doc["components"]["schemas"])
