"""« Mon standard »: reception numbers, the profile active now and the forced
one, forcing, the hunt-group editor and its members, "test this number";
and the service functions under them (hunt.py, active.py)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from webui_helpers import ADMIN, PIERRE, field_error, ids, load_demo, logged_in, make_app, post

from orchestrator.db.models import ReceptionNumber
from orchestrator.domain.errors import ServiceError, ValidationFailed
from orchestrator.services.reception import hunt
from orchestrator.services.reception.active import profile_state

PARIS = ZoneInfo("Europe/Paris")
HUNT = {"strategy": "sequential", "ring_time": "15", "cycles": "3", "forwards_allowed": "no",
        "voicemail": "+33175000101", "hold_music": "catalogue:calme"}


@pytest.fixture
def app(rt):
    load_demo(rt)
    return make_app(rt)


def accueil(ctx):
    return ctx.session.scalar(select(ReceptionNumber).where(ReceptionNumber.number == "+33175000120"))


def members(rt):
    with rt.context() as ctx:
        return hunt.member_numbers(ctx, accueil(ctx).profiles[1])


# -- services ------------------------------------------------------------------

def test_profile_state_follows_the_time_rules_and_forcing(rt):
    load_demo(rt)
    with rt.context() as ctx:
        rec = accueil(ctx)
        monday_10 = datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)
        monday_13 = datetime(2026, 11, 30, 13, 0, tzinfo=PARIS)
        st = profile_state(rec, "Europe/Paris", monday_10)
        assert (st.effective.name, st.rule, st.forced) == ("Ouverture", 1, None)
        assert profile_state(rec, "Europe/Paris", datetime(2026, 11, 30, 15, 0, tzinfo=PARIS)).rule == 2
        st = profile_state(rec, "Europe/Paris", monday_13)
        assert (st.effective.name, st.rule) == ("Profil par défaut", None)
        assert st.with_rules == {rec.profiles[1].id}
        # the same instant in UTC is evaluated in the tenant's timezone
        assert profile_state(rec, "Europe/Paris", datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("UTC"))).rule == 1
        rec.profiles[0].forced = True
        st = profile_state(rec, "Europe/Paris", monday_10)
        assert (st.effective.name, st.scheduled.name, st.forced.name) == ("Profil par défaut", "Ouverture",
                                                                            "Profil par défaut")


def test_hunt_update_validates_with_the_shared_rules(rt):
    load_demo(rt)
    with rt.context() as ctx:
        prof = accueil(ctx).profiles[1]
        with pytest.raises(ValidationFailed) as exc:
            hunt.update_hunt(ctx, prof, {"ring_time": 3, "cycles": 0, "strategy": "random",
                                         "voicemail": "+33299999999", "hold_music": {"catalogue": "nope"}})
        assert {(e.field, e.error_id) for e in exc.value.errors} == {
            ("cycles", "field.out_of_range"), ("strategy", "field.choice")}
        ctx.rollback()
        with pytest.raises(ValidationFailed) as exc:
            hunt.update_hunt(ctx, prof, {"ring_time": 3, "voicemail": "+33299999999",
                                         "hold_music": {"catalogue": "nope"}, "members": ["+33175000101"] * 2})
        assert {(e.field, e.error_id) for e in exc.value.errors} == {
            ("ring_time", "ring_time.range"), ("voicemail", "line.unknown"),
            ("hold_music.catalogue", "hold_music.unknown"), ("members[1]", "hunt.member_twice")}
        ctx.rollback()
        prof = accueil(ctx).profiles[1]
        hunt.update_hunt(ctx, prof, {"strategy": "successive", "forwards_allowed": True, "voicemail": None})
        hunt.move_member(ctx, prof, "+33175000103", -2)
        hunt.remove_member(ctx, prof, "+33175000101")
        hunt.add_member(ctx, prof, "+33182280007")
        hunt.add_member(ctx, prof, "+33175000101")
        ctx.commit()
    with rt.context() as ctx:
        prof = accueil(ctx).profiles[1]
        doc = hunt.hunt_doc(ctx, prof)
        assert (doc.strategy, doc.forwards_allowed, doc.voicemail) == ("successive", True, None)
        assert doc.members == ["+33175000103", "+33175000102", "+33182280007", "+33175000101"]
        assert [m.position for m in prof.members] == [0, 1, 2, 3]
        with pytest.raises(ServiceError) as err:
            hunt.set_order(ctx, prof, ["+33175000103"])
        assert err.value.error_id == "hunt.order_mismatch"
        with pytest.raises(ServiceError):
            hunt.remove_member(ctx, prof, "+33140000000")
        ivr = ctx.session.scalar(select(ReceptionNumber).where(ReceptionNumber.number == "+33974762328")).profiles[0]
        with pytest.raises(ServiceError) as err:
            hunt.update_hunt(ctx, ivr, {"cycles": 2})
        assert err.value.error_id == "profile.not_hunt"


# -- pages ------------------------------------------------------------------------

def test_reception_list_and_detail_show_active_and_forced_profiles(rt, app):
    ident = ids(rt)
    client = logged_in(app, ADMIN)
    page = client.get("/reception/").get_data(as_text=True)
    assert "Numéros d&#39;accueil" in page or "Numéros d'accueil" in page
    assert "Accueil 1" in page and "Accueil 2" in page
    detail = client.get(f"/reception/{ident['accueil1']}").get_data(as_text=True)
    assert "Profil par défaut" in detail and "Ouverture" in detail
    assert len(re.findall(r'<tr class="profile active"', detail)) == 1  # one active now, green
    assert "forced" not in re.findall(r'<tr class="profile ([a-z ]*)"', detail)
    assert "Du lundi au vendredi, de 08:00 à 12:00" in detail


def test_force_and_stop_forcing(rt, app):
    ident = ids(rt)
    client = logged_in(app, ADMIN)
    resp = post(client, f"/reception/{ident['accueil1']}/force", {"profile": str(ident["accueil1_ouverture"])})
    assert resp.status_code == 302
    page = client.get(resp.location).get_data(as_text=True)
    assert "Le profil Ouverture est forcé." in page
    assert re.search(r'<tr class="profile forced" data-profile="Ouverture">', page)
    assert "Ne plus forcer" in page
    with rt.context() as ctx:
        assert [p.forced for p in accueil(ctx).profiles] == [False, True]
    unforced = post(client, f"/reception/{ident['accueil1']}/force", {"profile": ""})
    page = client.get(unforced.location).get_data(as_text=True)
    assert "Plus aucun profil n&#39;est forcé." in page or "Plus aucun profil n'est forcé." in page
    with rt.context() as ctx:
        assert [p.forced for p in accueil(ctx).profiles] == [False, False]
    # a profile of another reception number is not found here
    assert post(client, f"/reception/{ident['accueil1']}/force", {"profile": "999999"}).status_code == 404
    assert rt.notifier.calls  # forcing is a change: it is applied


def test_hunt_editor_saves_settings_and_shows_errors(rt, app):
    ident = ids(rt)
    client = logged_in(app, ADMIN)
    url = f"/reception/{ident['accueil1']}/profiles/{ident['accueil1_ouverture']}"
    page = client.get(url).get_data(as_text=True)
    assert "Paramètres du groupe d&#39;appel" in page or "Paramètres du groupe d'appel" in page
    assert "Enregistrer l&#39;ordre de routage" in page or "Enregistrer l'ordre de routage" in page
    resp = post(client, url, {**HUNT, "strategy": "successive", "ring_time": "30", "cycles": "2",
                              "forwards_allowed": "yes", "voicemail": "", "hold_music": ""})
    assert resp.status_code == 302
    with rt.context() as ctx:
        prof = accueil(ctx).profiles[1]
        assert (prof.strategy, prof.ring_time, prof.cycles, prof.forwards_allowed, prof.voicemail_line_id,
                prof.hold_music_catalogue) == ("successive", 30, 2, True, None, None)
    bad = post(client, url, {**HUNT, "ring_time": "90", "voicemail": "+33175000199"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert field_error(text, "f-ring_time") == "La durée de sonnerie est comprise entre 5 et 60 secondes."
    assert field_error(text, "f-voicemail") == "Ligne inconnue."
    # the schema's own limits (checked before the rest, as everywhere in the service layer)
    text = post(client, url, {**HUNT, "cycles": "20"}).get_data(as_text=True)
    assert field_error(text, "f-cycles") == "Cette valeur est hors des limites."
    with rt.context() as ctx:
        assert accueil(ctx).profiles[1].ring_time == 30


def test_members_add_remove_and_reorder_without_javascript(rt, app):
    ident = ids(rt)
    client = logged_in(app, ADMIN)
    base = f"/reception/{ident['accueil1']}/profiles/{ident['accueil1_ouverture']}"
    assert post(client, base + "/members/add", {"line": "+33182280007"}).status_code == 302
    assert members(rt)[-1] == "+33182280007"
    again = post(client, base + "/members/add", {"line": "+33182280007"})
    assert again.status_code == 422
    assert field_error(again.get_data(as_text=True), "f-line") == "Cette ligne fait déjà partie du groupe."
    post(client, base + "/members", {"move": "+33182280007:up"})
    assert members(rt) == ["+33175000101", "+33175000102", "+33182280007", "+33175000103"]
    post(client, base + "/members", {"move": "+33175000101:up"})  # already first: stays
    post(client, base + "/members", {"remove": "+33175000102"})
    assert members(rt) == ["+33175000101", "+33182280007", "+33175000103"]
    # "Enregistrer l'ordre de routage": the order the page shows
    order = ["+33175000103", "+33175000101", "+33182280007"]
    resp = client.post(base + "/members", data={"csrf_token": csrf_of(client), "order": order, "save": "1"})
    assert resp.status_code == 302 and members(rt) == order
    wrong = client.post(base + "/members", data={"csrf_token": csrf_of(client), "order": order[:2], "save": "1"})
    assert wrong.status_code == 422 and members(rt) == order


def csrf_of(client):
    from webui_helpers import csrf

    return csrf(client)


def test_test_this_number_shows_the_simulators_plan(rt, app):
    ident = ids(rt)
    client = logged_in(app, ADMIN)
    url = f"/reception/{ident['accueil1']}?test=1&to=0175000120&caller=0612345678&at=2026-11-30T10:00"
    page = client.get(url).get_data(as_text=True)
    assert '<strong class="plan-profile">Ouverture</strong>' in page
    assert "rule 1 matched (mon-fri, 08:00-12:00)" in page
    assert "members in order: Pierre (+33175000101), Paul (+33175000102), Jacques (+33175000103)" in page
    night = client.get(url.replace("T10:00", "T22:00")).get_data(as_text=True)
    assert '<strong class="plan-profile">Profil par défaut</strong>' in night
    bad = client.get(url.replace("2026-11-30T10:00", "tomorrow")).get_data(as_text=True)
    assert "AAAA-MM-JJ" in bad


def test_voice_menu_profile_is_shown_read_only(rt, app):
    ident = ids(rt)
    client = logged_in(app, ADMIN)
    with rt.context() as ctx:
        rec = ctx.session.get(ReceptionNumber, ident["accueil2"])
        pid = rec.profiles[0].id
    page = client.get(f"/reception/{ident['accueil2']}/profiles/{pid}").get_data(as_text=True)
    assert "Standard automatique SVI" in page and "members-form" not in page


def test_users_have_no_switchboard(rt, app):
    ident = ids(rt)
    client = logged_in(app, PIERRE)
    assert client.get("/reception/").status_code == 403
    assert post(client, f"/reception/{ident['accueil1']}/force", {"profile": ""}).status_code == 403
