"""« Ma messagerie » (manual §4.3, §3.3.5; V-1..V-3, V-5): a line's messages
read from mod_voicemail over ESL (the fake FreeSWITCH's mailboxes answer in
FreeSWITCH's exact format), listened to and deleted; the greeting of each
mode; the same through /api/v1/lines/<number>/voicemail; and nobody reaching
another line's mailbox."""

from __future__ import annotations

import io
import re
import wave
from pathlib import Path

import pytest
from fake_freeswitch.server import FakeFreeSWITCH
from sqlalchemy import select
from webui_helpers import (
    ADMIN,
    OTHER_ADMIN,
    PIERRE,
    esl_to,
    field_error,
    load_demo,
    load_other_tenant,
    logged_in,
    make_app,
    post,
    token_for,
)

from orchestrator.config import platform_from_settings
from orchestrator.db.models import AudioFile, AuditEntry, Line
from orchestrator.live import voicemail_messages as vm
from orchestrator.render.snapshot import load_snapshot
from orchestrator.render.views import line_view
from orchestrator.services.audio import library

PIERRE_LINE, PAUL_LINE = "+33175000101", "+33175000102"
EPOCH = 1795725000  # 2026-11-26 21:30 in Paris


def wav_bytes(seconds: float = 0.4) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x08" * int(seconds * 8000))
    return buf.getvalue()


def boxes(rt) -> dict[str, tuple[str, str]]:
    """line number → (user, domain) of its mailbox."""
    with rt.context() as ctx:
        out = {}
        for line in ctx.session.scalars(select(Line)):
            user, _, domain = vm.mailbox(ctx.session, line).partition("@")
            out[line.number] = (user, domain)
        return out


def line_id(rt, number: str) -> int:
    with rt.context() as ctx:
        return ctx.session.scalar(select(Line.id).where(Line.number == number))


@pytest.fixture
def world(rt):
    load_demo(rt)
    load_other_tenant(rt)
    with FakeFreeSWITCH(password="ClueCon") as fs:
        mail = fs.voicemail(platform_from_settings(rt.settings).spool_dir / "voicemail")
        box = boxes(rt)
        first = mail.leave(*box[PIERRE_LINE], cid_number="+33140000001", cid_name="Durand & Fils <compta>",
                           seconds=12, created=EPOCH)
        second = mail.leave(*box[PIERRE_LINE], cid_number="0612345678", seconds=4, created=EPOCH + 3600, read=True)
        remote = mail.leave(*box[PIERRE_LINE], cid_number="0698765432", seconds=9, created=EPOCH + 60,
                            write_file=False)  # recorded on another node
        pauls = mail.leave(*box[PAUL_LINE], cid_number="0144444444", seconds=5, created=EPOCH)
        app = make_app(rt)
        app.extensions["esl"] = esl_to(fs)
        yield {"app": app, "fs": fs, "mail": mail, "first": first, "second": second, "remote": remote,
               "pauls": pauls}


def english(app, who):
    client = logged_in(app, who)
    client.get("/lang/en")
    return client


# -- the fake's protocol and the parser ----------------------------------------------

def test_fake_mailbox_answers_like_mod_voicemail(world):
    mail, first = world["mail"], world["first"]
    user, domain = first.username, first.domain
    xml = mail.vm_list(f"{user}@{domain}/default xml")
    assert xml.startswith("<voicemail>\n <message>\n  <created_epoch>1795725000</created_epoch>\n")
    assert "<cid-name>Durand & Fils <compta></cid-name>" in xml  # not escaped, as FreeSWITCH writes it
    text = mail.vm_list(f"{user}@{domain}")
    assert text.splitlines()[0] == (f"1795725000:0:{user}:{domain}:inbox:{first.file_path}:{first.uuid}:"
                                    "Durand & Fils <compta>:+33140000001:12")
    assert mail.vm_list(f"{user}@{domain}/nope xml") == "-ERR can't find user or profile.\n"
    assert mail.vm_read(f"{user}@{domain} sometimes {first.uuid}") == "-ERR can't find user or profile.\n"
    assert mail.vm_list("").startswith("Usage: ")
    # vm_delete without a uuid empties the whole mailbox (why the product always gives one)
    assert mail.vm_delete(f"{world['pauls'].username}@{domain}") == "+OK\n"
    assert mail.messages(world["pauls"].username, domain) == []


