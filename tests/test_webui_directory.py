"""« Mon annuaire »: the list tree, contacts (create, edit, delete, errors
next to fields), lists, and the CSV import with preview and confirmation."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select
from webui_helpers import ADMIN, PIERRE, csrf, field_error, ids, load_demo, logged_in, make_app, post

from orchestrator.db.models import AuditEntry, Contact, DirectoryList, Line

HEADER = ("Numéro;Nom;Prénom;Email;Tél. Mobile;N° abrégé;Groupe / Service;Tél. Domicile;Société;Fonction;"
          "Adresse;Code Postal;Ville;Pays\n")


@pytest.fixture
def app(rt):
    load_demo(rt)
    return make_app(rt)


def contact_form(**kw):
    data = {"list": "", "first_name": "Anne", "last_name": "Lefèvre", "email": "", "company": "", "function": "",
            "address": "", "postal_code": "", "city": "", "country": "", "number_rows": "2",
            "numbers[0].kind": "work", "numbers[0].number": "", "numbers[0].short_number": "",
            "numbers[1].kind": "mobile", "numbers[1].number": "", "numbers[1].short_number": ""}
    data.update(kw)
    return data


def test_tree_shows_lists_contacts_and_reception_numbers(app):
    page = logged_in(app, ADMIN).get("/directory/").get_data(as_text=True)
    assert "Annuaire interne Bauer SA" in page
    for name in ("Direction", "RH", "Recrutement", "Comptabilité", "RetD", "Ventes", "Claire Fontaine",
                 "Marie Client", "Accueil 2"):
        assert name in page
    assert "Sophie Durand" not in page  # Pierre's personal entry


def test_create_a_contact_in_a_list_with_numbers(rt, app):
    client = logged_in(app, ADMIN)
    with rt.context() as ctx:
        rh = ctx.session.scalar(select(DirectoryList.id).where(DirectoryList.name == "RH"))
    resp = post(client, "/directory/contacts/new", contact_form(**{
        "list": str(rh), "email": "anne@bauer.example", "function": "Chargée RH",
        "numbers[0].number": "01 40 00 00 01", "numbers[0].short_number": "310",
        "numbers[1].number": "0611223344", "lines": "+33182280007"}))
    # James Bond's line belongs to his contact: refused, next to the lines
    assert resp.status_code == 422
    assert field_error(resp.get_data(as_text=True), "f-lines") == "Cette ligne appartient déjà à un autre contact."
    resp = post(client, "/directory/contacts/new", contact_form(**{
        "list": str(rh), "email": "anne@bauer.example", "function": "Chargée RH",
        "numbers[0].number": "01 40 00 00 01", "numbers[0].short_number": "310",
        "numbers[1].number": "0611223344"}))
    assert resp.status_code == 302
    with rt.context() as ctx:
        anne = ctx.session.scalar(select(Contact).where(Contact.last_name == "Lefèvre"))
        assert anne.list_id == rh and anne.function == "Chargée RH"
        assert [(n.kind, n.number, n.short_number) for n in anne.numbers] == [
            ("work", "+33140000001", "310"), ("mobile", "+33611223344", None)]
    page = client.get(resp.location).get_data(as_text=True)
    assert "Le contact a été enregistré." in page and 'value="0140000001"' in page


def test_contact_errors_are_next_to_their_fields(rt, app):
    client = logged_in(app, ADMIN)
    resp = post(client, "/directory/contacts/new", contact_form(**{
        "first_name": "", "email": "anne@", "numbers[1].number": "12", "numbers[1].short_number": "201"}))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert field_error(page, "f-first_name") == "Ce champ est obligatoire."
    # the form is kept as typed
    assert 'value="anne@"' in page and 'value="12"' in page
    resp = post(client, "/directory/contacts/new", contact_form(**{
        "email": "anne@", "numbers[1].number": "12", "numbers[1].short_number": "201"}))
    page = resp.get_data(as_text=True)
    assert field_error(page, "f-email") == "Cette adresse e-mail n&#39;est pas valide."
    assert field_error(page, "f-numbers-1-number") == "Ce numéro n&#39;est pas valide."
    assert field_error(page, "f-numbers-1-short_number") == "Ce numéro court est déjà utilisé."
    with rt.context() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Contact).where(Contact.last_name == "Lefèvre")) == 0


def test_edit_move_and_delete_a_contact(rt, app):
    ident = ids(rt)
    client = logged_in(app, ADMIN)
    url = f"/directory/contacts/{ident['c_fontaine']}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Claire"' in page and 'value="301"' in page
    with rt.context() as ctx:
        ventes = ctx.session.scalar(select(DirectoryList.id).where(DirectoryList.name == "Ventes"))
    # keep her short number (not "taken" by herself), add a line, move her
    resp = post(client, url, contact_form(**{
        "list": str(ventes), "first_name": "Claire", "last_name": "Fontaine-Roy", "company": "Cabinet Talents",
        "numbers[0].number": "+33140000000", "numbers[0].short_number": "301", "lines": "+33175000103"}))
    assert resp.status_code == 422  # Jacques's line is his
    with rt.context() as ctx:
        ctx.session.execute(Line.__table__.update().where(Line.number == "+33175000103").values(contact_id=None))
        ctx.session.commit()
    resp = post(client, url, contact_form(**{
        "list": str(ventes), "first_name": "Claire", "last_name": "Fontaine-Roy", "company": "Cabinet Talents",
        "numbers[0].number": "+33140000000", "numbers[0].short_number": "301", "lines": "+33175000103"}))
    assert resp.status_code == 302
    with rt.context() as ctx:
        c = ctx.session.get(Contact, ident["c_fontaine"])
        assert (c.last_name, c.list_id, [ln.number for ln in c.lines]) == ("Fontaine-Roy", ventes, ["+33175000103"])
        assert [(n.number, n.short_number) for n in c.numbers] == [("+33140000000", "301")]
    # editing Pierre keeps his login ("Identifiants")
    post(client, f"/directory/contacts/{ident['c_durand']}", contact_form(**{
        "first_name": "Pierre", "last_name": "Durand", "lines": "+33175000101"}))
    with rt.context() as ctx:
        assert ctx.session.get(Contact, ident["c_durand"]).login_id is not None
    resp = post(client, f"{url}/delete")
    assert resp.status_code == 302
    with rt.context() as ctx:
        assert ctx.session.get(Contact, ident["c_fontaine"]) is None
        assert ctx.session.scalar(select(Line.contact_id).where(Line.number == "+33175000103")) is None
        assert ctx.session.scalar(select(func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.object_type == "contact", AuditEntry.action == "delete")) == 1


def test_lists_add_and_delete(rt, app):
    client = logged_in(app, ADMIN)
    with rt.context() as ctx:
        rh = ctx.session.scalar(select(DirectoryList.id).where(DirectoryList.name == "RH"))
    assert post(client, "/directory/lists", {"name": "Paie", "parent": str(rh)}).status_code == 302
    empty = post(client, "/directory/lists", {"name": " ", "parent": ""})
    assert empty.status_code == 422 and field_error(empty.get_data(as_text=True), "f-name")
    with rt.context() as ctx:
        paie = ctx.session.scalar(select(DirectoryList).where(DirectoryList.name == "Paie"))
        assert paie.parent_id == rh
        paie_id = paie.id
    page = client.get(post(client, f"/directory/lists/{rh}/delete").location).get_data(as_text=True)
    assert "Cette liste n&#39;est pas vide." in page or "Cette liste n'est pas vide." in page
    assert post(client, f"/directory/lists/{paie_id}/delete").status_code == 302
    with rt.context() as ctx:
        assert ctx.session.get(DirectoryList, paie_id) is None


def upload(client, data: bytes):
    return client.post("/directory/import", data={"csrf_token": csrf(client),
                                                  "file": (io.BytesIO(data), "annuaire.csv")},
                       content_type="multipart/form-data")


def test_csv_import_preview_confirm(rt, app):
    client = logged_in(app, ADMIN)
    data = (HEADER + "33175000101;Durand;Pierre;;;;Direction;;;;;;;\n"
            + "33140000001;Lefèvre;Anne;;;310;RH / Paie;;;;;;;\n").encode()
    preview = upload(client, data)
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "6 contact(s) dans 6 liste(s) seront remplacés par 2 contact(s) dans 3 liste(s)." in page
    assert "Anne Lefèvre" in page and "RH / Paie" in page
    with rt.context() as ctx:  # nothing changed yet
        company = select(func.count()).select_from(Contact).where(Contact.owner_login_id.is_(None))
        assert ctx.session.scalar(company) == 6
    payload = re.search(r'name="payload" value="([^"]+)"', page).group(1)
    # a payload that is not the previewed file is refused
    other = post(client, "/directory/import/confirm", {"payload": "QUJD"})
    assert other.status_code == 302 and other.location.endswith("/directory/import")
    done = post(client, "/directory/import/confirm", {"payload": payload})
    assert done.status_code == 302
    assert "Annuaire importé : 2 contact(s)." in client.get(done.location).get_data(as_text=True)
    with rt.context() as ctx:
        assert sorted(ctx.session.scalars(select(Contact.last_name).where(Contact.owner_login_id.is_(None)))) == \
            ["Durand", "Lefèvre"]
    # the same preview cannot be confirmed twice
    assert post(client, "/directory/import/confirm", {"payload": payload}).location.endswith("/directory/import")


def test_csv_import_with_errors_imports_nothing(rt, app):
    client = logged_in(app, ADMIN)
    data = (HEADER + "33140000001;Lefèvre;;;;;;;;;;;;\n" + "abc;Roux;Éric;;;;;;;;;;;\n").encode()
    resp = upload(client, data)
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Le fichier contient 2 erreur(s) : rien n&#39;a été importé." in page or \
        "Le fichier contient 2 erreur(s) : rien n'a été importé." in page
    rows = re.findall(r'<tr class="problem"><td>(\d+)</td><td>(\d+) \(([^)]*)\)</td>', page)
    assert rows == [("2", "3", "Prénom"), ("3", "1", "Numéro")]
    assert 'name="payload"' not in page
    with rt.context() as ctx:
        company = select(func.count()).select_from(Contact).where(Contact.owner_login_id.is_(None))
        assert ctx.session.scalar(company) == 6
    assert upload(client, b"").status_code == 422


def test_csv_export_and_template(app):
    client = logged_in(app, ADMIN)
    resp = client.get("/directory/export.csv")
    assert resp.mimetype == "text/csv" and "attachment" in resp.headers["Content-Disposition"]
    text = resp.get_data().decode("utf-8-sig")
    assert text.splitlines()[0] == HEADER.strip() and "Fontaine;Claire" in text
    template = client.get("/directory/template.csv").get_data().decode("utf-8-sig")
    assert "RH / Recrutement / Cadres" in template


def test_users_read_the_directory_but_cannot_change_it(rt, app):
    ident = ids(rt)
    client = logged_in(app, PIERRE)
    page = client.get("/me/directory").get_data(as_text=True)
    assert "Claire Fontaine" in page and "01 40 00 00 00" in page
    assert "/directory/contacts/" not in page
    assert client.get("/directory/").status_code == 403
    assert post(client, f"/directory/contacts/{ident['c_fontaine']}/delete").status_code == 403
    assert client.get("/directory/export.csv").status_code == 403


def test_overlong_fields_are_field_errors_not_database_errors(rt, app):
    client = logged_in(app, ADMIN)
    resp = post(client, "/directory/contacts/new", contact_form(company="x" * 200, city="y" * 81))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert field_error(page, "f-company") == "Ce texte est trop long."
    assert field_error(page, "f-city") == "Ce texte est trop long."
