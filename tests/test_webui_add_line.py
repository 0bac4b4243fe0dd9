"""« Ajout d'une ligne (avec ou sans fax associé) » (§3.3.1) and « Ajout d'une
ligne de fax » (§3.4): the number choice (three proposals by kind and zone,
Gold, « à la carte », reserved, pairs tel/fax), creation through the service
layer (line limit, "being activated"), deleting a line or a fax line; the
pages, the JSON API, bad input and isolation."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
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

from orchestrator.db.models import FaxLine, HuntMember, Line, Login, PhoneNumber, Tenant
from orchestrator.domain.errors import Errors, ValidationFailed
from orchestrator.services import inventory
from orchestrator.services.lines import numberchoice
from orchestrator.services.lines.schema import AddLineDoc

ZONE1 = [f"+331750010{n:02d}" for n in range(10)]  # 01 75 00 10 00 .. 09
GOLD = "+33175007777"
ZONE2 = ["+33298100000", "+33298100001"]
VOIP = ["+33970000001", "+33970000002", "+33970000003"]
RESERVED = ["+33175009990", "+33175009991"]
ZETA_RESERVED = "+33175008880"


@pytest.fixture
def app(rt):
    load_demo(rt)
    load_other_tenant(rt)
    with rt.context(actor="test") as ctx:
        errors = Errors()
        bauer = ctx.session.scalar(select(Tenant).where(Tenant.name == "Bauer SA"))
        zeta = ctx.session.scalar(select(Tenant).where(Tenant.name == "Zeta SARL"))
        for number in ZONE1 + ZONE2 + VOIP:
            inventory.add_to_pool(ctx.session, errors, number, "FR")
        inventory.add_to_pool(ctx.session, errors, GOLD, "FR", gold=True)
        for number in RESERVED:
            inventory.add_to_pool(ctx.session, errors, number, "FR", reserved_for=bauer)
        inventory.add_to_pool(ctx.session, errors, ZETA_RESERVED, "FR", reserved_for=zeta)
        assert not errors, errors.items
        ctx.commit()
    return make_app(rt)


def english(client):
    client.get("/lang/en")
    return client


def admin(app):
    return english(logged_in(app, ADMIN))


def radios(page: str) -> list[str]:
    return re.findall(r'<input type="radio" name="number" value="([^"]+)"', page)


def usage(rt, number):
    with rt.context() as ctx:
        row = ctx.session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == number))
        return (row.usage, row.tenant_id is not None) if row else None


def count(rt, model, *where):
    with rt.context() as ctx:
        return ctx.session.scalar(select(func.count()).select_from(model).where(*where))


# -- the service ------------------------------------------------------------------

def test_offer_by_kind_zone_with_gold_a_la_carte_reserved_and_pairs(rt, app):
    with rt.context() as ctx:
        bauer = ctx.session.scalar(select(Tenant).where(Tenant.name == "Bauer SA"))
        geo = numberchoice.offer(ctx.session, bauer)
        # zone of the company's département (75 → 01); Gold and reserved numbers are not proposed
        assert (geo.kind, geo.zone) == ("geographic", "01")
        assert geo.numbers == ZONE1[:3] and geo.gold == [GOLD]
        assert numberchoice.offer(ctx.session, bauer, "geographic", "02").numbers == ZONE2
        assert numberchoice.offer(ctx.session, bauer, "voip", "02").numbers == VOIP
        assert numberchoice.offer(ctx.session, bauer, "reserved").numbers == RESERVED
        assert numberchoice.offer(ctx.session, bauer, "geographic", ending="1007").matches == ["+33175001007"]
        assert numberchoice.offer(ctx.session, bauer, "geographic", ending="x1").ending is None
        pairs = numberchoice.offer(ctx.session, bauer, fax=True)
        assert pairs.pairs == [(ZONE1[0], ZONE1[1]), (ZONE1[1], ZONE1[2]), (ZONE1[2], ZONE1[3])]
        assert pairs.gold == [] and numberchoice.offer(ctx.session, bauer, "reserved", fax=True).pairs == [
            tuple(RESERVED)]


def test_add_line_is_all_or_nothing_and_refuses_numbers_outside_the_pool(rt, app):
    with rt.context(actor="test") as ctx:
        bauer = ctx.session.scalar(select(Tenant).where(Tenant.name == "Bauer SA"))
        with pytest.raises(ValidationFailed) as exc:
            numberchoice.add_line(ctx, bauer,
                                  AddLineDoc(number="0175999999", label="", fax={"label": "F", "email": "x"}))
        assert {(e.field, e.error_id) for e in exc.value.errors} == {
            ("number", "number.not_in_pool"), ("fax.number", "number.not_in_pool"), ("label", "field.too_short"),
            ("fax.email", "email.invalid")}
        ctx.rollback()
        with pytest.raises(ValidationFailed) as exc:
            numberchoice.add_line(ctx, bauer, AddLineDoc(number=ZETA_RESERVED, label="X"))
        assert [(e.field, e.error_id) for e in exc.value.errors] == [("number", "number.taken")]
        ctx.rollback()
        line, fax = numberchoice.add_line(ctx, bauer, AddLineDoc(number=ZONE1[4], label="Nouvelle",
                                                                 fax={"label": "Fax", "email": "fax@bauer.example"}))
        ctx.commit()
        assert (line.status, fax.number) == ("activating", ZONE1[5])
    assert usage(rt, ZONE1[4]) == ("line", True) and usage(rt, ZONE1[5]) == ("fax", True)
    assert usage(rt, "+33175999999") is None  # nothing was added to the pool by the failed attempt


def test_two_admins_taking_the_same_number_at_once(rt, app, monkeypatch):
    """The check passed for both; the database's unique number refuses the second."""
    from sqlalchemy.exc import IntegrityError

    def race(*_a, **_k):
        raise IntegrityError("INSERT INTO lines", {}, Exception("duplicate key value violates unique constraint"))

    monkeypatch.setattr(numberchoice, "_add_line", race)
    with rt.context(actor="test") as ctx:
        bauer = ctx.session.scalar(select(Tenant).where(Tenant.name == "Bauer SA"))
        with pytest.raises(ValidationFailed) as exc:
            numberchoice.add_line(ctx, bauer, AddLineDoc(number=ZONE1[6], label="Course"))
        assert [(e.field, e.error_id) for e in exc.value.errors] == [("number", "number.taken")]


