"""« Mes services », « Mon annuaire » and the user's « Mon annuaire » in a real
browser (Debian's chromium driven by Playwright, as tests/test_webui_browser.py):
add a line on one of the three proposed numbers (§3.3.1), set a contact's
password (§3.5.1 « Identifiants »), and a user adds a personal contact and
gets « Appeler » on its number (§4.2).

Screenshots go to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import re

import pytest
from browser_helpers import add_to_pool, browser_fixture, log_in, page_fixture, served_demo, shot  # noqa: F401  (the browser and page fixtures)
from sqlalchemy import select
from webui_helpers import ADMIN, PIERRE

from orchestrator.db.models import Contact, Line, Login
from orchestrator.services.passwords import verify_password

pytestmark = pytest.mark.browser

POOL = ["+33175004000", "+33175004001", "+33175004002", "+33175004003", "+33175004004"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The demo company and a few free numbers, on SQLite, served like `orchestrator web`."""
    def free_numbers(rt, fs, settings):
        add_to_pool(rt, POOL)

    with served_demo(tmp_path_factory.mktemp("browser-lines"), free_numbers) as served:
        yield served.base, served.rt




def test_add_a_line_on_a_proposed_number(page, server):
    base, rt = server
    log_in(page, base, *ADMIN)
    page.wait_for_url(f"{base}/services/")
    page.click("#add-line")
    page.wait_for_url(re.compile(r".*/services/lines/new$"))
    proposed = page.locator("#number-choice input[name='number']").evaluate_all("els => els.map(e => e.value)")
    assert proposed[:3] == POOL[:3] and proposed[-1] == "custom"
    shot(page, "lines-01-choose-number")
    # nothing chosen: the form says so and keeps what was typed
    page.fill("#f-label", "Accueil Nord")
    page.click("#choose-number")
    assert page.locator("#number-choice .error").count() == 1
    assert page.input_value("#f-label") == "Accueil Nord"
    page.locator(f"#number-choice input[value='{POOL[1]}']").check()
    page.fill("#f-short_number", "205")
    page.click("#choose-number")
    page.wait_for_url(re.compile(r".*/services/lines/\d+$"))
    assert "01 75 00 40 01" in page.locator(".alert.ok").inner_text()
    assert page.locator("h1 .dot.activating").count() == 1
    shot(page, "lines-02-line-added")
    with rt.context() as ctx:
        line = ctx.session.scalar(select(Line).where(Line.number == POOL[1]))
        assert (line.label, line.short_number, line.status) == ("Accueil Nord", "205", "activating")
    page.click("nav.subtabs a[href$='/services/']")
    assert page.locator("table.list").first.locator("tbody tr").count() == 5


def test_set_a_contacts_password(page, server):
    base, rt = server
    log_in(page, base, *ADMIN)
    page.click("nav.tabs a:has-text('Mon annuaire')")
    page.click(".tree-panel a:has-text('Paul Martin')")
    assert page.locator("#user-login").inner_text() == "+33175000102"
    page.fill("#f-password", "12")
    page.click("#save-identifiers")
    assert page.locator("#f-password-error").inner_text() == "Ce mot de passe est trop court."
    page.fill("#f-password", "paul-2026")
    page.click("#save-identifiers")
    assert "+33175000102" in page.locator(".alert.ok").inner_text()
    shot(page, "lines-03-password-set")
    page.check("#f-generate")
    page.click("#save-identifiers")
    generated = page.locator("#generated-password code").inner_text()
    assert len(generated) == 10
    shot(page, "lines-04-password-generated")
    with rt.context() as ctx:
        row = ctx.session.scalar(select(Login).where(Login.login == "+33175000102"))
        assert verify_password(generated, row.password_hash) and generated not in row.password_hash


def test_upload_a_contacts_photo(page, server, tmp_path):
    """§3.5.1: « Parcourir » on the card; the photo shows on it; a file that is
    no picture is refused and the photo stays."""
    from test_webui_photos import png

    base, _rt = server
    picture, fake = tmp_path / "paul.png", tmp_path / "paul2.png"
    picture.write_bytes(png(16, 16))
    fake.write_bytes(b"<svg/onload=alert(1)>")
    log_in(page, base, *ADMIN)
    page.click("nav.tabs a:has-text('Mon annuaire')")
    page.click(".tree-panel a:has-text('Paul Martin')")
    page.set_input_files("#f-photo", str(picture))
    page.click("#photo-form button:has-text('Télécharger la photo')")
    assert "La photo a été enregistrée." in page.locator(".alert.ok").inner_text()
    size = page.locator("#contact-photo").evaluate("img => [img.complete, img.naturalWidth]")
    assert size == [True, 16]  # the browser decoded the picture served back
    page.set_input_files("#f-photo", str(fake))
    page.click("#photo-form button:has-text('Télécharger la photo')")
    assert "Ce n'est pas une image JPEG, PNG ou GIF." in page.locator(".alert.error").inner_text()
    assert page.locator("#contact-photo").evaluate("img => img.naturalWidth") == 16
    shot(page, "lines-09-contact-photo")


def test_a_user_adds_a_personal_contact_and_can_call_it(page, server):
    base, rt = server
    log_in(page, base, *PIERRE)
    page.click("nav.tabs a:has-text('Mon annuaire')")
    page.wait_for_url(f"{base}/me/directory")
    assert page.locator("#personal-directory li.contact").count() == 1  # Sophie Durand
    page.click("#add-personal")
    page.fill("#f-first_name", "Léa")
    page.fill("#f-last_name", "Roux")
    page.fill("#f-numbers-0-number", "06 11 22 33 55")
    page.click("#personal-form button[type='submit']")
    page.wait_for_url(f"{base}/me/directory")
    assert page.locator(".alert.ok").inner_text() == "Le contact a été enregistré."
    lea = page.locator("#personal-directory li.contact:has-text('Léa Roux')")
    call = lea.locator("button.call[data-target='+33611223355']")
    assert call.inner_text() == "Appeler" and call.is_visible()
    assert lea.locator("a.sms").count() == 1
    shot(page, "lines-05-personal-contact")
    lea.locator("a.sms").click()
    assert page.input_value("#sms-to") == "0611223355"
    with rt.context() as ctx:
        row = ctx.session.scalar(select(Contact).where(Contact.last_name == "Roux"))
        owner = ctx.session.scalar(select(Login).where(Login.login == PIERRE[0]))
        assert row.owner_login_id == owner.id and row.list_id is None


def test_equipment_and_accesses(page, server):
    base, rt = server
    log_in(page, base, *ADMIN)
    page.click("nav.subtabs a[href$='/services/devices']")
    assert page.locator("tbody.device").count() == 2
    shot(page, "lines-06-equipment")
    page.click("a.mac:has-text('00:0E:08:AA:01:02')")
    page.fill("#f-name", "Bureau 007")
    page.select_option("#f-port-2", "+33175000103")
    page.click("#device-form button[type='submit']")
    assert page.locator("#f-port-2").input_value() == "+33175000103"
    assert page.locator("#provisioning").is_visible()
    shot(page, "lines-07-device")
    page.click("nav.subtabs a[href$='/services/accesses']")
    assert page.locator("tr.access").count() == 5
    shot(page, "lines-08-accesses")
