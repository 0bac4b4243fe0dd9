"""The rendered FreeSWITCH tree: golden files, every file parses, and
semantic walks of the dialplan for each branch of L-8 and the outgoing rules."""

from __future__ import annotations

import hashlib
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import make_line, make_tenant
from render_helpers import PLATFORM, canonical, fix_secrets, render, walker

from orchestrator.cli.demo_cmds import demo_yaml
from orchestrator.db.models import EmergencyRoute
from orchestrator.render.freeswitch import render_tree
from orchestrator.render.snapshot import load_snapshot
from orchestrator.tenantdoc import importer

GOLDEN = Path(__file__).parent / "golden" / "freeswitch"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
DOMAIN = "bauer.centrex.test"
PIERRE = f"0175000101@{DOMAIN}"
PAUL = f"0175000102@{DOMAIN}"
JACQUES = f"0175000103@{DOMAIN}"
BOND = f"0182280007@{DOMAIN}"


@pytest.fixture
def demo(ctx):
    importer.import_document(ctx, importer.load_yaml(demo_yaml()))
    fix_secrets(ctx)
    ctx.session.add_all([EmergencyRoute(department="*", service="15", destination="+33115000015"),
                         EmergencyRoute(department="75", service="15", destination="+33175000015")])
    ctx.session.flush()
    return render(ctx)


def check_golden(case: str, files: dict[str, bytes]) -> None:
    root = GOLDEN / case
    if UPDATE:
        for rel, data in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(canonical(data) if rel.endswith(".xml") else data.decode(), encoding="utf-8")
    expected = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert expected == set(files), "the set of rendered files changed (UPDATE_GOLDEN=1 to accept)"
    for rel, data in files.items():
        got = canonical(data) if rel.endswith(".xml") else data.decode()
        assert got == (root / rel).read_text(encoding="utf-8"), f"{rel} differs from its golden file"


def test_demo_tree_matches_golden_files(demo):
    check_golden("demo", demo)


L8_BRANCHES = {
    "Fwd All": {"forwards": {"unconditional": "+33612345678"}},
    "Backup": {"backup_number": "+33612000001"},
    "Fwd NoAnswer": {"forwards": {"no_answer": "+33612345678", "presented": "line"}, "ring_time": 15},
    "Announce": {"voicemail": {"mode": "announce"}},
    "No Vm": {"voicemail": {"enabled": False}},
}


def test_one_tenant_per_l8_branch_matches_golden_files(ctx):
    for i, (name, line) in enumerate(L8_BRANCHES.items()):
        tenant = make_tenant(ctx, name)
        make_line(ctx, tenant, f"+3317500100{i}", label=name, short_number="201", **line)
    fix_secrets(ctx)
    check_golden("l8-branches", render(ctx))


def test_every_file_parses_and_the_tree_is_complete(demo):
    for rel, data in demo.items():
        if rel.endswith(".xml"):
            ET.fromstring(data)
    for needed in ("freeswitch.xml", "vars.xml", "autoload_configs/modules.conf.xml",
                   "autoload_configs/event_socket.conf.xml", "autoload_configs/sofia.conf.xml",
                   "autoload_configs/voicemail.conf.xml", "autoload_configs/local_stream.conf.xml",
                   "autoload_configs/spandsp.conf.xml", "autoload_configs/logfile.conf.xml",
                   "autoload_configs/switch.conf.xml", f"directory/{DOMAIN}.xml", f"dialplan/tenants/{DOMAIN}.xml"):
        assert needed in demo
    switch = ET.fromstring(demo["autoload_configs/switch.conf.xml"])
    params = {p.get("name"): p.get("value") for p in switch.iter("param")}
    assert params["sessions-per-second"] == "200" and params["max-sessions"] == "2000"
    event_socket = ET.fromstring(demo["autoload_configs/event_socket.conf.xml"])
    esl = {p.get("name"): p.get("value") for p in event_socket.iter("param")}
    assert esl["listen-ip"] == "127.0.0.1"
    sofia = ET.fromstring(demo["autoload_configs/sofia.conf.xml"])
    internal = sofia.find(".//profile[@name='internal']")
    assert {p.get("name"): p.get("value") for p in internal.iter("param")}["sip-ip"] == "127.0.0.1"
    assert sofia.find(".//gateway[@name='carrier']") is not None


