"""Secrets at rest (issue 15, item 10): SIP passwords and PINs are stored
encrypted with a key from the settings, rendered as digest hashes, written
in files only their owner (and FreeSWITCH's group) can read, and masked in
tenant exports."""

from __future__ import annotations

import hashlib
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from render_helpers import PLATFORM
from sqlalchemy import create_engine, func, select, text

from orchestrator.cli.demo_cmds import demo_yaml
from orchestrator.cli.main import main
from orchestrator.db import migrate
from orchestrator.db.models import Device, HuntMember, Line, Login
from orchestrator.db.secretbox import SecretBox, box_for, new_key
from orchestrator.domain.errors import ConfigError
from orchestrator.render.freeswitch import render_tree
from orchestrator.render.ondemand import answer
from orchestrator.render.snapshot import load_snapshot
from orchestrator.runtime import Runtime
from orchestrator.services.secrets import reencrypt
from orchestrator.tenantdoc import export, importer
from orchestrator.tenantdoc.secrets import MASK

DOMAIN = "bauer.centrex.test"
PROV = select(Device.provisioning_password).where(Device.provisioning_password.is_not(None))
PROVISIONING = "provisioning_password"
PIERRE = "+33175000101"


def load_demo(rt):
    """The demo, with a provisioning password on its first device (the demo has none)."""
    data = importer.load_yaml(demo_yaml())
    data["devices"][0]["provisioning_password"] = "Prov-Secret-77"
    with rt.context() as ctx:
        importer.import_document(ctx, data)


def clear_secrets(rt) -> dict[str, tuple[str, str | None]]:
    with rt.context() as ctx:
        return {n: (p, pin) for n, p, pin in ctx.session.execute(select(Line.number, Line.sip_password, Line.vm_pin))}


def stored(rt, column: str) -> list[str]:
    """What the database holds, bypassing the ORM's decryption."""
    with rt.engine.connect() as conn:
        return [v for (v,) in conn.execute(text(f"SELECT {column} FROM lines ORDER BY number")) if v is not None]


# --- (b) encrypted at rest -------------------------------------------------------------------------------------

def test_sip_passwords_and_pins_are_stored_encrypted(rt):
    load_demo(rt)
    clear = clear_secrets(rt)
    assert clear[PIERRE][1] == "2580" and len(clear[PIERRE][0]) >= 8  # the ORM sees clear values
    raw = stored(rt, "sip_password") + stored(rt, "vm_pin")
    assert len(raw) == 4 + 3
    secrets = {s for pair in clear.values() for s in pair if s}
    assert not any(s in value for value in raw for s in secrets)
    assert all(value.startswith("gAAAAA") for value in raw)  # Fernet tokens
    # the key is the settings', not the database's: another key cannot read them
    with pytest.raises(ConfigError, match="cannot be decrypted"):
        clear_secrets(_with_key(rt, new_key()))
    # the default key: generated under var_dir on first use, readable by its owner only
    key_file = rt.settings.var_dir / "secrets.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # rotation: a new key first, the old one after it; rotate-secrets re-encrypts, then the old key can go
    old = [k for k in key_file.read_text().splitlines() if k and not k.startswith("#")][0]
    new = new_key()
    rotated = Runtime(settings=replace(rt.settings, secrets_key=f"{new},{old}"))
    rotated.__dict__["engine"] = rt.engine
    assert clear_secrets(rotated) == clear
    with rotated.context() as ctx:
        assert reencrypt(ctx.session) == 4 + 1  # lines and devices rewritten
        ctx.commit()
    only_new = Runtime(settings=replace(rt.settings, secrets_key=new))
    only_new.__dict__["engine"] = rt.engine
    assert clear_secrets(only_new) == clear
    with pytest.raises(ConfigError, match="cannot be decrypted"):
        clear_secrets(_with_key(rt, old))  # rotated away


def _with_key(rt, key: str) -> Runtime:
    other = Runtime(settings=replace(rt.settings, secrets_key=key))
    other.__dict__["engine"] = rt.engine
    return other


def test_secrets_key_setting_is_checked(tmp_path):
    with pytest.raises(ConfigError, match="not a Fernet key"):
        box_for("not-a-key", tmp_path)
    box = box_for(f"{new_key()}, {new_key()}", tmp_path)
    assert isinstance(box, SecretBox) and not (tmp_path / "secrets.key").exists()
    assert box.open(box.seal("pa55word")) == "pa55word"


# --- (a) rendered as digest hashes -----------------------------------------------------------------------------

def digest_response(ha1: str, nonce: str, method: str, uri: str) -> str:
    """RFC 2617 without qop, as mod_sofia checks it (sofia_reg_parse_auth)."""
    ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
    return hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()


