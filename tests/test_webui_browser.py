"""The web UI in a real browser: Debian's chromium driven by Playwright,
against the app served on 127.0.0.1 (an ephemeral port, a thread), with a
fake FreeSWITCH as the node so that every save is applied and shown live.

Screenshots go to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import re

import pytest
from browser_helpers import browser_fixture, log_in, page_fixture, served_demo, shot  # noqa: F401  (the browser and page fixtures)
from sqlalchemy import select
from webui_helpers import ADMIN

from orchestrator.db.models import Contact, Line, ReceptionNumber

pytestmark = pytest.mark.browser

HEADER = ("Numéro;Nom;Prénom;Email;Tél. Mobile;N° abrégé;Groupe / Service;Tél. Domicile;Société;Fonction;"
          "Adresse;Code Postal;Ville;Pays\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The demo company on SQLite, served like `orchestrator web` serves it."""
    with served_demo(tmp_path_factory.mktemp("browser")) as served:
        yield served.base, served.rt




def test_login(page, server):
    base, _ = server
    log_in(page, base, ADMIN[0], "wrong")
    assert page.locator(".alert.error").inner_text() == "Login ou mot de passe incorrect."
    log_in(page, base, *ADMIN)
    page.wait_for_url(f"{base}/services/")
    assert page.locator("nav.tabs a.active").inner_text() == "Mes services"
    assert page.locator("table.list").first.locator("tbody tr").count() == 4
    assert page.locator("table.list .dot.activating").count() == 1
    assert page.locator("#apply-status").get_attribute("data-state") == "live"
    shot(page, "01-mes-services")


def test_add_a_contact(page, server):
    base, rt = server
    log_in(page, base, *ADMIN)
    page.click("nav.tabs a:has-text('Mon annuaire')")
    page.click("a:has-text('Ajouter un contact')")
    page.select_option("#f-list", label="RH / Recrutement")
    page.fill("#f-first_name", "Anne")
    page.fill("#f-last_name", "Lefèvre")
    page.fill("#f-numbers-0-number", "01 40 00 00 01")
    page.fill("#f-numbers-0-short_number", "301")  # Claire Fontaine's
    page.fill("#f-email", "anne@")
    page.click("#contact-form button:has-text('Enregistrer')")
    assert page.locator("#f-email-error").inner_text() == "Cette adresse e-mail n'est pas valide."
    assert page.locator("#f-numbers-0-short_number-error").inner_text() == "Ce numéro court est déjà utilisé."
    shot(page, "02-contact-errors")
    page.fill("#f-email", "anne@bauer.example")
    page.fill("#f-numbers-0-short_number", "310")
    page.click("#contact-form button:has-text('Enregistrer')")
    assert page.locator(".alert.ok").inner_text() == "Le contact a été enregistré."
    assert page.locator(".tree-panel a:has-text('Anne Lefèvre')").count() == 1
    shot(page, "03-contact-saved")
    with rt.context() as ctx:
        anne = ctx.session.scalar(select(Contact).where(Contact.last_name == "Lefèvre"))
        assert anne.email == "anne@bauer.example" and anne.numbers[0].short_number == "310"


def test_edit_a_hunt_group_and_reorder_its_members(page, server):
    base, rt = server
    log_in(page, base, *ADMIN)
    page.click("nav.tabs a:has-text('Mon standard')")
    page.click("a:has-text('Accueil 1')")
    page.click("tr[data-profile='Ouverture'] a:has-text('Modifier')")
    page.select_option("#f-strategy", "successive")
    page.select_option("#f-ring_time", "30")
    page.select_option("#f-forwards_allowed", "yes")
    page.click("button:has-text('Enregistrer ces paramètres')")
    assert page.locator(".alert.ok").inner_text() == "Les paramètres du groupe d'appel ont été enregistrés."
    names = lambda: page.locator("li.member").evaluate_all("els => els.map(e => e.dataset.number)")  # noqa: E731
    assert names() == ["+33175000101", "+33175000102", "+33175000103"]
    # ▼ on the first member, ▲ on the last: the page reorders, nothing saved yet
    page.locator("li.member[data-number='+33175000101'] button.move-down").click()
    page.locator("li.member[data-number='+33175000103'] button.move-up").click()
    assert names() == ["+33175000102", "+33175000103", "+33175000101"]
    assert page.locator("#members-form .unsaved").is_visible()
    shot(page, "04-hunt-reordered")
    page.click("#save-order")
    assert page.locator(".alert.ok").inner_text() == "L'ordre de routage a été enregistré."
    assert names() == ["+33175000102", "+33175000103", "+33175000101"]
    assert page.locator("#apply-status").get_attribute("data-state") == "live"
    shot(page, "05-hunt-saved")
    with rt.context() as ctx:
        rec = ctx.session.scalar(select(ReceptionNumber).where(ReceptionNumber.number == "+33175000120"))
        prof = rec.profiles[1]
        assert (prof.strategy, prof.ring_time, prof.forwards_allowed) == ("successive", 30, True)
        numbers = {ln.id: ln.number for ln in ctx.session.scalars(select(Line))}
        assert [numbers[m.line_id] for m in prof.members] == ["+33175000102", "+33175000103", "+33175000101"]


