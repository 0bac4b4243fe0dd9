"""On-demand mode (P-5): mod_xml_curl asks, the same renderer answers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from render_helpers import PLATFORM

from orchestrator.cli.demo_cmds import demo_yaml
from orchestrator.render.freeswitch import render_tree
from orchestrator.render.ondemand import answer
from orchestrator.render.snapshot import load_snapshot
from orchestrator.render.walker import Scenario, Walker
from orchestrator.tenantdoc import importer
from webui import create_app

DOMAIN = "bauer.centrex.test"


@pytest.fixture
def demo(rt):
    with rt.context() as ctx:
        importer.import_document(ctx, importer.load_yaml(demo_yaml()))
    return rt


def ask(rt, **form):
    with rt.context() as ctx:
        return ET.fromstring(answer(ctx.session, PLATFORM, PLATFORM.nodes[0], form))


def test_directory_domain(demo):
    doc = ask(demo, section="directory", tag_name="domain", key_name="name", key_value=DOMAIN,
              domain=DOMAIN, user="0175000101", action="sip_auth")
    users = [u.get("id") for u in doc.iter("user")]
    assert "0175000101" in users and len(users) == 4
    missing = ask(demo, section="directory", domain="nobody.test")
    assert missing.find(".//result").get("status") == "not found"


def test_dialplan_contexts_match_the_files(demo):
    with demo.context() as ctx:
        files = render_tree(load_snapshot(ctx.session), PLATFORM, PLATFORM.nodes[0])
    from orchestrator.render.walker import load_contexts

    from_files = load_contexts(files)
    served = {}
    for context in (DOMAIN, "public", "centrex-line", "centrex-carrier", "centrex-vm-remote"):
        doc = ask(demo, section="dialplan", **{"Hunt-Context": context, "Caller-Destination-Number": "x"})
        element = doc.find("./section/context")
        assert element is not None, context
        assert ET.tostring(element) == ET.tostring(from_files[context]), context
        served[context] = element
    # and the served dialplan routes a call like the files do
    w = Walker(served, Scenario())
    assert w.call("public", "0175000101").apps("voicemail") == [f"voicemail(default {DOMAIN} 0175000101)"]
    assert ask(demo, section="dialplan", **{"Hunt-Context": "nope"}).find(".//result") is not None


def test_endpoint_and_its_access_rule(demo):
    app = create_app(demo)
    client = app.test_client()
    ok = client.post("/freeswitch/xml", data={"section": "directory", "domain": DOMAIN})
    assert ok.status_code == 200 and ok.mimetype == "text/xml"
    assert b'id="0175000102"' in ok.data
    demo.settings = replace(demo.settings, extra={"freeswitch": {"xml_curl_credentials": "fs:s3cret"}})
    assert client.post("/freeswitch/xml", data={"section": "directory", "domain": DOMAIN}).status_code == 403
    good = client.post("/freeswitch/xml", data={"section": "directory", "domain": DOMAIN},
                       headers={"Authorization": "Basic ZnM6czNjcmV0"})
    assert good.status_code == 200
    remote = client.post("/freeswitch/xml", data={"section": "directory", "domain": DOMAIN},
                         environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert remote.status_code == 403


def test_xml_curl_mode_tree(demo):
    platform = replace(PLATFORM, mode="xml_curl", xml_curl_credentials="fs:s3cret")
    with demo.context() as ctx:
        files = render_tree(load_snapshot(ctx.session), platform, platform.nodes[0])
    assert not any(rel.startswith(("directory/bauer", "dialplan/tenants/bauer")) for rel in files)
    top = ET.fromstring(files["freeswitch.xml"])
    assert [s.get("name") for s in top.iter("section")] == ["configuration", "languages"]
    assert b"mod_xml_curl" in files["autoload_configs/modules.conf.xml"]
    binding = ET.fromstring(files["autoload_configs/xml_curl.conf.xml"]).find(".//binding")
    params = {p.get("name"): p.get("value") for p in binding.iter("param")}
    assert params["gateway-url"] == PLATFORM.xml_curl_url and params["gateway-credentials"] == "fs:s3cret"