def test_rendering_is_deterministic(ctx, demo):
    again = render(ctx)
    assert again == demo


def test_directory_users(demo):
    root = ET.fromstring(demo[f"directory/{DOMAIN}.xml"])
    users = {u.get("id"): u for u in root.iter("user")}
    assert sorted(users) == ["0175000101", "0175000102", "0175000103", "0182280007"]
    pierre = users["0175000101"]
    params = {p.get("name"): p.get("value") for p in pierre.iter("param")}
    # digest hashes (md5 of user:domain:secret), never the password or the PIN themselves
    assert params["a1-hash"] == hashlib.md5(f"0175000101:{DOMAIN}:secret-33175000101".encode()).hexdigest()
    assert params["vm-a1-hash"] == hashlib.md5(f"0175000101:{DOMAIN}:2580".encode()).hexdigest()
    assert "password" not in params and "vm-password" not in params
    assert params["vm-mailto"] == "pierre@bauer.example"
    variables = {v.get("name"): v.get("value") for v in pierre.iter("variable")}
    assert variables["effective_caller_id_number"] == "+33175000101"
    assert variables["effective_caller_id_name"] == "Pierre"
    assert variables["hold_music"] == "local_stream://catalogue_mambo"
    assert variables["centrex_emergency_15"] == "+33175000015"  # département 75
    assert variables["centrex_clir"] == "false"
    bond = {v.get("name"): v.get("value") for v in users["0182280007"].iter("variable")}
    assert bond["centrex_clir"] == "true"
    # Jacques has no PIN: his mailbox still has a vm-a1-hash (else mod_voicemail would take the SIP
    # a1-hash), of no PIN anyone can type and not the SIP password's
    jacques = {p.get("name"): p.get("value") for p in users["0175000103"].iter("param")}
    assert jacques["vm-a1-hash"] != jacques["a1-hash"] and "vm-password" not in jacques
    typed = {hashlib.md5(f"0175000103:{DOMAIN}:{pin:04d}".encode()).hexdigest() for pin in range(10000)}
    assert jacques["vm-a1-hash"] not in typed


# --- L-8, walked -------------------------------------------------------------

def test_l8_ring_all_registrations_then_answer(demo):
    w = walker(demo, registered={PIERRE}, answers={PIERRE: "answer"})
    r = w.call("public", "0175000101", {"caller_id_number": "+33140000000"})
    assert r.bridged_to == PIERRE
    assert "set(call_timeout=20)" in r.apps("set")
    assert r.contexts == ["public", DOMAIN, "centrex-line"]
    bridge = r.apps("bridge")[0]
    assert bridge == f"bridge([hold_music=local_stream://catalogue_mambo]user/{PIERRE})"


def test_l8_unregistered_without_backup_goes_to_voicemail(demo):
    r = walker(demo).call("public", "+33175000101")
    assert r.apps("voicemail") == [f"voicemail(default {DOMAIN} 0175000101)"]
    assert not r.apps("bridge")


def test_l8_unregistered_with_backup_number(demo):
    r = walker(demo, answers={"gateway:+33612000103": "answer"}).call("public", "+33175000103")
    assert r.bridged_to == "gateway:+33612000103"
    assert not r.apps("voicemail")


def test_l8_no_answer_forward_presents_the_line(demo):
    w = walker(demo, registered={PAUL}, answers={"gateway:+33612345678": "answer"})
    r = w.call("public", "0175000102", {"caller_id_number": "+33140000000"})
    assert r.apps("bridge")[0].endswith(f"user/{PAUL})")
    assert r.bridged_to == "gateway:+33612345678"
    assert r.variables["effective_caller_id_number"] == "+33175000102"  # presented: line