def test_parse_list_reads_unescaped_values_and_refusals():
    out = ("<voicemail>\n <message>\n  <created_epoch>1795725000</created_epoch>\n  <read_epoch>0</read_epoch>\n"
           "  <username>0175000101</username>\n  <domain>d</domain>\n  <folder>inbox</folder>\n"
           "  <path>/var/spool/msg_a.wav</path>\n  <uuid>a1b2c3d4-0000</uuid>\n  <cid-name>A & B <x></cid-name>\n"
           "  <cid-number>0140000000</cid-number>\n  <message-len>17</message-len>\n </message>\n</voicemail>\n")
    [msg] = vm.parse_list(out)
    assert (msg.caller_name, msg.caller_number, msg.duration_s, msg.status) == ("A & B <x>", "0140000000", 17, "new")
    assert msg.created.isoformat() == "2026-11-26T20:30:00+00:00"
    assert vm.parse_list("<voicemail>\n</voicemail>\n") == []
    for refusal in ("-ERR can't find user or profile.\n", "-ERR vm_list Command not found!\n", ""):
        with pytest.raises(vm.VoicemailUnavailable):
            vm.parse_list(refusal)


# -- the page --------------------------------------------------------------------------

def test_user_lists_their_messages(rt, world):
    client = english(world["app"], PIERRE)
    resp = client.get("/voicemail/")
    assert resp.status_code == 302 and resp.location == f"/voicemail/lines/{line_id(rt, PIERRE_LINE)}"
    page = client.get(resp.location).get_data(as_text=True)
    rows = re.findall(r'<tr class="message (new|saved)" data-uuid="([^"]+)">', page)
    # newest first: the saved one (+1 h), the remote one (+1 min), the first
    assert rows == [("saved", world["second"].uuid), ("new", world["remote"].uuid), ("new", world["first"].uuid)]
    assert "26/11/2026 21:30" in page and "01 40 00 00 01" in page and "Durand &amp; Fils &lt;compta&gt;" in page
    assert "12 s" in page and "2 new message(s), 1 saved message(s)." in page
    assert f'/voicemail/lines/{line_id(rt, PIERRE_LINE)}/messages/{world["first"].uuid}/sound' in page
    assert f'messages/{world["remote"].uuid}/sound' not in page and "cannot be played here" in page
    assert world["pauls"].uuid not in page and "01 44 44 44 44" not in page
    assert world["fs"].wait_for_command(lambda c: c.startswith("api vm_list 0175000101@"))
    # the nav of the user space leads here
    assert 'href="/voicemail/"' in page


def test_listening_marks_the_message_saved(rt, world):
    client = logged_in(world["app"], PIERRE)
    pid, first = line_id(rt, PIERRE_LINE), world["first"]
    resp = client.get(f"/voicemail/lines/{pid}/messages/{first.uuid}/sound")
    assert resp.status_code == 200 and resp.mimetype == "audio/wav" and resp.data[:4] == b"RIFF"
    world["fs"].wait_for_command(f"api vm_read {first.username}@{first.domain}/default read {first.uuid}")
    assert first.read_epoch > 0
    # the recording kept on another node cannot be fetched
    assert client.get(f"/voicemail/lines/{pid}/messages/{world['remote'].uuid}/sound").status_code == 404


def test_user_deletes_a_message(rt, world):
    client = logged_in(world["app"], PIERRE)
    pid, first = line_id(rt, PIERRE_LINE), world["first"]
    resp = post(client, f"/voicemail/lines/{pid}/messages/{first.uuid}/delete")
    assert resp.status_code == 302
    world["fs"].wait_for_command(f"api vm_delete {first.username}@{first.domain}/default {first.uuid}")
    assert first.uuid not in [r.uuid for r in world["mail"].rows]
    assert not Path(first.file_path).exists()
    assert first.uuid not in client.get(resp.location).get_data(as_text=True)
    with rt.context() as ctx:
        entry = ctx.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "voicemail_message"))
        assert entry.object_key == f"{PIERRE_LINE}/{first.uuid}" and entry.actor == PIERRE[0]


