"""« Mes fichiers audio » and « Ma messagerie » in a real browser (Debian's
chromium driven by Playwright), against the app served on 127.0.0.1 with a
fake FreeSWITCH whose mod_voicemail mailboxes answer over ESL.

Screenshots go to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import re
import shutil
import wave
from pathlib import Path

import pytest
from browser_helpers import browser_fixture, log_in, page_fixture, served_demo, shot  # noqa: F401  (the browser and page fixtures)
from sqlalchemy import select
from webui_helpers import ADMIN

from orchestrator.config import platform_from_settings
from orchestrator.db.models import AudioFile, Line
from orchestrator.live import voicemail_messages as vm
from orchestrator.services.lines import service as lines

pytestmark = pytest.mark.browser



def wav_file(path: Path, seconds: float = 1.0) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x10\x00\xf0" * int(seconds * 4000))
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The demo company on SQLite, a fake FreeSWITCH node with mailboxes."""
    if not shutil.which("sox"):
        pytest.fail("sox is required: run scripts/ensure-test-deps.sh", pytrace=False)
    with served_demo(tmp_path_factory.mktemp("browser-audio")) as served:
        mail = served.fs.voicemail(platform_from_settings(served.settings).spool_dir / "voicemail")
        yield served.base, served.rt, served.fs, mail




def playable(page, selector: str) -> float:
    """Load the <audio> element and return its duration (the browser decoded it)."""
    return page.locator(selector).evaluate("""a => new Promise((ok, ko) => {
        a.addEventListener('loadedmetadata', () => ok(a.duration), {once: true});
        a.addEventListener('error', () => ko(new Error('audio error ' + (a.error && a.error.code) + ' ' + (a.error && a.error.message))), {once: true});
        a.preload = 'metadata'; a.load(); })""")  # noqa: E501  (JavaScript kept one statement a line)


def test_upload_listen_and_refused_delete(page, server, tmp_path):
    base, rt, _fs, _mail = server
    log_in(page, base, *ADMIN)
    page.wait_for_url(f"{base}/services/")
    page.goto(f"{base}/reception/")
    page.click("#audio-files-link")
    page.wait_for_url(re.compile(r".*/reception/audio/$"))
    # the upload form: a WAV, under a title
    page.fill("#upload-form #f-name", "Attente maison")
    page.set_input_files("#upload-form #f-file", str(wav_file(tmp_path / "attente.wav", 2)))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r".*category=hold_music.*"))
    assert page.locator(".alert.ok").count() == 1
    row = page.locator("tr.audio-file[data-name='Attente maison']")
    assert row.count() == 1
    assert playable(page, "tr.audio-file[data-name='Attente maison'] audio") == pytest.approx(2.0, abs=0.1)
    shot(page, "audio-01-uploaded")
    # a wrong file: the error is next to the field, the title stays
    bad = tmp_path / "faux.wav"
    bad.write_text("ceci n'est pas un son " * 40)
    page.fill("#upload-form #f-name", "Faux")
    page.set_input_files("#upload-form #f-file", str(bad))
    page.click("#upload-form button[type=submit]")
    assert page.locator("#f-file-error").count() == 1 and page.input_value("#upload-form #f-name") == "Faux"
    shot(page, "audio-02-wrong-file")
    # the file becomes Pierre's hold music; deleting it is refused with the uses
    with rt.context(actor="test") as ctx:
        pierre = ctx.session.scalar(select(Line).where(Line.number == "+33175000101"))
        lines.update(ctx, pierre, {"hold_music": {"file": "Attente maison", "catalogue": None}})
        ctx.commit()
    page.goto(f"{base}/reception/audio/?category=hold_music")
    page.locator("tr.audio-file[data-name='Attente maison'] button[type=submit]").click()
    uses = page.locator(".alert.in-use")
    assert "+33175000101 (Pierre)" in uses.inner_text()
    shot(page, "audio-03-in-use")
    with rt.context() as ctx:
        assert ctx.session.scalar(select(AudioFile.id).where(AudioFile.name == "Attente maison")) is not None
    # the catalogue plays too
    page.goto(f"{base}/reception/audio/?tab=standard")
    assert playable(page, "tr[data-track='calme'] audio") > 1
    assert "sox" in page.locator(".audio-library").inner_text()
    shot(page, "audio-04-catalogue")


def test_a_user_listens_to_and_deletes_a_voicemail_message(page, server):
    base, rt, fs, mail = server
    with rt.context() as ctx:
        line = ctx.session.scalar(select(Line).where(Line.number == "+33175000101"))
        user, _, domain = vm.mailbox(ctx.session, line).partition("@")
    msg = mail.leave(user, domain, cid_number="+33140000001", cid_name="Durand", seconds=2)
    kept = mail.leave(user, domain, cid_number="0612345678", seconds=5, read=True)
    log_in(page, base, "01 75 00 01 01", "pierre")
    page.wait_for_url(re.compile(r".*/me/lines/\d+$"))
    page.click("nav.tabs a[href='/voicemail/']")
    page.wait_for_url(re.compile(r".*/voicemail/lines/\d+$"))
    assert page.locator("nav.tabs a.active").get_attribute("href") == "/voicemail/"
    row = page.locator(f"tr.message[data-uuid='{msg.uuid}']")
    assert "new" in row.get_attribute("class") and "01 40 00 00 01" in row.inner_text()
    shot(page, "voicemail-01-messages")
    assert playable(page, f"tr.message[data-uuid='{msg.uuid}'] audio") == pytest.approx(2.0, abs=0.1)
    fs.wait_for_command(f"api vm_read {user}@{domain}/default read {msg.uuid}")
    page.reload()
    assert "saved" in page.locator(f"tr.message[data-uuid='{msg.uuid}']").get_attribute("class")
    page.locator(f"tr.message[data-uuid='{msg.uuid}'] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/voicemail/lines/\d+$"))
    assert page.locator(".alert.ok").count() == 1
    assert page.locator(f"tr.message[data-uuid='{msg.uuid}']").count() == 0
    assert page.locator(f"tr.message[data-uuid='{kept.uuid}']").count() == 1
    fs.wait_for_command(f"api vm_delete {user}@{domain}/default {msg.uuid}")
    assert msg not in mail.rows and not Path(msg.file_path).exists()
    shot(page, "voicemail-02-deleted")


def test_a_user_uploads_a_greeting(page, server, tmp_path):
    base, rt, _fs, _mail = server
    log_in(page, base, "01 75 00 01 01", "pierre")
    page.wait_for_url(re.compile(r".*/me/lines/\d+$"))
    page.goto(f"{base}/voicemail/")
    page.select_option("#greeting-upload #f-mode", "record")
    page.fill("#greeting-upload #f-name", "Annonce de Pierre")
    page.set_input_files("#greeting-upload #f-file", str(wav_file(tmp_path / "annonce.wav", 1)))
    page.click("#greeting-upload button[type=submit]")
    assert page.locator(".alert.ok").count() == 1
    assert page.locator("#f-voicemail-greeting_record").input_value() == "Annonce de Pierre"
    assert playable(page, ".greeting-player audio") == pytest.approx(1.0, abs=0.1)
    shot(page, "voicemail-03-greeting")
    with rt.context() as ctx:
        line = ctx.session.scalar(select(Line).where(Line.number == "+33175000101"))
        audio = ctx.session.get(AudioFile, line.vm_greeting_record_id)
        assert (audio.name, audio.category) == ("Annonce de Pierre", "vm_greeting_record")