def test_l8_no_answer_then_voicemail(demo):
    r = walker(demo, registered={PIERRE}).call("public", "0175000101")
    assert r.apps("bridge") and r.apps("voicemail") == [f"voicemail(default {DOMAIN} 0175000101)"]


def test_l8_announce_only_voicemail(demo):
    r = walker(demo, registered={JACQUES}, answers={JACQUES: "busy"}).call("public", "0175000103")
    assert r.apps("playback") == ["playback(/var/lib/centrex/media/defaults/announce.wav)"]
    assert r.hangup_cause == "NORMAL_CLEARING"
    assert not r.apps("voicemail")


def test_l8_unconditional_forward_comes_first(ctx):
    tenant = make_tenant(ctx, "Fwd")
    make_line(ctx, tenant, "+33175000001", forwards={"unconditional": "+33612345678", "presented": "caller"})
    files = render(ctx)
    r = walker(files, registered={"0175000001@fwd.centrex.test"},
               answers={"gateway:+33612345678": "answer"}).call("public", "+33175000001",
                                                                {"caller_id_number": "+33140000000"})
    assert not [s for s in r.apps("bridge") if "user/" in s]
    assert r.bridged_to == "gateway:+33612345678"
    assert "effective_caller_id_number" not in r.variables  # the caller's own number is presented


def test_l8_no_voicemail_hangs_up_busy_or_unavailable(ctx):
    tenant = make_tenant(ctx, "NoVm")
    make_line(ctx, tenant, "+33175000001", voicemail={"enabled": False})
    files = render(ctx)
    user = "0175000001@novm.centrex.test"
    busy = walker(files, registered={user}, answers={user: "busy"}).call("public", "+33175000001")
    assert busy.hangup_cause == "USER_BUSY"
    assert walker(files, registered={user}).call("public", "+33175000001").hangup_cause == "NO_ANSWER"
    assert walker(files).call("public", "+33175000001").hangup_cause == "NO_ANSWER"


# --- outgoing ------------------------------------------------------------------

def caller(user: str, clir: bool = False) -> dict[str, str]:
    number = "+33" + user[1:10]
    return {"caller_id_number": user, "centrex_caller_line": number, "centrex_caller_user": user,
            "centrex_clir": "true" if clir else "false", "centrex_emergency_15": "+33175000015",
            "effective_caller_id_number": number}


def test_short_numbers_and_full_numbers_stay_internal(demo):
    for dialled in ("202", "0175000102", "+33175000102", "00175000102"):
        r = walker(demo, registered={PAUL}, answers={PAUL: "answer"}).call(DOMAIN, dialled, caller("0175000101"))
        assert r.bridged_to == PAUL, dialled
        assert not [s for s in r.apps("bridge") if "gateway" in s]


def test_directory_short_number(demo):
    r = walker(demo, answers={"gateway:+33140000000": "answer"}).call(DOMAIN, "301", caller("0175000101"))
    assert r.bridged_to == "gateway:+33140000000"


def test_outside_call_with_and_without_clir(demo):
    w = walker(demo, answers={"gateway:+33145000000": "answer"})
    shown = w.call(DOMAIN, "00145000000", caller("0175000101"))
    assert shown.bridged_to == "gateway:+33145000000"
    assert not shown.apps("export")
    hidden = w.call(DOMAIN, "00145000000", caller("0182280007", clir=True))
    # L-3: only the carrier leg (nolocal:) gets an anonymous From and the identity in P-Asserted-Identity
    # with Privacy: id (what the carrier receives: tests/test_clir_freeswitch.py)
    assert hidden.apps("export") == [
        "export(nolocal:sip_cid_type=pid)", "export(nolocal:origination_privacy=screen+hide_name+hide_number)",
        "export(nolocal:sip_from_uri=sip:anonymous@anonymous.invalid)", "export(nolocal:sip_from_display=Anonymous)",
        "export(nolocal:sip_invite_domain=127.0.0.1)"]
    assert hidden.bridged_to == "gateway:+33145000000"
    intl = w.call(DOMAIN, "000442079460000", caller("0175000101"))
    assert intl.apps("bridge") == ["bridge(sofia/gateway/carrier/+442079460000)"]


