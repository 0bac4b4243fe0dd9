"""What every browser test module shares: the demo company served like
`orchestrator web` serves it (a thread, an ephemeral port, a fake
FreeSWITCH as its node so that every save is applied and shown live),
Debian's chromium driven by Playwright, login and screenshots.

Screenshots go to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from fake_freeswitch.server import FakeFreeSWITCH
from webui_helpers import load_demo
from werkzeug.serving import make_server

from orchestrator.apply.jobs import run_apply
from orchestrator.config import Settings
from orchestrator.db import migrate
from orchestrator.domain.errors import Errors
from orchestrator.runtime import Runtime
from orchestrator.services import inventory
from webui import create_app

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


class Served(NamedTuple):
    base: str  # http://127.0.0.1:<port>
    rt: Runtime
    fs: FakeFreeSWITCH
    settings: Settings


@contextmanager
def served_demo(tmp: Path, prepare: Callable[[Runtime, FakeFreeSWITCH, Settings], Any] | None = None
                ) -> Iterator[Served]:
    """The demo company on SQLite, live on a fake FreeSWITCH node from the
    start; ``prepare`` runs after the demo is loaded, before the apply."""
    if not CHROMIUM.exists():
        pytest.fail("chromium is required for the browser tests: run scripts/ensure-test-deps.sh", pytrace=False)
    with FakeFreeSWITCH(password="ClueCon") as fs:
        fs.set_api_response("reload", "+OK Reloading XML\n+OK module unloaded\n+OK module loaded\n")
        fs.set_api_response("sofia", "Reload XML [Success]\n+OK scan complete\n")
        settings = Settings(var_dir=tmp / "var", extra={"nodes": {"fs1": {
            "conf_dir": str(tmp / "fs1"), "esl_host": fs.host, "esl_port": fs.port, "esl_password": "ClueCon"}}})
        rt = Runtime(settings=settings)
        migrate.upgrade(rt.engine)
        load_demo(rt)
        if prepare is not None:
            prepare(rt, fs, settings)
        run_apply(rt, None)  # live from the start
        app = create_app(rt, {"SESSION_COOKIE_SECURE": False})  # plain HTTP on loopback, as `orchestrator web`
        httpd = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield Served(f"http://127.0.0.1:{httpd.server_port}", rt, fs, settings)
        finally:
            httpd.shutdown()
            thread.join(timeout=10)
            rt.engine.dispose()


def add_to_pool(rt: Runtime, numbers: Iterable[str]) -> None:
    """Free numbers in the platform's pool (for the number choices)."""
    with rt.context(actor="test") as ctx:
        errors = Errors()
        for number in numbers:
            inventory.add_to_pool(ctx.session, errors, number, "FR")
        assert not errors
        ctx.commit()


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield browser
        browser.close()


@contextmanager
def french_page(browser: Any) -> Iterator[Any]:
    """A page in a fresh context, in French, that accepts the data-confirm questions."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    context.set_default_timeout(15000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()


@pytest.fixture(scope="module", name="browser")
def browser_fixture() -> Iterator[Any]:
    """``from browser_helpers import browser_fixture, page_fixture`` gives a
    browser test module (which defines ``server``) its ``browser`` and ``page``."""
    with chromium() as b:
        yield b


@pytest.fixture(name="page")
def page_fixture(browser: Any, server: Any) -> Iterator[Any]:
    with french_page(browser) as pg:
        yield pg


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page: Any, base: str, login: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#f-login", login)
    page.fill("#f-password", password)
    page.click("button:has-text('Connexion')")
    page.wait_for_load_state()
