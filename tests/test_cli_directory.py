"""``orchestrator directory import|export`` and ``orchestrator token create``."""

from __future__ import annotations

from orchestrator.cli.main import main

HEADER = ("Numéro;Nom;Prénom;Email;Tél. Mobile;N° abrégé;Groupe / Service;Tél. Domicile;Société;Fonction;"
          "Adresse;Code Postal;Ville;Pays\n")


def test_directory_csv_and_tokens_from_the_command_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade"]) == 0 and main(["demo", "load"]) == 0
    capsys.readouterr()
    assert main(["directory", "export", "Bauer SA", "-o", "annuaire.csv"]) == 0
    assert "Fontaine;Claire" in (tmp_path / "annuaire.csv").read_bytes().decode("utf-8-sig")
    (tmp_path / "bad.csv").write_bytes((HEADER + "abc;Roux;Éric;;;;;;;;;;;\n").encode("cp1252"))
    assert main(["directory", "import", "Bauer SA", "bad.csv"]) == 2
    assert "row 2, column 1 (Numéro)" in capsys.readouterr().err
    (tmp_path / "good.csv").write_bytes((HEADER + "33140000001;Roux;Éric;;;;RH;;;;;;;\n").encode())
    assert main(["directory", "import", "Bauer SA", "good.csv", "--dry-run"]) == 0
    assert "would replace 6 contact(s) in 6 list(s) by 1 contact(s) in 1 list(s)" in capsys.readouterr().out
    assert main(["directory", "import", "Bauer SA", "good.csv"]) == 0
    assert main(["directory", "export", "Bauer SA"]) == 0
    out = capsys.readouterr().out
    assert "33140000001;Roux;Éric" in out and "Fontaine" not in out
    assert main(["token", "create", "admin@bauer.example", "--name", "CRM"]) == 0
    assert capsys.readouterr().out.startswith("ctk_")
    assert main(["token", "create", "nobody@x.example", "--name", "CRM"]) == 2