def test_directory_carries_a1_hashes_not_passwords(rt):
    import xml.etree.ElementTree as ET

    load_demo(rt)
    clear = clear_secrets(rt)
    with rt.context() as ctx:
        files = render_tree(load_snapshot(ctx.session), PLATFORM, PLATFORM.nodes[0])
        served = answer(ctx.session, PLATFORM, PLATFORM.nodes[0], {"section": "directory", "domain": DOMAIN})
    tree = b"".join(files.values()) + served
    for password, pin in clear.values():
        assert password.encode() not in tree
        assert pin is None or f'value="{pin}"'.encode() not in tree
    users = {u.get("id"): {p.get("name"): p.get("value") for p in u.iter("param")}
             for u in ET.fromstring(files[f"directory/{DOMAIN}.xml"]).iter("user")}
    pierre = users["0175000101"]
    assert "password" not in pierre and "vm-password" not in pierre
    password, pin = clear[PIERRE]
    # a phone answering the challenge with its password passes FreeSWITCH's check made from a1-hash alone
    phone_ha1 = hashlib.md5(f"0175000101:{DOMAIN}:{password}".encode()).hexdigest()
    for method in ("REGISTER", "INVITE"):
        assert digest_response(pierre["a1-hash"], "n0nce", method, f"sip:{DOMAIN}") == \
            digest_response(phone_ha1, "n0nce", method, f"sip:{DOMAIN}")
    # mod_voicemail: md5(id:domain:typed PIN) == vm-a1-hash
    assert hashlib.md5(f"0175000101:{DOMAIN}:{pin}".encode()).hexdigest() == pierre["vm-a1-hash"]
    assert hashlib.md5(f"0175000101:{DOMAIN}:0000".encode()).hexdigest() != pierre["vm-a1-hash"]


# --- (c) file modes --------------------------------------------------------------------------------------------

def modes(root: Path) -> tuple[set[int], set[int]]:
    files = {stat.S_IMODE(p.stat().st_mode) for p in root.rglob("*") if p.is_file() and ".centrex" not in p.parts}
    dirs = {stat.S_IMODE(p.stat().st_mode) for p in root.rglob("*") if p.is_dir() and ".centrex" not in p.parts}
    return files, dirs


@pytest.fixture
def open_umask():
    """A umask of 0: whatever is written gets exactly the mode the code asks for."""
    import os

    previous = os.umask(0)
    yield
    os.umask(previous)