def test_nobody_reaches_another_lines_mailbox(rt, world):
    fs, pauls = world["fs"], world["pauls"]
    pid, paul = line_id(rt, PIERRE_LINE), line_id(rt, PAUL_LINE)
    client = logged_in(world["app"], PIERRE)
    # Paul's line: 404 before anything is asked
    assert client.get(f"/voicemail/lines/{paul}").status_code == 404
    assert post(client, f"/voicemail/lines/{paul}/messages/{pauls.uuid}/delete").status_code == 404
    # Paul's message through Pierre's own line: not in Pierre's mailbox, so 404 and never deleted
    assert post(client, f"/voicemail/lines/{pid}/messages/{pauls.uuid}/delete").status_code == 404
    assert client.get(f"/voicemail/lines/{pid}/messages/{pauls.uuid}/sound").status_code == 404
    # a uuid that is not one: refused without asking FreeSWITCH
    before = len(fs.commands)
    assert post(client, f"/voicemail/lines/{pid}/messages/x%20y/delete").status_code == 404
    assert len(fs.commands) == before
    assert not any(c.startswith("api vm_delete") or c.startswith("api vm_read") for c in fs.commands)
    assert pauls in world["mail"].rows
    other = logged_in(world["app"], OTHER_ADMIN)
    assert other.get(f"/voicemail/lines/{pid}").status_code == 404
    assert other.get(f"/voicemail/lines/{pid}/messages/{world['first'].uuid}/sound").status_code == 404
    # the company's admin reaches every line's voicemail, from the line page
    admin = logged_in(world["app"], ADMIN)
    assert f'href="/voicemail/lines/{paul}"' in admin.get(f"/services/lines/{paul}").get_data(as_text=True)
    assert pauls.uuid in admin.get(f"/voicemail/lines/{paul}").get_data(as_text=True)


def test_the_page_says_when_freeswitch_cannot_be_asked(rt, world):
    world["fs"].set_api_response("vm_list", "-ERR vm_list Command not found!\n")
    client = english(world["app"], PIERRE)
    page = client.get(f"/voicemail/lines/{line_id(rt, PIERRE_LINE)}")
    assert page.status_code == 200
    assert "The messages cannot be read now" in page.get_data(as_text=True)

    def down():
        raise ConnectionRefusedError("connection refused")

    world["app"].extensions["esl"] = down
    page = client.get(f"/voicemail/lines/{line_id(rt, PIERRE_LINE)}").get_data(as_text=True)
    assert "cannot be reached" in page and 'id="vm-settings"' in page  # the settings stay usable


# -- greetings (V-2) ---------------------------------------------------------------------

def test_user_uploads_and_chooses_greetings(rt, world):
    client = english(world["app"], PIERRE)
    pid = line_id(rt, PIERRE_LINE)
    resp = post(client, f"/voicemail/lines/{pid}/greeting", {"mode": "record", "name": "Mon annonce",
                                                             "file": (io.BytesIO(wav_bytes()), "annonce.wav")},
                content_type="multipart/form-data")
    assert resp.status_code == 302
    with rt.context() as ctx:
        audio = ctx.session.scalar(select(AudioFile).where(AudioFile.name == "Mon annonce"))
        line = ctx.session.get(Line, pid)
        assert audio.category == "vm_greeting_record" and line.vm_greeting_record_id == audio.id
        # what the dialplan plays before recording (V-2): the converted file
        snapshot = load_snapshot(ctx.session, [line.tenant_id])
        view = line_view(line, snapshot.tenants[0], snapshot, platform_from_settings(rt.settings))
        assert view.vm_greeting.endswith(f"/audio/{audio.sha256}.wav")
    page = client.get(f"/voicemail/lines/{pid}").get_data(as_text=True)
    assert '<option value="Mon annonce" selected>' in page
    sound = client.get(f"/voicemail/lines/{pid}/greeting/sound?mode=record")
    assert sound.status_code == 200 and sound.data[:4] == b"RIFF"
    # mode announce and back to the default greeting for "record"
    resp = post(client, f"/voicemail/lines/{pid}", {"voicemail.mode": "announce", "voicemail.greeting_record": "",
                                                    "voicemail.greeting_announce": "", "voicemail.email": ""})
    assert resp.status_code == 302
    with rt.context() as ctx:
        line = ctx.session.get(Line, pid)
        assert (line.vm_mode, line.vm_greeting_record_id) == ("announce", None)
    assert client.get(f"/voicemail/lines/{pid}/greeting/sound?mode=record").status_code == 404


