"""Click-to-call, SMS and the call log through the JSON API (C-1..C-3),
against the fake FreeSWITCH speaking ESL over TCP."""

from __future__ import annotations

import pytest
from fake_freeswitch.server import FakeFreeSWITCH
from sqlalchemy import select
from webui_helpers import ADMIN, OTHER_ADMIN, PIERRE, esl_to, load_demo, load_other_tenant, make_app, token_for

from orchestrator.db.models import CallRecord
from orchestrator.live import calllog


@pytest.fixture
def fs():
    with FakeFreeSWITCH(password="ClueCon") as server:
        server.set_api_response("chat", "Sent")
        yield server


@pytest.fixture
def client(rt, fs):
    load_demo(rt)
    load_other_tenant(rt)
    app = make_app(rt)

    app.extensions["esl"] = esl_to(fs)
    return app.test_client()


def auth(rt, who) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(rt, who[0])}"}


def test_click_to_call_from_my_line(rt, fs, client):
    me = auth(rt, PIERRE)
    resp = client.post("/api/v1/click-to-call", json={"line": "0175000101", "target": "01 45 00 00 00"}, headers=me)
    assert resp.status_code == 201, resp.get_json()
    call = resp.get_json()
    assert (call["line"], call["target"], call["status"]) == ("+33175000101", "+33145000000", "ringing_you")
    assert fs.wait_for_command(lambda c: c.startswith("bgapi originate"))
    sent = next(c for c in fs.commands if c.startswith("bgapi originate"))
    assert "}user/0175000101@bauer.centrex.test +33145000000 XML bauer.centrex.test" in sent
    got = client.get(f"/api/v1/click-to-call/{call['id']}", headers=me).get_json()
    assert got["status"] == "ringing_you"
    # another user cannot see it, nor use Pierre's line
    paul = auth(rt, ("+33175000102", "paul1"))
    assert client.get(f"/api/v1/click-to-call/{call['id']}", headers=paul).status_code == 404
    resp = client.post("/api/v1/click-to-call", json={"line": "0175000101", "target": "0145000000"}, headers=paul)
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["id"] == "line.not_yours"


def test_click_to_call_when_freeswitch_is_down(rt, client):
    client.application.extensions["esl"] = lambda: (_ for _ in ()).throw(OSError("connection refused"))
    resp = client.post("/api/v1/click-to-call", json={"line": "0175000101", "target": "0145000000"},
                       headers=auth(rt, PIERRE))
    assert resp.status_code == 201
    assert resp.get_json()["status"] == "failed" and "cannot be reached" in resp.get_json()["cause"]


def test_sms(rt, fs, client):
    me = auth(rt, PIERRE)
    resp = client.post("/api/v1/sms", json={"line": "+33175000101", "to": "0612345678", "text": "Bonjour"}, headers=me)
    assert resp.status_code == 201 and resp.get_json()["status"] == "sent"
    assert fs.wait_for_command(lambda c: c.startswith("api chat sip|0175000101@bauer.centrex.test|+33612345678@"))
    long = client.post("/api/v1/sms", json={"line": "+33175000101", "to": "0612345678", "text": "x" * 161}, headers=me)
    assert long.status_code == 422 and long.get_json()["errors"][0]["id"] == "sms.too_long"


