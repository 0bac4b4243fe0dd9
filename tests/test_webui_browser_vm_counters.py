"""V-5 in a real browser (Debian's chromium driven by Playwright): a user's
« Ma messagerie » tab and the admin's lines list show the new-message
counters, and they change on the open page when the event service records
a new message, without reloading it (server-sent events).

Screenshots go to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import pytest
from browser_helpers import browser_fixture, french_page, log_in, page_fixture, served_demo, shot  # noqa: F401  (the browser and page fixtures)
from playwright.sync_api import expect
from sqlalchemy import select
from webui_helpers import ADMIN, PIERRE

from orchestrator.db.models import Line, Tenant
from orchestrator.live.voicemail import on_message_waiting

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with served_demo(tmp_path_factory.mktemp("browser-vm")) as served:
        yield served.base, served.rt


def mwi(rt, number: str, new: int) -> int:
    """What the event service does on FreeSWITCH's MESSAGE_WAITING event; the line's id."""
    with rt.context(actor="esl-events") as ctx:
        line = ctx.session.scalar(select(Line).where(Line.number == number))
        domain = ctx.session.get(Tenant, line.tenant_id).sip_domain
        assert on_message_waiting(ctx.session, {"MWI-Message-Account": f"sip:{line.sip_username}@{domain}",
                                                "MWI-Voice-Message": f"{new}/0 (0/0)"}) is not None
        ctx.commit()
        return line.id


def test_the_users_tab_and_the_admins_list_follow_new_messages_live(page, browser, server):
    base, rt = server
    pierre_id = mwi(rt, PIERRE[0], 0)
    log_in(page, base, *PIERRE)
    page.goto(f"{base}/me/calls/")
    badge = page.locator("[data-vm-total]")
    assert badge.inner_text() == "0"
    badge.evaluate("el => el.setAttribute('data-same-page', '1')")  # gone if the page reloads
    mwi(rt, PIERRE[0], 2)  # a caller leaves messages while the page is open
    expect(badge).to_have_text("2")
    assert badge.get_attribute("data-same-page") == "1"
    assert "zero" not in (badge.get_attribute("class") or "")
    shot(page, "vm-01-user-tab-2-new")

    with french_page(browser) as admin:
        log_in(admin, base, *ADMIN)
        admin.goto(f"{base}/services/")
        cell = admin.locator(f"[data-vm-line='{pierre_id}']")
        assert cell.inner_text() == "2"
        mwi(rt, PIERRE[0], 0)  # Pierre listens to them
        expect(cell).to_have_text("0")
        expect(badge).to_have_text("0")
        shot(admin, "vm-02-admin-lines-list")
