"""Against a real FreeSWITCH (``FREESWITCH_BIN``): the rendered demo tree
starts as it is, users are found, a loopback call reaches voicemail, and a
change is live after apply."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from freeswitch_real import needs_freeswitch, platform_with_ports, running_freeswitch
from helpers import sqlite_migrated_engine  # noqa: E402,F401  (SQLite only here)
from render_helpers import PLATFORM

from orchestrator.apply.engine import esl_reloader
from orchestrator.apply.service import apply
from orchestrator.cli.demo_cmds import demo_yaml
from orchestrator.render.freeswitch import RenderedTree
from orchestrator.services.lines import service as lines_service
from orchestrator.tenantdoc import importer

pytestmark = [pytest.mark.freeswitch, needs_freeswitch]
DOMAIN = "bauer.centrex.test"




def test_demo_tree_runs_on_freeswitch(ctx, tmp_path):
    importer.import_document(ctx, importer.load_yaml(demo_yaml()))
    platform = platform_with_ports(PLATFORM, tmp_path)
    [first] = apply(ctx.session, platform, esl_reloader(timeout=2))
    assert first.status == "pending"  # not running yet: files written for its start
    with running_freeswitch(tmp_path, platform.esl_port) as (proc, esl):
        assert "is ready" in esl.api("status")
        for module in ("mod_sofia", "mod_voicemail", "mod_loopback", "mod_local_stream", "mod_spandsp"):
            assert esl.api(f"module_exists {module}").strip() == "true", module
        sofia = esl.api("sofia status")
        assert f"127.0.0.1:{platform.sip_port}" in sofia and "carrier" in sofia
        for user in ("0175000101", "0175000102", "0175000103", "0182280007"):
            found = esl.api(f"xml_locate directory domain name {DOMAIN}")
            assert f'id="{user}"' in found
            assert esl.api(f"user_exists id {user} {DOMAIN}").strip() == "true"

        # a loopback call from the carrier side to Pierre, who has no phone registered: voicemail
        esl.events("plain", ["CHANNEL_EXECUTE"])
        esl.api("originate {origination_caller_id_number=0140000000}loopback/+33175000101/public "
                "&playback(tone_stream://%(3000,0,440);loops=1)")
        ev = esl.wait_for_event(lambda e: e.get("Application") == "voicemail", timeout=15)
        assert ev is not None, "the call never reached voicemail"
        assert ev.get("Application-Data") == f"default {DOMAIN} 0175000101"

        # a change is live after apply
        line = next(row for row in ctx.session.scalars(__import__("sqlalchemy").select(lines_service.Line))
                    if row.number == "+33175000101")
        lines_service.update(ctx, line, {"label": "Pierre Durand"})
        ctx.commit()
        [result] = apply(ctx.session, platform, esl_reloader(timeout=5), tenant_ids=[line.tenant_id])
        assert result.status == "applied", result.error
        name = esl.api(f"user_data 0175000101@{DOMAIN} var effective_caller_id_name").strip()
        assert name == "Pierre Durand"

        # FreeSWITCH rejects a broken tree: the previous one is restored and stays loaded
        conf = platform.nodes[0].conf_dir
        (conf / "directory" / "zz-broken.xml").write_text("<include><domain name='x'>")
        [broken] = apply(ctx.session, platform, esl_reloader(timeout=5))
        assert broken.change.removed == ["directory/zz-broken.xml"]  # resync removes hand-made files
        assert broken.status == "applied"
        assert esl.api(f"user_exists id 0175000101 {DOMAIN}").strip() == "true"


def test_rejected_reload_rolls_back_on_freeswitch(ctx, tmp_path, monkeypatch):
    importer.import_document(ctx, importer.load_yaml(demo_yaml()))
    platform = platform_with_ports(PLATFORM, tmp_path)
    apply(ctx.session, platform, esl_reloader(timeout=2))
    with running_freeswitch(tmp_path, platform.esl_port) as (proc, esl):
        apply(ctx.session, platform, esl_reloader(timeout=5))
        # Our own check stops malformed XML before FreeSWITCH sees it; switch
        # it off to see FreeSWITCH refuse a broken top document and the rollback.
        import orchestrator.apply.service as svc

        real = svc.render_node
        monkeypatch.setattr(svc, "validate_tree", lambda files: [])
        monkeypatch.setattr(svc, "render_node",
                            lambda *a: RenderedTree({**real(*a).files, "freeswitch.xml": b"not xml <"}))
        good = (platform.nodes[0].conf_dir / "freeswitch.xml").read_bytes()
        [result] = apply(ctx.session, platform, esl_reloader(timeout=5))
        assert result.status == "failed", result
        assert "error near line" in result.error
        assert (platform.nodes[0].conf_dir / "freeswitch.xml").read_bytes() == good
        assert esl.api(f"user_exists id 0175000101 {DOMAIN}").strip() == "true"
        ET.fromstring((platform.nodes[0].conf_dir / "freeswitch.xml").read_bytes())
