"""Audio uploads (sox), the synthesised catalogue, fax delivery (TIFF → PDF →
e-mail) and the sendmail-compatible relay FreeSWITCH uses for voicemail."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import pytest
from helpers import make_line, make_tenant
from smtp_sink import smtp_sink

from orchestrator.media.catalogue import CATALOGUE, build
from orchestrator.media.convert import AudioError, sniff
from orchestrator.services.audio import service as audio_service
from orchestrator.services.base import parse_doc
from orchestrator.services.lines import service as lines_service
from orchestrator.services.lines.schema import FaxLineDoc


def sox(*args: str) -> None:
    subprocess.run(["sox", *args], check=True, capture_output=True)


@pytest.fixture
def wav(tmp_path) -> bytes:
    path = tmp_path / "in.wav"
    sox("-n", "-r", "44100", "-c", "2", str(path), "synth", "1.5", "sine", "440")
    return path.read_bytes()


def test_upload_is_checked_by_content_and_converted(ctx, wav, tmp_path):
    tenant = make_tenant(ctx)
    row = audio_service.upload(ctx, tenant, "Attente Bauer", "hold_music", wav, "musique.wav")
    media = ctx.settings.var_dir / "media"
    out8 = media / "audio" / f"{row.sha256}.wav"
    out16 = media / "audio" / "16000" / f"{row.sha256}.wav"
    for path, rate in ((out8, "8000"), (out16, "16000")):
        info = subprocess.run(["sox", "--i", str(path)], capture_output=True, text=True).stdout
        assert f"Sample Rate    : {rate}" in info and "Channels       : 1" in info and "16-bit" in info
    assert 1400 <= row.duration_ms <= 1600
    # hold music gets a local_stream directory
    assert list((media / "streams").glob(f"audio_{row.sha256[:16]}/*.wav"))


def test_mp3_upload(ctx, tmp_path):
    mp3 = tmp_path / "a.mp3"
    sox("-n", "-r", "44100", str(mp3), "synth", "1", "sine", "300")
    assert sniff(mp3.read_bytes()) == "mp3"
    row = audio_service.upload(ctx, make_tenant(ctx), "Menu", "ivr_menu", mp3.read_bytes(), "menu.mp3")
    assert row.duration_ms > 500


@pytest.mark.parametrize("data,error_id", [
    (b"hello, I am a text file pretending to be a wav", "audio.format"),
    (b"RIFF\x00\x00\x00\x00WAVEgarbage-garbage-garbage", "audio.unreadable"),
    (b"RIFF" + b"\x00" * (2 * 1024 * 1024 + 1), "audio.too_large"),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(ctx, data, error_id):
    tenant = make_tenant(ctx)
    with pytest.raises(AudioError) as exc:
        audio_service.upload(ctx, tenant, "X", "hold_music", data, "x.wav")
    assert exc.value.error_id == error_id
    from orchestrator.db.models import AudioFile
    assert ctx.session.query(AudioFile).count() == 0


def test_file_in_use_cannot_be_deleted(ctx, wav):
    tenant = make_tenant(ctx)
    row = audio_service.upload(ctx, tenant, "Attente", "hold_music", wav)
    make_line(ctx, tenant, "+33175000001", label="Accueil", hold_music={"file": "Attente"})
    from orchestrator.domain.errors import ServiceError
    with pytest.raises(ServiceError) as exc:
        audio_service.delete(ctx, row)
    assert exc.value.error_id == "audio.in_use" and "line +33175000001 (Accueil)" in exc.value.message


def test_catalogue_is_synthesised(tmp_path):
    made = build(tmp_path)
    for name in CATALOGUE:
        track = tmp_path / "catalogue" / name / f"{name}.wav"
        assert track in made
        info = subprocess.run(["sox", "--i", str(track)], capture_output=True, text=True).stdout
        assert "Sample Rate    : 8000" in info
    assert (tmp_path / "defaults" / "announce.wav").stat().st_size > 10000  # espeak-ng speech
    assert build(tmp_path) == []  # idempotent


def make_tiff(path: Path) -> None:
    ppm = path.with_suffix(".ppm")
    width, height = 64, 32
    pixels = bytes(255 if (x // 8 + y // 8) % 2 else 0 for y in range(height) for x in range(width) for _ in range(3))
    ppm.write_bytes(f"P6 {width} {height} 255\n".encode() + pixels)
    subprocess.run(["ppm2tiff", str(ppm), str(path)], check=True, capture_output=True)


def test_fax_is_mailed_as_pdf(rt, tmp_path):

    with rt.context() as ctx:
        tenant = make_tenant(ctx)
        lines_service.create_fax(ctx, tenant, parse_doc(FaxLineDoc, {
            "number": "+33175000110", "label": "Fax Commandes", "email": "commandes@example.com"}))
        ctx.commit()
    tiff = tmp_path / "fax.tif"
    make_tiff(tiff)
    with smtp_sink() as (sink, port):
        rt.settings = replace(rt.settings, smtp_port=port, smtp_from="fax@centrex.test")
        assert deliver_with(rt, "+33175000110", tiff) == "commandes@example.com"
        [msg] = sink.wait()
    assert msg["To"] == "commandes@example.com" and "Fax Commandes" in msg["Subject"]
    [pdf] = [p for p in msg.iter_attachments()]
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content().startswith(b"%PDF")


def deliver_with(rt, number, tiff):
    from orchestrator.fax.deliver import deliver

    with rt.context() as ctx:
        return deliver(ctx.session, ctx.settings, number, tiff)


def test_fax_delivery_errors(rt, tmp_path):
    from orchestrator.domain.errors import ServiceError

    with pytest.raises(ServiceError) as exc:
        deliver_with(rt, "+33175000110", tmp_path / "missing.tif")
    assert exc.value.error_id == "fax.nothing_received"
    with pytest.raises(ServiceError) as exc:
        deliver_with(rt, "+33175000110; rm -rf /", tmp_path / "x.tif")
    assert exc.value.error_id == "fax.bad_number"


def test_sendmail_relay_as_freeswitch_calls_it(tmp_path):
    """FreeSWITCH runs: cat message | mailer-app -f FROM mailer-app-args TO"""
    msg = EmailMessage()
    msg["From"] = "0175000101@bauer.centrex.test"
    msg["To"] = "pierre@bauer.example"
    msg["Subject"] = "Nouveau message"
    msg.set_content("Un message vocal")
    msg.add_attachment(b"RIFF....WAVE", maintype="audio", subtype="wav", filename="msg.wav")
    with smtp_sink() as (sink, port):
        config = tmp_path / "o.toml"
        config.write_text(f"smtp_port = {port}\n")
        bindir = Path(sys.executable).parent
        done = subprocess.run([str(bindir / "centrex-sendmail"), "-f", "vm@centrex.test", "-t", "--config",
                               str(config), "pierre@bauer.example"], input=msg.as_bytes(), capture_output=True)
        assert done.returncode == 0, done.stderr
        [got] = sink.wait()
        assert sink.envelopes[0].rcpt_tos == ["pierre@bauer.example"]
    assert got["Subject"] == "Nouveau message"
    assert [a.get_filename() for a in got.iter_attachments()] == ["msg.wav"]


def test_sendmail_relay_reports_an_unreachable_server(tmp_path):
    config = tmp_path / "o.toml"
    config.write_text("smtp_port = 1\n")
    done = subprocess.run([str(Path(sys.executable).parent / "centrex-sendmail"), "--config", str(config),
                           "a@example.com"], input=b"Subject: x\n\nbody\n", capture_output=True)
    assert done.returncode == 1 and b"cannot send e-mail through 127.0.0.1:1" in done.stderr
