"""Special 08xx numbers in a real browser (manual §3.7.7; S-2, S-3): editing a
profile's load shares with a mistake, then fixed (the total follows what is
typed); adding a time-and-origin rule, with a mistake first, and the route
simulator agreeing. Debian's chromium driven by Playwright against the app
served on 127.0.0.1, a fake FreeSWITCH as the node. Screenshots go to
test-artifacts/special-*.png."""

from __future__ import annotations

import pytest
from browser_helpers import browser_fixture, log_in, page_fixture, served_demo  # noqa: F401  (the browser and page fixtures)
from browser_helpers import shot as browser_shot
from sqlalchemy import select
from webui_helpers import ADMIN

from orchestrator.db.models import SpecialNumber

pytestmark = pytest.mark.browser

SAV = "+33811000120"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The demo company on SQLite, served like `orchestrator web` serves it."""
    with served_demo(tmp_path_factory.mktemp("browser-special")) as served:
        yield served.base, served.rt


def shot(page, name: str) -> None:
    browser_shot(page, f"special-{name}")


def open_sav(page, base: str) -> None:
    """Log in, « Mes services », then the special number's row."""
    log_in(page, base, *ADMIN)
    page.wait_for_url(f"{base}/services/")
    page.click("a:has-text('08 11 00 01 20')")
    page.wait_for_url(f"{base}/special/*")
    assert page.locator("h1").inner_text().endswith("08 11 00 01 20")


def sav_routings(rt) -> list[list[tuple[str | None, bool, int]]]:
    with rt.context() as ctx:
        sp = ctx.session.scalar(select(SpecialNumber).where(SpecialNumber.number == SAV))
        return [[(d.number, d.reception_id is not None, d.percent) for d in r.destinations]
                for r in sp.profiles[0].routings]


def test_edit_routing_percentages_with_an_error_then_fixed(page, server):
    base, rt = server
    open_sav(page, base)
    assert page.locator("tr.profile.active").count() == 1
    page.locator("tr[data-profile='Profil par défaut'] a.edit-profile").click()
    share = "#f-routings-0-destinations-0-percent"
    assert page.input_value(share) == "50"
    page.fill(share, "60")
    total = page.locator("fieldset.routing[data-routing='0'] .routing-total")
    assert total.locator(".total").inner_text() == "110"  # follows the typing
    assert "wrong" in total.get_attribute("class")
    page.click("#save-routings")
    assert page.locator("#f-routings-0-destinations-error").is_visible()  # next to routing 1
    assert page.locator("#f-routings-0-destinations-0-percent").get_attribute("aria-invalid") == "true"
    assert total.locator(".total").inner_text() == "110"
    assert page.input_value(share) == "60"  # nothing typed is lost
    shot(page, "01-routing-error")
    assert sav_routings(rt)[0] == [(None, True, 50), ("+33175000102", False, 50)]
    page.fill("#f-routings-0-destinations-1-percent", "40")
    assert total.locator(".total").inner_text() == "100"
    # « Ajouter un numéro » on routing 2: a new row; the shares are split in two
    page.click("fieldset.routing[data-routing='1'] button.add-destination")
    assert page.locator("fieldset.routing[data-routing='1'] tr.destination").count() == 2
    assert page.locator("#routings-form .unsaved").is_visible()
    page.fill("#f-routings-1-destinations-0-percent", "50")
    page.fill("#f-routings-1-destinations-1-number", "01 45 00 00 01")
    page.fill("#f-routings-1-destinations-1-percent", "50")
    page.click("#save-routings")
    page.wait_for_selector(".alert.ok")
    odds = page.locator("table.odds td.odds").all_inner_texts()
    assert odds == ["60.01 %", "39.99 %", "50.00 %", "50.00 %"]  # 4096 buckets, as the telephony draws
    assert page.locator("table.reach td.reach-odds").all_inner_texts() == ["60.01 %", "39.99 %", "50.00 %", "50.00 %"]
    shot(page, "02-routing-saved")
    assert sav_routings(rt) == [[(None, True, 60), ("+33175000102", False, 40)],
                                [("+33145000000", False, 50), ("+33145000001", False, 50)]]


def test_add_an_origin_rule(page, server):
    base, rt = server
    open_sav(page, base)
    page.fill("#f-name", "Mobiles")
    page.click("form.new-profile button")
    page.wait_for_selector(".alert.ok")
    assert page.locator("fieldset.routing").count() == 0  # a new profile: no routing yet
    page.click("#add-routing")
    page.fill("#f-routings-0-destinations-0-number", "01 45 00 00 09")
    page.click("#save-routings")
    page.wait_for_selector(".alert.ok")
    page.click("nav.subtabs a[href$='/rules']")
    page.click("#add-rule")
    page.check("input[name='days_kind'][value='weekdays']")
    page.select_option("#f-weekday_from", "mon")
    page.select_option("#f-weekday_to", "fri")
    page.check("input[name='hours_kind'][value='range']")
    page.select_option("#f-time_from", "08:00")
    page.select_option("#f-time_to", "18:30")
    for origin in ("01", "02", "03", "04", "05", "mobile", "other"):
        page.uncheck(f"#f-origin-{origin}")
    page.select_option("#f-profile", label="Mobiles")
    page.click("#save-rule")
    assert page.locator("#f-origins-error").is_visible()  # no origin chosen
    assert page.input_value("#f-time_to") == "18:30"
    shot(page, "03-rule-error")
    page.check("#f-origin-mobile")
    page.click("#save-rule")
    page.wait_for_selector(".alert.ok")
    row = page.locator("tr.rule[data-rule]")
    assert row.count() == 1
    assert "08:00" in row.locator(".when").inner_text() and "18:30" in row.locator(".when").inner_text()
    assert row.locator("td").nth(2).inner_text() == "Mobiles"
    shot(page, "04-rule-saved")
    # the profile active now and the simulator agree with the rule: a mobile caller on a Monday at 10:00
    page.click("nav.subtabs a:nth-child(1)")
    assert page.locator("tr[data-profile='Mobiles'] .has-rules").count() == 1
    page.fill("#f-sim-caller", "06 12 34 56 78")
    page.fill("#f-sim-at", "2026-11-30T10:00")
    page.click("form.sim button")
    assert page.locator(".plan-profile").inner_text() == "Mobiles"
    assert page.locator("table.plan-odds td.odds").all_inner_texts() == ["100.00 %"]
    shot(page, "05-test-this-number")
    with rt.context() as ctx:
        sp = ctx.session.scalar(select(SpecialNumber).where(SpecialNumber.number == SAV))
        [rule] = sp.rules
        assert (rule.days, rule.weekday_from, rule.weekday_to, rule.time_from, rule.time_to, rule.origins) == (
            "weekdays", 1, 5, 480, 1110, "mobile")
