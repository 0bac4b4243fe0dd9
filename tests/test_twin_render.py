"""L-9 in the rendered tree and the simulator: the devices a line allows
(its phone, + the teleworking twin, + the mobile app) become each user's
``max-registrations-per-extension``, on a phone profile that accepts several
registrations per user; the simulator says every registered device rings.
What FreeSWITCH does with them is in test_twin_freeswitch.py."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from helpers import make_line, make_tenant
from render_helpers import PLATFORM, render

from orchestrator.domain.devices import allowed_devices, device_names
from orchestrator.render.snapshot import load_snapshot
from orchestrator.routing.resolver import resolve

LINES = {  # number: (options, devices allowed)
    "+33175000201": ({}, 1),
    "+33175000202": ({"twin": True}, 2),
    "+33175000203": ({"mobile_app": True, "mobile_number": "+33612345678"}, 2),
    "+33175000204": ({"twin": True, "mobile_app": True, "mobile_number": "+33612345679"}, 3),
}


@pytest.mark.parametrize(("twin", "mobile", "count"), [(False, False, 1), (True, False, 2), (False, True, 2),
                                                        (True, True, 3)])
def test_allowed_devices(twin, mobile, count):
    assert allowed_devices(twin, mobile) == count == len(device_names(twin, mobile))


def test_rendered_directory_and_profile(ctx):
    tenant = make_tenant(ctx, "Twin")
    for number, (options, _) in LINES.items():
        make_line(ctx, tenant, number, options=options)
    files = render(ctx)
    domain = ET.fromstring(files[f"directory/{tenant.sip_domain}.xml"]).find("domain")
    limits = {}
    for user in domain.iter("user"):
        params = {p.get("name"): p.get("value") for p in user.iter("param")}
        limits[user.get("id")] = params["max-registrations-per-extension"]
    assert limits == {number.replace("+33", "0"): str(count) for number, (_, count) in LINES.items()}
    internal = next(p for p in ET.fromstring(files["autoload_configs/sofia.conf.xml"]).iter("profile")
                    if p.get("name") == "internal")
    settings = {p.get("name"): p.get("value") for p in internal.iter("param")}
    assert settings["multiple-registrations"] == "contact"
    assert settings["sip-force-expires-max"] == str(PLATFORM.registration_expires_max)


def test_simulator_rings_every_registered_device(ctx):
    tenant = make_tenant(ctx, "Twin")
    for i, (number, (options, _)) in enumerate(LINES.items()):
        make_line(ctx, tenant, number, label=f"L{i}", options=options)
    ctx.session.flush()
    snap = next(t for t in load_snapshot(ctx.session).tenants if t.tenant.id == tenant.id)
    texts = {}
    for number in LINES:
        plan = resolve(snap, number, None, datetime(2026, 11, 26, 10, tzinfo=UTC))
        texts[number] = next(s["text"] for s in plan.details if s["action"] == "ring")
    assert "(1 allowed: the desk phone)" in texts["+33175000201"]
    assert "(2 allowed: the desk phone, the teleworking twin)" in texts["+33175000202"]
    assert "(2 allowed: the desk phone, the mobile app)" in texts["+33175000203"]
    assert texts["+33175000204"] == ("ring every registered device of L3 (+33175000204) for 20 s (3 allowed: the desk"
                                     " phone, the teleworking twin, the mobile app); the first to answer takes the"
                                     " call, the others stop")
