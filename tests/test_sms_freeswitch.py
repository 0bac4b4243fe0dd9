"""C-2 on the wire: an SMS sent through the API from one line to another,
both with a real SIP phone (Debian's baresip) registered on a real
FreeSWITCH (``FREESWITCH_BIN``), reaches the other phone with the exact
text, ``|`` and non-ASCII included, and is stored as sent.

FreeSWITCH's ``chat`` API finds the sofia profile by the host of the
destination (mod_sofia ``sofia_presence_chat_send``): the tenant's SIP
domain must be an alias of the internal profile."""

from __future__ import annotations

from freeswitch_real import with_phones
from helpers import sqlite_migrated_engine  # noqa: E402,F401  (SQLite only here)
from test_phones_freeswitch import PAUL, PIERRE, D, live  # noqa: F401  (the fixture)
from webui_helpers import load_other_tenant, make_app, token_for

from orchestrator.apply.engine import esl_reloader
from orchestrator.apply.service import apply
from orchestrator.esl import ESLClient

pytestmark = with_phones
TEXT = "Rendez-vous à 15h30 | salle B — ça marche ?"


def test_an_sms_reaches_the_other_phone_with_its_exact_text(live):  # noqa: F811
    app = make_app(live.rt)

    def connect():  # the API reaches the real FreeSWITCH's event socket
        client = ESLClient()
        client.connect("127.0.0.1", live.platform.esl_port, "ClueCon", timeout=5)
        return client

    app.extensions["esl"] = connect
    api = app.test_client()
    me = {"Authorization": f"Bearer {token_for(live.rt, PIERRE)}"}
    pierre_user, paul_user = live.line(PIERRE).sip_username, live.line(PAUL).sip_username
    with live.phone(PIERRE, messages=True) as pierre, live.phone(PAUL, messages=True) as paul:
        resp = api.post("/api/v1/sms", json={"line": PIERRE, "to": PAUL, "text": TEXT}, headers=me)
        assert resp.status_code == 201, resp.get_json()
        sent = resp.get_json()
        assert (sent["status"], sent["error"]) == ("sent", None), sent
        peer, body = paul.wait_message()
        assert body == TEXT
        assert peer == f"sip:{pierre_user}@{D}"
        assert paul.messages() == [(peer, TEXT)]  # once
        assert pierre.messages() == []
        assert paul_user != pierre_user
    got = api.get(f"/api/v1/sms/{sent['id']}", headers=me).get_json()
    assert (got["line"], got["to"], got["text"], got["status"]) == (PIERRE, PAUL, TEXT, "sent")


def test_a_new_tenant_s_domain_becomes_an_alias_of_the_internal_profile(live):  # noqa: F811
    """The internal profile takes the directory's domains as aliases when it
    is (re)scanned only: applying a new tenant rescans it, so an SMS to
    user@<new domain> finds the profile (no "Invalid Profile")."""
    def aliases() -> set[str]:
        rows = [r.split() for r in live.esl.api("sofia status").splitlines()]
        return {r[0] for r in rows if len(r) >= 3 and r[1] == "alias" and r[2] == "internal"}

    assert D in aliases() and "zeta.centrex.test" not in aliases()
    load_other_tenant(live.rt)
    with live.rt.context() as ctx:
        result = apply(ctx.session, live.platform, esl_reloader(timeout=5))
    assert {D, "zeta.centrex.test"} <= aliases()
    assert "sofia profile internal rescan" in result[0].commands
    reply = live.esl.api("chat sip|0175000101@bauer.centrex.test|x@zeta.centrex.test|hello|text/plain")
    assert reply.strip() == "Error! Message Not Sent"  # nobody registered there: refused by sofia, not unknown
    log = (live.root / "log" / "freeswitch.log").read_text(errors="replace")
    assert "Invalid Profile zeta.centrex.test" not in log
    assert "Nobody to send to: Profile zeta.centrex.test" in log
