"""Role and tenant isolation sweep (A-5, P-13): every route of the app, with
every method it accepts, tried anonymously, as another company's admin and
as a user, with the ids of the demo company's objects. Nothing of the demo
company may come back: only the login page, 401, 403 or 404."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from webui_helpers import (
    ADMIN,
    OTHER_ADMIN,
    PIERRE,
    csrf,
    ids,
    load_demo,
    load_other_tenant,
    login,
    make_app,
    token_for,
)

from orchestrator.db.models import (
    ApiToken,
    ClickToCall,
    Device,
    DirectoryList,
    FaxLine,
    Line,
    ReceptionRule,
    SmsMessage,
    SpecialNumber,
)
from orchestrator.services.special import profiles as special_edit
from orchestrator.services.special import rules as special_rules

# Anyone may reach these: they show no company's data.
PUBLIC = {"static", "auth.login", "auth.language", "healthz", "api.openapi", "home"}
# FreeSWITCH's endpoint: off (404) unless xml_curl mode, then a node's address and its own basic auth.
OWN_AUTH = {"xmlcurl.xml_curl"}
# Voicemail pages and API of one line (§4.3): the swept user gets 404 on Paul's line.
# A user's personal contacts, tried with a company contact's id: not theirs.
PERSONAL_CONTACT = {"me.contact", "me.save_contact", "me.delete_contact", "api.get_my_contact", "api.put_my_contact",
                    "api.delete_my_contact"}
VOICEMAIL_OF_A_LINE = {"voicemail.line", "voicemail.save", "voicemail.upload_greeting", "voicemail.greeting_sound",
                       "voicemail.message_sound", "voicemail.delete_message", "api.get_voicemail",
                       "api.patch_voicemail", "api.upload_greeting", "api.list_voicemail_messages",
                       "api.voicemail_message_sound", "api.delete_voicemail_message"}
OUTSIDER = {"REMOTE_ADDR": "192.0.2.10"}  # documentation address, only in the WSGI environ
MARKERS = ("Bauer", "Accueil 1", "+33175000101", "01 75 00 01 01", "Fontaine", "James Bond", "commandes@bauer")


@pytest.fixture
def world(rt):
    load_demo(rt)
    load_other_tenant(rt)
    app = make_app(rt)
    ident = ids(rt)
    bauer_token = token_for(rt, ADMIN[0], "bauer-crm")
    with rt.context() as ctx:
        ident["fax"] = ctx.session.scalar(select(FaxLine.id))
        ident["list"] = ctx.session.scalar(select(DirectoryList.id).where(DirectoryList.name == "RH"))
        ident["token"] = ctx.session.scalar(select(ApiToken.id).where(ApiToken.name == "bauer-crm"))
        ident["device"] = ctx.session.scalar(select(Device.id).where(Device.mac == "000e08aa0102"))  # James Bond's
        # a click-to-call made from Paul's line (not Pierre's, the swept user)
        bauer = ctx.session.scalar(select(Line).where(Line.id == ident["paul"]))
        call = ClickToCall(tenant_id=bauer.tenant_id, line_id=bauer.id, target="+33145000000", status="ended",
                           call_uuid="sweep-c2c")
        sms = SmsMessage(tenant_id=bauer.tenant_id, line_id=bauer.id, to_number="+33175000101", body="Bonjour",
                         status="sent")  # an SMS sent from Paul's line (C-2)
        ctx.session.add_all([call, sms])
        ctx.session.commit()
        ident["c2c"], ident["sms"] = call.id, sms.id
        ident["reception_rule"] = ctx.session.scalar(select(ReceptionRule.id).where(
            ReceptionRule.reception_id == ident["accueil1"]).order_by(ReceptionRule.priority))
        sav = ctx.session.scalar(select(SpecialNumber))  # the demo's special number, with a profile and a rule
        ident["special"], ident["special_profile"] = sav.id, special_edit.create_profile(ctx, sav, "Ouverture").id
        ident["special_rule"] = special_rules.add_rule(ctx, sav, {"days": "mon-fri", "profile": "Ouverture"}).id
        ctx.commit()
    with rt.context() as ctx:  # an audio file of the demo company (§3.7.4)
        from orchestrator.services.audio import service as audio_service
        from orchestrator.services.audio.schema import AudioDoc
        tid = ctx.session.get(Line, ident["paul"]).tenant_id
        ident["audio"] = audio_service.create(ctx, ctx.tenant(tid), AudioDoc(name="Attente Bauer",
                                                                             category="hold_music")).id
        ctx.commit()
    return app, ident, {"other_admin": token_for(rt, OTHER_ADMIN[0]), "user": token_for(rt, PIERRE[0]),
                        "bauer": bauer_token}


def url_for_rule(rule, ident) -> str:
    """The rule with the demo company's objects (Paul's line: not Pierre's)."""
    values = {"line_id": ident["paul"], "fax_id": ident["fax"], "contact_id": ident["c_martin"],
              "list_id": ident["list"], "rec_id": ident["accueil1"], "profile_id": ident["accueil1_ouverture"],
              "token_id": ident["token"], "call_id": ident["c2c"], "sms_id": ident["sms"], "code": "fr",
              "filename": "app.css",
              "line": "+33175000102",
              "device_id": ident["device"], "mac": "000e08aa0102",
              "number": "+33175000120" if "reception-numbers" in rule.rule else "+33175000102",
              "audio_id": ident["audio"], "uuid": "5a1e0000-0000-4000-8000-000000000001"}
    if "reception" in rule.rule:  # a time rule of Accueil 1 (views and API)
        values["rule_id"] = ident["reception_rule"]
    if "special" in rule.rule:  # the special number SAV, its profile and rule (views and API)
        values.update(special_id=ident["special"], profile_id=ident["special_profile"], rule_id=ident["special_rule"],
                      number="+33811000120")
    unknown = set(rule.arguments) - set(values)
    assert not unknown, f"the sweep does not know how to fill {unknown} of {rule.rule}: add a value"
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:\w+:)?{name}>", str(values[name]), path)
    return path


