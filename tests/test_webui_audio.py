"""« Mon standard › Mes fichiers audio » (manual §3.7.4; M-1..M-4): the list
by category, uploads checked by content and converted with sox, listening,
deleting (refused while in use, saying where), custom announcements, the
catalogue; the same through /api/v1/audio; and another company's admin or a
user never reaching them."""

from __future__ import annotations

import io
import re
import subprocess
import wave
from pathlib import Path

from sqlalchemy import select
from webui_helpers import (
    ADMIN,
    OTHER_ADMIN,
    PIERRE,
    field_error,
    load_demo,
    logged_in,
    make_app,
    post,
    token_for,
)

from orchestrator.db.models import AudioFile, Line
from orchestrator.services.audio import library
from orchestrator.services.lines import service as lines


def wav_bytes(seconds: float = 0.5, rate: int = 16000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x10" * 2 * int(seconds * rate))
    return buf.getvalue()


def mp3_bytes(tmp_path) -> bytes:
    out = tmp_path / "tone.mp3"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", str(out), "synth", "1", "sine", "440"], check=True)
    return out.read_bytes()


def admin_en(app):
    """The demo admin, with the pages in English (the texts asserted are the msgids)."""
    client = logged_in(app, ADMIN)
    client.get("/lang/en")
    return client


def upload(client, name: str, data: bytes, filename: str = "son.wav", category: str = "hold_music"):
    return post(client, "/reception/audio/upload", {"name": name, "category": category,
                                                    "file": (io.BytesIO(data), filename)},
                content_type="multipart/form-data")


def audio(rt, name: str) -> AudioFile | None:
    with rt.context() as ctx:
        row = ctx.session.scalar(select(AudioFile).where(AudioFile.name == name))
        if row is not None:
            ctx.session.expunge(row)  # keep its loaded values after the context closes
        return row


def test_the_page_lists_the_categories_and_the_catalogue(app):
    client = logged_in(app, ADMIN)
    page = client.get("/reception/audio/").get_data(as_text=True)
    assert re.findall(r'data-category="(\w+)"', page) == ["hold_music", "pre_answer", "ivr_menu",
                                                          "vm_greeting_record", "vm_greeting_announce"]
    assert re.findall(r'data-tab="(\w+)"', page) == ["custom", "standard", "uploaded"]
    assert 'id="upload-form"' in page and 'enctype="multipart/form-data"' in page
    page = client.get("/reception/audio/?tab=standard").get_data(as_text=True)
    assert re.findall(r'data-track="(\w+)"', page) == ["ambiance_electro", "calme", "classique", "mambo"]
    assert "sox" in page  # the page says how the royalty-free tracks are made
    assert '<audio controls preload="none" src="/reception/audio/catalogue/sound?track=mambo"' in page
    # « Standardisée » exists for hold music only; the other categories have two tabs
    page = client.get("/reception/audio/?category=ivr_menu&tab=standard").get_data(as_text=True)
    assert re.findall(r'data-tab="(\w+)"', page) == ["custom", "uploaded"] and 'id="upload-form"' in page
    # reached from « Mon standard »
    assert 'href="/reception/audio/"' in client.get("/reception/").get_data(as_text=True)


def test_catalogue_track_is_served(app):
    client = logged_in(app, ADMIN)
    resp = client.get("/reception/audio/catalogue/sound?track=calme")
    assert resp.status_code == 200 and resp.mimetype == "audio/wav" and resp.data[:4] == b"RIFF"
    assert client.get("/reception/audio/catalogue/sound?track=../../etc").status_code == 404
    assert client.get("/reception/audio/catalogue/sound").status_code == 404


def test_upload_a_wav_listen_and_delete(rt, app):
    client = logged_in(app, ADMIN)
    resp = upload(client, "Jazz maison", wav_bytes(), "jazz.wav")
    assert resp.status_code == 302 and "category=hold_music" in resp.location
    row = audio(rt, "Jazz maison")
    assert (row.category, row.original_filename) == ("hold_music", "jazz.wav") and 400 <= row.duration_ms <= 600
    page = client.get(resp.location).get_data(as_text=True)
    assert f'<audio controls preload="none" src="/reception/audio/{row.id}/sound"' in page
    sound = client.get(f"/reception/audio/{row.id}/sound")
    assert sound.status_code == 200 and sound.mimetype == "audio/wav"
    with wave.open(io.BytesIO(sound.data)) as w:  # converted: 8 kHz mono 16-bit
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
    # a new hold music can be chosen on the line page at once
    with rt.context() as ctx:
        pierre = ctx.session.scalar(select(Line.id).where(Line.number == "+33175000101"))
    assert 'value="file:Jazz maison"' in client.get(f"/services/lines/{pierre}").get_data(as_text=True)
    resp = post(client, f"/reception/audio/{row.id}/delete")
    assert resp.status_code == 302 and audio(rt, "Jazz maison") is None


def test_content_decides_not_the_name(rt, app, tmp_path):
    client = admin_en(app)
    assert upload(client, "Mp3 déguisé", mp3_bytes(tmp_path), "musique.wav").status_code == 302
    assert audio(rt, "Mp3 déguisé").duration_ms > 500
    resp = upload(client, "Texte", b"Ceci n'est pas un son, juste du texte." * 20, "faux.mp3")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and field_error(page, "f-file") == "This is not a WAV or MP3 file."
    assert 'value="Texte"' in page  # the title typed is kept
    assert audio(rt, "Texte") is None


def test_upload_errors_too_big_unreadable_no_title_no_file(rt, app):
    client = admin_en(app)
    big = wav_bytes(seconds=40, rate=16000)  # 2.5 MB
    resp = upload(client, "Trop gros", big)
    assert resp.status_code == 422 and "2 MB" in field_error(resp.get_data(as_text=True), "f-file")
    broken = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\xff" * 200  # looks like a WAV, is not one: sox fails
    resp = upload(client, "Cassé", broken)
    assert resp.status_code == 422
    assert field_error(resp.get_data(as_text=True), "f-file") == "This file could not be read as sound."
    resp = post(client, "/reception/audio/upload", {"name": "", "category": "hold_music"},
                content_type="multipart/form-data")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and field_error(page, "f-name") and field_error(page, "f-file")
    upload(client, "Doublon", wav_bytes())
    resp = upload(client, "Doublon", wav_bytes(0.2))
    assert resp.status_code == 422
    assert field_error(resp.get_data(as_text=True), "f-name") == "An audio file with this title already exists."
    with rt.context() as ctx:
        assert ctx.session.scalars(select(AudioFile.name)).all() == ["Doublon"]


def test_a_file_in_use_is_not_deleted_and_the_uses_are_shown(rt, app):
    client = logged_in(app, ADMIN)
    upload(client, "Attente maison", wav_bytes())
    row = audio(rt, "Attente maison")
    with rt.context(actor="test") as ctx:
        pierre = ctx.session.scalar(select(Line).where(Line.number == "+33175000101"))
        lines.update(ctx, pierre, {"hold_music": {"file": "Attente maison", "catalogue": None}})
        ctx.commit()
    resp = post(client, f"/reception/audio/{row.id}/delete")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    in_use = re.search(r'<div class="alert error in-use".*?</div>', page, re.S).group(0)
    assert "Attente maison" in in_use and "+33175000101 (Pierre)" in in_use
    assert audio(rt, "Attente maison") is not None


def test_custom_announcement_form(rt, app):
    client = admin_en(app)
    page = client.get("/reception/audio/?category=pre_answer&tab=custom").get_data(as_text=True)
    assert 'id="announce-form"' in page and 'name="voice" value="male"' in page
    resp = post(client, "/reception/audio/announce", {"name": "Bienvenue", "category": "pre_answer",
                                                      "text": "Bienvenue chez Bauer.", "voice": "male",
                                                      "music": "classique"})
    assert resp.status_code == 302 and "category=pre_answer" in resp.location
    row = audio(rt, "Bienvenue")
    assert row.category == "pre_answer" and row.duration_ms > 2000
    # bad input: shown again with what was typed
    resp = post(client, "/reception/audio/announce", {"name": "Trop long", "category": "pre_answer",
                                                      "text": "mot " * 60, "voice": "robot", "music": "disco"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert field_error(page, "f-text") == "At most 50 words." and field_error(page, "f-music")
    assert "mot mot mot" in page and 'value="Trop long"' in page
    assert audio(rt, "Trop long") is None


def test_other_companies_and_users_never_reach_the_files(rt, app):
    client = logged_in(app, ADMIN)
    upload(client, "Secret", wav_bytes())
    row = audio(rt, "Secret")
    other = logged_in(app, OTHER_ADMIN)
    assert "Secret" not in other.get("/reception/audio/").get_data(as_text=True)
    assert other.get(f"/reception/audio/{row.id}/sound").status_code == 404
    assert post(other, f"/reception/audio/{row.id}/delete").status_code == 404
    user = logged_in(app, PIERRE)
    assert user.get("/reception/audio/").status_code == 403
    assert user.get(f"/reception/audio/{row.id}/sound").status_code == 403
    assert audio(rt, "Secret") is not None


# -- API -------------------------------------------------------------------------

def test_api_upload_list_download_delete(rt, app):
    api = app.test_client()
    auth = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    resp = api.post("/api/v1/audio", headers=auth, content_type="multipart/form-data",
                    data={"name": "Menu SVI", "category": "ivr_menu", "file": (io.BytesIO(wav_bytes()), "menu.wav")})
    assert resp.status_code == 201, resp.get_json()
    made = resp.get_json()
    assert (made["name"], made["category"], made["used_by"]) == ("Menu SVI", "ivr_menu", [])
    assert [a["name"] for a in api.get("/api/v1/audio?category=ivr_menu", headers=auth).get_json()] == ["Menu SVI"]
    assert api.get("/api/v1/audio?category=hold_music", headers=auth).get_json() == []
    sound = api.get(f"/api/v1/audio/{made['id']}/sound", headers=auth)
    assert sound.status_code == 200 and sound.data[:4] == b"RIFF"
    assert api.delete(f"/api/v1/audio/{made['id']}", headers=auth).status_code == 204
    assert api.get(f"/api/v1/audio/{made['id']}", headers=auth).status_code == 404
    tracks = api.get("/api/v1/audio/catalogue", headers=auth).get_json()
    assert {"name": "mambo", "label": "Mambo (synthesised percussion, 60 s loop)"} in tracks
    assert api.get("/api/v1/audio/catalogue/sound?track=mambo", headers=auth).data[:4] == b"RIFF"


def test_api_errors_and_uses(rt, app):
    api = app.test_client()
    auth = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    resp = api.post("/api/v1/audio", headers=auth, content_type="multipart/form-data",
                    data={"name": "", "category": "jingle", "file": (io.BytesIO(b"nope"), "x.wav")})
    assert resp.status_code == 422
    assert {(e["field"], e["id"]) for e in resp.get_json()["errors"]} == {
        ("name", "field.too_short"), ("category", "field.choice")}
    resp = api.post("/api/v1/audio", headers=auth, content_type="multipart/form-data",
                    data={"name": "Faux", "category": "hold_music", "file": (io.BytesIO(b"nope" * 10), "x.wav")})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["id"] == "audio.format"
    with rt.context(actor="test") as ctx:
        tenant = ctx.session.scalar(select(Line).where(Line.number == "+33175000101")).tenant_id
        row = library.upload(ctx, ctx.tenant(tenant), "Répondeur Pierre", "vm_greeting_record", wav_bytes())
        pierre = ctx.session.scalar(select(Line).where(Line.number == "+33175000101"))
        lines.update(ctx, pierre, {"voicemail": {"greeting_record": "Répondeur Pierre"}})
        ctx.commit()
        audio_id = row.id
    assert api.get(f"/api/v1/audio/{audio_id}", headers=auth).get_json()["used_by"] == ["line +33175000101 (Pierre)"]
    resp = api.delete(f"/api/v1/audio/{audio_id}", headers=auth)
    err = resp.get_json()["errors"][0]
    assert resp.status_code == 422 and err["id"] == "audio.in_use" and "+33175000101" in err["message"]
    resp = api.post("/api/v1/audio/announcements", headers=auth, json={"name": "Fermé", "category": "pre_answer",
                                                                     "text": "Nous sommes fermés.", "voice": "female"})
    assert resp.status_code == 201 and resp.get_json()["category"] == "pre_answer"
    resp = api.post("/api/v1/audio/announcements", headers=auth, json={"name": "X", "category": "pre_answer",
                                                                     "text": "", "music": "disco"})
    assert {e["id"] for e in resp.get_json()["errors"]} == {"announce.empty", "announce.music"}
    # another company's admin: 404; a user: 403
    other = {"Authorization": f"Bearer {token_for(rt, OTHER_ADMIN[0])}"}
    assert api.get(f"/api/v1/audio/{audio_id}", headers=other).status_code == 404
    assert api.get(f"/api/v1/audio/{audio_id}/sound", headers=other).status_code == 404
    assert api.delete(f"/api/v1/audio/{audio_id}", headers=other).status_code == 404
    assert api.get("/api/v1/audio", headers=other).get_json() == []
    user = {"Authorization": f"Bearer {token_for(rt, PIERRE[0])}"}
    assert api.get("/api/v1/audio", headers=user).status_code == 403


def test_sounds_are_served_with_the_default_relative_var_dir(rt, monkeypatch, tmp_path):
    """`make run` keeps its files under ./var (a relative path): Flask's
    send_file would look for them next to the package, not in the working
    directory; the file and the API both answer with the sound."""
    from orchestrator.config import Settings
    from orchestrator.runtime import Runtime

    monkeypatch.chdir(tmp_path)
    web_rt = Runtime(settings=Settings(var_dir=Path("var")))
    web_rt.__dict__["engine"] = rt.engine
    load_demo(rt)
    app = make_app(web_rt)
    client = admin_en(app)
    assert upload(client, "Relative", wav_bytes()).status_code == 302
    row = audio(rt, "Relative")
    sound = client.get(f"/reception/audio/{row.id}/sound")
    assert sound.status_code == 200 and sound.data[:4] == b"RIFF"
    token = token_for(rt, ADMIN[0])
    api = app.test_client().get(f"/api/v1/audio/{row.id}/sound", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and api.data == sound.data
    assert client.get("/reception/audio/catalogue/sound?track=calme").data[:4] == b"RIFF"
