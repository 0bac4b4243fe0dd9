"""Special 08xx numbers in the web UI and the JSON API (manual §3.7.2, §3.7.7;
S-1..S-4, N-2, N-3): adding from the pool and deleting, the profiles with the
one active now and the forced one, the routing editor with load shares and
odds, the time-and-origin rules, "test this number", the statistics with
their CSV; bad input shown next to each field; another company gets 404."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from webui_helpers import (
    ADMIN,
    OTHER_ADMIN,
    PIERRE,
    field_error,
    load_demo,
    load_other_tenant,
    logged_in,
    make_app,
    post,
    token_for,
)

from orchestrator.db.models import CallRecord, PhoneNumber, SpecialNumber
from orchestrator.domain.errors import Errors
from orchestrator.services import inventory

SAV = "+33811000120"


@pytest.fixture
def app(rt):
    load_demo(rt)
    load_other_tenant(rt)
    with rt.context(actor="test") as ctx:
        errors = Errors()
        for raw in ("0811030093", "0811030096", "0892000300"):
            inventory.add_to_pool(ctx.session, errors, raw, "FR")
        inventory.add_to_pool(ctx.session, errors, "0811030102", "FR", gold=True)
        assert not errors
        ctx.commit()
    return make_app(rt)


def sav(ctx) -> SpecialNumber:
    return ctx.session.scalar(select(SpecialNumber).where(SpecialNumber.number == SAV))


def sav_ids(rt) -> tuple[int, list[int]]:
    with rt.context() as ctx:
        sp = sav(ctx)
        return sp.id, [p.id for p in sp.profiles]


def admin(app):
    """The admin, in English: the new screens' French comes with the next catalogue merge;
    the English texts are the msgids and stay."""
    client = logged_in(app, ADMIN)
    client.get("/lang/en")
    return client


def add_profile(client, special_id: int, name: str) -> int:
    resp = post(client, f"/special/{special_id}/profiles", {"name": name})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return int(resp.location.rstrip("/").rsplit("/", 1)[1])


def routing_form(rows: list[list[tuple[str, str]]], op: str = "save") -> dict:
    data: dict = {"routing_count": str(len(rows)), "op": op}
    for i, dests in enumerate(rows):
        data[f"routings[{i}].count"] = str(len(dests))
        for j, (number, percent) in enumerate(dests):
            data[f"routings[{i}].destinations[{j}].number"] = number
            data[f"routings[{i}].destinations[{j}].percent"] = percent
    return data


def api(client, method: str, url: str, token: str, json=None):
    return client.open(f"/api/v1{url}", method=method, headers={"Authorization": f"Bearer {token}"}, json=json)


# -- the list and adding (§3.7.2) --------------------------------------------------------

def test_lines_and_switchboard_link_to_the_special_numbers(rt, app):
    special_id, _ = sav_ids(rt)
    client = logged_in(app, ADMIN)
    lines = client.get("/services/").get_data(as_text=True)
    assert f'href="/special/{special_id}"' in lines and 'href="/special/new"' in lines
    assert 'href="/special/"' in client.get("/reception/").get_data(as_text=True)
    page = client.get("/special/").get_data(as_text=True)
    assert "08 11 00 01 20" in page and "SAV" in page and "Prix d&#39;un appel local" in page
    # the manual's words where the catalogue has them already
    detail = client.get(f"/special/{special_id}").get_data(as_text=True)
    for words in ("Prix appelant", "Profils", "Nom du profil", "Forcer", "Tester ce numéro", "Numéro composé"):
        assert words in detail, words
    assert '<span class="badge active">Profil par défaut</span>' in page


def test_add_a_special_number_from_the_pool(rt, app):
    client = admin(app)
    page = client.get("/special/new?prefix=0811").get_data(as_text=True)
    assert "0811 (Local call price)" in page and "0892 (0.34 EUR/min)" in page
    offered = re.findall(r'name="number" value="([^"]+)"', page)
    assert offered == ["+33811030102", "+33811030093", "+33811030096"]
    assert page.count("Gold number") == 1
    assert re.findall(r'name="number" value="([^"]+)"', client.get("/special/new?prefix=0811&last_digits=096")
                      .get_data(as_text=True)) == ["+33811030096"]
    resp = post(client, "/special/new", {"number": "+33811030093", "label": "Hotline", "destination": "01 45 00 00 00"})
    assert resp.status_code == 302
    page = client.get(resp.location).get_data(as_text=True)
    assert "The special number 0811030093 has been added." in page
    assert "My special number" in page and "Routing 1 : 01 45 00 00 00 (100 %)" in page
    with rt.context() as ctx:
        row = ctx.session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == "+33811030093"))
        assert row.usage == "special"


def test_add_shows_bad_input_next_to_the_fields(rt, app):
    client = admin(app)
    resp = post(client, "/special/new?prefix=0811", {"label": "Hotline", "destination": "06 12 34 56 78"})
    assert resp.status_code == 422
    assert field_error(resp.get_data(as_text=True), "f-number")  # no number chosen
    resp = post(client, "/special/new", {"number": "+33811030093", "label": "Hotline", "destination": "06 12 34 56 78"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "not a mobile number" in field_error(page, "f-destination")
    assert 'value="06 12 34 56 78"' in page and 'value="Hotline"' in page  # nothing typed is lost
    assert re.search(r'value="\+33811030093" checked', page)
    taken = post(client, "/special/new", {"number": SAV, "label": "X"})
    assert taken.status_code == 422 and field_error(taken.get_data(as_text=True), "f-number")
    with rt.context() as ctx:
        assert ctx.session.scalar(select(SpecialNumber).where(SpecialNumber.number == "+33811030093")) is None


def test_delete_a_special_number(rt, app):
    special_id, _ = sav_ids(rt)
    client = admin(app)
    page = client.get(f"/special/{special_id}").get_data(as_text=True)
    assert 'data-confirm="Delete the special number 08 11 00 01 20?"' in page
    resp = post(client, f"/special/{special_id}/delete")
    assert resp.status_code == 302 and resp.location.endswith("/special/")
    with rt.context() as ctx:
        assert sav(ctx) is None
    assert client.get(f"/special/{special_id}").status_code == 404


# -- the page: profiles, forcing (§3.7.7.1-3.7.7.5) ----------------------------------------

def test_profiles_create_duplicate_force_and_delete(rt, app):
    special_id, (default_id,) = sav_ids(rt)
    client = admin(app)
    page = client.get(f"/special/{special_id}").get_data(as_text=True)
    assert len(re.findall(r'<tr class="profile active"', page)) == 1
    assert "Local call price" in page
    assert "Routing 1 : 01 75 00 01 20 (50 %), 01 75 00 01 02 (50 %)" in page
    ouverture = add_profile(client, special_id, "Ouverture")
    taken = post(client, f"/special/{special_id}/profiles", {"name": "Ouverture"})
    assert taken.status_code == 422 and field_error(taken.get_data(as_text=True), "f-name")
    assert post(client, f"/special/{special_id}/profiles/{default_id}/duplicate").status_code == 302
    resp = post(client, f"/special/{special_id}/force", {"profile": str(ouverture)})
    page = client.get(resp.location).get_data(as_text=True)
    assert "Profile Ouverture is forced." in page
    assert re.search(r'<tr class="profile forced" data-profile="Ouverture">', page)
    assert re.findall(r'<tr class="profile ([a-z]*)" data-profile="([^"]+)"', page) == [
        ("", "Profil par défaut"), ("forced", "Ouverture"), ("", "Copy of Profil par défaut")]
    post(client, f"/special/{special_id}/force", {"profile": ""})
    with rt.context() as ctx:
        sp = sav(ctx)
        assert [p.forced for p in sp.profiles] == [False, False, False]
        assert len(sp.profiles[2].routings) == 2  # the copy has the routings
    # the default profile has no delete button and cannot be deleted
    assert f"/profiles/{default_id}/delete" not in page
    bad = post(client, f"/special/{special_id}/profiles/{default_id}/delete")
    assert bad.status_code == 422 and "the default profile cannot be deleted" in bad.get_data(as_text=True)
    assert post(client, f"/special/{special_id}/profiles/{ouverture}/delete").status_code == 302
    assert post(client, f"/special/{special_id}/force", {"profile": "999999"}).status_code == 404
    with rt.context() as ctx:
        assert [p.name for p in sav(ctx).profiles] == ["Profil par défaut", "Copy of Profil par défaut"]


def test_label_and_profile_rename(rt, app):
    special_id, (default_id,) = sav_ids(rt)
    client = admin(app)
    assert post(client, f"/special/{special_id}/label", {"label": "Service client"}).status_code == 302
    bad = post(client, f"/special/{special_id}/label", {"label": ""})
    assert bad.status_code == 422 and field_error(bad.get_data(as_text=True), "f-label")
    url = f"/special/{special_id}/profiles/{default_id}"
    assert post(client, url + "/rename", {"name": "Standard"}).status_code == 302
    add_profile(client, special_id, "Nuit")
    clash = post(client, url + "/rename", {"name": "Nuit"})
    assert clash.status_code == 422 and field_error(clash.get_data(as_text=True), "f-name")
    assert 'value="Nuit"' in clash.get_data(as_text=True)
    with rt.context() as ctx:
        assert (sav(ctx).label, sav(ctx).profiles[0].name) == ("Service client", "Standard")


# -- routings with percentages (S-2) ----------------------------------------------------------

def test_routing_editor_redraws_checks_and_saves(rt, app):
    special_id, (default_id,) = sav_ids(rt)
    client = admin(app)
    url = f"/special/{special_id}/profiles/{default_id}"
    page = client.get(url).get_data(as_text=True)
    assert 'name="routings[0].destinations[1].number" value="0175000102"' in page
    assert "reception number Accueil 1" in page
    assert re.findall(r'<td class="odds">([^<]+)</td>', page) == ["50.00 %", "50.00 %", "100.00 %"]
    # « Ajouter un numéro » redraws the form with a new row taking what is left; nothing saved
    rows = [[("0145000000", "60")], [("0145000001", "100")]]
    redraw = post(client, url + "/routings", routing_form(rows, op="add_dest:0"))
    text = redraw.get_data(as_text=True)
    assert redraw.status_code == 200 and 'name="routings[0].destinations[1].percent" value="40"' in text
    assert "These routings are not saved yet." in text
    text = post(client, url + "/routings", routing_form(rows, op="add_routing")).get_data(as_text=True)
    assert 'name="routing_count" value="3"' in text
    text = post(client, url + "/routings", routing_form(rows, op="remove_dest:1:0")).get_data(as_text=True)
    assert 'name="routing_count" value="1"' in text  # its last number gone, the routing goes
    # shares not totalling 100, a mobile number: errors next to them, values kept
    bad = post(client, url + "/routings", routing_form([[("0145000000", "60"), ("0612345678", "30")]]))
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "add up to 90" in field_error(text, "f-routings-0-destinations")
    assert "not a mobile number" in field_error(text, "f-routings-0-destinations-1-number")
    assert 'value="0612345678"' in text and '<span class="total">90</span>' in text
    with rt.context() as ctx:
        assert len(sav(ctx).profiles[0].routings) == 2  # unchanged
    ok = post(client, url + "/routings", routing_form([[("0145000000", "75"), ("0175000120", "25")],
                                                        [("0145000002", "100")]]))
    assert ok.status_code == 302
    text = client.get(ok.location).get_data(as_text=True)
    assert "The routings have been saved." in text
    assert re.findall(r'<td class="odds">([^<]+)</td>', text) == ["75.00 %", "25.00 %", "100.00 %"]
    with rt.context() as ctx:
        routings = sav(ctx).profiles[0].routings
        assert [[(d.number, d.reception_id is not None, d.percent) for d in r.destinations] for r in routings] == [
            [("+33145000000", False, 75), (None, True, 25)], [("+33145000002", False, 100)]]


def test_test_this_number_shows_profile_reason_and_odds(rt, app):
    special_id, _ = sav_ids(rt)
    client = admin(app)
    page = client.get(f"/special/{special_id}?test=1&caller=0612345678&at=2026-11-30T10:00").get_data(as_text=True)
    assert '<strong class="plan-profile">Profil par défaut</strong>' in page
    assert "no rule matched for a caller from Mobile: default profile" in page
    assert "caller origin: mobile" in page
    # every routing of the profile with its odds, routing 2 too (issue 16: it was only named)
    assert re.findall(r'<td class="odds">([^<]+)</td>', page) == ["50.00 %", "50.00 %", "100.00 %"]
    bad = client.get(f"/special/{special_id}?test=1&at=demain").get_data(as_text=True)
    assert "YYYY-MM-DD" in bad


# -- time-and-origin rules (§3.7.7.4) -----------------------------------------------------

def rule_form(**kw) -> dict:
    data = {"days_kind": "weekdays", "weekday_from": "mon", "weekday_to": "fri", "date_from": "", "date_to": "",
            "hours_kind": "range", "time_from": "08:00", "time_to": "18:00", "origins": ["01", "mobile"]}
    data.update(kw)
    return data


def test_rules_need_a_custom_profile_then_are_listed_moved_and_deleted(rt, app):
    special_id, _ = sav_ids(rt)
    client = admin(app)
    page = client.get(f"/special/{special_id}/rules").get_data(as_text=True)
    assert "Create at least one custom profile" in page and 'id="add-rule"' not in page
    ouverture = add_profile(client, special_id, "Ouverture")
    form = client.get(f"/special/{special_id}/rules/new").get_data(as_text=True)
    assert re.search(rf'<option value="{ouverture}" selected>Ouverture</option>', form)
    assert form.count('name="origins"') == 7 and form.count('<option value="23:50"') == 2
    resp = post(client, f"/special/{special_id}/rules/new", rule_form(profile=str(ouverture)))
    assert resp.status_code == 302
    post(client, f"/special/{special_id}/rules/new", rule_form(
        profile=str(ouverture), days_kind="dates", date_from="20/09", date_to="23/09", hours_kind="all",
        origins=["01", "02", "03", "04", "05", "mobile", "other"]))
    page = client.get(f"/special/{special_id}/rules").get_data(as_text=True)
    whens = re.findall(r'<span class="when">([^<]+)</span><br><span class="who">([^<]+)</span>', page)
    assert whens == [("From Monday to Friday, from 08:00 to 18:00", "Callers from 01,Mobile"),
                     ("From 20/09 to 23/09, all day", "All callers")]
    with rt.context() as ctx:
        first, second = [r.id for r in sav(ctx).rules]
    assert post(client, f"/special/{special_id}/rules/{second}/move", {"direction": "up"}).status_code == 302
    with rt.context() as ctx:
        assert [r.id for r in sav(ctx).rules] == [second, first]
    assert post(client, f"/special/{special_id}/rules/{second}/move", {"direction": "sideways"}).status_code == 400
    edit = client.get(f"/special/{special_id}/rules/{first}").get_data(as_text=True)
    assert 'value="weekdays" checked' in edit and '<option value="18:00" selected>' in edit
    assert post(client, f"/special/{special_id}/rules/{first}",
                rule_form(profile=str(ouverture), weekday_to="sat", origins=["other"])).status_code == 302
    assert post(client, f"/special/{special_id}/rules/{second}/delete").status_code == 302
    with rt.context() as ctx:
        [rule] = sav(ctx).rules
        assert (rule.id, rule.weekday_to, rule.origins, rule.priority) == (first, 6, "other", 0)


def test_rule_form_shows_each_error_next_to_its_field(rt, app):
    special_id, _ = sav_ids(rt)
    client = admin(app)
    ouverture = add_profile(client, special_id, "Ouverture")
    bad = post(client, f"/special/{special_id}/rules/new", rule_form(
        profile=str(ouverture), days_kind="dates", date_from="31/02", hours_kind="range", time_from="08:00",
        time_to="08:00", origins=[]))
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert field_error(text, "f-days") and field_error(text, "f-hours") and field_error(text, "f-origins")
    assert 'value="31/02"' in text and 'value="dates" checked' in text  # nothing typed is lost
    unknown = post(client, f"/special/{special_id}/rules/new", rule_form(profile="999999"))
    assert unknown.status_code == 422 and field_error(unknown.get_data(as_text=True), "f-profile")
    with rt.context() as ctx:
        assert sav(ctx).rules == []


# -- statistics (S-4) --------------------------------------------------------------------

def test_statistics_table_and_csv(rt, app):
    special_id, _ = sav_ids(rt)
    day = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    with rt.context() as ctx:
        tid = sav(ctx).tenant_id
        for i, (disp, secs) in enumerate((("answered", 90), ("answered", 30), ("missed", 0))):
            ctx.session.add(CallRecord(tenant_id=tid, call_uuid=f"s{i}", direction="inbound", caller="+33140000000",
                                       callee="+33145000000", special_number=SAV, started_at=day,
                                       answered_at=day if disp == "answered" else None, duration_s=secs,
                                       disposition=disp))
        ctx.session.commit()
    client = admin(app)
    page = client.get(f"/special/{special_id}/calls").get_data(as_text=True)
    local = day.astimezone(ZoneInfo("Europe/Paris")).date()
    assert (f'<tr class="day" data-day="{local.isoformat()}"><td>{local.strftime("%d/%m/%Y")}</td><td>3</td><td>2</td>'
            '<td>2 min 00 s</td><td>1 min 00 s</td></tr>') in page
    assert page.count('<tr class="day empty"') == 29
    assert "01 45 00 00 00" in page
    csv = client.get(f"/special/{special_id}/calls.csv")
    assert csv.mimetype == "text/csv" and "attachment" in csv.headers["Content-Disposition"]
    lines = csv.get_data().decode("utf-8-sig").splitlines()
    assert lines[0] == "Date;Calls;Answered;Total duration (s);Average duration (s)" and lines[-1] == "total;3;2;120;60"
    assert f"{local.isoformat()};3;2;120;60" in lines[1:-1] and len(lines) == 32
    bad = client.get(f"/special/{special_id}/calls?from=2026-02-30")
    assert bad.status_code == 422 and field_error(bad.get_data(as_text=True), "f-from")
    assert client.get(f"/special/{special_id}/calls.csv?from=x").status_code == 400


# -- isolation ------------------------------------------------------------------------

def test_another_company_and_users_cannot_reach_them(rt, app):
    special_id, (default_id,) = sav_ids(rt)
    other = logged_in(app, OTHER_ADMIN)
    for url in (f"/special/{special_id}", f"/special/{special_id}/rules", f"/special/{special_id}/calls",
                f"/special/{special_id}/calls.csv", f"/special/{special_id}/profiles/{default_id}",
                f"/special/{special_id}/rules/new"):
        assert other.get(url).status_code == 404, url
    assert post(other, f"/special/{special_id}/delete").status_code == 404
    assert "SAV" not in other.get("/special/").get_data(as_text=True)
    # a profile of another special number is not found under this one
    resp = post(logged_in(app, ADMIN), "/special/new", {"number": "+33892000300", "label": "Autre"})
    second = int(resp.location.rsplit("/", 1)[1])
    assert logged_in(app, ADMIN).get(f"/special/{second}/profiles/{default_id}").status_code == 404
    user = logged_in(app, PIERRE)
    assert user.get("/special/").status_code == 403
    assert post(user, f"/special/{special_id}/delete").status_code == 403
    token = token_for(rt, OTHER_ADMIN[0])
    assert api(other, "GET", f"/special-numbers/{SAV}", token).status_code == 404
    assert api(other, "DELETE", f"/special-numbers/{SAV}", token).status_code == 404
    assert api(other, "GET", "/special-numbers", token).get_json() == []
    with rt.context() as ctx:
        assert sav(ctx) is not None


# -- the JSON API ---------------------------------------------------------------------------

def test_api_numbers_profiles_and_routings(rt, app):
    client = app.test_client()
    token = token_for(rt, ADMIN[0])
    [listed] = api(client, "GET", "/special-numbers", token).get_json()
    assert (listed["number"], listed["price"], listed["now"]["by_origin"]["mobile"]) == (
        SAV, "local call price", "Profil par défaut")
    assert [d["probability"] for d in listed["profiles"][0]["routings"][0]["destinations"]] == [0.5, 0.5]
    free = api(client, "GET", "/special-numbers/available?prefix=0892", token).get_json()
    assert free == [{"number": "+33892000300", "prefix": "0892", "price": "0.34 EUR/min", "gold": False,
                     "reserved": False}]
    bad = api(client, "POST", "/special-numbers", token, {"number": "0892000300", "label": "X",
                                                          "destination": "0612345678"})
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == [{"id": "destination.kind", "field": "destination.number",
                                         "message": bad.get_json()["errors"][0]["message"]}]
    created = api(client, "POST", "/special-numbers", token, {"number": "0892000300", "label": "Ventes"})
    assert created.status_code == 201 and created.get_json()["profiles"][0]["routings"] == []
    assert api(client, "PATCH", "/special-numbers/0892000300", token, {"label": "Ventes 08"}).get_json()["label"] == \
        "Ventes 08"
    prof = api(client, "POST", f"/special-numbers/{SAV}/profiles", token, {"name": "Ouverture"})
    assert prof.status_code == 201
    pid = prof.get_json()["id"]
    again = api(client, "POST", f"/special-numbers/{SAV}/profiles", token, {"name": "Ouverture"})
    assert again.status_code == 422 and again.get_json()["errors"][0]["id"] == "profile.name_taken"
    url = f"/special-numbers/{SAV}/profiles/{pid}"
    wrong = api(client, "PUT", url + "/routings", token, {"routings": [
        {"destinations": [{"number": "0145000000", "percent": 50}, {"number": "0612345678", "percent": 40}]}]})
    assert wrong.status_code == 422
    assert sorted((e["field"], e["id"]) for e in wrong.get_json()["errors"]) == [
        ("routings[0].destinations", "routing.percent_sum"),
        ("routings[0].destinations[1].number", "destination.kind")]
    put = api(client, "PUT", url + "/routings", token, {"routings": [
        {"destinations": [{"number": "0145000000", "percent": 80}, {"reception": "0175000120", "percent": 20}]}]})
    assert put.status_code == 200
    assert put.get_json()["routings"] == [{"destinations": [
        {"number": "+33145000000", "reception": None, "percent": 80, "probability": 0.8},
        {"number": None, "reception": "+33175000120", "percent": 20, "probability": 0.2}]}]
    assert api(client, "PATCH", url, token, {"name": "Journée"}).get_json()["name"] == "Journée"
    dup = api(client, "POST", url + "/duplicate", token, {})
    assert dup.status_code == 201 and dup.get_json()["name"] == "Journée (copy)"
    forced = api(client, "POST", f"/special-numbers/{SAV}/force", token, {"profile": "Journée"}).get_json()
    assert forced["forced_profile"] == "Journée" and forced["now"]["forced"] == "Journée"
    assert api(client, "POST", f"/special-numbers/{SAV}/force", token, {"profile": "Nope"}).status_code == 422
    assert api(client, "POST", f"/special-numbers/{SAV}/force", token, {"profile": None}).get_json()[
        "forced_profile"] is None
    default_id = listed["profiles"][0]["id"]
    undeletable = api(client, "DELETE", f"/special-numbers/{SAV}/profiles/{default_id}", token)
    assert undeletable.status_code == 422 and undeletable.get_json()["errors"][0]["id"] == \
        "profile.default_undeletable"
    assert api(client, "DELETE", f"/special-numbers/{SAV}/profiles/{dup.get_json()['id']}", token).status_code == 204
    assert api(client, "DELETE", "/special-numbers/0892000300", token).status_code == 204
    assert api(client, "GET", "/special-numbers/0892000300", token).status_code == 404
    user = api(client, "GET", "/special-numbers", token_for(rt, PIERRE[0], "pierre"))
    assert user.status_code == 403


def test_api_rules_statistics_and_the_resolver_follows_the_changes(rt, app):
    client = app.test_client()
    token = token_for(rt, ADMIN[0])
    base = f"/special-numbers/{SAV}"
    need = api(client, "POST", base + "/rules", token, {"days": "mon-fri", "profile": "Profil par défaut"})
    assert need.status_code == 422 and need.get_json()["errors"][0]["id"] == "rule.needs_custom_profile"
    pid = api(client, "POST", base + "/profiles", token, {"name": "Mobiles"}).get_json()["id"]
    assert api(client, "PUT", f"{base}/profiles/{pid}/routings", token, {"routings": [
        {"destinations": [{"number": "0145000000", "percent": 25}, {"number": "0145000001", "percent": 75}]}]}
    ).status_code == 200
    bad = api(client, "POST", base + "/rules", token, {"days": "mon-fri", "hours": "08:05-18:00", "profile": "Mobiles"})
    assert bad.status_code == 422 and bad.get_json()["errors"] == [
        {"id": "rule.step", "field": "hours", "message": bad.get_json()["errors"][0]["message"]}]
    rule = api(client, "POST", base + "/rules", token, {"days": "mon-fri", "hours": "08:00-18:00",
                                                        "origins": ["mobile"], "profile": "Mobiles"})
    assert rule.status_code == 201
    assert rule.get_json() | {"id": 0, "profile_id": 0} == {"id": 0, "priority": 1, "profile_id": 0, "days": "mon-fri",
                                                            "hours": "08:00-18:00", "origins": ["mobile"],
                                                            "profile": "Mobiles"}
    # the route simulator sees the change at once: a mobile caller on Monday at 10:00 gets "Mobiles"
    sim = api(client, "GET", "/simulate?to=0811000120&from=0612345678&at=2026-11-30T10:00", token).get_json()
    assert sim["steps"][1].startswith('profile "Mobiles": rule 1 matched (mon-fri, 08:00-18:00, callers mobile)')
    assert sim["choices"] == [{"routing": 1, "destinations": [
        {"to": "+33145000000", "percent": 25, "probability": 0.25},
        {"to": "+33145000001", "percent": 75, "probability": 0.75}]}]
    landline = api(client, "GET", "/simulate?to=0811000120&from=0140000000&at=2026-11-30T10:00", token).get_json()
    assert "default profile" in landline["steps"][1]
    second = api(client, "POST", base + "/rules", token, {"days": "sat-sun", "profile": "Mobiles"}).get_json()
    moved = api(client, "POST", f"{base}/rules/{second['id']}/move", token, {"direction": "up"}).get_json()
    assert [r["id"] for r in moved] == [second["id"], rule.get_json()["id"]] and moved[0]["priority"] == 1
    changed = api(client, "PUT", f"{base}/rules/{rule.get_json()['id']}", token,
                  {"days": "all", "hours": "all", "origins": [], "profile": "Mobiles"})
    assert changed.get_json()["origins"] == [] and changed.get_json()["priority"] == 2
    assert api(client, "DELETE", f"{base}/rules/{second['id']}", token).status_code == 204
    assert [r["days"] for r in api(client, "GET", base + "/rules", token).get_json()] == ["all"]
    sim = api(client, "GET", "/simulate?to=0811000120&from=0140000000&at=2026-11-29T23:00", token).get_json()
    assert sim["steps"][1].startswith('profile "Mobiles": rule 1 matched')
    stats = api(client, "GET", base + "/statistics?from=2026-03-01&to=2026-03-03", token)
    assert stats.status_code == 200 and stats.get_json()["total"]["calls"] == 0
    assert [d["date"] for d in stats.get_json()["days"]] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert api(client, "GET", base + "/statistics?from=2026-03-05&to=2026-03-01", token).status_code == 422
    csv = api(client, "GET", base + "/statistics.csv?from=2026-03-01&to=2026-03-02", token)
    assert csv.mimetype == "text/csv" and csv.get_data().decode("utf-8-sig").splitlines()[-1] == "total;0;0;0;0"
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/special-numbers", "/api/v1/special-numbers/{number}/profiles/{profile_id}/routings",
            "/api/v1/special-numbers/{number}/rules/{rule_id}/move",
            "/api/v1/special-numbers/{number}/statistics"} <= set(spec["paths"])
