"""« Mes services » and « Ma ligne »: lines list, line form, field errors
next to their fields, the user's own line only, "is my change live?"."""

from __future__ import annotations

import json

import pytest
from fake_freeswitch.server import FakeFreeSWITCH
from sqlalchemy import select
from webui_helpers import ADMIN, PIERRE, field_error, ids, load_demo, logged_in, make_app, post

from orchestrator.config import Settings
from orchestrator.db.models import AuditEntry, Line, NodeState
from orchestrator.runtime import Runtime
from orchestrator.services.notifier import RecordingNotifier
from webui import create_app

FORM = {"label": "Pierre", "short_number": "201", "ring_time": "20", "forwards.unconditional": "",
        "forwards.no_answer": "", "forwards.presented": "caller", "backup_number": "", "department": "",
        "hold_music": "catalogue:mambo", "voicemail.enabled": "1", "voicemail.mode": "record",
        "voicemail.email": "pierre@bauer.example", "voicemail.pin": "", "options.mobile_number": ""}


@pytest.fixture
def app(rt):
    load_demo(rt)
    return make_app(rt)


def line(rt, number):
    with rt.context() as ctx:
        row = ctx.session.scalar(select(Line).where(Line.number == number))
        ctx.session.expunge(row)  # a loaded, detached copy
        return row


def test_lines_list_has_status_dots_and_fax_lines(app):
    page = logged_in(app, ADMIN).get("/services/").get_data(as_text=True)
    assert page.count('class="dot active"') >= 3 and page.count('class="dot activating"') >= 1
    assert "Lignes téléphoniques" in page and "Lignes de fax par mail" in page and "Numéros spéciaux" in page
    assert "01 75 00 01 10" in page and "Fax Commandes" in page
    assert "Prix d&#39;un appel local" in page


def test_admin_saves_a_line_through_the_service_layer(rt, app):
    ident = ids(rt)
    client = logged_in(app, ADMIN)
    form = {**FORM, "label": "Pierre Durand", "ring_time": "35", "forwards.no_answer": "06 12 34 56 78",
            "forwards.presented": "line", "backup_number": "0612000101", "clir": "1", "department": "2A",
            "hold_music": "catalogue:calme", "voicemail.mode": "announce", "voicemail.pin": "4321",
            "options.twin": "1"}
    resp = post(client, f"/services/lines/{ident['pierre']}", form)
    assert resp.status_code == 302
    row = line(rt, "+33175000101")
    assert (row.label, row.ring_time, row.forward_no_answer, row.forward_presented) == \
        ("Pierre Durand", 35, "+33612345678", "line")
    assert (row.backup_number, row.clir, row.department, row.hold_music_catalogue) == (
        "+33612000101", True, "2A", "calme")
    assert (row.vm_mode, row.vm_pin, row.twin) == ("announce", "4321", True)
    page = client.get(f"/services/lines/{ident['pierre']}").get_data(as_text=True)
    assert "Vos modifications ont été enregistrées." in page and 'value="0612345678"' in page
    # a blank PIN keeps the PIN; clearing the forward removes it
    post(client, f"/services/lines/{ident['pierre']}", {**form, "voicemail.pin": "", "forwards.no_answer": ""})
    row = line(rt, "+33175000101")
    assert row.vm_pin == "4321" and row.forward_no_answer is None
    with rt.context() as ctx:
        audit = ctx.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "line",
                                                             AuditEntry.action == "update")).all()
        assert audit[0].actor == "admin@bauer.example" and "4321" not in audit[0].details


def test_each_error_is_shown_next_to_its_field_and_nothing_is_saved(rt, app):
    ident = ids(rt)
    client = logged_in(app, ADMIN)
    form = {**FORM, "label": "", "ring_time": "99", "forwards.unconditional": "+33175000101",
            "voicemail.email": "nobody@", "short_number": "202", "voicemail.pin": "12"}
    resp = post(client, f"/services/lines/{ident['pierre']}", form)
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert field_error(page, "f-label") == "Ce champ est obligatoire."
    assert "Rien n'a été enregistré" in page
    # one problem per field, each under its own input, with the service layer's detail as a tooltip
    resp = post(client, f"/services/lines/{ident['pierre']}", {**form, "label": "Pierre"})
    page = resp.get_data(as_text=True)
    assert field_error(page, "f-ring_time") == "La durée de sonnerie est comprise entre 5 et 60 secondes."
    assert field_error(page, "f-forwards-unconditional") == "Une ligne ne peut pas se renvoyer vers elle-même."
    assert field_error(page, "f-voicemail-email") == "Cette adresse e-mail n&#39;est pas valide."
    assert field_error(page, "f-short_number") == "Ce numéro court est déjà utilisé."
    assert field_error(page, "f-voicemail-pin") == "Le code a de 4 à 12 chiffres."
    assert 'title="short number 202 is already used by line +33175000102"' in page
    assert 'value="nobody@"' in page  # what was typed is kept
    row = line(rt, "+33175000101")
    assert (row.label, row.ring_time, row.vm_email) == ("Pierre", 20, "pierre@bauer.example")


def test_errors_in_english(rt, app):
    ident = ids(rt)
    client = logged_in(app, ADMIN)
    client.get("/lang/en")
    page = post(client, f"/services/lines/{ident['pierre']}", {**FORM, "ring_time": "99"}).get_data(as_text=True)
    assert field_error(page, "f-ring_time") == "ring time must be between 5 and 60 seconds, got 99"
    assert "Ring time" in page and "Unconditional forward" in page