# -- pages ------------------------------------------------------------------------

def test_add_line_page_proposes_three_numbers_and_the_kinds(app):
    client = admin(app)
    page = client.get("/services/lines/new").get_data(as_text=True)
    assert radios(page) == ZONE1[:3] + [GOLD, "custom"]
    assert '<option value="01" selected>' in page
    assert 'data-kind="voip"' in page and 'data-kind="reserved"' in page
    assert "Your company uses 4 of its 8 lines." in page
    voip = client.get("/services/lines/new?kind=voip").get_data(as_text=True)
    assert radios(voip) == VOIP + ["custom"]
    reserved = client.get("/services/lines/new?kind=reserved").get_data(as_text=True)
    assert radios(reserved) == RESERVED + ["custom"] and ZETA_RESERVED not in reserved
    pairs = client.get("/services/lines/new?fax=1&ending=1008").get_data(as_text=True)
    assert "Phone: 01 75 00 10 00 / Fax: 01 75 00 10 01" in pairs
    assert radios(pairs) == ZONE1[:3] + [ZONE1[8], "custom"]  # « à la carte »: the pair 1008 / 1009
    assert 'id="f-fax-email"' in pairs


def test_add_a_line_with_a_proposed_number(rt, app):
    client = admin(app)
    resp = post(client, "/services/lines/new", {"kind": "geographic", "zone": "01", "fax": "0", "number": ZONE1[1],
                                                 "label": "Accueil Lyon", "short_number": "204",
                                                 "offer": "Libre Centrex"})
    assert resp.status_code == 302, field_error(resp.get_data(as_text=True), "f-label")
    page = client.get(resp.location).get_data(as_text=True)
    assert "The line 01 75 00 10 01 has been created. It is being activated." in page
    with rt.context() as ctx:
        line = ctx.session.scalar(select(Line).where(Line.number == ZONE1[1]))
        assert (line.label, line.short_number, line.offer, line.status) == ("Accueil Lyon", "204", "Libre Centrex",
                                                                            "activating")
    assert usage(rt, ZONE1[1]) == ("line", True)
    assert rt.notifier.calls  # a change: applied
    # no longer proposed
    assert ZONE1[1] not in radios(client.get("/services/lines/new").get_data(as_text=True))


def test_add_a_line_with_its_fax_line(rt, app):
    client = admin(app)
    resp = post(client, "/services/lines/new", {"kind": "geographic", "zone": "01", "fax": "1", "number": ZONE1[2],
                                                 "label": "Compta", "fax.label": "Fax Compta",
                                                 "fax.email": "fax@bauer.example"})
    assert resp.status_code == 302
    assert "and its fax line 01 75 00 10 03 have been created" in client.get(resp.location).get_data(as_text=True)
    with rt.context() as ctx:
        fax = ctx.session.scalar(select(FaxLine).where(FaxLine.number == ZONE1[3]))
        assert (fax.label, fax.email) == ("Fax Compta", "fax@bauer.example")


