"""A CSV saved as UTF-16 or UTF-32 ("Unicode text") is refused with an
encoding error that says what to do, not with misleading column errors
(issue 15, item 11)."""

from __future__ import annotations

import io

import pytest
from webui_helpers import ADMIN, csrf, load_demo, logged_in, make_app, token_for

from orchestrator.cli.main import main
from orchestrator.services.directory import csv_io

TEXT = ("Numéro;Nom;Prénom;Email;Tél. Mobile;N° abrégé;Groupe / Service;Tél. Domicile;Société;Fonction;"
        "Adresse;Code Postal;Ville;Pays\r\n33140000001;Roux;Éric;;;;RH;;;;;;;\r\n")


@pytest.mark.parametrize(("data", "name"), [
    (TEXT.encode("utf-16"), "UTF-16"),  # with its BOM, as spreadsheets save "Unicode text"
    (TEXT.encode("utf-16-le"), "UTF-16"),  # no BOM: the NUL bytes tell
    (TEXT.encode("utf-16-be"), "UTF-16"),
    (TEXT.encode("utf-32"), "UTF-32"),
])
def test_utf16_and_utf32_files_get_one_encoding_error(data, name):
    plan = csv_io.read(data)
    assert [(p.row, p.error_id) for p in plan.problems] == [(0, "csv.encoding")]
    assert f"this file is {name}; save it as \"CSV UTF-8\"" in plan.problems[0].message


def test_nul_bytes_are_an_encoding_error():
    plan = csv_io.read(TEXT.encode() + b"\x00\x00binary")
    assert [p.error_id for p in plan.problems] == ["csv.encoding"]


def test_the_page_the_api_and_the_cli_say_it(rt, tmp_path, capsys, monkeypatch):
    load_demo(rt)
    app = make_app(rt)
    client = logged_in(app, ADMIN)
    resp = client.post("/directory/import", data={"csrf_token": csrf(client),
                                                  "file": (io.BytesIO(TEXT.encode("utf-16")), "annuaire.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 422 and "UTF-16" in resp.get_data(as_text=True)
    api = app.test_client().post("/api/v1/directory/import", data=TEXT.encode("utf-16"), headers={
        "Authorization": f"Bearer {token_for(rt, ADMIN[0])}", "Content-Type": "text/csv"})
    assert api.status_code == 422
    assert [e["id"] for e in api.get_json()["errors"]] == ["csv.encoding"]
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade"]) == 0 and main(["demo", "load"]) == 0
    (tmp_path / "u16.csv").write_bytes(TEXT.encode("utf-16"))
    capsys.readouterr()
    assert main(["directory", "import", "Bauer SA", "u16.csv"]) == 2
    err = capsys.readouterr().err
    assert "this file is UTF-16; save it as \"CSV UTF-8\"" in err and "Traceback" not in err