def requests(app, ident):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, url_for_rule(rule, ident)


def outsider(app):
    """A client whose every request comes from OUTSIDER (sessions are bound to it)."""
    client = app.test_client()
    client.environ_base.update(OUTSIDER)
    return client


def call(client, method, url, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if url.startswith("/api/"):
        return client.open(url, method=method, headers=headers, json={})
    data = {"csrf_token": csrf(client)} if method != "GET" else None
    return client.open(url, method=method, data=data)


def test_every_route_is_covered_by_the_sweep(world):
    app, ident, _ = world
    endpoints = {rule.endpoint for rule, _, _ in requests(app, ident)}
    assert {"lines.save_line", "directory.import_confirm", "reception.members", "me.save_line",
            "api.patch_line", "api.import_csv", "account.delete_token", "auth.impersonate"} <= endpoints


def test_anonymous_gets_the_login_page_or_401(world):
    app, ident, _ = world
    client = outsider(app)
    seen = 0
    for rule, method, url in requests(app, ident):
        if rule.endpoint in PUBLIC:
            continue
        resp = call(client, method, url)
        body = resp.get_data(as_text=True)
        if rule.endpoint in OWN_AUTH:
            assert resp.status_code in (401, 403, 404) and not any(m in body for m in MARKERS), url
        elif url.startswith("/api/"):
            assert resp.status_code == 401, (method, url, resp.status_code)
        else:
            assert resp.status_code == 302 and "/login" in resp.location, (method, url, resp.status_code)
        assert not any(m in body for m in MARKERS), (method, url)
        seen += 1
    assert seen > 40


def test_public_routes_show_no_company_data(world):
    app, ident, _ = world
    client = outsider(app)
    for rule, method, url in requests(app, ident):
        if rule.endpoint in PUBLIC and method == "GET":
            resp = call(client, method, url)
            assert resp.status_code in (200, 302), url
            assert not any(m in resp.get_data(as_text=True) for m in MARKERS), url


def test_another_companys_admin_never_reaches_the_demo_company(world):
    app, ident, tokens = world
    client = outsider(app)
    login(client, OTHER_ADMIN)
    for rule, method, url in requests(app, ident):
        if rule.endpoint in PUBLIC | OWN_AUTH or rule.endpoint == "auth.logout":
            continue
        resp = call(client, method, url, tokens["other_admin"])
        body = resp.get_data(as_text=True)
        assert not any(m in body for m in MARKERS), (method, url, resp.status_code)
        if rule.arguments - {"code", "filename"}:
            assert resp.status_code in (403, 404), (method, url, resp.status_code, resp.location)
        else:
            assert resp.status_code in (200, 302, 400, 403, 404, 422), (method, url, resp.status_code)
    # still logged in as themselves, and the demo company is untouched
    assert client.get("/services/").status_code == 200
    bauer = app.test_client()
    page = bauer.get("/api/v1/lines", headers={"Authorization": f"Bearer {tokens['bauer']}"}).get_json()
    assert [ln["label"] for ln in page] == ["Pierre", "Paul", "Jacques", "James Bond"]


def test_a_user_gets_403_on_admin_routes_and_404_on_other_lines(world):
    app, ident, tokens = world
    client = outsider(app)
    login(client, PIERRE)
    user_views = {"me.index", "me.line", "me.save_line", "me.directory", "applystatus.status_json",
                  "applystatus.status_stream", "vmcounters.counts_json", "vmcounters.counts_stream",
                  "account.password", "auth.logout", "auth.stop_impersonating", "calls.index", "calls.click",
                  "calls.send_sms", "voicemail.index"}
    user_api = {"api.list_lines", "api.get_line", "api.patch_line", "api.me", "api.status", "api.get_directory",
                "api.list_contacts", "api.get_contact", "api.call_log", "api.start_click_to_call", "api.send_sms"}
    user_views |= {"me.new_contact", "me.create_contact"}  # the personal directory
    user_api |= {"api.list_my_contacts", "api.create_my_contact"}
    user_api |= {"api.change_my_password", "api.voicemail_counters"}  # P-9: one's own password (the empty body: 422)
    user_api |= {"api.list_sms"}  # C-2: the SMS sent from one's own lines
    for rule, method, url in requests(app, ident):
        if rule.endpoint in PUBLIC | OWN_AUTH or rule.endpoint == "auth.logout":
            continue
        resp = call(client, method, url, tokens["user"])
        status = resp.status_code
        of_pauls_line = ("me.line", "me.save_line", "api.get_line", "api.patch_line", "api.get_click_to_call",
                         "calls.progress", "calls.progress_stream", "api.line_call_log", "api.get_sms")
        if rule.endpoint in of_pauls_line or rule.endpoint in VOICEMAIL_OF_A_LINE | PERSONAL_CONTACT:
            assert status == 404, (method, url, status)  # Paul's line
            assert "Paul" not in resp.get_data(as_text=True)
        elif rule.endpoint == "auth.stop_impersonating":
            assert status == 403
        elif rule.endpoint in user_views or rule.endpoint in user_api:
            # allowed; an empty JSON body to a POST is refused as invalid input (422), not as forbidden
            assert status in (200, 302) or (status == 422 and method == "POST"), (method, url, status)
        else:
            assert status == 403, (method, url, status)
    # the sweep ran as the user from start to end
    assert client.get("/me/").location.startswith("/me/lines/")
