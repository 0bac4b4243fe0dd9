"""« Mon standard » editors in the web UI (manual §3.7.1,
§3.7.5, §3.7.6; R-1, I-*, T-1..T-3): adding and deleting a reception number,
profiles (create, rename, type, pre-answer, duplicate, delete), time rules
(add, edit, move, delete) and the IVR editor; bad input, roles and tenant
isolation; and the route simulator following what the forms saved. The
JSON API of the same operations: test_webui_reception_edit_api.py.

Assertions on new wording use ids, classes and field errors, not text, so
that they hold before and after the French catalogue is merged."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from webui_helpers import (
    ADMIN,
    OTHER_ADMIN,
    PIERRE,
    field_error,
    ids,
    load_demo,
    load_other_tenant,
    logged_in,
    make_app,
    post,
    token_for,
)

from orchestrator.db.models import AudioFile, ReceptionNumber, ReceptionProfile, Tenant
from orchestrator.domain.errors import Errors
from orchestrator.render.snapshot import load_snapshot
from orchestrator.routing.resolver import resolve
from orchestrator.services import inventory
from orchestrator.services.reception import rules as rules_edit

PARIS = ZoneInfo("Europe/Paris")
ACCUEIL1, ACCUEIL2 = "+33175000120", "+33974762328"


@pytest.fixture(name="app")
def app_fixture(rt):
    load_demo(rt)
    load_other_tenant(rt)
    with rt.context(actor="test") as ctx:
        tenant = ctx.session.scalar(select(Tenant).where(Tenant.name == "Bauer SA"))
        errors = Errors()
        for raw in ("+33175000150", "+33175000151", "+33975000152"):
            inventory.add_to_pool(ctx.session, errors, raw, "FR")
        assert not errors
        ctx.session.add_all([AudioFile(tenant_id=tenant.id, name="Menu principal", category="ivr_menu"),
                             AudioFile(tenant_id=tenant.id, name="Bienvenue", category="pre_answer")])
        ctx.commit()
    return make_app(rt)


@pytest.fixture
def admin(app):
    return logged_in(app, ADMIN)


def rec_of(ctx, number=ACCUEIL1) -> ReceptionNumber:
    return ctx.session.scalar(select(ReceptionNumber).where(ReceptionNumber.number == number))


def profile_names(rt, number=ACCUEIL1) -> list[str]:
    with rt.context() as ctx:
        return [p.name for p in rec_of(ctx, number).profiles]


def rule_rows(rt, number=ACCUEIL1) -> list[tuple[str, str, str]]:
    with rt.context() as ctx:
        return [(r["days"], r["hours"], r["profile"]) for r in rules_edit.rule_list(rec_of(ctx, number))]


def profile_id(rt, name: str, number=ACCUEIL1) -> int:
    with rt.context() as ctx:
        return next(p.id for p in rec_of(ctx, number).profiles if p.name == name)


def errors_of(resp) -> list[tuple[str, str]]:
    return [(e["id"], e["field"]) for e in resp.get_json()["errors"]]


# -- §3.7.1 adding and deleting -----------------------------------------------------------

def test_add_a_reception_number_from_the_proposals(rt, admin):
    page = admin.get("/reception/").get_data(as_text=True)
    assert 'id="add-reception" href="/reception/new"' in page
    page = admin.get("/reception/new").get_data(as_text=True)
    assert re.findall(r'name="number" value="(\+\d+)"', page) == ["+33175000150", "+33175000151"]
    assert "01 75 00 01 50" in page
    voip = admin.get("/reception/new?kind=voip").get_data(as_text=True)
    assert re.findall(r'name="number" value="(\+\d+)"', voip) == ["+33975000152"]
    carte = admin.get("/reception/new?digits=151").get_data(as_text=True)
    assert re.findall(r'name="number" value="(\+\d+)"', carte) == ["+33175000151"]
    resp = post(admin, "/reception/new", {"number": "+33175000151", "label": "Support", "short_number": "310"})
    assert resp.status_code == 302
    with rt.context() as ctx:
        rec = rec_of(ctx, "+33175000151")
        assert (rec.label, rec.short_number, [(p.name, p.kind, p.strategy, p.is_default) for p in rec.profiles]) == (
            "Support", "310", [("Profil par défaut", "hunt", "simultaneous", True)])
        assert resp.location == f"/reception/{rec.id}"
    detail = admin.get(resp.location).get_data(as_text=True)
    assert '<div class="alert ok"' in detail and "Profil par défaut" in detail
    # a number typed "à la carte": free in the pool
    resp = post(admin, "/reception/new", {"number": "other", "other_number": "09 75 00 01 52", "label": "Nuit"})
    assert resp.status_code == 302
    assert profile_names(rt, "+33975000152") == ["Profil par défaut"]


def test_add_with_bad_input_shows_the_form_again(rt, admin):
    resp = post(admin, "/reception/new", {"number": "other", "other_number": "01 75 00 01 99", "label": "Sup\u0007port",
                                          "short_number": "201"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert field_error(page, "f-number") and "pool" in re.search(r'id="f-number-error" title="([^"]*)"', page).group(1)
    assert field_error(page, "f-label") == "Les retours à la ligne et caractères de contrôle ne sont pas acceptés."
    assert field_error(page, "f-short_number") == "Ce numéro court est déjà utilisé."
    assert 'value="01 75 00 01 99"' in page  # nothing typed is lost
    assert re.search(r'value="other" id="f-number-other" checked', page)
    missing = post(admin, "/reception/new", {"number": "+33175000150", "label": ""})
    assert missing.status_code == 422 and field_error(missing.get_data(as_text=True), "f-label")
    taken = post(admin, "/reception/new", {"number": "other", "other_number": ACCUEIL2, "label": "X"})
    assert field_error(taken.get_data(as_text=True), "f-number")
    with rt.context() as ctx:
        assert len(ctx.session.scalars(select(ReceptionNumber)).all()) == 2


def test_delete_is_confirmed_and_refused_while_something_calls_the_number(rt, admin):
    ident = ids(rt)
    page = admin.get(f"/reception/{ident['accueil1']}/delete").get_data(as_text=True)
    assert 'id="delete-refused"' in page and 'id="confirm-delete"' not in page
    assert "key 3 of the profile &#39;Profil par défaut&#39; of Accueil 2" in page
    refused = post(admin, f"/reception/{ident['accueil1']}/delete")
    assert refused.status_code == 422 and '<div class="alert error" role="alert">' in refused.get_data(as_text=True)
    page = admin.get(f"/reception/{ident['accueil2']}/delete").get_data(as_text=True)
    assert 'id="confirm-delete"' in page and 'id="delete-refused"' not in page
    resp = post(admin, f"/reception/{ident['accueil2']}/delete")
    assert resp.status_code == 302 and resp.location == "/reception/"
    with rt.context() as ctx:
        assert rec_of(ctx, ACCUEIL2) is None and rec_of(ctx) is not None
    assert admin.get(f"/reception/{ident['accueil2']}").status_code == 404
    assert rt.notifier.calls


def test_label_and_short_number(rt, admin):
    ident = ids(rt)
    url = f"/reception/{ident['accueil1']}/settings"
    assert post(admin, url, {"label": "Standard", "short_number": ""}).status_code == 302
    with rt.context() as ctx:
        assert (rec_of(ctx).label, rec_of(ctx).short_number) == ("Standard", None)
    bad = post(admin, url, {"label": "Accueil\r\nbis", "short_number": "1"})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert field_error(page, "f-label") and field_error(page, "f-short_number") == \
        "Un numéro court a de 2 à 6 chiffres et ne commence pas par 0."
    empty = post(admin, url, {"label": "", "short_number": "310"})  # the schema's limits come first
    assert empty.status_code == 422 and field_error(empty.get_data(as_text=True), "f-label") == \
        "Ce champ est obligatoire."
    with rt.context() as ctx:
        assert rec_of(ctx).label == "Standard"


# -- §3.7.6.1-3 profiles -----------------------------------------------------------------------

def test_create_rename_duplicate_and_delete_profiles(rt, admin):
    ident = ids(rt)
    base = f"/reception/{ident['accueil1']}"
    assert post(admin, base + "/profiles/new", {"name": "Soir", "kind": "hunt"}).status_code == 302
    assert post(admin, base + "/profiles/new", {"name": "Menu", "kind": "ivr"}).status_code == 302
    assert profile_names(rt) == ["Profil par défaut", "Ouverture", "Soir", "Menu"]
    page = admin.get(base).get_data(as_text=True)
    menu, soir = profile_id(rt, "Menu"), profile_id(rt, "Soir")
    # the editor link follows the kind
    assert f'class="edit-ivr" href="{base}/profiles/{menu}/ivr"' in page
    assert f'class="edit-hunt" href="{base}/profiles/{soir}"' in page
    assert page.count('class="edit-ivr"') == 1
    # rename on the profile's page
    assert post(admin, f"{base}/profiles/{soir}/rename", {"name": "Soirée"}).status_code == 302
    taken = post(admin, f"{base}/profiles/{soir}/rename", {"name": "Ouverture"})
    assert taken.status_code == 422
    text = taken.get_data(as_text=True)
    assert field_error(text, "f-name") and 'value="Ouverture"' in text and 'id="hunt-form"' in text
    # duplicate: a copy with the members and settings, named after the original
    assert post(admin, f"{base}/profiles/{ident['accueil1_ouverture']}/duplicate").status_code == 302
    with rt.context() as ctx:
        rec = rec_of(ctx)
        original, copy = rec.profiles[1], rec.profiles[-1]
        assert copy.name == "Ouverture (2)"
        assert [m.line_id for m in copy.members] == [m.line_id for m in original.members]
        assert (copy.strategy, copy.cycles, copy.ring_time) == ("sequential", 3, 15)
    # delete: its rules go with it; never the default profile (no button, and refused)
    page = admin.get(base).get_data(as_text=True)
    default_row = re.search(r'<tr class="profile[^"]*" data-profile="Profil par défaut">.*?</tr>', page, re.S).group(0)
    assert "/delete" not in default_row
    assert post(admin, f"{base}/profiles/{ident['accueil1_default']}/delete").status_code == 422
    assert post(admin, f"{base}/profiles/{ident['accueil1_ouverture']}/delete").status_code == 302
    assert profile_names(rt) == ["Profil par défaut", "Soirée", "Menu", "Ouverture (2)"]
    assert rule_rows(rt) == []


def test_profile_bad_input(rt, admin):
    ident = ids(rt)
    base = f"/reception/{ident['accueil1']}"
    for data, text in [({"name": "Ouverture", "kind": "hunt"}, None),
                       ({"name": "a\nb", "kind": "hunt"},
                        "Les retours à la ligne et caractères de contrôle ne sont pas acceptés."),
                       ({"name": "x" * 81, "kind": "hunt"}, "Ce texte est trop long."),
                       ({"name": "", "kind": "hunt"}, "Ce champ est obligatoire.")]:
        resp = post(admin, base + "/profiles/new", data)
        assert resp.status_code == 422
        page = resp.get_data(as_text=True)
        assert field_error(page, "f-name") is not None, data
        if text:
            assert field_error(page, "f-name") == text
    resp = post(admin, base + "/profiles/new", {"name": "Ok", "kind": "fax"})
    assert resp.status_code == 422 and field_error(resp.get_data(as_text=True), "f-kind") == \
        "Choisissez une des valeurs proposées."
    assert profile_names(rt) == ["Profil par défaut", "Ouverture"]


def test_reception_type_and_pre_answer(rt, admin):
    ident = ids(rt)
    url = f"/reception/{ident['accueil1']}/profiles/{ident['accueil1_ouverture']}"
    page = admin.get(url).get_data(as_text=True)
    assert 'id="rename-form"' in page and 'id="pre-answer-form"' in page and "Bienvenue" in page
    assert post(admin, url + "/pre-answer", {"pre_answer": "Bienvenue"}).status_code == 302
    bad = post(admin, url + "/pre-answer", {"pre_answer": "Menu principal"})  # an IVR menu, not a greeting
    assert bad.status_code == 422 and field_error(bad.get_data(as_text=True), "f-pre_answer")
    assert post(admin, url + "/type", {"kind": "ivr"}).status_code == 302
    with rt.context() as ctx:
        prof = ctx.session.get(ReceptionProfile, ident["accueil1_ouverture"])
        assert (prof.kind, prof.members, prof.pre_answer_audio_id is not None) == ("ivr", [], True)
    page = admin.get(url).get_data(as_text=True)  # « Modifier » now shows the voice menu
    assert 'id="ivr-form"' in page and 'id="hunt-form"' not in page
    assert admin.get(url + "/ivr").status_code == 200
    hunt = f"/reception/{ident['accueil1']}/profiles/{ident['accueil1_default']}"
    assert admin.get(hunt + "/ivr").location == hunt  # a hunt group has its own editor


# -- §3.7.6.4 time rules -----------------------------------------------------------------------

RULE = {"days_kind": "weekdays", "weekday_from": "sat", "weekday_to": "sun", "hours_kind": "range",
        "time_from": "09:00", "time_to": "12:30", "profile": "Ouverture"}


def test_add_edit_move_and_delete_rules(rt, admin):
    ident = ids(rt)
    base = f"/reception/{ident['accueil1']}"
    page = admin.get(base + "/rules/new").get_data(as_text=True)
    assert 'id="rule-form"' in page and page.count("<option value=") > 2 * 144
    assert 'id="f-days_kind-weekdays" checked' in page
    resp = post(admin, base + "/rules/new", RULE)
    assert resp.status_code == 302 and resp.location == f"{base}#rules"
    assert rule_rows(rt)[-1] == ("sat-sun", "09:00-12:30", "Ouverture")
    with rt.context() as ctx:
        ids_ = [r.id for r in rec_of(ctx).rules]
    new = ids_[-1]
    page = admin.get(base).get_data(as_text=True)
    assert re.findall(r'<tr class="rule" data-rule="(\d+)"', page) == [str(i) for i in ids_]
    assert "Du samedi au dimanche, de 09:00 à 12:30" in page
    # ▲ moves it up one place
    assert post(admin, f"{base}/rules/{new}/move", {"direction": "up"}).status_code == 302
    assert [r[0:2] for r in rule_rows(rt)] == [("mon-fri", "08:00-12:00"), ("sat-sun", "09:00-12:30"),
                                              ("mon-fri", "14:00-18:00")]
    # the edit form shows the rule; a date, all day, to the default profile
    page = admin.get(f"{base}/rules/{new}").get_data(as_text=True)
    assert 'id="f-days_kind-weekdays" checked' in page and '<option value="12:30" selected>' in page
    resp = post(admin, f"{base}/rules/{new}", {"days_kind": "dates", "date_from": "24/12", "date_to": "26/12",
                                               "hours_kind": "all", "profile": "Profil par défaut"})
    assert resp.status_code == 302
    assert rule_rows(rt)[1] == ("24/12-26/12", "all", "Profil par défaut")
    assert post(admin, f"{base}/rules/{new}/delete").status_code == 302
    assert len(rule_rows(rt)) == 2
    assert admin.get(f"{base}/rules/{new}").status_code == 404
    assert post(admin, f"{base}/rules/{ids_[0]}/move", {"direction": "sideways"}).status_code == 400


def test_rule_form_bad_input_keeps_the_values(rt, admin):
    ident = ids(rt)
    base = f"/reception/{ident['accueil1']}"
    resp = post(admin, base + "/rules/new", {**RULE, "days_kind": "dates", "date_from": "31/02", "date_to": "",
                                             "time_from": "10:00", "time_to": "10:00", "profile": "Nope"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert field_error(page, "f-days") and field_error(page, "f-hours") and field_error(page, "f-profile")
    assert 'value="31/02"' in page and 'id="f-days_kind-dates" checked' in page
    missing = post(admin, base + "/rules/new", {**RULE, "days_kind": "dates", "date_from": ""})
    assert missing.status_code == 422 and field_error(missing.get_data(as_text=True), "f-days") == \
        "Ce champ est obligatoire."
    assert len(rule_rows(rt)) == 2


def test_a_rule_made_in_the_form_is_what_the_route_simulator_picks(rt, admin):
    """The route resolver agrees with what the UI saved: a Saturday rule to
    « Ouverture », made with the form, moved to the top."""
    ident = ids(rt)
    base = f"/reception/{ident['accueil1']}"
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=PARIS)
    with rt.context() as ctx:
        snap = load_snapshot(ctx.session, [rec_of(ctx).tenant_id]).tenants[0]
        assert resolve(snap, ACCUEIL1, None, saturday).profile["name"] == "Profil par défaut"
    post(admin, base + "/rules/new", RULE)
    with rt.context() as ctx:
        new = rec_of(ctx).rules[-1].id
    post(admin, f"{base}/rules/{new}/move", {"direction": "up"})
    post(admin, f"{base}/rules/{new}/move", {"direction": "up"})
    with rt.context() as ctx:
        snap = load_snapshot(ctx.session, [rec_of(ctx).tenant_id]).tenants[0]
        plan = resolve(snap, ACCUEIL1, "0612345678", saturday)
        assert plan.profile == {"name": "Ouverture", "reason": "rule 1 matched (sat-sun, 09:00-12:30)"}
        assert resolve(snap, ACCUEIL1, None, saturday.replace(hour=13)).profile["name"] == "Profil par défaut"
    # the "test this number" panel says the same
    page = admin.get(f"{base}?test=1&to={ACCUEIL1}&at=2026-12-05T10:00").get_data(as_text=True)
    assert '<strong class="plan-profile">Ouverture</strong>' in page


# -- §3.7.5 the IVR editor ---------------------------------------------------------------------

def test_ivr_editor_shows_and_saves_the_keys(rt, admin):
    ident = ids(rt)
    ivr = profile_id(rt, "Profil par défaut", ACCUEIL2)
    url = f"/reception/{ident['accueil2']}/profiles/{ivr}/ivr"
    page = admin.get(url).get_data(as_text=True)
    assert re.search(r'<option value="line:\+33175000101" selected>', page)
    assert re.search(r'<option value="voicemail:\+33175000102" selected>', page)
    assert re.search(rf'<option value="reception:\{ACCUEIL1}:dynamic" selected>', page)
    assert f'value="reception:{ACCUEIL1}:profile:Ouverture"' in page
    assert f"reception:{ACCUEIL2}:" not in page  # not to itself
    fallback = re.search(r'<select id="f-fallback" name="fallback".*?</select>', page, re.S).group(0)
    assert '<option value="hangup" selected>' in fallback
    assert page.count('class="ivr-key') == 11
    resp = post(admin, url, {"menu": "Menu principal", "pre_answer": "Bienvenue", "keys.1": "line:+33175000103",
                             "keys.0": "hangup", "keys.5": f"reception:{ACCUEIL1}:profile:Ouverture",
                             "fallback": "voicemail:+33175000101"})
    assert resp.status_code == 302 and resp.location == url
    api = app_api(rt, admin)
    doc = api.get(f"/api/v1/reception-numbers/{ACCUEIL2}/profiles/{ivr}/ivr", headers=api.h).get_json()
    assert doc == {"pre_answer": "Bienvenue", "menu": "Menu principal",
                   "keys": {"0": {"line": None, "voicemail": None, "reception": None, "mode": None, "profile": None,
                                  "hangup": True},
                            "1": {"line": "+33175000103", "voicemail": None, "reception": None, "mode": None,
                                  "profile": None, "hangup": None},
                            "5": {"line": None, "voicemail": None, "reception": ACCUEIL1, "mode": "profile",
                                  "profile": "Ouverture", "hangup": None}},
                   "fallback": {"line": None, "voicemail": "+33175000101", "reception": None, "mode": None,
                                "profile": None, "hangup": None}}
    page = admin.get(url).get_data(as_text=True)
    assert '<option value="Menu principal" selected>' in page
    # a failed rename on the menu's page keeps the menu as saved
    bad = post(admin, f"/reception/{ident['accueil2']}/profiles/{ivr}/rename", {"name": ""})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert field_error(page, "f-name") == "Ce champ est obligatoire." and 'id="ivr-form"' in page
    assert '<option value="Menu principal" selected>' in page
    assert re.search(r'<option value="line:\+33175000103" selected>', page)


def app_api(rt, client):
    client.h = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    return client


def test_ivr_loop_and_bad_targets_are_refused(rt, admin):
    ident = ids(rt)
    base = f"/reception/{ident['accueil1']}/profiles/{ident['accueil1_ouverture']}"
    post(admin, base + "/type", {"kind": "ivr"})
    # Accueil 2's key 3 calls Accueil 1: Accueil 1 calling Accueil 2 back is a loop
    resp = post(admin, base + "/ivr", {"keys.1": "line:+33175000101", "keys.4": f"reception:{ACCUEIL2}:dynamic"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "loop" in re.search(r'id="f-keys-4-error" title="([^"]*)"', page).group(1)
    assert re.search(rf'<option value="reception:\{ACCUEIL2}:dynamic" selected>', page)  # kept
    with rt.context() as ctx:
        assert ctx.session.get(ReceptionProfile, ident["accueil1_ouverture"]).keys == []
    bad = post(admin, base + "/ivr", {"keys.2": "teleport:now", "keys.3": "line:+33175000199", "menu": "Nope"})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert field_error(page, "f-keys-2") == "Choisissez une des valeurs proposées."
    assert field_error(page, "f-keys-3") == "Ligne inconnue."
    assert field_error(page, "f-menu") == "Fichier audio inconnu."
    assert '<option value="line:+33175000199" selected>' in page


# -- roles and isolation --------------------------------------------------------------------------

def test_other_companies_and_users_reach_nothing(rt, app):
    ident = ids(rt)
    with rt.context() as ctx:
        rule_id = rec_of(ctx).rules[0].id
        ivr = rec_of(ctx, ACCUEIL2).profiles[0].id
    base = f"/reception/{ident['accueil1']}"
    prof = f"{base}/profiles/{ident['accueil1_ouverture']}"
    gets = [f"{base}/delete", f"{base}/rules/new", f"{base}/rules/{rule_id}",
            f"/reception/{ident['accueil2']}/profiles/{ivr}/ivr"]
    posts = [f"{base}/settings", f"{base}/delete", f"{base}/profiles/new", f"{prof}/rename", f"{prof}/type",
             f"{prof}/pre-answer", f"{prof}/duplicate", f"{prof}/delete", f"{base}/rules/new",
             f"{base}/rules/{rule_id}", f"{base}/rules/{rule_id}/move", f"{base}/rules/{rule_id}/delete",
             f"/reception/{ident['accueil2']}/profiles/{ivr}/ivr"]
    other = logged_in(app, OTHER_ADMIN)
    for url in gets:
        assert other.get(url).status_code == 404, url
    for url in posts:
        assert post(other, url, {"name": "x", "direction": "up", "kind": "ivr", "label": "x"}).status_code == 404, url
    assert other.get("/reception/new").status_code == 200
    assert "+33175000150" in other.get("/reception/new").get_data(as_text=True)  # free numbers: for anyone
    user = logged_in(app, PIERRE)
    for url in gets + ["/reception/new"]:
        assert user.get(url).status_code == 403, url
    for url in posts:
        assert post(user, url, {"direction": "up"}).status_code == 403, url
    assert profile_names(rt) == ["Profil par défaut", "Ouverture"] and len(rule_rows(rt)) == 2
