"""The ``orchestrator`` command end to end, in a subprocess-free way
(``main(argv)``) on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import pytest

from orchestrator.cli.main import main
from orchestrator.db import migrate


@pytest.fixture(params=["sqlite", "postgresql"])
def db_env(request, tmp_path, monkeypatch):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    else:
        import uuid

        from conftest import PG_ADMIN_URL
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        name = f"centrex_cli_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        request.addfinalizer(lambda: admin.connect().execute(text(f'DROP DATABASE "{name}" WITH (FORCE)')))
        url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_operator_workflow(db_env, capsys):
    assert main(["db", "upgrade"]) == 0
    assert f"revision {migrate.head_revision()}" in capsys.readouterr().out
    assert main(["demo", "load"]) == 0
    out = capsys.readouterr().out
    assert "admin@bauer.example" in out and "bauer-admin" in out
    assert main(["tenant", "export", "Bauer SA", "-o", "bauer.yaml"]) == 0
    text = (db_env / "bauer.yaml").read_text()
    assert text.startswith("version: 1\ntenant:\n  name: Bauer SA\n")
    assert main(["tenant", "import", "--replace", "--dry-run", "bauer.yaml"]) == 0
    assert "Bauer SA: no change" in capsys.readouterr().out
    (db_env / "bad.yaml").write_text(text.replace("ring_time: 25", "ring_time: 99"))
    assert main(["tenant", "import", "--replace", "bad.yaml"]) == 2
    err = capsys.readouterr().err
    assert "lines[1].ring_time: ring time must be between 5 and 60 seconds, got 99 [ring_time.range]" in err
    assert "nothing was changed" in err
    assert main(["tenant", "create", "--name", "Solo", "--domain", "solo.test", "--kind", "individual"]) == 0
    assert "line limit 3" in capsys.readouterr().out
    assert main(["tenant", "list"]) == 0
    listing = capsys.readouterr().out
    assert "Bauer SA\tbauer.centrex.test\t4 line(s)" in listing and "Solo" in listing
    assert main(["numbers", "add", "0175000301", "0175000302", "--reserve-for", "Solo"]) == 0
    capsys.readouterr()
    assert main(["numbers", "propose", "Solo"]) == 0
    assert capsys.readouterr().out.split() == ["+33175000301", "+33175000302"]
    assert main(["tenant", "export", "Nobody"]) == 2
    assert "no tenant named 'Nobody' [tenant.not_found]" in capsys.readouterr().err
    assert main(["emergency", "set", "*", "15", "+33115000015"]) == 0
    assert main(["emergency", "set", "75", "15", "+33175000015"]) == 0
    assert main(["emergency", "set", "99", "15", "x"]) == 2
    capsys.readouterr()
    assert main(["emergency", "list"]) == 0
    assert capsys.readouterr().out == "*\t15\t+33115000015\n75\t15\t+33175000015\n"
    assert main(["render", "--out", "tree"]) == 0
    directory = (db_env / "tree/directory/bauer.centrex.test.xml").read_text()
    assert "centrex_emergency_15\" value=\"+33175000015" in directory
    assert main(["tenant", "delete", "Solo", "--yes"]) == 0
    assert main(["db", "downgrade", "base"]) == 0
    assert "base" in capsys.readouterr().out


def test_schema_command_writes_json_schema(tmp_path, capsys):
    assert main(["tenant", "schema", "-o", str(tmp_path / "s.json")]) == 0
    import json
    schema = json.loads((tmp_path / "s.json").read_text())
    assert "reception_numbers" in schema["properties"]
    assert "HuntGroupDoc" in schema["$defs"]
