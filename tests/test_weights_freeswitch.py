"""On a real FreeSWITCH (``FREESWITCH_BIN``): the channel's ${uuid} is a
random version-4 UUID, and for routings 1-10 the destination the dialplan
bridges is the one the resolver predicts for that very UUID (issue 16,
item 5: routings 5 and beyond draw on digits of their own)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from freeswitch_real import needs_freeswitch, platform_with_ports, running_freeswitch
from helpers import sqlite_migrated_engine  # noqa: E402,F401  (SQLite only here)
from render_helpers import PLATFORM

from orchestrator.apply.engine import esl_reloader
from orchestrator.apply.service import apply
from orchestrator.domain.weights import MAX_ROUTINGS
from orchestrator.render.snapshot import load_snapshot
from orchestrator.routing.resolver import Conditions, resolve
from orchestrator.tenantdoc import importer

pytestmark = [pytest.mark.freeswitch, needs_freeswitch]
SPECIAL = "+33811300001"
CALLS = 12

DOC = {
    "tenant": {"name": "Draws", "sip_domain": "draws.centrex.test"},
    "lines": [{"number": "+33175300001", "label": "A"}],
    "special_numbers": [{"number": SPECIAL, "label": "Dix", "profiles": [
        {"name": "Défaut", "default": True, "routings": [
            {"destinations": [{"number": f"+3314530{k}001", "percent": 50},
                              {"number": f"+3314530{k}002", "percent": 50}]} for k in range(MAX_ROUTINGS)]}]}],
}


def bridged_number(data: str) -> str:
    return data.split("loopback/")[1].split("/")[0]


def test_each_routing_bridges_what_the_resolver_draws_from_the_channels_uuid(ctx, tmp_path):
    importer.import_document(ctx, DOC)
    platform = platform_with_ports(PLATFORM, tmp_path)
    apply(ctx.session, platform, esl_reloader(timeout=1))
    snap = load_snapshot(ctx.session).tenants[0]
    with running_freeswitch(tmp_path, platform.esl_port) as (proc, esl):
        esl.events("plain", ["CHANNEL_EXECUTE"])
        seen: list[tuple[str, ...]] = []
        for _ in range(CALLS):
            esl.api(f"originate {{origination_caller_id_number=0540000000}}loopback/{SPECIAL}/public &park()")
            first = esl.wait_for_event(lambda e: e.get("Application") == "bridge"
                                       and "loopback/+3314530" in (e.get("Application-Data") or ""), timeout=20)
            assert first is not None, "FreeSWITCH never bridged routing 1"
            uuid = first.get("Unique-ID")
            assert uuid[14] == "4" and uuid[19] in "89ab", f"{uuid}: not a random (version 4) UUID"
            got = [bridged_number(first.get("Application-Data"))]
            while len(got) < MAX_ROUTINGS:
                ev = esl.wait_for_event(lambda e, u=uuid: e.get("Unique-ID") == u
                                        and e.get("Application") in ("bridge", "hangup"), timeout=60)
                assert ev is not None, f"routing {len(got) + 1} never ran (bridged so far: {got})"
                if ev.get("Application") == "hangup":
                    break
                got.append(bridged_number(ev.get("Application-Data")))
            plan = resolve(snap, SPECIAL, "0540000000", datetime.now(UTC), Conditions(uuid=uuid))
            expected = [a[0].removeprefix("loopback:") for a in plan.outcome.attempts]
            assert got == expected and len(got) == MAX_ROUTINGS, (uuid, got, expected)
            seen.append(tuple(got))
            esl.api("hupall NORMAL_CLEARING")
    assert len(set(seen)) > 1  # the draws vary from call to call