def test_a_la_carte_number_only_if_free_in_the_pool(rt, app):
    client = admin(app)
    form = {"kind": "geographic", "zone": "01", "fax": "0", "number": "custom", "label": "Carte"}
    missing = post(client, "/services/lines/new", {**form, "custom_number": "01 75 99 99 99"})
    assert missing.status_code == 422
    page = missing.get_data(as_text=True)
    assert field_error(page, "f-custom_number") == \
        "This number is not among the available numbers: choose a proposed number."
    assert 'value="01 75 99 99 99"' in page and 'value="Carte"' in page  # kept as typed
    taken = post(client, "/services/lines/new", {**form, "custom_number": "0175000101"})  # Pierre's
    assert field_error(taken.get_data(as_text=True), "f-custom_number") == \
        "This number has just been taken: choose another one."
    ok = post(client, "/services/lines/new", {**form, "custom_number": "01 75 00 10 08"})
    assert ok.status_code == 302 and usage(rt, ZONE1[8]) == ("line", True)


def test_bad_input_shows_each_error_and_keeps_the_form(rt, app):
    client = admin(app)
    resp = post(client, "/services/lines/new", {"kind": "geographic", "zone": "01", "fax": "1", "number": "",
                                                 "label": "", "short_number": "201", "fax.label": "",
                                                 "fax.email": "nobody@"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert re.search(r'id="number-error"[^>]*>Choose a number\.', page) or \
        field_error(page, "f-number") == "Choose a number."
    assert field_error(page, "f-fax-email") is not None and 'value="nobody@"' in page
    fr = logged_in(app, ADMIN)  # in French, the known ids have their French sentence
    page = post(fr, "/services/lines/new", {"kind": "geographic", "fax": "0", "number": ZONE1[0], "label": "",
                                            "short_number": "201"}).get_data(as_text=True)
    assert field_error(page, "f-label") == "Ce champ est obligatoire."
    assert field_error(page, "f-short_number") == "Ce numéro court est déjà utilisé."
    assert count(rt, Line) == 5  # 4 Bauer + 1 Zeta: nothing created


def test_line_limit_and_a_number_taken_meanwhile(rt, app):
    client = admin(app)
    page = client.get("/services/lines/new").get_data(as_text=True)
    assert ZONE1[0] in radios(page)
    with rt.context(actor="test") as ctx:  # another admin takes it in the meantime
        bauer = ctx.session.scalar(select(Tenant).where(Tenant.name == "Bauer SA"))
        numberchoice.add_line(ctx, bauer, AddLineDoc(number=ZONE1[0], label="Vite"))
        ctx.commit()
    resp = post(client, "/services/lines/new", {"kind": "geographic", "fax": "0", "number": ZONE1[0], "label": "Moi"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "This number has just been taken: choose another one." in page
    assert ZONE1[0] not in radios(page)  # fresh proposals
    with rt.context() as ctx:
        ctx.session.scalar(select(Tenant).where(Tenant.name == "Bauer SA")).line_limit = 5
        ctx.session.commit()
    page = client.get("/services/lines/new").get_data(as_text=True)
    assert 'id="line-limit"' in page
    resp = post(client, "/services/lines/new", {"kind": "geographic", "fax": "0", "number": ZONE1[1], "label": "Six"})
    assert resp.status_code == 422
    assert "Your company has reached its line limit" in resp.get_data(as_text=True).split('id="add-form"')[1]
    assert usage(rt, ZONE1[1]) == (None, False)


def test_add_a_fax_line_alone(rt, app):
    client = admin(app)
    page = client.get("/services/fax/new?kind=voip").get_data(as_text=True)
    assert radios(page) == VOIP + ["custom"] and 'name="fax" value="1"' not in page
    bad = post(client, "/services/fax/new", {"kind": "voip", "number": VOIP[0], "label": "", "email": "x@"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert field_error(text, "f-email") is not None and field_error(text, "f-label") is not None
    resp = post(client, "/services/fax/new", {"kind": "voip", "number": VOIP[0], "label": "Fax SAV",
                                               "email": "sav@bauer.example"})
    assert resp.status_code == 302
    assert "The fax line 09 70 00 00 01 has been created." in client.get(resp.location).get_data(as_text=True)
    assert usage(rt, VOIP[0]) == ("fax", True)


def test_delete_a_line_and_a_fax_line(rt, app):
    ident = ids(rt)
    client = admin(app)
    page = client.get(f"/services/lines/{ident['paul']}").get_data(as_text=True)
    assert 'id="delete-line"' in page and "data-confirm=" in page
    resp = post(client, f"/services/lines/{ident['paul']}/delete")
    assert resp.status_code == 302
    assert "has been deleted" in client.get(resp.location).get_data(as_text=True)
    with rt.context() as ctx:
        assert ctx.session.get(Line, ident["paul"]) is None
        assert ctx.session.scalar(select(Login).where(Login.login == "+33175000102")) is None
        assert ctx.session.scalar(select(func.count()).select_from(HuntMember)
                                  .where(HuntMember.line_id == ident["paul"])) == 0
    assert usage(rt, "+33175000102") == (None, True)  # back among Bauer's reserved numbers
    assert "+33175000102" in radios(client.get("/services/lines/new?kind=reserved").get_data(as_text=True))
    with rt.context() as ctx:
        fax_id = ctx.session.scalar(select(FaxLine.id).where(FaxLine.number == "+33175000110"))
    assert 'id="delete-fax"' in client.get(f"/services/fax/{fax_id}").get_data(as_text=True)
    assert post(client, f"/services/fax/{fax_id}/delete").status_code == 302
    assert count(rt, FaxLine) == 0 and usage(rt, "+33175000110") == (None, True)


def test_isolation(rt, app):
    ident = ids(rt)
    with rt.context() as ctx:
        fax_id = ctx.session.scalar(select(FaxLine.id).where(FaxLine.number == "+33175000110"))
    other = english(logged_in(app, OTHER_ADMIN))
    assert post(other, f"/services/lines/{ident['paul']}/delete").status_code == 404
    assert post(other, f"/services/fax/{fax_id}/delete").status_code == 404
    # another company's reserved number is neither proposed nor accepted
    assert RESERVED[0] not in other.get("/services/lines/new?kind=reserved").get_data(as_text=True)
    resp = post(other, "/services/lines/new", {"kind": "reserved", "number": RESERVED[0], "label": "Vol"})
    assert resp.status_code == 422 and usage(rt, RESERVED[0]) == (None, True)
    user = logged_in(app, PIERRE)
    assert user.get("/services/lines/new").status_code == 403
    assert post(user, "/services/fax/new", {"number": VOIP[0], "label": "x", "email": "a@b.fr"}).status_code == 403
    assert count(rt, Line, Line.id == ident["paul"]) == 1


# -- API ----------------------------------------------------------------------------

def test_api_numbers_add_and_delete(rt, app):
    api = app.test_client()
    h = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    offer = api.get("/api/v1/numbers/available?kind=geographic&zone=01&fax=true", headers=h).get_json()
    assert offer["pairs"][0] == {"number": ZONE1[0], "fax": ZONE1[1]} and offer["zone"] == "01"
    assert api.get("/api/v1/numbers/available?kind=voip", headers=h).get_json()["numbers"] == VOIP
    resp = api.post("/api/v1/lines", headers=h, json={"number": ZONE1[0], "label": "API",
                                                       "fax": {"label": "Fax API", "email": "api@bauer.example"}})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert (body["number"], body["status"], body["sip"]["password"]) == (ZONE1[0], "activating", "***")
    assert body["fax_line"]["number"] == ZONE1[1]
    again = api.post("/api/v1/lines", headers=h, json={"number": ZONE1[0], "label": "Again"})
    assert again.status_code == 422
    assert again.get_json()["errors"] == [{"id": "number.taken", "field": "number",
                                           "message": f"{ZONE1[0]} has just been taken: choose another number"}]
    bad = api.post("/api/v1/lines", headers=h, json={"number": "0175999999", "label": ""}).get_json()["errors"]
    assert {(e["field"], e["id"]) for e in bad} == {("number", "number.not_in_pool"), ("label", "field.too_short")}
    with rt.context() as ctx:
        ctx.session.scalar(select(Tenant).where(Tenant.name == "Bauer SA")).line_limit = 5
        ctx.session.commit()
    limit = api.post("/api/v1/lines", headers=h, json={"number": ZONE1[3], "label": "Six"}).get_json()["errors"]
    assert [e["id"] for e in limit] == ["tenant.line_limit"]
    fax = api.post("/api/v1/fax-lines", headers=h,
                   json={"number": VOIP[1], "label": "Fax 2", "email": "f@bauer.example"})
    assert fax.status_code == 201 and fax.get_json()["number"] == VOIP[1]
    assert api.delete(f"/api/v1/fax-lines/{VOIP[1]}", headers=h).status_code == 204
    assert api.delete(f"/api/v1/lines/{ZONE1[0]}", headers=h).status_code == 204
    assert usage(rt, ZONE1[0]) == (None, True) and usage(rt, VOIP[1]) == (None, True)
    assert api.delete(f"/api/v1/lines/{ZONE1[0]}", headers=h).status_code == 404
    other = {"Authorization": f"Bearer {token_for(rt, OTHER_ADMIN[0])}"}
    assert api.delete("/api/v1/lines/+33175000101", headers=other).status_code == 404
    assert api.delete("/api/v1/fax-lines/+33175000110", headers=other).status_code == 404
    user = {"Authorization": f"Bearer {token_for(rt, PIERRE[0])}"}
    assert api.post("/api/v1/lines", headers=user, json={"number": ZONE1[4], "label": "U"}).status_code == 403
    assert api.delete("/api/v1/lines/+33175000101", headers=user).status_code == 403
