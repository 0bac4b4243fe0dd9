"""The hunt-group service with a real FreeSWITCH (``FREESWITCH_BIN``): the
rendered ``socket`` application reaches it, it hunts the successive group and
hands the end back to the dialplan; with the service down, the native
fallback hunts the same group."""

from __future__ import annotations

from dataclasses import replace

import gevent
import pytest
from freeswitch_real import free_ports, needs_freeswitch, platform_with_ports, running_freeswitch
from helpers import sqlite_migrated_engine  # noqa: E402,F401  (SQLite only here)
from render_helpers import PLATFORM

from esl_handlers.hunt_server import HuntServer
from orchestrator.apply.engine import esl_reloader
from orchestrator.apply.service import apply
from orchestrator.live.hunt import MemoryOrder
from orchestrator.tenantdoc import importer

pytestmark = [pytest.mark.freeswitch, needs_freeswitch]
D = "succ.centrex.test"
TENANT = {
    "tenant": {"name": "Succ", "sip_domain": D},
    "lines": [{"number": f"+3317560000{i}", "label": f"M{i}"} for i in range(1, 4)],
    "reception_numbers": [{"number": "+33175600100", "label": "Succ", "profiles": [
        {"name": "Défaut", "default": True, "hunt_group": {
            "strategy": "successive", "ring_time": 5, "voicemail": "+33175600001",
            "members": ["+33175600001", "+33175600002", "+33175600003"]}}]}],
}




def wait_for(esl, app: str, timeout: float = 20):
    """Wait in a real thread: the hunt-group service runs on gevent in this
    process and must keep running while we wait."""
    pool = gevent.get_hub().threadpool
    ev = pool.apply(esl.wait_for_event, (lambda e: e.get("Application") == app,), {"timeout": timeout})
    assert ev is not None, f"FreeSWITCH never ran {app}"
    return ev


def test_successive_group_through_the_service_and_without_it(rt, tmp_path):
    with rt.context() as ctx:
        importer.import_document(ctx, TENANT)
    [hunt_port] = free_ports(1)
    platform = replace(platform_with_ports(PLATFORM, tmp_path), hunt_service=f"127.0.0.1:{hunt_port}")
    with rt.context() as ctx:
        apply(ctx.session, platform, esl_reloader(timeout=1))
    order = MemoryOrder()
    server = HuntServer(rt, platform, order, port=hunt_port)
    server.start()
    try:
        with running_freeswitch(tmp_path, platform.esl_port) as (proc, esl):
            esl.events("plain", ["CHANNEL_EXECUTE"])
            esl.bgapi("originate {origination_caller_id_number=0140000000}loopback/+33175600100/public "
                    "&playback(tone_stream://%(2000,0,440);loops=1)")
            # the socket app connects; nobody is registered: every member is skipped at once,
            # then the rendered end of the hunt takes the call to voicemail
            socket = wait_for(esl, "socket")
            assert socket.get("Application-Data") == f"127.0.0.1:{hunt_port} full"  # static mode
            vm = wait_for(esl, "voicemail")
            assert vm.get("Application-Data") == f"default {D} 0175600001"
            assert server.calls == 1
            # every member was tried (none has a phone): the order points at the
            # last one, so the next call starts again at member 1
            assert order.last == {"P~+33175600100~0": 2}

            server.stop()  # the service goes down: the dialplan hunts natively
            esl.bgapi("originate {origination_caller_id_number=0140000000}loopback/+33175600100/public "
                    "&playback(tone_stream://%(2000,0,440);loops=1)")
            wait_for(esl, "socket")
            bridge = wait_for(esl, "bridge")  # the native sequential fallback rings member 1
            assert "user/0175600001@" + D in bridge.get("Application-Data")
            vm = wait_for(esl, "voicemail")
            assert vm.get("Application-Data") == f"default {D} 0175600001"
    finally:
        server.stop()
