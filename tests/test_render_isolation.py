"""One tenant's bad data never stops another tenant's render or apply
(issue 15, item 3). Bad rows are planted straight into the database, past
the validation, as a legacy row or a hand edit would be: the tenant is left
out and named, its files on the node stay as last applied, every other
tenant is applied."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from fake_freeswitch.server import FakeFreeSWITCH
from helpers import make_line, make_reception, make_tenant
from render_helpers import PLATFORM
from sqlalchemy import select, update
from sqlalchemy.exc import DataError
from test_apply import answering

from orchestrator.apply.engine import esl_reloader
from orchestrator.apply.service import apply, is_live, node_states
from orchestrator.apply.tree import read_tree
from orchestrator.cli.main import main
from orchestrator.db.models import IvrKey, ReceptionProfile, Tenant
from orchestrator.domain.topology import Node
from orchestrator.render.freeswitch import render_node, tenant_paths
from orchestrator.render.snapshot import load_snapshot
from orchestrator.services.lines import service as lines_service

PASSWORD = "S3cret-esl"
GOOD, BAD = "good.centrex.test", "bad.centrex.test"


@pytest.fixture
def fs():
    with FakeFreeSWITCH(password=PASSWORD) as server:
        yield answering(server)


def platform_for(tmp_path: Path, server: FakeFreeSWITCH):
    node = Node(name="fs1", conf_dir=tmp_path / "fs1" / "conf", esl_host=server.host, esl_port=server.port,
                esl_password=PASSWORD)
    return replace(PLATFORM, nodes=(node,), spool_dir=tmp_path / "spool", media_dir=tmp_path / "media")


@pytest.fixture
def two(ctx, fs, tmp_path):
    """Good and Bad, each with a line, applied once while both were sound."""
    good = make_tenant(ctx, "Good", domain=GOOD)
    bad = make_tenant(ctx, "Bad", domain=BAD)
    make_line(ctx, good, "+33175000001", label="Alice")
    make_line(ctx, bad, "+33175000002", label="Bob")
    ctx.reception_id = make_reception(ctx, bad, {  # an IVR, for the planted key
        "number": "+33175000050", "label": "Accueil",
        "profiles": [{"name": "Menu", "default": True, "ivr": {"keys": {"1": {"hangup": True}}}}]}).id
    ctx.commit()
    platform = platform_for(tmp_path, fs)
    [first] = apply(ctx.session, platform, esl_reloader(timeout=5))
    assert first.status == "applied", first
    return good, bad, platform


def plant(ctx, tenant: Tenant, **values) -> None:
    """Write the row past the service (with a new revision, as an edit makes)."""
    ctx.session.execute(update(Tenant).where(Tenant.id == tenant.id).values(revision=Tenant.revision + 1, **values))
    ctx.session.commit()
    ctx.session.expire_all()


def plant_raising_key(ctx, tenant: Tenant) -> None:
    """An IVR key "to a line" that names no line: the dialplan walker raises."""
    profile = ctx.session.scalar(select(ReceptionProfile).where(ReceptionProfile.reception_id == ctx.reception_id))
    ctx.session.execute(update(IvrKey).where(IvrKey.profile_id == profile.id).values(action="line", line_id=None))
    plant(ctx, tenant)


BAD_ROWS = {
    "timezone right/UTC": lambda ctx, t: plant(ctx, t, timezone="right/UTC"),
    "timezone Europe (a directory)": lambda ctx, t: plant(ctx, t, timezone="Europe"),
    "timezone posix/Europe/Paris": lambda ctx, t: plant(ctx, t, timezone="posix/Europe/Paris"),
    "timezone ../../../etc/passwd": lambda ctx, t: plant(ctx, t, timezone="../../../etc/passwd"),
    "a template raises": plant_raising_key,
}


def bad_files(conf: Path) -> dict[str, bytes]:
    return {rel: (conf / rel).read_bytes() for rel in tenant_paths(BAD)}


def change_good(ctx, good: Tenant) -> None:
    line = ctx.session.scalar(select(lines_service.Line).where(lines_service.Line.tenant_id == good.id))
    lines_service.update(ctx, line, {"label": "Alice Martin"})
    ctx.commit()


@pytest.mark.parametrize("planted", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_a_bad_tenant_is_left_out_and_the_others_are_applied(ctx, two, planted, caplog):
    good, bad, platform = two
    conf = platform.nodes[0].conf_dir
    before = bad_files(conf)
    planted(ctx, bad)
    change_good(ctx, good)

    [result] = apply(ctx.session, platform, esl_reloader(timeout=5))  # a full apply, as resync does

    assert result.status == "applied", result
    assert [(f.tenant_id, f.name) for f in result.failed_tenants] == [(bad.id, "Bad")]
    assert "Bad" in result.error and BAD in result.error
    assert b'"Alice Martin"' in (conf / f"directory/{GOOD}.xml").read_bytes()  # the other tenant went live
    assert bad_files(conf) == before  # kept as last applied: neither rewritten nor deleted
    for rel, data in read_tree(conf).items():
        if rel.endswith(".xml"):
            ET.fromstring(data)
    state = node_states(ctx.session)[0]
    assert state.result == "ok" and "'Bad'" in state.error
    assert is_live(ctx.session, good, platform) == {"fs1": True}
    assert is_live(ctx.session, bad, platform) == {"fs1": False}  # never claimed live
    logged = [r for r in caplog.records if r.getMessage().startswith("tenant not rendered")]
    assert logged and logged[0].tenant == "Bad" and logged[0].domain == BAD and logged[0].error

    # A save in the good tenant applies that tenant alone: it works too.
    lines_service.update(ctx, ctx.session.scalar(select(lines_service.Line).where(
        lines_service.Line.tenant_id == good.id)), {"label": "Alice Durand"})
    ctx.commit()
    [scoped] = apply(ctx.session, platform, esl_reloader(timeout=5), tenant_ids=[good.id])
    assert scoped.status == "applied" and not scoped.failed_tenants
    assert b'"Alice Durand"' in (conf / f"directory/{GOOD}.xml").read_bytes()
    # A save in the bad one: reported, its files still untouched.
    [own] = apply(ctx.session, platform, esl_reloader(timeout=5), tenant_ids=[bad.id])
    assert [f.name for f in own.failed_tenants] == ["Bad"] and bad_files(conf) == before


def test_an_overlong_timezone_is_left_out(ctx, two, migrated_engine):
    good, bad, platform = two
    if migrated_engine.dialect.name == "postgresql":  # the column itself refuses it there
        with pytest.raises(DataError):
            plant(ctx, bad, timezone="x" * 300)
        ctx.session.rollback()
        return
    plant(ctx, bad, timezone="x" * 300)
    change_good(ctx, good)
    [result] = apply(ctx.session, platform, esl_reloader(timeout=5))
    assert result.status == "applied" and [f.name for f in result.failed_tenants] == ["Bad"]
    assert "not a time zone" in result.failed_tenants[0].error
    zones = (platform.nodes[0].conf_dir / "autoload_configs/timezones.conf.xml").read_text()
    assert "Europe/Paris" in zones and "xxxx" not in zones


@pytest.mark.parametrize("domain", ["a--b.example", "xn--bcher-kva.example"])
def test_domains_with_double_dashes_render_well_formed(ctx, two, domain):
    """``--`` used to end up inside ``<!-- ... -->``: three files were not
    XML and every full apply failed until the tenant was deleted."""
    good, bad, platform = two
    plant(ctx, bad, sip_domain=domain)
    [result] = apply(ctx.session, platform, esl_reloader(timeout=5))
    assert result.status == "applied" and not result.failed_tenants, result
    conf = platform.nodes[0].conf_dir
    for rel in tenant_paths(domain):
        root = ET.fromstring((conf / rel).read_bytes())
        assert domain in ET.tostring(root, encoding="unicode")
    assert not (conf / f"directory/{BAD}.xml").exists()  # the old domain's files went


@pytest.mark.parametrize("domain", ["127.0.0.1", "::1", "Bad Domain.example", "../../../outside"])
def test_an_unusable_domain_is_left_out(ctx, two, domain, tmp_path):
    good, bad, platform = two
    conf = platform.nodes[0].conf_dir
    plant(ctx, bad, sip_domain=domain)
    legacy = {}
    if "/" not in domain:  # as applied by a version that accepted it: must stay
        legacy = {rel: f"<include><!-- {domain} as last applied --></include>\n".encode()
                  for rel in tenant_paths(domain)}
        for rel, data in legacy.items():
            (conf / rel).write_bytes(data)
    change_good(ctx, good)
    [result] = apply(ctx.session, platform, esl_reloader(timeout=5))
    assert result.status == "applied" and [f.name for f in result.failed_tenants] == ["Bad"]
    assert "sip_domain" in result.failed_tenants[0].error
    assert b'"Alice Martin"' in (conf / f"directory/{GOOD}.xml").read_bytes()
    for rel, data in legacy.items():
        assert (conf / rel).read_bytes() == data
    centrex = (conf / "dialplan/centrex.xml").read_text()
    # nor does it reach the platform files (whose own address, 127.0.0.1 here, names the carrier leg's host)
    assert domain not in centrex.replace(f"sip_invite_domain={platform.external_ip}", "")
    assert not list(tmp_path.rglob("outside*"))  # a domain with '/' once named files outside the tree


def test_render_node_reports_and_keeps(ctx, two):
    good, bad, platform = two
    plant(ctx, bad, timezone="right/UTC")
    rendered = render_node(load_snapshot(ctx.session), platform, platform.nodes[0])
    assert [f.domain for f in rendered.failed] == [BAD]
    assert rendered.keep == set(tenant_paths(BAD))
    assert set(tenant_paths(GOOD)) <= set(rendered.files)
    assert not set(tenant_paths(BAD)) & set(rendered.files)
    assert "right/UTC" not in rendered.files["autoload_configs/timezones.conf.xml"].decode()


def test_cli_resync_apply_and_status_name_the_failed_tenant(ctx, rt, two, migrated_engine, tmp_path, monkeypatch,
                                                            capsys):
    good, bad, platform = two
    node = platform.nodes[0]
    config = tmp_path / "orchestrator.toml"
    config.write_text(
        f'[freeswitch]\nmedia_dir = "{platform.media_dir}"\nspool_dir = "{platform.spool_dir}"\n'
        f'[nodes.fs1]\nconf_dir = "{node.conf_dir}"\nesl_host = "{node.esl_host}"\nesl_port = {node.esl_port}\n'
        f'esl_password = "{PASSWORD}"\n')
    monkeypatch.setenv("DATABASE_URL", migrated_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("ORCHESTRATOR_CONFIG", str(config))
    monkeypatch.setenv("ORCHESTRATOR_VAR", str(rt.settings.var_dir))  # the secrets key the test's data was sealed with
    plant(ctx, bad, timezone="Europe")
    change_good(ctx, good)
    capsys.readouterr()
    for command in (["resync"], ["apply"], ["apply", "--tenant", "Bad"]):
        with pytest.raises(SystemExit) as exit_:
            main(command)
        assert exit_.value.code == 1, command
        out = capsys.readouterr()
        assert "failed: tenant 'Bad' (bad.centrex.test) not rendered" in out.err, command
        assert "timezone: 'Europe' is not a time zone" in out.err
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "tenant 'Bad' (bad.centrex.test) not rendered" in out and "pending: Bad revision" in out
    assert "pending: Good" not in out
    state = json.loads(node_states(ctx.session)[0].tenant_revisions)
    assert state[str(good.id)] == ctx.session.get(Tenant, good.id).revision


def test_xml_curl_answers_for_the_other_tenants(ctx, two):
    """On-demand mode (P-5): the public context holds every tenant's numbers;
    a bad tenant leaves it out instead of failing every lookup."""
    from orchestrator.render.ondemand import answer

    good, bad, platform = two
    plant_raising_key(ctx, bad)
    node = platform.nodes[0]
    public = ET.fromstring(answer(ctx.session, platform, node, {"section": "dialplan", "Hunt-Context": "public"}))
    names = [e.get("name") for e in public.iter("extension")]
    assert "did +33175000001" in names and "did +33175000002" not in names
    directory = ET.fromstring(answer(ctx.session, platform, node, {"section": "directory", "domain": GOOD}))
    assert [u.get("id") for u in directory.iter("user")] == ["0175000001"]
    refused = ET.fromstring(answer(ctx.session, platform, node, {"section": "directory", "domain": BAD}))
    assert refused.find(".//result").get("status") == "not found"
