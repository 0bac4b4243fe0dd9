"""On-demand mode (P-5): mod_xml_curl asks, the same renderer answers."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from render_helpers import PLATFORM

from orchestrator.cli.demo_cmds import demo_yaml
from orchestrator.config import ConfigError, platform_from_settings
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


def test_every_domain_for_the_sofia_profile_aliases(demo):
    """mod_sofia, for <domain name="all" alias="true">, asks the directory
    with purpose=gateways and no domain: every tenant's domain, names only
    (no users, no secrets), so each becomes an alias of the internal
    profile (C-2: the chat API finds the profile by the domain)."""
    doc = ask(demo, section="directory", purpose="gateways", profile="internal")
    assert [d.get("name") for d in doc.iter("domain")] == [DOMAIN]
    assert not list(doc.iter("user")) and not list(doc.iter("param"))
    assert ask(demo, section="directory").find(".//result") is not None  # no purpose: still nothing


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


CREDS = "fs:s3cret-0123456789"
BASIC = {"Authorization": "Basic " + base64.b64encode(CREDS.encode()).decode()}
WRONG = {"Authorization": "Basic " + base64.b64encode(b"fs:guess-0123456789").decode()}
FORM = {"section": "directory", "domain": DOMAIN}


def xml_curl_settings(rt, **freeswitch):
    rt.settings = replace(rt.settings, extra={**rt.settings.extra, "freeswitch": {
        "mode": "xml_curl", "xml_curl_credentials": CREDS, **freeswitch}})


def post(client, remote="127.0.0.1", headers=None):
    return client.post("/freeswitch/xml", data=FORM, headers=headers or {}, environ_base={"REMOTE_ADDR": remote})


def test_endpoint_is_off_unless_xml_curl_mode(demo):
    """files mode (the default): nobody gets an answer, from loopback or with the right credentials."""
    client = create_app(demo).test_client()
    answered = [(remote, h) for remote in ("127.0.0.1", "::1", "10.1.2.3") for h in (None, BASIC, WRONG)
                if post(client, remote, h).status_code != 404]
    assert answered == []
    demo.settings = replace(demo.settings, extra={"freeswitch": {"xml_curl_credentials": CREDS}})
    assert post(client, headers=BASIC).status_code == 404


def test_endpoint_requires_credentials_and_a_node_address(demo):
    xml_curl_settings(demo)
    client = create_app(demo).test_client()
    for remote in ("127.0.0.1", "::ffff:127.0.0.1"):  # the default node's address
        bare = post(client, remote)
        assert bare.status_code == 401 and bare.headers["WWW-Authenticate"].startswith("Basic ")
        assert post(client, remote, WRONG).status_code == 401
        assert b"0175000102" not in bare.data
    ok = post(client, headers=BASIC)
    assert ok.status_code == 200 and ok.mimetype == "text/xml"
    assert b'id="0175000102"' in ok.data
    # the right credentials from an address that is no node's
    assert post(client, "10.1.2.3", BASIC).status_code == 403
    assert post(client, "::1", BASIC).status_code == 403  # the node is 127.0.0.1, not any loopback
    # ... unless allowed by the explicit list
    xml_curl_settings(demo, xml_curl_allow=["10.1.2.0/24"])
    assert post(client, "10.1.2.3", BASIC).status_code == 200
    assert post(client, "10.1.3.3", BASIC).status_code == 403


def test_endpoint_answers_the_configured_nodes_only(demo):
    demo.settings = replace(demo.settings, extra={
        "freeswitch": {"mode": "xml_curl", "xml_curl_credentials": CREDS, "sip_ip": "192.0.2.10"},
        "nodes": {"fs1": {"conf_dir": "/tmp/fs1", "esl_host": "192.0.2.7"},
                  "fs2": {"conf_dir": "/tmp/fs2", "esl_host": "192.0.2.8", "sip_ip": "198.51.100.8"}}})
    client = create_app(demo).test_client()
    assert [post(client, remote, BASIC).status_code
            for remote in ("192.0.2.7", "192.0.2.10", "192.0.2.8", "198.51.100.8")] == [200] * 4
    # loopback is no node here: a local TLS proxy does not open the endpoint
    assert [post(client, remote, BASIC).status_code for remote in ("127.0.0.1", "::1", "192.0.2.9")] == [403] * 3


def test_xml_curl_mode_without_credentials_is_refused_at_start(rt):
    for creds in ("", "fs", "fs:short", ":no-user-at-all-here", "fs:with space 012345", "fs:x${y}0123456789"):
        rt.settings = replace(rt.settings, extra={"freeswitch": {"mode": "xml_curl", "xml_curl_credentials": creds}})
        with pytest.raises(ConfigError, match="xml_curl_credentials"):
            platform_from_settings(rt.settings)
        with pytest.raises(ConfigError, match="xml_curl_credentials"):
            create_app(rt)
    rt.settings = replace(rt.settings, extra={"freeswitch": {"mode": "xml_curl", "xml_curl_credentials": CREDS,
                                                             "xml_curl_allow": ["not-an-address"]}})
    with pytest.raises(ConfigError, match="xml_curl_allow"):
        platform_from_settings(rt.settings)
    rt.settings = replace(rt.settings, extra={"freeswitch": {"mode": "xml-curl"}})
    with pytest.raises(ConfigError, match="mode"):
        platform_from_settings(rt.settings)


def test_xml_curl_mode_tree(demo):
    platform = replace(PLATFORM, mode="xml_curl", xml_curl_credentials=CREDS)
    with demo.context() as ctx:
        files = render_tree(load_snapshot(ctx.session), platform, platform.nodes[0])
    assert not any(rel.startswith(("directory/bauer", "dialplan/tenants/bauer")) for rel in files)
    top = ET.fromstring(files["freeswitch.xml"])
    assert [s.get("name") for s in top.iter("section")] == ["configuration", "languages"]
    assert b"mod_xml_curl" in files["autoload_configs/modules.conf.xml"]
    binding = ET.fromstring(files["autoload_configs/xml_curl.conf.xml"]).find(".//binding")
    params = {p.get("name"): p.get("value") for p in binding.iter("param")}
    assert params["gateway-url"] == PLATFORM.xml_curl_url and params["gateway-credentials"] == CREDS
    assert params["auth-scheme"] == "basic" and "enable-cacert-check" not in params
    # over https, FreeSWITCH checks the certificate before sending the credentials
    secure = replace(platform, xml_curl_url="https://centrex.example/freeswitch/xml")
    with demo.context() as ctx:
        files = render_tree(load_snapshot(ctx.session), secure, secure.nodes[0])
    binding = ET.fromstring(files["autoload_configs/xml_curl.conf.xml"]).find(".//binding")
    params = {p.get("name"): p.get("value") for p in binding.iter("param")}
    assert params["enable-cacert-check"] == "true" and params["enable-ssl-verifyhost"] == "true"