def test_an_sms_and_its_status_read_back(rt, fs, client):
    """C-2: GET /api/v1/sms/<id> and GET /api/v1/sms (optionally ?line=)
    give what was sent and its status, for the token's own lines only."""
    me, paul = auth(rt, PIERRE), auth(rt, ("+33175000102", "paul1"))
    sent = client.post("/api/v1/sms", json={"line": "0175000101", "to": "0175000102",
                                            "text": "Rendez-vous à 15h30 | salle B"}, headers=me).get_json()
    fs.set_api_response("chat", "Error! Message Not Sent")
    failed = client.post("/api/v1/sms", json={"line": "0175000101", "to": "0612345678", "text": "Allô"},
                         headers=me).get_json()
    got = client.get(f"/api/v1/sms/{sent['id']}", headers=me)
    assert got.status_code == 200
    body = got.get_json()
    assert (body["line"], body["to"], body["text"], body["status"], body["error"]) == (
        "+33175000101", "+33175000102", "Rendez-vous à 15h30 | salle B", "sent", None)
    assert body["created_at"]
    again = client.get(f"/api/v1/sms/{failed['id']}", headers=me).get_json()
    assert (again["status"], again["error"]) == ("failed", "Error! Message Not Sent")
    listed = client.get("/api/v1/sms?line=%2B33175000101", headers=me).get_json()
    assert [m["id"] for m in listed] == [failed["id"], sent["id"]]
    # another user of the company, another company, and another user's line: nothing
    assert client.get(f"/api/v1/sms/{sent['id']}", headers=paul).status_code == 404
    assert client.get(f"/api/v1/sms/{sent['id']}", headers=auth(rt, OTHER_ADMIN)).status_code == 404
    assert client.get("/api/v1/sms", headers=paul).get_json() == []
    assert client.get("/api/v1/sms?line=0175000101", headers=paul).status_code == 404
    # the admin reads the company's
    assert {m["id"] for m in client.get("/api/v1/sms", headers=auth(rt, ADMIN)).get_json()} == {
        sent["id"], failed["id"]}
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/sms/{sms_id}"] and "get" in paths["/api/v1/sms"]


def test_call_log_is_scoped_to_my_lines(rt, client):
    with rt.context() as ctx:
        for uuid, line in (("c1", "+33175000101"), ("c2", "+33175000102")):
            calllog.record(ctx.session, calllog.from_event({
                "Unique-ID": uuid, "Call-Direction": "inbound", "Channel-Name": "sofia/external/x",
                "Caller-Caller-ID-Number": "0140000000", "variable_centrex_line": line,
                "variable_centrex_domain": "bauer.centrex.test", "variable_start_epoch": "1795725000",
                "variable_answer_epoch": "1795725005", "variable_billsec": "42"}))
        ctx.session.commit()
    mine = client.get("/api/v1/calls", headers=auth(rt, PIERRE)).get_json()
    assert [(c["line"], c["disposition"], c["duration_s"]) for c in mine] == [("+33175000101", "answered", 42)]
    everything = client.get("/api/v1/calls", headers=auth(rt, ADMIN)).get_json()
    assert len(everything) == 2


def test_call_log_gives_the_id_and_what_routed_the_call(rt, client):
    with rt.context() as ctx:
        calllog.record(ctx.session, calllog.from_event({
            "Unique-ID": "c3", "Call-Direction": "inbound", "Channel-Name": "sofia/external/x",
            "Caller-Caller-ID-Number": "0140000000", "variable_centrex_line": "+33175000101",
            "variable_centrex_domain": "bauer.centrex.test", "variable_centrex_route": "+33175000200",
            "variable_start_epoch": "1795725000", "variable_answer_epoch": "1795725005",
            "variable_end_epoch": "1795725047", "variable_billsec": "42",
            "Hangup-Cause": "NORMAL_CLEARING"}))
        ctx.session.commit()
        stored_id = ctx.session.scalar(select(CallRecord.id).where(CallRecord.call_uuid == "c3"))
        assert stored_id is not None
    [call] = client.get("/api/v1/calls", headers=auth(rt, PIERRE)).get_json()
    assert call["id"] == stored_id
    assert (call["reception_number"], call["special_number"]) == ("+33175000200", None)
    assert call["answered_at"] is not None and call["duration_s"] == 42
    assert set(call) == {"id", "direction", "caller", "callee", "line", "reception_number", "special_number",
                         "started_at", "answered_at", "ended_at", "duration_s", "disposition", "hangup_cause"}
