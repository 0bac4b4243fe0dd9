"""Issue 15 item 11: NUL characters are refused everywhere (PostgreSQL
answered 500), and a database that cannot be reached is said plainly: one
sentence in the CLI, a 503 page in the web UI, the API's JSON error."""

from __future__ import annotations

import importlib
import pkgutil
import socket
import types
import typing
from dataclasses import replace

import pytest
from helpers import error_ids
from sqlalchemy import func, select
from webui_helpers import ADMIN, csrf, load_demo, logged_in, make_app, post, token_for

import orchestrator.services  # noqa: F401
from orchestrator.cli.main import main
from orchestrator.db.models import Device
from orchestrator.domain.errors import ValidationFailed
from orchestrator.runtime import Runtime
from orchestrator.services import base
from orchestrator.services.base import Doc, parse_doc
from orchestrator.services.devices import service as devices
from orchestrator.services.devices.schema import DeviceDoc
from webui.common.security import find_login

NUL = "a\x00b"


def _all_docs() -> list[type[Doc]]:
    """Every schema of the service layer (and of the API, imported with the app)."""
    for mod in pkgutil.walk_packages(orchestrator.services.__path__, "orchestrator.services."):
        importlib.import_module(mod.name)
    seen, todo = [], list(Doc.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls not in seen:
            seen.append(cls)
            todo.extend(cls.__subclasses__())
    return seen


def _sample(annotation):
    """A value of the field's type carrying a NUL: a text, or a list of
    texts (optional or not); None for other types (a nested schema's own
    texts are its own entries)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if annotation is str:
        return NUL
    if typing.get_origin(annotation) in (list, tuple, set) and args and args[0] is str:
        return [NUL]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return _sample(args[0])
    return None


TEXT_FIELDS = [(cls, name) for cls in _all_docs() for name, f in cls.model_fields.items()
               if _sample(f.annotation) is not None]


def test_the_sweep_sees_the_schemas():
    assert len(TEXT_FIELDS) > 50 and (DeviceDoc, "provisioning_password") in TEXT_FIELDS


@pytest.mark.parametrize(("cls", "name"), TEXT_FIELDS, ids=[f"{c.__name__}.{n}" for c, n in TEXT_FIELDS])
def test_no_text_field_of_any_schema_accepts_nul(cls, name):
    """Whatever the field's own constraints (length, pattern), no text with
    a NUL gets through, and it is said as such when nothing else is wrong."""
    said = set()
    for text in (NUL, "abcdefgh\x00ijklmnop", "\x00"):
        value = _sample(cls.model_fields[name].annotation)
        value = [text] if isinstance(value, list) else text
        with pytest.raises(ValidationFailed) as exc:
            parse_doc(cls, {name: value})
        refused = [e.error_id for e in exc.value.errors if e.field.split("[")[0] == name]
        assert refused, f"{cls.__name__}.{name} accepted {text!r}"
        said.update(refused)
    assert "text.nul" in said or said <= {"field.too_short", "field.too_long", "field.string_pattern_mismatch"}


def test_has_nul_looks_into_lists_and_mappings():
    assert base.has_nul({"a": [1, "x\x00"]}) and base.has_nul({"k\x00": 1}) and not base.has_nul({"a": ["x", 2]})


def test_a_device_provisioning_password_with_nul_is_refused(rt):
    load_demo(rt)
    with rt.context(actor="test") as ctx:
        device = ctx.session.scalar(select(Device).where(Device.mac == "000e08aa0101"))
        tenant = ctx.tenant(device.tenant_id)
        with pytest.raises(ValidationFailed) as exc:
            devices.create(ctx, tenant, parse_doc(DeviceDoc, {"mac": "000e08aa0177", "model": "SPA502G",
                                                              "provisioning_password": NUL}))
        assert error_ids(exc) == ["text.nul"]
        with pytest.raises(ValidationFailed) as exc:
            devices.update(ctx, device, {"provisioning_password": NUL})
        assert error_ids(exc) == ["text.nul"]
        ctx.rollback()
        made = devices.create(ctx, tenant, DeviceDoc(mac="000e08aa0177", model="SPA502G", provisioning_password="ok"))
        assert made.provisioning_password == "ok"


def test_find_login_with_nul_is_no_login(ctx):
    assert find_login(ctx.session, "admin@bauer.example\x00", "FR") is None


def test_nul_over_http_is_refused_before_any_view(rt):
    load_demo(rt)
    app = make_app(rt)
    anonymous = app.test_client()
    resp = anonymous.post("/login", data={"csrf_token": csrf(anonymous), "login": "admin\x00@bauer.example",
                                          "password": "x"})
    assert resp.status_code == 400 and "NUL" in resp.get_data(as_text=True)
    admin = logged_in(app, ADMIN)
    form = post(admin, "/services/devices/new", {"mac": "000e08aa0177", "model": "SPA502G",
                                                 "provisioning_password": NUL})
    assert form.status_code == 400
    assert admin.get("/directory/", query_string={"q": NUL}).status_code == 400
    api = app.test_client()
    h = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    made = api.post("/api/v1/devices", headers=h, json={"mac": "000e08aa0177", "model": "SPA502G",
                                                         "provisioning_password": NUL})
    assert made.status_code == 422 and made.get_json()["errors"][0]["id"] == "text.nul"
    patched = api.patch("/api/v1/devices/000e08aa0101", headers=h, json={"provisioning_password": NUL})
    assert patched.status_code == 422 and patched.get_json()["errors"][0]["id"] == "text.nul"
    with rt.context() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Device).where(Device.mac == "000e08aa0177")) == 0
        assert ctx.session.scalar(select(Device.provisioning_password).where(Device.mac == "000e08aa0101")) != NUL


# --- the database down --------------------------------------------------------

@pytest.fixture
def dead_url() -> str:
    """A PostgreSQL URL (with a password) on a port where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql+psycopg://centrex:s3cret-pw@127.0.0.1:{port}/centrex"


def test_the_cli_says_the_database_is_unavailable_in_one_sentence(dead_url, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", dead_url)
    monkeypatch.chdir(tmp_path)
    for argv in (["tenant", "list"], ["db", "upgrade"], ["demo", "load"]):
        assert main(argv) == 3
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1, err
        assert dead_url.replace(":s3cret-pw", "") in err[0] and "s3cret-pw" not in err[0]
        assert "unavailable" in err[0] and err[0].endswith("[db.unavailable]")


def test_web_and_api_answer_503_when_the_database_is_down(rt, dead_url):
    load_demo(rt)
    up = make_app(rt)
    session_cookie = logged_in(up, ADMIN).get_cookie("centrex_session").value
    token = token_for(rt, ADMIN[0])
    down_rt = Runtime(settings=replace(rt.settings, database_url=dead_url))
    down = make_app(down_rt)  # the same var_dir: the same secret key, the cookie still verifies

    client = down.test_client()
    assert client.get("/login").status_code == 200  # the form needs no database
    resp = client.post("/login", data={"csrf_token": csrf(client), "login": ADMIN[0], "password": ADMIN[1]})
    assert resp.status_code == 503 and "Base de données indisponible" in resp.get_data(as_text=True)
    assert resp.headers["X-Frame-Options"] == "DENY"

    browser = down.test_client()
    browser.set_cookie("centrex_session", session_cookie)
    page = browser.get("/services/")
    assert page.status_code == 503 and "Base de données indisponible" in page.get_data(as_text=True)

    api = down.test_client().get("/api/v1/lines", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 503 and api.is_json
    assert api.get_json()["errors"][0]["id"] == "db.unavailable"
    down_rt.engine.dispose()
