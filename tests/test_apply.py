"""Apply and resync against the fake FreeSWITCH: atomic writes, reloads,
rollback on rejection, drift repair, node state."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from fake_freeswitch.server import FakeFreeSWITCH
from helpers import make_line, make_tenant
from render_helpers import PLATFORM

from orchestrator.apply.engine import esl_reloader, reload_commands
from orchestrator.apply.service import apply, is_live, node_states
from orchestrator.apply.tree import STATE_DIR, read_tree
from orchestrator.render.freeswitch import RenderedTree
from orchestrator.services.base import parse_doc
from orchestrator.services.lines import service as lines_service
from orchestrator.services.lines.schema import FaxLineDoc

PASSWORD = "S3cret-esl"


def answering(server: FakeFreeSWITCH) -> FakeFreeSWITCH:
    """Replies as FreeSWITCH 1.10 gives them for the module reloads."""
    server.set_api_response("reload", "+OK Reloading XML\n+OK module unloaded\n+OK module loaded\n")
    server.set_api_response("sofia", "Reload XML [Success]\n+OK scan complete\n")
    return server


@pytest.fixture
def fs():
    with FakeFreeSWITCH(password=PASSWORD) as server:
        yield answering(server)


def platform_for(tmp_path: Path, *servers: FakeFreeSWITCH):
    from orchestrator.domain.topology import Node

    nodes = tuple(Node(name=f"fs{i + 1}", conf_dir=tmp_path / f"fs{i + 1}" / "conf", esl_host=s.host,
                       esl_port=s.port, esl_password=PASSWORD) for i, s in enumerate(servers))
    return replace(PLATFORM, nodes=nodes, spool_dir=tmp_path / "spool", media_dir=tmp_path / "media")


def api_commands(server: FakeFreeSWITCH) -> list[str]:
    return [c for c in server.commands if c.startswith("api ")]


def test_first_apply_writes_everything_and_reloads(ctx, fs, tmp_path):
    tenant = make_tenant(ctx, "Acme")
    make_line(ctx, tenant, "+33175000001")
    ctx.commit()
    platform = platform_for(tmp_path, fs)
    [result] = apply(ctx.session, platform, esl_reloader(timeout=5))
    assert result.status == "applied"
    conf = platform.nodes[0].conf_dir
    assert (conf / "freeswitch.xml").is_file()
    assert (conf / "directory/acme.centrex.test.xml").read_bytes().count(b"<user ") == 1
    assert api_commands(fs) == ["api reloadxml", "api reload mod_local_stream",
                                "api sofia profile internal rescan", "api sofia profile external rescan"]
    state = node_states(ctx.session)[0]
    assert (state.node, state.result, state.error) == ("fs1", "ok", None)
    assert json.loads(state.tenant_revisions) == {str(tenant.id): tenant.revision}
    assert is_live(ctx.session, tenant, platform) == {"fs1": True}


def test_second_apply_with_no_change_does_nothing(ctx, fs, tmp_path):
    make_line(ctx, make_tenant(ctx, "Acme"), "+33175000001")
    ctx.commit()
    platform = platform_for(tmp_path, fs)
    apply(ctx.session, platform, esl_reloader())
    before = len(fs.commands)
    [result] = apply(ctx.session, platform, esl_reloader())
    assert result.status == "unchanged" and not result.change
    assert len(fs.commands) == before  # not even a connection


def test_a_line_change_reloads_xml_only(ctx, fs, tmp_path):
    tenant = make_tenant(ctx, "Acme")
    line = make_line(ctx, tenant, "+33175000001")
    ctx.commit()
    platform = platform_for(tmp_path, fs)
    apply(ctx.session, platform, esl_reloader())
    lines_service.update(ctx, line, {"ring_time": 35})
    ctx.commit()
    assert is_live(ctx.session, tenant, platform) == {"fs1": False}
    fs.commands.clear()
    [result] = apply(ctx.session, platform, esl_reloader(), tenant_ids=[tenant.id])
    assert result.change.changed == ["dialplan/tenants/acme.centrex.test.xml"]
    assert api_commands(fs) == ["api reloadxml"]
    dialplan = (platform.nodes[0].conf_dir / "dialplan/tenants/acme.centrex.test.xml").read_bytes()
    assert b"centrex_ring_time=35" in dialplan
    assert is_live(ctx.session, tenant, platform) == {"fs1": True}


def test_rejected_reload_restores_the_previous_tree(ctx, fs, tmp_path):
    tenant = make_tenant(ctx, "Acme")
    line = make_line(ctx, tenant, "+33175000001")
    ctx.commit()
    platform = platform_for(tmp_path, fs)
    apply(ctx.session, platform, esl_reloader())
    conf = platform.nodes[0].conf_dir
    good = read_tree(conf)
    lines_service.update(ctx, line, {"label": "Nouveau"})
    ctx.commit()
    # FreeSWITCH 1.11's own words for a tree it cannot load
    replies = iter(["+OK [[error near line 12]: unclosed tag]\n", "+OK [Success]\n\n"])
    fs.set_api_response("reloadxml", lambda args: next(replies))
    fs.commands.clear()
    [result] = apply(ctx.session, platform, esl_reloader())
    assert result.status == "failed"
    assert "unclosed tag" in result.error
    assert read_tree(conf) == good  # the last known good tree is back
    assert api_commands(fs) == ["api reloadxml", "api reloadxml"]  # the rejected one, then the restore
    state = node_states(ctx.session)[0]
    assert state.result == "failed" and "unclosed tag" in state.error
    assert is_live(ctx.session, tenant, platform) == {"fs1": False}


def test_unreachable_node_keeps_files_and_reloads_later(ctx, tmp_path):
    make_line(ctx, make_tenant(ctx, "Acme"), "+33175000001")
    ctx.commit()
    with FakeFreeSWITCH(password=PASSWORD) as server:
        platform = platform_for(tmp_path, server)
    # the server is stopped now: nothing listens on that port
    [result] = apply(ctx.session, platform, esl_reloader(timeout=2))
    assert result.status == "pending" and "reload pending" in result.error
    assert (platform.nodes[0].conf_dir / "freeswitch.xml").exists()
    assert node_states(ctx.session)[0].result == "pending"
    with FakeFreeSWITCH(password=PASSWORD) as server:
        answering(server)
        # FreeSWITCH is back (the fake listens on another port: point the reloader at it)
        moved = lambda node, commands: esl_reloader()(replace(node, esl_port=server.port), commands)  # noqa: E731
        [result] = apply(ctx.session, platform, moved)
        assert result.status == "applied" and not result.change  # nothing to write, but reloaded
        assert "api reloadxml" in server.commands


def test_resync_repairs_drift_and_is_idempotent(ctx, fs, tmp_path):
    make_line(ctx, make_tenant(ctx, "Acme"), "+33175000001")
    ctx.commit()
    platform = platform_for(tmp_path, fs)
    apply(ctx.session, platform, esl_reloader())
    conf = platform.nodes[0].conf_dir
    target = conf / "dialplan/tenants/acme.centrex.test.xml"
    original = target.read_bytes()
    target.write_bytes(original.replace(b"centrex_ring_time=20", b"centrex_ring_time=59"))
    (conf / "dialplan/public/hand-made.xml").write_text("<include/>")
    (conf / "directory/acme.centrex.test.xml").unlink()
    [result] = apply(ctx.session, platform, esl_reloader())
    assert result.change.changed == ["dialplan/tenants/acme.centrex.test.xml"]
    assert result.change.removed == ["dialplan/public/hand-made.xml"]
    assert result.change.added == ["directory/acme.centrex.test.xml"]
    assert target.read_bytes() == original
    fs.commands.clear()
    [again] = apply(ctx.session, platform, esl_reloader())
    assert again.status == "unchanged" and fs.commands == []
    assert not (conf / STATE_DIR / "staging").exists()


def test_several_nodes_each_with_its_state(ctx, tmp_path):
    make_line(ctx, make_tenant(ctx, "Acme"), "+33175000001")
    ctx.commit()
    with FakeFreeSWITCH(password=PASSWORD) as a, FakeFreeSWITCH(password=PASSWORD) as b:
        answering(a), answering(b)
        b.set_api_response("reloadxml", "+OK [[error near line 1]: unexpected <]\n")
        platform = platform_for(tmp_path, a, b)
        results = apply(ctx.session, platform, esl_reloader())
    assert [(r.node, r.status) for r in results] == [("fs1", "applied"), ("fs2", "failed")]
    assert [(s.node, s.result) for s in node_states(ctx.session)] == [("fs1", "ok"), ("fs2", "failed")]
    # each node listens on its own event socket
    esl1 = (platform.nodes[0].conf_dir / "autoload_configs/event_socket.conf.xml").read_text()
    assert f'value="{platform.nodes[0].esl_port}"' in esl1


def test_deleted_tenant_files_are_removed(ctx, fs, tmp_path):
    from orchestrator.services.tenants import service as tenants_service

    tenant = make_tenant(ctx, "Acme")
    make_line(ctx, tenant, "+33175000001")
    ctx.commit()
    platform = platform_for(tmp_path, fs)
    apply(ctx.session, platform, esl_reloader())
    tid = tenant.id
    tenants_service.delete_tenant(ctx, tenant)
    ctx.commit()
    [result] = apply(ctx.session, platform, esl_reloader(), tenant_ids=[tid])
    assert sorted(result.change.removed) == ["dialplan/public/acme.centrex.test.xml",
                                             "dialplan/tenants/acme.centrex.test.xml",
                                             "directory/acme.centrex.test.xml"]


def test_reload_commands_follow_what_changed():
    assert reload_commands(["directory/x.xml"]) == ["reloadxml"]
    assert reload_commands(["autoload_configs/local_stream.conf.xml"]) == ["reloadxml", "reload mod_local_stream"]
    assert reload_commands(["autoload_configs/sofia.conf.xml"]) == [
        "reloadxml", "sofia profile internal rescan", "sofia profile external rescan"]
    # a new tenant's domain: the internal profile takes it as an alias on rescan (C-2)
    assert reload_commands(["directory/x.xml"], added=["directory/x.xml"]) == [
        "reloadxml", "sofia profile internal rescan"]


def test_malformed_render_is_never_written(ctx, fs, tmp_path, monkeypatch):
    make_line(ctx, make_tenant(ctx, "Acme"), "+33175000001")
    ctx.commit()
    platform = platform_for(tmp_path, fs)
    apply(ctx.session, platform, esl_reloader())
    before = read_tree(platform.nodes[0].conf_dir)
    import orchestrator.apply.service as svc

    real = svc.render_node
    monkeypatch.setattr(svc, "render_node",
                        lambda *a: RenderedTree({**real(*a).files, "dialplan/zz.xml": b"<include><a></b>"}))
    fs.commands.clear()
    [result] = apply(ctx.session, platform, esl_reloader())
    assert result.status == "failed" and "dialplan/zz.xml" in result.error
    assert read_tree(platform.nodes[0].conf_dir) == before
    assert fs.commands == []


def _fax_line(ctx, tenant, number="+33175000110"):
    lines_service.create_fax(ctx, tenant, parse_doc(FaxLineDoc, {
        "number": number, "label": "Fax Commandes", "email": "commandes@example.com"}))


def test_apply_creates_every_directory_freeswitch_writes_into(ctx, fs, tmp_path):
    """rxfax cannot create its file's directory ("TIFF/F file cannot be
    opened" on FreeSWITCH 1.11.1): apply makes the spools the tree names."""
    tenant = make_tenant(ctx, "Acme")
    _fax_line(ctx, tenant)
    ctx.commit()
    platform = platform_for(tmp_path, fs)
    [result] = apply(ctx.session, platform, esl_reloader(timeout=5))
    assert result.status == "applied"
    fax_spool = tmp_path / "spool" / "fax" / "33175000110"
    for path in (fax_spool, tmp_path / "spool" / "cdr", tmp_path / "spool" / "voicemail", tmp_path / "media"):
        assert path.is_dir(), path
    public = (platform.nodes[0].conf_dir / "dialplan/public/acme.centrex.test.xml").read_text()
    assert f'data="{fax_spool}/${{uuid}}.tif"' in public  # the directory the dialplan writes into
    fax_spool.rmdir()
    [again] = apply(ctx.session, platform, esl_reloader(timeout=5))
    assert again.status == "unchanged" and fax_spool.is_dir()  # a resync brings a removed spool back


def test_a_spool_that_cannot_be_made_is_logged_and_the_tree_applied(ctx, fs, tmp_path, caplog):
    tenant = make_tenant(ctx, "Acme")
    _fax_line(ctx, tenant)
    ctx.commit()
    (tmp_path / "spool").write_text("a file where the spool should be")
    platform = platform_for(tmp_path, fs)
    with caplog.at_level("WARNING", logger="orchestrator.apply.service"):
        [result] = apply(ctx.session, platform, esl_reloader(timeout=5))
    assert result.status == "applied"
    assert any("cannot create a directory" in r.getMessage() for r in caplog.records)
