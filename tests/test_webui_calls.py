"""The user's call log page, click-to-call and SMS forms (Flask client)."""

from __future__ import annotations

import pytest
from fake_freeswitch.server import FakeFreeSWITCH
from sqlalchemy import select
from webui_helpers import ADMIN, PIERRE, esl_to, load_demo, logged_in, make_app, post

from orchestrator.db.models import ClickToCall, SmsMessage
from orchestrator.live import calllog


@pytest.fixture
def app(rt):
    load_demo(rt)
    with FakeFreeSWITCH(password="ClueCon") as fs:
        fs.set_api_response("chat", "Sent")
        application = make_app(rt)

        application.extensions["esl"] = esl_to(fs)
        application.extensions["fake_fs"] = fs
        yield application


def test_call_log_lists_my_calls_and_calls_back(rt, app):
    with rt.context() as ctx:
        calllog.record(ctx.session, calllog.from_event({
            "Unique-ID": "in-1", "Call-Direction": "inbound", "Channel-Name": "sofia/external/x",
            "Caller-Caller-ID-Number": "0140000000", "variable_centrex_line": "+33175000101",
            "variable_centrex_domain": "bauer.centrex.test", "variable_start_epoch": "1795725000",
            "variable_answer_epoch": "0"}))
        ctx.session.commit()
    client = logged_in(app, PIERRE)
    page = client.get("/me/calls/").get_data(as_text=True)
    assert "Journal des appels" in page and "0140000000" in page and "manqué" in page
    resp = post(client, "/me/calls/click", {"line": "+33175000101", "target": "0140000000"})
    assert resp.status_code == 302 and "c2c=" in resp.location
    call_id = int(resp.location.split("c2c=")[1])
    assert client.get(f"/me/calls/click/{call_id}").get_json()["status"] == "ringing_you"
    assert app.extensions["fake_fs"].wait_for_command(lambda c: c.startswith("bgapi originate"))
    with rt.context() as ctx:
        assert ctx.session.get(ClickToCall, call_id).target == "+33140000000"


def test_sms_form(rt, app):
    client = logged_in(app, PIERRE)
    resp = post(client, "/me/calls/sms", {"line": "+33175000101", "to": "0612345678", "text": "Bonjour"})
    assert resp.status_code == 302
    assert "Votre SMS a été envoyé." in client.get("/me/calls/").get_data(as_text=True)
    post(client, "/me/calls/sms", {"line": "+33175000101", "to": "0612345678", "text": "x" * 200})
    assert "160" in client.get("/me/calls/").get_data(as_text=True)
    with rt.context() as ctx:
        assert [m.status for m in ctx.session.scalars(select(SmsMessage))] == ["sent"]


def test_admins_use_their_own_space(app):
    assert logged_in(app, ADMIN).get("/me/calls/").status_code == 403
