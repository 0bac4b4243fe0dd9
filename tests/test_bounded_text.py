"""Unbounded fields (issue 15, item 11): user text is limited in length and
refuses control characters, through the forms, the API and the YAML
document alike (one constrained string type in the schemas)."""

from __future__ import annotations

import io
import logging
import shutil

import pytest
from test_webui_audio import wav_bytes
from webui_helpers import ADMIN, load_demo, make_app, token_for

from orchestrator.domain.errors import ValidationFailed
from orchestrator.services.audio import service as audio
from orchestrator.services.base import parse_doc
from orchestrator.services.directory.schema import ContactDoc
from orchestrator.tenantdoc import export, importer


def _errors(exc_info) -> set[tuple[str, str]]:
    return {(e.field, e.error_id) for e in exc_info.value.errors}


def test_a_device_name_of_100k_characters_is_refused_by_the_api(rt):
    load_demo(rt)
    api = make_app(rt).test_client()
    resp = api.post("/api/v1/devices", headers={"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"},
                    json={"mac": "00:0E:08:CC:00:01", "model": "SPA502G", "name": "x" * 100_000, "ports": []})
    assert resp.status_code == 422
    assert [(e["field"], e["id"], e["message"]) for e in resp.get_json()["errors"]] == [
        ("name", "field.too_long", "80 characters at most")]


def test_yaml_brand_and_names_are_bounded(rt):
    load_demo(rt)
    with rt.context() as ctx:
        data = export.to_data(export.build(ctx, ctx.tenant("Bauer SA")))
    data["devices"][0]["brand"] = "b" * 100_000
    data["devices"][0]["name"] = "Bureau\x1b[2J"
    data["devices"][0]["keys"][0]["label"] = "Paul\x00"
    with pytest.raises(ValidationFailed) as exc:
        importer.parse_document(data)
    assert _errors(exc) == {("devices[0].brand", "field.too_long"), ("devices[0].name", "text.control_chars"),
                            ("devices[0].keys[0].label", "text.nul")}


def test_contact_text_refuses_control_characters_but_an_address_keeps_its_lines():
    doc = parse_doc(ContactDoc, {"first_name": "Anne", "last_name": "Roux", "address": "1 rue A\n75001 Paris"})
    assert doc.address == "1 rue A\n75001 Paris"
    with pytest.raises(ValidationFailed) as exc:
        parse_doc(ContactDoc, {"first_name": "Anne", "last_name": "Roux", "address": "1 rue A\x1b]0;pwned\x07",
                               "numbers": [{"number": "1" * 1000}], "lines": ["\x00"]})
    assert _errors(exc) == {("address", "text.control_chars"), ("numbers[0].number", "field.too_long"),
                            ("lines[0]", "text.nul")}


@pytest.mark.skipif(shutil.which("sox") is None, reason="sox is needed to convert uploads")
def test_an_audio_file_name_with_control_characters_is_refused(rt):
    load_demo(rt)
    with rt.context() as ctx, pytest.raises(ValidationFailed) as exc:
        audio.upload(ctx, ctx.tenant("Bauer SA"), "Jazz", "hold_music", wav_bytes(), "jazz\r\n\x1b[31m.wav")
    assert _errors(exc) == {("original_filename", "text.control_chars")}
    with rt.context() as ctx, pytest.raises(ValidationFailed) as exc:
        audio.upload(ctx, ctx.tenant("Bauer SA"), "Jazz", "hold_music", wav_bytes(), "j" * 300 + ".wav")
    assert _errors(exc) == {("original_filename", "field.too_long")}


def test_sox_errors_show_no_temporary_path_and_are_logged(rt, caplog):
    load_demo(rt)
    broken = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\xff" * 200  # looks like a WAV, is not one: sox fails
    api = make_app(rt).test_client()
    with caplog.at_level(logging.WARNING, logger="orchestrator.media.convert"):
        resp = api.post("/api/v1/audio", headers={"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"},
                        data={"name": "Cassé", "category": "hold_music", "file": (io.BytesIO(broken),
                                                                                  "x.wav")},
                        content_type="multipart/form-data")
    assert resp.status_code == 422
    [err] = resp.get_json()["errors"]
    assert err["id"] == "audio.unreadable" and "/tmp" not in err["message"] and "upload.wav" not in err["message"]
    assert "sox" not in err["message"].casefold()
    logged = [r for r in caplog.records if r.getMessage() == "sox could not convert an upload"]
    assert logged and "upload.wav" in logged[0].stderr
