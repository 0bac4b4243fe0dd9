"""Server-sent events: the apply status of a change and click-to-call
progress stream their states as they change, end on a final state, and
are scoped like the pages that use them."""

from __future__ import annotations

import json

import pytest
from fake_freeswitch.server import FakeFreeSWITCH
from sqlalchemy import select
from webui_helpers import ADMIN, OTHER_USER, PIERRE, load_demo, load_other_tenant, logged_in, make_app

from orchestrator.apply.jobs import run_apply
from orchestrator.config import Settings
from orchestrator.db.models import ClickToCall, Line
from orchestrator.runtime import Runtime
from webui import create_app

FAST = {"SSE_INTERVAL": 0.01, "SSE_LIFETIME": 30}


def read_events(resp, until: str = "end", limit: int = 1000):
    """(event, data) pairs from a streamed response, up to ``until``."""
    buf, chunks = "", iter(resp.response)
    for _ in range(limit):
        while "\n\n" not in buf:
            buf += next(chunks).decode()
        block, buf = buf.split("\n\n", 1)
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            yield fields["event"], json.loads(fields["data"])
            if fields["event"] == until:
                return


def test_the_apply_status_streams_from_pending_to_live(rt, tmp_path):
    load_demo(rt)
    with FakeFreeSWITCH(password="ClueCon") as fs:
        fs.set_api_response("reload", "+OK Reloading XML\n+OK module unloaded\n+OK module loaded\n")
        fs.set_api_response("sofia", "Reload XML [Success]\n+OK scan complete\n")
        settings = Settings(var_dir=tmp_path / "var", extra={"nodes": {"fs1": {
            "conf_dir": str(tmp_path / "fs1"), "esl_host": fs.host, "esl_port": fs.port, "esl_password": "ClueCon"}}})
        web_rt = Runtime(settings=settings)
        web_rt.__dict__["engine"] = rt.engine
        app = create_app(web_rt, {"APPLY_ON_SAVE": False, **FAST})
        client = logged_in(app, ADMIN)
        resp = client.get("/status/apply/stream", buffered=False)
        assert resp.status_code == 200 and resp.mimetype == "text/event-stream"
        assert resp.headers["Cache-Control"] == "no-store"
        events = read_events(resp)
        kind, first = next(events)
        assert kind == "status" and first["state"] == "pending" and first["nodes"][0]["node"] == "fs1"
        run_apply(web_rt, None)  # the change goes live while the page listens
        kind, second = next(events)
        assert kind == "status" and second["state"] == "live" and second["revision"] == first["revision"]
        assert next(events)[0] == "end"


def test_a_stream_that_stays_pending_ends_after_its_lifetime(rt):
    """No node answers: the state stays pending; the stream sends it once
    and closes after SSE_LIFETIME without `end`, so EventSource reconnects."""
    load_demo(rt)
    app = make_app(rt, SSE_INTERVAL=0.01, SSE_LIFETIME=0.2)
    client = logged_in(app, ADMIN)
    body = client.get("/status/apply/stream").get_data(as_text=True)
    assert body.startswith("retry: 3000\n\n")
    kinds = [line for line in body.splitlines() if line.startswith("event: ")]
    assert kinds == ["event: status"] and '"state": "pending"' in body


def test_click_to_call_progress_streams_until_the_call_ends(rt):
    load_demo(rt)
    load_other_tenant(rt)
    app = make_app(rt, **FAST)
    with rt.context() as ctx:
        line = ctx.session.scalar(select(Line).where(Line.number == PIERRE[0]))
        call = ClickToCall(tenant_id=line.tenant_id, line_id=line.id, target="+33140000000", status="ringing_you")
        ctx.session.add(call)
        ctx.session.commit()
        call_id = call.id
    client = logged_in(app, PIERRE)
    page = client.get(f"/me/calls/?c2c={call_id}").get_data(as_text=True)
    assert f'data-stream="/me/calls/click/{call_id}/stream"' in page
    resp = client.get(f"/me/calls/click/{call_id}/stream", buffered=False)
    events = read_events(resp)
    assert next(events) == ("status", {"id": call_id, "status": "ringing_you", "cause": None,
                                       "target": "+33140000000"})
    for status, cause in (("calling", None), ("connected", None), ("ended", "NORMAL_CLEARING")):
        with rt.context() as ctx:
            row = ctx.session.get(ClickToCall, call_id)
            row.status, row.cause = status, cause
            ctx.session.commit()
        kind, data = next(events)
        assert kind == "status" and data["status"] == status and data["cause"] == cause
    assert next(events)[0] == "end"
    # another company's user, and an admin (no user space), get nothing
    assert logged_in(app, OTHER_USER).get(f"/me/calls/click/{call_id}/stream").status_code == 404
    assert logged_in(app, ADMIN).get(f"/me/calls/click/{call_id}/stream").status_code == 403


@pytest.mark.parametrize("url", ["/status/apply/stream", "/me/calls/click/1/stream"])
def test_streams_need_a_session(rt, url):
    load_demo(rt)
    resp = make_app(rt, **FAST).test_client().get(url)
    assert resp.status_code in (302, 401) and "/login" in resp.headers.get("Location", "/login")
