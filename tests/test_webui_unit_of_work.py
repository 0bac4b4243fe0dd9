"""One unit of work per request (webui.common.uow), the services' lookups
(NotFound → 404) and the user's editable fields of a line
(lines.service.update_as_user), and the layout of the web UI's packages."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from webui_helpers import ADMIN, PIERRE, ids, load_demo, load_other_tenant, logged_in, make_app, post, token_for

from orchestrator.config import platform_from_settings
from orchestrator.db.models import AudioFile, Line
from orchestrator.domain.errors import NotFound, ValidationFailed
from orchestrator.media.convert import output_paths
from orchestrator.services.lines import lookup as line_lookup
from orchestrator.services.lines import service as lines
from webui.common.security import db
from webui.common.uow import discard_changes

WEBUI = Path(__file__).resolve().parent.parent / "webui"


def _modules() -> list[Path]:
    return sorted(p for p in WEBUI.rglob("*.py") if "__pycache__" not in p.parts)


# -- layout ------------------------------------------------------------------------


def test_no_module_of_the_web_ui_commits():
    """Views and API handlers never commit: the application does (uow)."""
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit":
                found.append(f"{path.relative_to(WEBUI)}:{node.lineno}")
    assert found == []


def _area(path: Path) -> str:
    rel = path.relative_to(WEBUI).parts
    return rel[0] if len(rel) > 1 else ""


def _target(path: Path, node: ast.ImportFrom) -> tuple[str, ...]:
    """The module a relative import names, as parts under webui/."""
    here = list(path.relative_to(WEBUI).parts[:-1])
    base = here[: len(here) - (node.level - 1)] if node.level > 1 else here
    return tuple(base + (node.module.split(".") if node.module else []))


def test_areas_import_only_downwards_and_imports_are_at_the_top():
    """area → common → services/domain/db; never another area's module, no
    import after the first statement of a module, no import in a function."""
    problems = []
    for path in _modules():
        tree = ast.parse(path.read_text())
        area = _area(path)
        seen_code = False
        for stmt in tree.body:
            is_import = isinstance(stmt, (ast.Import, ast.ImportFrom))
            docstring = isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            if is_import and seen_code:
                problems.append(f"{path.relative_to(WEBUI)}:{stmt.lineno} import below code")
            if not is_import and not docstring:
                seen_code = True
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and inner.level:
                        problems.append(f"{path.relative_to(WEBUI)}:{inner.lineno} relative import in a function")
            if not (isinstance(node, ast.ImportFrom) and node.level):
                continue
            target = _target(path, node)
            targets = [target] if target else [(a.name,) for a in node.names]
            allowed = {"": None, "common": {"common"}, "api": {"api", "common"}}.get(area, {area, "common"})
            for t in targets:
                if allowed is not None and t[0] not in allowed:
                    problems.append(f"{path.relative_to(WEBUI)}:{node.lineno} {area} imports {'.'.join(t)}")
    assert problems == []


def test_modules_stay_small():
    big = {str(p.relative_to(WEBUI)): n for p in _modules() if (n := len(p.read_text().splitlines())) > 400}
    assert big == {}


# -- the unit of work ------------------------------------------------------------------


@pytest.fixture
def world(rt):
    load_demo(rt)
    load_other_tenant(rt)
    app = make_app(rt)
    ident = ids(rt)

    @app.post("/__test__/write-then-raise")
    def write_then_raise():
        lines.update(db(), db().session.get(Line, ident["pierre"]), {"label": "Written then lost"})
        db().session.flush()
        raise RuntimeError("the view fails after a service write")

    @app.post("/__test__/write-then-discard")
    def write_then_discard():
        lines.update(db(), db().session.get(Line, ident["pierre"]), {"label": "Written then discarded"})
        db().session.flush()
        discard_changes()  # a form shown again with its errors
        return "the form again", 200

    @app.get("/__test__/not-found")
    def not_found():
        raise NotFound("no such thing", error_id="thing.not_found")

    return app, ident


def _label(rt, line_id: int) -> str:
    with rt.context() as ctx:
        return ctx.session.get(Line, line_id).label


def test_a_view_raising_after_a_service_write_leaves_nothing(rt, world):
    app, ident = world
    before = _label(rt, ident["pierre"])
    client = app.test_client()
    app.config["PROPAGATE_EXCEPTIONS"] = True  # the exception reaches the test client; teardown rolls back
    with pytest.raises(RuntimeError):
        post(client, "/__test__/write-then-raise")
    assert _label(rt, ident["pierre"]) == before
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert post(client, "/__test__/write-then-raise").status_code == 500
    assert _label(rt, ident["pierre"]) == before


def test_a_discarded_unit_of_work_commits_nothing_even_with_status_200(rt, world):
    app, ident = world
    before = _label(rt, ident["pierre"])
    resp = post(app.test_client(), "/__test__/write-then-discard")
    assert resp.status_code == 200 and _label(rt, ident["pierre"]) == before


def test_a_form_shown_again_with_errors_leaves_nothing(rt, world):
    app, ident = world
    client = logged_in(app, ADMIN)
    before = _label(rt, ident["paul"])
    resp = post(client, f"/services/lines/{ident['paul']}", {"label": "Paul bis", "ring_time": "7000"})
    assert resp.status_code == 422 and _label(rt, ident["paul"]) == before
    ok = post(client, f"/services/lines/{ident['paul']}", {"label": "Paul bis", "ring_time": "20"})
    assert ok.status_code == 302 and _label(rt, ident["paul"]) == "Paul bis"  # committed before the redirect


def test_a_failing_commit_is_a_500_not_a_lost_write(rt, world, monkeypatch):
    app, ident = world
    client = logged_in(app, ADMIN)
    before = _label(rt, ident["paul"])

    def refuse(self: Session) -> None:
        raise RuntimeError("the database refuses the commit")

    monkeypatch.setattr(Session, "commit", refuse)
    resp = post(client, f"/services/lines/{ident['paul']}", {"label": "Never stored", "ring_time": "20"})
    monkeypatch.undo()
    assert resp.status_code == 500 and "Location" not in resp.headers
    assert resp.headers["X-Frame-Options"] == "DENY"  # the other after_request functions still ran
    assert _label(rt, ident["paul"]) == before


def test_not_found_is_a_404_page_and_the_api_404_json(rt, world):
    app, ident = world
    assert app.test_client().get("/__test__/not-found").status_code == 404
    admin = logged_in(app, ADMIN)
    admin.get("/lang/en")
    page = admin.get("/services/lines/2000000000")
    assert page.status_code == 404 and "This page does not exist." in page.get_data(as_text=True)
    assert admin.get(f"/services/lines/{ident['zoe']}").status_code == 404  # another company's line
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    resp = api.get("/api/v1/lines/+33298000001", headers=headers)
    assert resp.status_code == 404 and resp.get_json()["errors"][0]["id"] == "line.not_found"
    resp = api.get("/api/v1/reception-numbers/+33100000000", headers=headers)
    assert resp.status_code == 404 and resp.get_json()["errors"][0]["id"] == "reception.not_found"


def test_lookups_are_tenant_scoped(rt, world):
    _app, ident = world
    with rt.context() as ctx:
        bauer = ctx.session.get(Line, ident["pierre"]).tenant_id
        assert line_lookup.line(ctx.session, bauer, ident["pierre"]).id == ident["pierre"]
        with pytest.raises(NotFound) as exc:
            line_lookup.line(ctx.session, bauer, ident["zoe"])
        assert exc.value.error_id == "line.not_found"


# -- what a user may change on their line ------------------------------------------------


def test_update_as_user_refuses_other_fields_and_changes_nothing(rt, world):
    _app, ident = world
    with rt.context() as ctx:
        pierre = ctx.session.get(Line, ident["pierre"])
        short = pierre.short_number

        class Owner:
            tenant_id, login_id, contact_id, is_admin = pierre.tenant_id, None, None, False

        with pytest.raises(NotFound):  # no login, no contact: no line of theirs
            lines.update_as_user(ctx, Owner(), pierre.id, {"label": "x"})
    user_app = world[0]
    client = logged_in(user_app, PIERRE)
    resp = post(client, f"/me/lines/{ident['pierre']}", {"label": "Pierre bis", "ring_time": "20",
                                                          "short_number": "299", "clir": ""})
    assert resp.status_code == 302
    with rt.context() as ctx:
        row = ctx.session.get(Line, ident["pierre"])
        assert row.label == "Pierre bis" and row.short_number == short  # the page never reads short_number
    api = user_app.test_client()
    headers = {"Authorization": f"Bearer {token_for(rt, PIERRE[0])}"}
    denied = api.patch("/api/v1/lines/+33175000101", headers=headers,
                       json={"label": "Pierre ter", "forwards": {"no_answer": None, "bogus": 1}, "department": "75"})
    assert denied.status_code == 422
    assert {e["field"] for e in denied.get_json()["errors"]} == {"forwards.bogus", "department"}
    assert {e["id"] for e in denied.get_json()["errors"]} == {"field.not_allowed"}
    assert _label(rt, ident["pierre"]) == "Pierre bis"


def test_update_as_user_in_the_service(rt, world):
    _app, ident = world
    client = logged_in(world[0], PIERRE)
    client.get("/")
    with rt.context() as ctx:
        from orchestrator.db.models import Login
        from webui.common.security import Principal
        login = ctx.session.scalar(select(Login).where(Login.login == PIERRE[0]))
        me = Principal(key=f"L:{login.id}", tenant_id=login.tenant_id, role="user", name=login.login,
                       login_id=login.id)
        with pytest.raises(ValidationFailed) as exc:
            lines.update_as_user(ctx, me, ident["pierre"], {"label": "ok", "short_number": "299"})
        assert [e.field for e in exc.value.errors] == ["short_number"]
        assert ctx.session.get(Line, ident["pierre"]).label != "ok"  # refused before anything changed
        with pytest.raises(NotFound):
            lines.update_as_user(ctx, me, ident["paul"], {"label": "not mine"})
        assert lines.update_as_user(ctx, me, ident["pierre"], {"label": "mine"}).label == "mine"
        assert lines.user_may_change("forwards.no_answer") and not lines.user_may_change("voicemail.pin")


# -- side effects wait for the commit, or go with the rollback ----------------------------


def _wav() -> bytes:
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(bytes(range(256)) * 40)
    return out.getvalue()


def test_a_failing_commit_leaves_no_converted_audio_file(rt, world, monkeypatch):
    app, _ident = world
    client = logged_in(app, ADMIN)
    data = _wav()
    media_dir = platform_from_settings(rt.settings).media_dir
    _sha, paths = output_paths(data, media_dir)

    def refuse(self: Session) -> None:
        raise RuntimeError("the database refuses the commit")

    monkeypatch.setattr(Session, "commit", refuse)
    resp = post(client, "/reception/audio/upload", {"name": "Jamais", "category": "hold_music",
                                                    "file": (io.BytesIO(data), "jamais.wav")},
                content_type="multipart/form-data")
    monkeypatch.undo()
    assert resp.status_code == 500
    assert not any(p.exists() for p in paths.values())
    assert not list((media_dir / "streams").glob(f"*/{paths[8000].name}"))
    with rt.context() as ctx:
        assert ctx.session.scalar(select(AudioFile).where(AudioFile.name == "Jamais")) is None
    # the same upload, committed: the files stay
    ok = post(client, "/reception/audio/upload", {"name": "Jamais", "category": "hold_music",
                                                  "file": (io.BytesIO(data), "jamais.wav")},
              content_type="multipart/form-data")
    assert ok.status_code == 302 and all(p.exists() for p in paths.values())
