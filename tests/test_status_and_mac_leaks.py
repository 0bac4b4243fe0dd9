"""What a tenant learns about others (issue 15, item 11): the apply status
shows a node's own error text to nobody in a tenant (it can name other
tenants' domains), and a MAC address taken elsewhere gives exactly the
answer a MAC of one's own gives."""

from __future__ import annotations

import json

from webui_helpers import ADMIN, OTHER_ADMIN, PIERRE, load_demo, load_other_tenant, logged_in, make_app, token_for

from orchestrator.db.models import NodeState
from webui.common.applystatus import NODE_FAILED

SECRET = "XML error near <domain name=\"acme-secret.example\"> in dialplan/tenants/acme-secret.example.xml"


def test_status_shows_a_generic_error_not_the_nodes_text(rt):
    load_demo(rt)
    with rt.context() as ctx:
        ctx.session.add(NodeState(node="local", result="failed", error=SECRET, tenant_revisions="{}"))
        ctx.commit()
    app = make_app(rt)
    api = app.test_client()
    for who in (PIERRE[0], ADMIN[0]):
        resp = api.get("/api/v1/status", headers={"Authorization": f"Bearer {token_for(rt, who)}"})
        assert resp.status_code == 200
        body = resp.get_json()
        assert body["state"] == "failed" and body["nodes"][0]["error"] == NODE_FAILED
        assert "acme-secret" not in json.dumps(body)
    for who in (PIERRE, ADMIN):
        client = logged_in(app, who)
        assert "acme-secret" not in client.get("/status/apply").get_data(as_text=True)
    assert "acme-secret" not in logged_in(app, ADMIN).get("/services/").get_data(as_text=True)


def _create(api, token: str, mac: str):
    return api.post("/api/v1/devices", headers={"Authorization": f"Bearer {token}"},
                    json={"mac": mac, "model": "SPA502G", "ports": []})


def test_a_mac_of_another_tenant_answers_like_one_of_ones_own(rt):
    load_demo(rt)
    load_other_tenant(rt)
    app = make_app(rt)
    api = app.test_client()
    zeta = token_for(rt, OTHER_ADMIN[0])
    assert _create(api, zeta, "00:0E:08:BB:00:01").status_code == 201
    own = _create(api, zeta, "00:0E:08:BB:00:01")
    other = _create(api, zeta, "00:0E:08:AA:01:02")  # Bauer SA's phone
    assert own.status_code == other.status_code == 422
    mask = lambda resp, mac: json.dumps(resp.get_json()).casefold().replace(mac.casefold(), "mac")  # noqa: E731
    assert mask(own, "000E08BB0001") == mask(other, "000E08AA0102")
    text = json.dumps(other.get_json()).casefold()
    assert "bauer" not in text and "another" not in text and "tenant" not in text