def cli_env(rt, monkeypatch, **env: str) -> None:
    monkeypatch.setenv("DATABASE_URL", rt.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("ORCHESTRATOR_VAR", str(rt.settings.var_dir))
    monkeypatch.setenv("ORCHESTRATOR_CONFIG", str(rt.settings.var_dir / "none.toml"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_rendered_trees_and_exports_are_not_world_readable(rt, tmp_path, monkeypatch, capsys, open_umask):
    from orchestrator.apply.tree import Change, Transaction

    load_demo(rt)
    with rt.context() as ctx:
        files = render_tree(load_snapshot(ctx.session), PLATFORM, PLATFORM.nodes[0])
    root = tmp_path / "conf"
    root.mkdir()
    Transaction(root, files, Change(added=sorted(files))).write()
    assert modes(root) == ({0o640}, {0o750})
    # `orchestrator render --out` and `tenant export -o`, through the command
    cli_env(rt, monkeypatch)
    assert main(["render", "--out", str(tmp_path / "out")]) == 0
    assert modes(tmp_path / "out") == ({0o640}, {0o750})
    (tmp_path / "bauer.yaml").write_text("old")
    (tmp_path / "bauer.yaml").chmod(0o644)
    assert main(["tenant", "export", "Bauer SA", "-o", str(tmp_path / "bauer.yaml")]) == 0
    assert stat.S_IMODE((tmp_path / "bauer.yaml").stat().st_mode) == 0o600
    assert MASK in (tmp_path / "bauer.yaml").read_text()
    assert main(["tenant", "export", "Bauer SA", "--with-secrets", "-o", str(tmp_path / "full.yaml")]) == 0
    assert MASK not in (tmp_path / "full.yaml").read_text()
    capsys.readouterr()


def test_key_rotation_through_the_command(rt, monkeypatch, capsys):
    load_demo(rt)
    clear = clear_secrets(rt)
    old = [k for k in (rt.settings.var_dir / "secrets.key").read_text().splitlines() if not k.startswith("#")][0]
    assert main(["db", "new-secrets-key"]) == 0
    new = capsys.readouterr().out.strip()
    cli_env(rt, monkeypatch, SECRETS_KEY=f"{new},{old}")
    assert main(["db", "rotate-secrets"]) == 0
    assert "re-encrypted the secrets of 5 row(s)" in capsys.readouterr().out
    assert clear_secrets(_with_key(rt, new)) == clear
    # a wrong key: a clear error naming the setting, no traceback
    cli_env(rt, monkeypatch, SECRETS_KEY="short")
    assert main(["tenant", "export", "Bauer SA"]) == 2
    assert "not a Fernet key" in capsys.readouterr().err


# --- (d) masked exports ----------------------------------------------------------------------------------------

def test_export_masks_secrets_unless_asked(rt):
    load_demo(rt)
    clear = clear_secrets(rt)
    with rt.context() as ctx:
        masked = export.export_yaml(ctx, ctx.tenant("Bauer SA"))
        full = export.export_yaml(ctx, ctx.tenant("Bauer SA"), with_secrets=True)
        hashes = list(ctx.session.scalars(select(Login.password_hash)))
    for password, pin in clear.values():
        assert password not in masked and password in full
        assert pin is None or f"pin: '{pin}'" not in masked and f"pin: '{pin}'" in full
    assert not any(h in masked for h in hashes) and all(h in full for h in hashes)
    assert masked.count(MASK) == 4 + 3 + 5 + 1  # passwords, PINs, login hashes, the provisioning password


def test_import_of_a_masked_document_keeps_the_secrets(rt):
    load_demo(rt)
    before = clear_secrets(rt)
    with rt.context() as ctx:
        hashes = dict(ctx.session.execute(select(Login.login, Login.password_hash)).all())
        prov = ctx.session.scalar(PROV)
        data = export.to_data(export.build(ctx, ctx.tenant("Bauer SA")))
    data["lines"][0]["label"] = "Pierre D."
    with rt.context() as ctx:
        result = importer.import_document(ctx, data, replace=True, dry_run=True)
    assert result.changes == ["~ lines[+33175000101].label: 'Pierre' → 'Pierre D.'"]
    with rt.context() as ctx:
        importer.import_document(ctx, data, replace=True)
    assert clear_secrets(rt) == before  # not "********"
    with rt.context() as ctx:
        assert dict(ctx.session.execute(select(Login.login, Login.password_hash)).all()) == hashes
        assert ctx.session.scalar(PROV) == prov
    # a new line in a masked document gets a generated password, and no PIN
    data["lines"].append({"number": "+33175000104", "label": "Nouveau", "sip": {"password": MASK},
                          "voicemail": {"pin": MASK}})
    with rt.context() as ctx:
        result = importer.import_document(ctx, data, replace=True)
    assert "+ lines[+33175000104]" in result.changes
    after = clear_secrets(rt)
    new_password, new_pin = after["+33175000104"]
    assert new_password != MASK and len(new_password) == 16 and new_pin is None
    # a changed secret is named in the diff, never shown
    data["lines"][1]["sip"]["password"] = "Another-Secret-42"
    with rt.context() as ctx:
        result = importer.import_document(ctx, data, replace=True, dry_run=True)
    assert result.changes == ["~ lines[+33175000102].sip.password: changed"]


# --- the migration ---------------------------------------------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def own_database(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'mig.sqlite3'}"
        yield url
        return
    import uuid

    from conftest import PG_ADMIN_URL
    from sqlalchemy.engine import make_url
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"centrex_sec_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migration_encrypts_existing_rows_and_downgrade_decrypts(own_database, settings):
    rt = Runtime(settings=replace(settings, database_url=own_database))
    migrate.upgrade(rt.engine)
    load_demo(rt)
    clear = clear_secrets(rt)
    with rt.context() as ctx:
        members = ctx.session.scalar(select(func.count()).select_from(HuntMember))
        prov = ctx.session.scalar(PROV)
    assert members and prov
    migrate.downgrade(rt.engine, "0004")
    with rt.engine.connect() as conn:
        rows = {n: (p, pin) for n, p, pin in conn.execute(text("SELECT number, sip_password, vm_pin FROM lines"))}
        sql = f"SELECT {PROVISIONING} FROM devices WHERE {PROVISIONING} IS NOT NULL"
        assert conn.execute(text(sql)).scalar() == prov
        assert conn.execute(text("SELECT count(*) FROM hunt_members")).scalar() == members
    assert rows == clear  # clear again, as revision 0004 stored them
    # a database of 0004 (clear values) upgraded with the settings' key
    migrate.upgrade(rt.engine)
    assert stored(rt, "vm_pin") and all(v.startswith("gAAAAA") for v in stored(rt, "sip_password"))
    assert clear_secrets(rt) == clear
    with rt.context() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(HuntMember)) == members
        assert ctx.session.scalar(PROV) == prov
    rt.engine.dispose()


def test_longest_secrets_fit_their_encrypted_columns(rt):
    """A 64-character SIP or provisioning password (the most the schema takes) still fits once
    encrypted (PostgreSQL checks VARCHAR(255)); a longer provisioning password is refused."""
    from orchestrator.domain.errors import ValidationFailed

    data = importer.load_yaml(demo_yaml())
    data["lines"][0]["sip"] = {"password": "p" * 64}
    data["devices"][0]["provisioning_password"] = "q" * 64
    with rt.context() as ctx:
        importer.import_document(ctx, data)
    assert clear_secrets(rt)[PIERRE][0] == "p" * 64
    with rt.context() as ctx:
        assert ctx.session.scalar(PROV) == "q" * 64
    data["devices"][0]["provisioning_password"] = "q" * 65
    with rt.context() as ctx:
        with pytest.raises(ValidationFailed) as exc:
            importer.import_document(ctx, data, replace=True)
    assert [e.field for e in exc.value.errors] == ["devices[0].provisioning_password"]
