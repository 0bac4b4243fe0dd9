"""V-5: the new-message counters the event service keeps (from FreeSWITCH's
MESSAGE_WAITING events) are shown on the user's pages (« Ma messagerie »
tab) and in the admin's lines list, and follow the changes live through
server-sent events; each login sees only its own lines' counters."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from test_webui_sse import read_events
from webui_helpers import (
    ADMIN,
    OTHER_ADMIN,
    PIERRE,
    ids,
    load_demo,
    load_other_tenant,
    logged_in,
    make_app,
    token_for,
)

from orchestrator.db.models import Line, Tenant
from orchestrator.live.voicemail import on_message_waiting

FAST = {"SSE_INTERVAL": 0.01, "SSE_LIFETIME": 30}


@pytest.fixture
def app(rt):
    load_demo(rt)
    load_other_tenant(rt)
    return make_app(rt, **FAST)


def mwi(rt, number: str, new: int, saved: int = 0) -> None:
    """What the event service does on a MESSAGE_WAITING event for the line."""
    with rt.context(actor="esl-events") as ctx:
        line = ctx.session.scalar(select(Line).where(Line.number == number))
        domain = ctx.session.get(Tenant, line.tenant_id).sip_domain
        row = on_message_waiting(ctx.session, {
            "MWI-Message-Account": f"sip:{line.sip_username}@{domain}",
            "MWI-Messages-Waiting": "yes" if new else "no", "MWI-Voice-Message": f"{new}/{saved} (0/0)"})
        assert row is not None
        ctx.commit()


def tab_count(page: str) -> int:
    m = re.search(r'<span class="badge vm-new[^"]*" data-vm-total[^>]*>(\d+)</span>', page)
    assert m, "the « Ma messagerie » tab carries the counter"
    return int(m.group(1))


def line_count(page: str, line_id: int) -> int:
    m = re.search(rf'data-vm-line="{line_id}">(\d+)</span>', page)
    assert m, f"the lines list shows line {line_id}'s counter"
    return int(m.group(1))


def test_the_counters_are_on_the_users_pages_and_the_admins_lines_list(rt, app):
    ident = ids(rt)
    user = logged_in(app, PIERRE)
    assert tab_count(user.get("/me/", follow_redirects=True).get_data(as_text=True)) == 0
    mwi(rt, PIERRE[0], 3, 1)
    mwi(rt, "+33175000102", 5)  # Paul's: not Pierre's business
    for url in (f"/me/lines/{ident['pierre']}", "/me/calls/", "/me/directory", f"/voicemail/lines/{ident['pierre']}"):
        assert tab_count(user.get(url).get_data(as_text=True)) == 3, url
    assert user.get("/status/voicemail").get_json() == {"lines": {str(ident["pierre"]): 3}, "total": 3}
    admin = logged_in(app, ADMIN)
    page = admin.get("/services/").get_data(as_text=True)
    assert line_count(page, ident["pierre"]) == 3 and line_count(page, ident["paul"]) == 5
    assert line_count(page, ident["jacques"]) == 0
    got = admin.get("/status/voicemail").get_json()
    assert got["total"] == 8 and got["lines"][str(ident["paul"])] == 5
    other = logged_in(app, OTHER_ADMIN)
    assert other.get("/status/voicemail").get_json() == {"lines": {str(ident["zoe"]): 0}, "total": 0}


def test_the_counter_follows_new_messages_live(rt, app):
    ident = ids(rt)
    user = logged_in(app, PIERRE)
    resp = user.get("/status/voicemail/stream", buffered=False)
    assert resp.status_code == 200 and resp.mimetype == "text/event-stream"
    events = read_events(resp, until="never")
    assert next(events) == ("counters", {"lines": {str(ident["pierre"]): 0}, "total": 0})
    mwi(rt, PIERRE[0], 1)  # a caller leaves a message while the page is open
    assert next(events) == ("counters", {"lines": {str(ident["pierre"]): 1}, "total": 1})
    mwi(rt, "+33175000102", 4)  # another line's message: nothing for Pierre
    mwi(rt, PIERRE[0], 0, 1)  # the message is listened to
    assert next(events) == ("counters", {"lines": {str(ident["pierre"]): 0}, "total": 0})
    resp.close()
    # the admin's lines list follows every line of the company
    admin = logged_in(app, ADMIN)
    resp = admin.get("/status/voicemail/stream", buffered=False)
    events = read_events(resp, until="never")
    assert next(events)[1]["lines"][str(ident["paul"])] == 4
    mwi(rt, "+33175000103", 2)
    state = next(events)[1]
    assert state["lines"][str(ident["jacques"])] == 2 and state["total"] == 6
    resp.close()


def test_anonymous_get_the_login_page(app):
    client = app.test_client()
    for url in ("/status/voicemail", "/status/voicemail/stream"):
        resp = client.get(url)
        assert resp.status_code == 302 and "/login" in resp.location


def test_the_api_gives_the_counters_of_the_tokens_lines(rt, app):
    mwi(rt, PIERRE[0], 2)
    mwi(rt, "+33175000102", 1)
    client = app.test_client()
    user = {"Authorization": f"Bearer {token_for(rt, PIERRE[0])}"}
    assert client.get("/api/v1/voicemail/counters", headers=user).get_json() == {
        "total": 2, "lines": [{"line": PIERRE[0], "label": "Pierre", "new_messages": 2}]}
    admin = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    got = client.get("/api/v1/voicemail/counters", headers=admin).get_json()
    assert got["total"] == 3 and {x["line"]: x["new_messages"] for x in got["lines"]}["+33175000102"] == 1
    zeta = {"Authorization": f"Bearer {token_for(rt, OTHER_ADMIN[0])}"}
    assert client.get("/api/v1/voicemail/counters", headers=zeta).get_json()["total"] == 0
