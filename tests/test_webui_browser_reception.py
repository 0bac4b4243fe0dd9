"""« Mon standard » editors in a real browser (manual §3.7.1, §3.7.5, §3.7.6;
R-1, T-1, T-3, I-1): add a time rule and move it to the top (the simulator
follows), a bad rule shown again with its errors, edit an IVR key, create
and duplicate a profile, add a reception number and delete it. Debian's chromium driven by Playwright against the app
on 127.0.0.1, with a fake FreeSWITCH as the node so that saves are applied.

Selectors are ids and classes (not the wording), screenshots go to
test-artifacts/ (git-ignored)."""

from __future__ import annotations

import re

import pytest
from browser_helpers import add_to_pool, browser_fixture, log_in, page_fixture, served_demo, shot  # noqa: F401  (the browser and page fixtures)
from playwright.sync_api import expect
from sqlalchemy import select
from webui_helpers import ADMIN

from orchestrator.db.models import ReceptionNumber, ReceptionProfile
from orchestrator.services.reception import rules as rules_edit

pytestmark = pytest.mark.browser

ACCUEIL1, ACCUEIL2 = "+33175000120", "+33974762328"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The demo company on SQLite, with free numbers in the pool for §3.7.1."""
    with served_demo(tmp_path_factory.mktemp("browser-reception"),
                     lambda rt, fs, settings: add_to_pool(rt, ("+33175000150", "+33175000151"))) as served:
        yield served.base, served.rt



def open_reception(page, base: str, label: str) -> None:
    log_in(page, base, *ADMIN)
    page.wait_for_url(f"{base}/services/")
    page.click("nav.tabs a[href='/reception/']")
    page.click(f"table.list a:has-text('{label}')")
    page.wait_for_url(re.compile(r".*/reception/\d+$"))


def rules(rt) -> list[tuple[str, str, str]]:
    with rt.context() as ctx:
        rec = ctx.session.scalar(select(ReceptionNumber).where(ReceptionNumber.number == ACCUEIL1))
        return [(r["days"], r["hours"], r["profile"]) for r in rules_edit.rule_list(rec)]


def test_add_a_rule_and_move_it_to_the_top(page, server):
    base, rt = server
    open_reception(page, base, "Accueil 1")
    page.click("#new-rule")
    # a bad date first: the form comes back with the error in the days and what was typed
    page.check("#f-days_kind-dates")
    page.fill("#f-date_from", "31/02")
    page.click("#save-rule")
    expect(page.locator("#f-days-error")).to_be_visible()
    assert page.input_value("#f-date_from") == "31/02"
    shot(page, "reception-01-rule-error")
    page.check("#f-days_kind-weekdays")
    page.select_option("#f-weekday_from", "sat")
    page.select_option("#f-weekday_to", "sun")
    page.check("#f-hours_kind-range")
    page.select_option("#f-time_from", "09:00")
    page.select_option("#f-time_to", "12:30")
    page.select_option("#f-profile", "Ouverture")
    page.click("#save-rule")
    expect(page.locator(".alert.ok")).to_have_count(1)
    row = lambda: page.locator("table.rules tr.rule")  # noqa: E731
    expect(row()).to_have_count(3)
    expect(row().nth(2).locator(".when")).to_have_text("Du samedi au dimanche, de 09:00 à 12:30")
    row().nth(2).locator("button.move-up").click()
    expect(row().nth(1).locator(".when")).to_have_text("Du samedi au dimanche, de 09:00 à 12:30")
    row().nth(1).locator("button.move-up").click()
    expect(row().nth(0).locator(".when")).to_have_text("Du samedi au dimanche, de 09:00 à 12:30")
    expect(row().nth(0).locator("button.move-up")).to_have_count(0)  # the top rule has no ▲
    assert page.locator("#apply-status").get_attribute("data-state") == "live"
    shot(page, "reception-02-rule-on-top")
    assert rules(rt)[0] == ("sat-sun", "09:00-12:30", "Ouverture")
    # the simulator follows the new rule: a Saturday morning is « Ouverture »
    page.fill("#f-sim-at", "2026-12-05T10:00")
    page.click("form.sim button")
    expect(page.locator(".plan-profile")).to_have_text("Ouverture")


def test_edit_an_ivr_key(page, server):
    base, rt = server
    open_reception(page, base, "Accueil 2")
    row = page.locator("tr[data-profile='Profil par défaut']")
    expect(row.locator("a.edit-ivr")).to_have_count(1)
    expect(row.locator("a.edit-hunt")).to_have_count(0)
    row.locator("a.edit-ivr").click()
    expect(page.locator("#ivr-form tr.ivr-key")).to_have_count(11)
    assert page.input_value("#f-keys-1") == "line:+33175000101"
    page.select_option("#f-keys-4", f"reception:{ACCUEIL1}:profile:Ouverture")
    page.select_option("#f-keys-1", "voicemail:+33175000103")
    page.click("#save-ivr")
    expect(page.locator(".alert.ok")).to_have_count(1)
    assert page.input_value("#f-keys-4") == f"reception:{ACCUEIL1}:profile:Ouverture"
    assert page.locator("#apply-status").get_attribute("data-state") == "live"
    shot(page, "reception-03-ivr-keys")
    with rt.context() as ctx:
        rec = ctx.session.scalar(select(ReceptionNumber).where(ReceptionNumber.number == ACCUEIL2))
        keys = {k.digit: k for k in rec.profiles[0].keys}
        assert keys["4"].target_mode == "profile"
        assert ctx.session.get(ReceptionProfile, keys["4"].target_profile_id).name == "Ouverture"
        assert keys["1"].action == "voicemail"
        assert keys["3"].action == "reception" and set(keys) == {"1", "2", "3", "4", "fallback"}


def test_create_and_duplicate_a_profile(page, server):
    base, rt = server
    open_reception(page, base, "Accueil 1")
    page.fill("#f-name", "Ouverture")  # taken: the error is shown next to the name
    page.click("#new-profile-form button[type=submit]")
    expect(page.locator("#f-name-error")).to_be_visible()
    assert page.input_value("#f-name") == "Ouverture"
    page.fill("#f-name", "Soir")
    page.select_option("#f-kind", "ivr")
    page.click("#new-profile-form button[type=submit]")
    expect(page.locator(".alert.ok")).to_have_count(1)
    soir = page.locator("tr[data-profile='Soir']")
    expect(soir.locator("a.edit-ivr")).to_have_count(1)
    expect(soir.locator("a.edit-hunt")).to_have_count(0)
    page.locator("tr[data-profile='Ouverture'] button.duplicate").click()
    copy = page.locator("tr[data-profile='Ouverture (2)']")
    expect(copy.locator("a.edit-hunt")).to_have_count(1)
    shot(page, "reception-04-profiles")
    copy.locator("a.edit-hunt").click()
    expect(page.locator("li.member")).to_have_count(3)  # the members came with the copy
    page.fill("#f-name", "Été")
    page.click("#rename")
    expect(page.locator(".alert.ok")).to_have_count(1)
    expect(page.locator("h1")).to_contain_text("Été")
    page.click(".crumbs a:has-text('Accueil 1')")
    expect(page.locator("tr[data-profile='Été'] button.delete")).to_have_count(1)
    page.locator("tr[data-profile='Été'] button.delete").click()  # confirmed in the dialog
    expect(page.locator(".alert.ok")).to_have_count(1)
    expect(page.locator("tr[data-profile='Été']")).to_have_count(0)
    shot(page, "reception-05-profile-deleted")
    with rt.context() as ctx:
        rec = ctx.session.scalar(select(ReceptionNumber).where(ReceptionNumber.number == ACCUEIL1))
        assert [(p.name, p.kind) for p in rec.profiles] == [("Profil par défaut", "hunt"), ("Ouverture", "hunt"),
                                                            ("Soir", "ivr")]


def test_add_a_reception_number_then_delete_it(page, server):
    base, rt = server
    open_reception(page, base, "Accueil 1")
    page.click("nav.tabs a[href='/reception/']")
    page.click("#add-reception")
    expect(page.locator("input[name=number][value='+33175000150']")).to_be_checked()
    page.check("input[name=number][value='+33175000151']")
    page.fill("#f-label", "Support")
    page.fill("#f-short_number", "201")  # Pierre's
    page.click("#new-reception-form button[type=submit]")
    expect(page.locator("#f-short_number-error")).to_be_visible()
    expect(page.locator("input[name=number][value='+33175000151']")).to_be_checked()  # kept
    shot(page, "reception-06-add-error")
    page.fill("#f-short_number", "310")
    page.click("#new-reception-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/reception/\d+$"))
    expect(page.locator("h1").first).to_contain_text("01 75 00 01 51")
    expect(page.locator("tr.profile.active")).to_have_count(1)
    shot(page, "reception-07-added")
    page.click("#delete-reception")
    expect(page.locator("#delete-refused")).to_have_count(0)
    shot(page, "reception-08-delete-confirm")
    page.click("#confirm-delete")
    page.wait_for_url(f"{base}/reception/")
    expect(page.locator("table.list a:has-text('Support')")).to_have_count(0)
    # Accueil 1 is called by a key of Accueil 2: its deletion is refused with the reason
    page.click("table.list a:has-text('Accueil 1')")
    page.click("#delete-reception")
    expect(page.locator("#delete-refused")).to_be_visible()
    expect(page.locator("#confirm-delete")).to_have_count(0)
    with rt.context() as ctx:
        assert ctx.session.scalar(select(ReceptionNumber).where(ReceptionNumber.number == "+33175000151")) is None