def test_force_a_profile(page, server):
    base, rt = server
    log_in(page, base, *ADMIN)
    page.click("nav.tabs a:has-text('Mon standard')")
    page.click("a:has-text('Accueil 1')")
    assert page.locator("tr.profile.active").count() == 1
    page.locator("tr[data-profile='Ouverture'] button:has-text('Forcer')").click()
    assert page.locator(".alert.ok").inner_text() == "Le profil Ouverture est forcé."
    row = page.locator("tr[data-profile='Ouverture']")
    assert "forced" in row.get_attribute("class")
    assert row.locator("td").first.evaluate("td => getComputedStyle(td).backgroundColor") == "rgb(248, 211, 211)"
    shot(page, "06-profile-forced")
    # the simulator agrees
    page.fill("#f-sim-at", "2026-11-29T23:00")
    page.click("form.sim button")
    assert page.locator(".plan-profile").inner_text() == "Ouverture"
    page.locator("tr[data-profile='Ouverture'] button:has-text('Ne plus forcer')").click()
    assert page.locator("tr.profile.forced").count() == 0
    with rt.context() as ctx:
        rec = ctx.session.scalar(select(ReceptionNumber).where(ReceptionNumber.number == "+33175000120"))
        assert not any(p.forced for p in rec.profiles)


def test_a_user_sets_a_forward(page, server):
    base, rt = server
    log_in(page, base, "01 75 00 01 01", "pierre")
    page.wait_for_url(re.compile(r".*/me/lines/\d+$"))
    assert page.locator("nav.tabs a.active").inner_text() == "Ma ligne"
    page.fill("#f-forwards-unconditional", "12")
    page.click("form.line-form button:has-text('Enregistrer')")
    assert page.locator("#f-forwards-unconditional-error").inner_text() == "Ce numéro n'est pas valide."
    page.fill("#f-forwards-unconditional", "06 12 34 56 78")
    page.check("input[name='forwards.presented'][value='line']")
    page.click("form.line-form button:has-text('Enregistrer')")
    assert page.locator(".alert.ok").inner_text() == "Vos modifications ont été enregistrées."
    assert page.input_value("#f-forwards-unconditional") == "0612345678"
    assert page.locator("#apply-status").get_attribute("data-state") == "live"
    shot(page, "07-user-forward")
    with rt.context() as ctx:
        line = ctx.session.scalar(select(Line).where(Line.number == "+33175000101"))
        assert (line.forward_unconditional, line.forward_presented) == ("+33612345678", "line")


def test_csv_import_with_an_error_then_a_good_file(page, server, tmp_path):
    base, rt = server
    log_in(page, base, *ADMIN)
    page.click("nav.tabs a:has-text('Mon annuaire')")
    page.click("a:has-text('Importer mon annuaire')")
    bad = tmp_path / "annuaire.csv"
    bad.write_bytes((HEADER + "33140000001;Lefèvre;;;;;RH;;;;;;;\n"
                     + "0140000002;Roux;Éric;eric@;;;RH;;;;;;;\n").encode("cp1252"))
    page.set_input_files("#f-file", str(bad))
    page.click("button:has-text('Importer')")
    problems = page.locator("tr.problem").evaluate_all(
        "rows => rows.map(r => [...r.cells].slice(0, 2).map(c => c.innerText))")
    assert problems == [["2", "3 (Prénom)"], ["3", "4 (Email)"]]
    assert "rien n'a été importé" in page.locator(".import-errors").inner_text()
    shot(page, "08-import-errors")
    with rt.context() as ctx:
        assert ctx.session.scalar(select(Contact).where(Contact.last_name == "Roux")) is None
    good = tmp_path / "bon.csv"
    good.write_bytes((HEADER + "33175000101;Durand;Pierre;;;;Direction;;;;;;;\n"
                      + "140000002;Roux;Éric;eric@bauer.example;;;RH / Paie;;;;;;;\n").encode("utf-8"))
    page.set_input_files("#f-file", str(good))
    page.click("button:has-text('Importer')")
    assert "seront remplacés par 2 contact(s)" in page.locator(".preview").inner_text()
    shot(page, "09-import-preview")
    page.click("button:has-text(\"Confirmer l'import\")")
    assert page.locator(".alert.ok").inner_text() == "Annuaire importé : 2 contact(s)."
    assert page.locator(".tree-panel a:has-text('Éric Roux')").count() == 1
    with rt.context() as ctx:
        names = sorted(ctx.session.scalars(select(Contact.last_name).where(Contact.owner_login_id.is_(None))))
        assert names == ["Durand", "Roux"]


def test_a_user_calls_back_and_follows_the_progress(page, server):
    """C-1 in the browser: the status follows what the event service records."""
    from orchestrator.db.models import ClickToCall
    from orchestrator.live import click_to_call

    base, rt = server
    log_in(page, base, "01 75 00 01 01", "pierre")
    page.goto(f"{base}/me/calls/")
    assert page.locator("nav.tabs a.active").inner_text() == "Journal des appels"
    page.fill("#c2c-target", "01 45 00 00 00")
    page.click("button:has-text('Appeler')")
    page.wait_for_url(re.compile(r".*/me/calls/\?c2c=\d+$"))
    status = page.locator("#c2c-status strong")
    assert status.inner_text() == "votre téléphone sonne"
    with rt.context() as ctx:
        call = ctx.session.scalar(select(ClickToCall).order_by(ClickToCall.id.desc()))
        for name in ("CHANNEL_ANSWER", "CHANNEL_BRIDGE"):  # what the event service sees
            click_to_call.on_event(ctx.session, {"Event-Name": name, "Unique-ID": "leg-1",
                                                 "variable_centrex_c2c": str(call.id)})
        ctx.session.commit()
    from playwright.sync_api import expect

    expect(status).to_have_text("en communication")  # the page polls until it changes
    shot(page, "10-click-to-call")