def test_emergency_never_hidden_and_routed_by_department(demo):
    r = walker(demo, answers={"gateway:+33175000015": "answer"}).call(DOMAIN, "15", caller("0182280007", clir=True))
    assert r.apps("privacy") == ["privacy(no)"]
    assert r.apps("bridge") == ["bridge(sofia/gateway/carrier/+33175000015)"]
    assert r.variables["effective_caller_id_number"] == "+33182280007"


def test_123_reaches_own_mailbox(demo):
    r = walker(demo).call(DOMAIN, "123", caller("0175000102"))
    assert r.apps("voicemail") == [f"voicemail(check auth default {DOMAIN} 0175000102)"]


def test_remote_voicemail_access_with_number_and_pin(demo):
    r = walker(demo, digits=["0175000101"]).call("public", "0175009999")
    assert r.apps("voicemail") == [f"voicemail(check default {DOMAIN} 0175000101)"]  # PIN asked by voicemail
    # Jacques has no PIN: his mailbox cannot be reached from outside
    r = walker(demo, digits=["0175000103"]).call("public", "0175009999")
    assert not r.apps("voicemail") and r.hangup_cause == "UNALLOCATED_NUMBER"


def test_unknown_numbers(demo):
    assert walker(demo).call(DOMAIN, "99", caller("0175000101")).hangup_cause == "UNALLOCATED_NUMBER"
    # a carrier call to a number we do not have, and a carrier caller trying to get out
    assert walker(demo).call("public", "0175000999").hangup_cause == "UNALLOCATED_NUMBER"
    out = walker(demo, answers={"gateway:+33145000000": "answer"}).call("public", "+33145000000")
    assert out.hangup_cause == "UNALLOCATED_NUMBER" and not out.apps("bridge")


def test_calls_between_tenants_stay_on_the_platform(ctx, demo):
    other = make_tenant(ctx, "Other")
    make_line(ctx, other, "+33175000201")
    files = render(ctx)
    user = "0175000201@other.centrex.test"
    r = walker(files, registered={user}, answers={user: "answer"}).call(DOMAIN, "00175000201", caller("0175000101"))
    assert r.bridged_to == user
    assert not [s for s in r.apps("bridge") if "gateway" in s]


def test_fax_line_receives_and_hands_over_for_mail(demo):
    r = walker(demo).call("public", "0175000110")
    # ${uuid} is the call's id at run time; the walker has none
    assert r.apps("rxfax") == ["rxfax(/var/spool/centrex/fax/33175000110/.tif)"]
    hook = [s for s in r.apps("set") if "api_hangup_hook" in s][0]
    assert "/opt/centrex/bin/orchestrator fax deliver +33175000110 /var/spool/centrex/fax/33175000110/" in hook


def test_forward_loops_are_bounded(ctx):
    tenant = make_tenant(ctx, "Loop")
    make_line(ctx, tenant, "+33175000001", forwards={"unconditional": "+33175000002"})
    make_line(ctx, tenant, "+33175000002", forwards={"unconditional": "+33175000001"})
    r = walker(render(ctx)).call("public", "+33175000001")
    assert r.hangup_cause == "EXCHANGE_ROUTING_ERROR"


def test_per_tenant_render_matches_full_render(ctx, demo):
    from orchestrator.render.freeswitch import tenant_files

    snap = load_snapshot(ctx.session)
    full = render_tree(snap, PLATFORM, PLATFORM.nodes[0])
    for rel, data in tenant_files(snap.tenants[0], snap, PLATFORM).items():
        assert full[rel] == data


def test_light_platform_data_equals_the_snapshot_one(ctx, demo):
    from orchestrator.render.freeswitch import load_platform_data, platform_data

    assert load_platform_data(ctx.session, PLATFORM) == platform_data(load_snapshot(ctx.session), PLATFORM)
