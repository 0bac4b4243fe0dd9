"""Custom announcements from text (M-4, manual §3.3.5.2 / §3.7.4.1 Figure 59):
espeak-ng speaks, sox mixes a catalogue track under the voice; and the
library service that files the result like an upload (M-2)."""

from __future__ import annotations

import shutil
import subprocess
import wave

import pytest
from helpers import make_tenant
from sqlalchemy import select

from orchestrator.db.models import AudioFile
from orchestrator.domain.errors import ValidationFailed
from orchestrator.media import announce
from orchestrator.media.convert import AudioError
from orchestrator.services.audio import library

TEXT = "Bonjour, vous êtes bien chez Bauer. Merci de patienter, nous allons prendre votre appel."



def wav_facts(path) -> tuple[int, int, int, float]:
    with wave.open(str(path)) as w:
        return w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes() / w.getframerate()


def test_check_reports_every_problem_at_once():
    with pytest.raises(ValidationFailed) as exc:
        announce.check("  ", "robot", "disco")
    assert {(e.field, e.error_id) for e in exc.value.errors} == {
        ("text", "announce.empty"), ("voice", "field.choice"), ("music", "announce.music")}
    with pytest.raises(ValidationFailed) as exc:
        announce.check(" ".join(["mot"] * 51), "male", None)
    assert [(e.field, e.error_id) for e in exc.value.errors] == [("text", "announce.too_long")]
    assert "51 given" in exc.value.errors[0].message
    with pytest.raises(ValidationFailed) as exc:
        announce.check("x" * 401, "male", None)
    assert exc.value.errors[0].error_id == "announce.too_long"
    # 50 words is the limit; line breaks become spaces
    assert announce.check(" ".join(["mot"] * 50), "female", "calme").count("mot") == 50
    assert announce.check("Bonjour\n\tà tous", "male", "") == "Bonjour à tous"


def test_voice_alone_is_an_8khz_mono_wav(tmp_path):
    out = tmp_path / "voice.wav"
    out.write_bytes(announce.synthesise("Bonjour", "male", None, tmp_path / "media"))
    rate, channels, width, seconds = wav_facts(out)
    assert (rate, channels, width) == (8000, 1, 2) and 0.3 < seconds < 3


def test_voice_over_music_is_padded_and_mixed(tmp_path):
    media = tmp_path / "media"
    speech = tmp_path / "speech.wav"
    speech.write_bytes(announce.synthesise(TEXT, "female", None, media))
    mixed = tmp_path / "mixed.wav"
    mixed.write_bytes(announce.synthesise(TEXT, "female", "mambo", media))
    _, _, _, alone = wav_facts(speech)
    rate, channels, width, seconds = wav_facts(mixed)
    assert (rate, channels, width) == (8000, 1, 2)
    assert seconds == pytest.approx(alone + 2 * announce.PAD_S, abs=0.2)  # music alone before and after
    # the catalogue was synthesised on first use, where the platform keeps it
    assert (media / "catalogue" / "mambo" / "mambo.wav").is_file()
    # the first second is music (not silence): the bed is really mixed in
    stats = subprocess.run(["sox", str(mixed), "-n", "trim", "0", "0.9", "stat"], capture_output=True, text=True)
    rms = float(next(line for line in stats.stderr.splitlines() if line.startswith("RMS     amplitude")).split()[-1])
    assert rms > 0.005


def test_text_starting_with_a_dash_is_spoken_not_read_as_an_option(tmp_path):
    data = announce.synthesise("--help -w /etc/passwd", "male", None, tmp_path)
    assert data[:4] == b"RIFF" and len(data) > 4000


def test_missing_tools_are_named(tmp_path, monkeypatch):
    real = shutil.which
    monkeypatch.setattr(announce.shutil, "which", lambda name: None if name == "espeak-ng" else real(name))
    with pytest.raises(AudioError) as exc:
        announce.synthesise("Bonjour", "male", None, tmp_path)
    assert exc.value.error_id == "audio.no_espeak_ng" and "espeak-ng" in exc.value.message
    monkeypatch.setattr(announce.shutil, "which", lambda name: None)
    with pytest.raises(AudioError):
        announce.catalogue_track(tmp_path, "calme")


def test_library_announce_files_it_like_an_upload(rt):
    with rt.context(actor="test") as ctx:
        tenant = make_tenant(ctx, "Annonces SA", domain="annonces.centrex.test")
        row = library.announce(ctx, tenant, "Accueil vocal", "pre_answer", TEXT, "female", "calme")
        ctx.commit()
        assert (row.category, row.original_filename) == ("pre_answer", "announce-female.wav")
        assert row.duration_ms > 3000 and len(row.sha256) == 64
        assert library.sound_path(ctx, row).is_file()
        # the same title again, and a bad text: both reported, nothing synthesised
        with pytest.raises(ValidationFailed) as exc:
            library.announce(ctx, tenant, "Accueil vocal", "nope", "", "female", None)
        assert {(e.field, e.error_id) for e in exc.value.errors} == {
            ("name", "audio.name_taken"), ("category", "field.choice"), ("text", "announce.empty")}
        ctx.rollback()
        assert ctx.session.scalars(select(AudioFile.name)).all() == ["Accueil vocal"]