def test_greeting_bad_input_is_shown_again(rt, world):
    client = english(world["app"], PIERRE)
    pid = line_id(rt, PIERRE_LINE)
    with rt.context(actor="test") as ctx:
        line = ctx.session.get(Line, pid)
        library.upload(ctx, ctx.tenant(line.tenant_id), "Musique", "hold_music", wav_bytes())
        ctx.commit()
    resp = post(client, f"/voicemail/lines/{pid}", {"voicemail.mode": "sometimes"})
    assert resp.status_code == 422 and field_error(resp.get_data(as_text=True), "f-voicemail-mode")
    resp = post(client, f"/voicemail/lines/{pid}", {"voicemail.mode": "announce",
                                                    "voicemail.greeting_record": "Musique",
                                                    "voicemail.email": "pierre@"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert field_error(page, "f-voicemail-greeting_record") == (
        "This file belongs to another category of your audio files.")
    assert field_error(page, "f-voicemail-email") and 'value="pierre@"' in page
    resp = post(client, f"/voicemail/lines/{pid}/greeting", {"mode": "record", "name": "Sans fichier"},
                content_type="multipart/form-data")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and field_error(page, "f-file") == "Choose a WAV or MP3 file."
    assert 'value="Sans fichier"' in page
    with rt.context() as ctx:
        assert ctx.session.get(Line, pid).vm_mode == "record"


# -- API -----------------------------------------------------------------------------------

def test_api_messages(rt, world):
    api = world["app"].test_client()
    user = {"Authorization": f"Bearer {token_for(rt, PIERRE[0])}"}
    base = f"/api/v1/lines/{PIERRE_LINE}/voicemail/messages"
    got = api.get(base, headers=user).get_json()
    assert [(m["uuid"], m["status"], m["playable"]) for m in got] == [
        (world["second"].uuid, "saved", True), (world["remote"].uuid, "new", False), (world["first"].uuid, "new", True)]
    assert got[2] == {"uuid": world["first"].uuid, "created_at": "2026-11-26T20:30:00+00:00", "status": "new",
                      "caller_number": "+33140000001", "caller_name": "Durand & Fils <compta>", "duration_s": 12,
                      "playable": True}
    sound = api.get(f"{base}/{world['first'].uuid}/sound", headers=user)
    assert sound.status_code == 200 and sound.data[:4] == b"RIFF"
    assert api.get(base, headers=user).get_json()[2]["status"] == "saved"
    resp = api.get(f"{base}/{world['remote'].uuid}/sound", headers=user)
    assert resp.status_code == 404 and resp.get_json()["errors"][0]["id"] == "voicemail.not_here"
    assert api.delete(f"{base}/{world['first'].uuid}", headers=user).status_code == 204
    resp = api.delete(f"{base}/{world['first'].uuid}", headers=user)
    assert resp.status_code == 404 and resp.get_json()["errors"][0]["id"] == "voicemail.no_message"
    # Paul's: his line is not Pierre's; his message is not in Pierre's mailbox
    assert api.get(f"/api/v1/lines/{PAUL_LINE}/voicemail/messages", headers=user).status_code == 404
    assert api.delete(f"{base}/{world['pauls'].uuid}", headers=user).status_code == 404
    assert world["pauls"] in world["mail"].rows
    other = {"Authorization": f"Bearer {token_for(rt, OTHER_ADMIN[0])}"}
    assert api.get(base, headers=other).status_code == 404
    admin = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    assert [m["uuid"] for m in api.get(f"/api/v1/lines/{PAUL_LINE}/voicemail/messages", headers=admin).get_json()] \
        == [world["pauls"].uuid]
    world["fs"].set_api_response("vm_list", world["fs"].DROP)
    resp = api.get(base, headers=admin)
    assert resp.status_code == 503 and resp.get_json()["errors"][0]["id"] == "voicemail.unavailable"


def test_api_greetings(rt, world):
    api = world["app"].test_client()
    user = {"Authorization": f"Bearer {token_for(rt, PIERRE[0])}"}
    base = f"/api/v1/lines/{PIERRE_LINE}/voicemail"
    assert api.get(base, headers=user).get_json() == {
        "line": PIERRE_LINE, "enabled": True, "mode": "record", "email": "pierre@bauer.example",
        "greeting_record": None, "greeting_announce": None, "available": {"record": [], "announce": []}}
    resp = api.post(f"{base}/greetings", headers=user, content_type="multipart/form-data",
                    data={"mode": "announce", "name": "Absent", "file": (io.BytesIO(wav_bytes()), "absent.wav")})
    assert resp.status_code == 201
    assert (resp.get_json()["greeting_announce"], resp.get_json()["available"]["announce"]) == ("Absent", ["Absent"])
    resp = api.patch(base, headers=user, json={"mode": "announce", "greeting_announce": None})
    assert (resp.get_json()["mode"], resp.get_json()["greeting_announce"]) == ("announce", None)
    resp = api.patch(base, headers=user, json={"pin": "1234", "greeting_record": "Absent"})
    assert resp.status_code == 422 and [e["id"] for e in resp.get_json()["errors"]] == ["field.not_allowed"]
    resp = api.patch(base, headers=user, json={"greeting_record": "Absent"})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["id"] == "audio.category"
    resp = api.post(f"{base}/greetings", headers=user, content_type="multipart/form-data",
                    data={"mode": "both", "name": "X", "file": (io.BytesIO(wav_bytes()), "x.wav")})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "mode"
    other = {"Authorization": f"Bearer {token_for(rt, OTHER_ADMIN[0])}"}
    assert api.get(base, headers=other).status_code == 404
    assert api.patch(base, headers=other, json={"mode": "announce"}).status_code == 404