def test_hold_music_applied_to_all_lines(rt, app):
    ident = ids(rt)
    client = logged_in(app, ADMIN)
    post(client, f"/services/lines/{ident['pierre']}", {**FORM, "hold_music": "catalogue:classique",
                                                         "hold_music_all": "1"})
    with rt.context() as ctx:
        assert set(ctx.session.scalars(select(Line.hold_music_catalogue))) == {"classique"}
    post(client, f"/services/lines/{ident['pierre']}", {**FORM, "hold_music": ""})
    assert line(rt, "+33175000101").hold_music_catalogue is None


def test_user_changes_their_own_line_only(rt, app):
    ident = ids(rt)
    client = logged_in(app, PIERRE)
    assert client.get("/me/").location == f"/me/lines/{ident['pierre']}"
    page = client.get(f"/me/lines/{ident['pierre']}").get_data(as_text=True)
    assert "Renvoi immédiat" in page and "Durée de sonnerie" in page and "Numéro de secours" in page
    assert "voicemail.pin" not in page and "short_number" not in page
    resp = post(client, f"/me/lines/{ident['pierre']}", {
        "label": "Pierre D.", "ring_time": "15", "forwards.unconditional": "0612345678", "forwards.no_answer": "",
        "forwards.presented": "line", "backup_number": "", "clir": "1",
        # fields a user may not change are not read
        "short_number": "299", "voicemail.email": "x@y.example", "department": "13"})
    assert resp.status_code == 302
    row = line(rt, "+33175000101")
    assert (row.label, row.ring_time, row.forward_unconditional, row.forward_presented, row.clir) == \
        ("Pierre D.", 15, "+33612345678", "line", True)
    assert (row.short_number, row.vm_email, row.department) == ("201", "pierre@bauer.example", None)
    for other in ("paul", "bond"):
        assert client.get(f"/me/lines/{ident[other]}").status_code == 404
        assert post(client, f"/me/lines/{ident[other]}", {"label": "hacked"}).status_code == 404
    bad = post(client, f"/me/lines/{ident['pierre']}", {"label": "P", "ring_time": "3",
                                                         "forwards.presented": "caller", "backup_number": "abc"})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert field_error(page, "f-ring_time")
    assert field_error(page, "f-backup_number") == "Ce numéro n&#39;est pas valide."


def test_every_save_is_applied_and_the_page_says_whether_it_is_live(rt, tmp_path):
    """With the web app's own notifier every save is applied (inline without
    Redis); the page shows each node: live, pending (unreachable) or failed."""
    load_demo(rt)
    with FakeFreeSWITCH(password="ClueCon") as fs:
        fs.set_api_response("reload", "+OK Reloading XML\n+OK module unloaded\n+OK module loaded\n")
        fs.set_api_response("sofia", "Reload XML [Success]\n+OK scan complete\n")
        settings = Settings(var_dir=tmp_path / "var", extra={
            "nodes": {"fs1": {"conf_dir": str(tmp_path / "fs1"), "esl_host": fs.host, "esl_port": fs.port,
                              "esl_password": "ClueCon"}}})
        web_rt = Runtime(settings=settings, notifier=RecordingNotifier())
        web_rt.__dict__["engine"] = rt.engine
        app = create_app(web_rt)  # APPLY_ON_SAVE: the apply notifier
        client = logged_in(app, ADMIN)
        ident = ids(rt)
        before = client.get("/services/").get_data(as_text=True)
        assert 'data-state="pending"' in before  # never applied yet
        resp = post(client, f"/services/lines/{ident['pierre']}", {**FORM, "ring_time": "40"})
        page = client.get(resp.location).get_data(as_text=True)
        assert 'data-state="live"' in page and "en service sur tous les serveurs" in page
        assert "api reloadxml" in fs.commands
        assert "centrex_ring_time=40" in (tmp_path / "fs1" / "dialplan/tenants/bauer.centrex.test.xml").read_text()
        status = client.get("/status/apply").get_json()
        assert status["state"] == "live" and status["nodes"][0]["node"] == "fs1"
        # FreeSWITCH refuses the next tree: failed; its reason (which can name
        # other tenants) is for the platform's operators, not the tenant's admin
        fs.set_api_response("reloadxml", "+OK [[error near line 3]: unexpected end]\n")
        resp = post(client, f"/services/lines/{ident['pierre']}", {**FORM, "ring_time": "45"})
        page = client.get(resp.location).get_data(as_text=True)
        assert 'data-state="failed"' in page and "error near line 3" not in page
        assert "the platform operators have the details" in page
    # the node is gone: the next change waits, written but not loaded
    resp = post(client, f"/services/lines/{ident['pierre']}", {**FORM, "ring_time": "50"})
    page = client.get(resp.location).get_data(as_text=True)
    assert 'data-state="pending"' in page and "reload pending" in page
    with rt.context() as ctx:
        state = ctx.session.scalar(select(NodeState))
        assert state.result == "pending" and json.loads(state.tenant_revisions)


def test_fax_detail(rt, app):
    client = logged_in(app, ADMIN)
    with rt.context() as ctx:
        from orchestrator.db.models import FaxLine

        fax_id = ctx.session.scalar(select(FaxLine.id))
    page = client.get(f"/services/fax/{fax_id}").get_data(as_text=True)
    assert "commandes@bauer.example" in page
