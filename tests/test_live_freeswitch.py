"""Live services against a real FreeSWITCH (``FREESWITCH_BIN``): the event
service records a real SIP call that went to voicemail, and a click-to-call
to a line with no phone fails with a reason a person understands."""

from __future__ import annotations

import gevent
import pytest
from freeswitch_real import needs_freeswitch, platform_with_ports, running_freeswitch
from helpers import sqlite_migrated_engine  # noqa: E402,F401  (SQLite only here)
from render_helpers import PLATFORM
from sqlalchemy import select

from esl_handlers.events_service import EventService
from orchestrator.apply.engine import esl_reloader
from orchestrator.apply.service import apply
from orchestrator.cli.demo_cmds import demo_yaml
from orchestrator.db.models import CallRecord, ClickToCall, Login
from orchestrator.esl import ESLClient
from orchestrator.live import click_to_call, sms
from orchestrator.tenantdoc import importer

pytestmark = [pytest.mark.freeswitch, needs_freeswitch]
D = "bauer.centrex.test"




def test_live_services_on_freeswitch(rt, tmp_path):
    with rt.context() as ctx:
        importer.import_document(ctx, importer.load_yaml(demo_yaml()))
    platform = platform_with_ports(PLATFORM, tmp_path)
    with rt.context() as ctx:
        apply(ctx.session, platform, esl_reloader(timeout=1))
    with running_freeswitch(tmp_path, platform.esl_port) as (proc, esl):
        svc = EventService(rt, platform.nodes[0], cdr_dir=platform.spool_dir / "cdr", backoff=(0.1, 0.5))
        greenlet = gevent.spawn(svc.run)
        try:
            assert svc.connected.get(timeout=15) == 1
            # a real SIP call from the carrier side (FreeSWITCH calling its own external profile)
            esl.api(f"originate {{origination_caller_id_number=0140000000,origination_uuid=live-call-1}}"
                    f"sofia/external/+33175000101@127.0.0.1:{platform.external_port} "
                    f"&playback(tone_stream://%(3000,0,440);loops=1)")
            deadline = gevent.Timeout(30)
            deadline.start()
            try:
                while True:
                    name = svc.handled.get()
                    with rt.context() as ctx:
                        row = ctx.session.execute(select(CallRecord.disposition, CallRecord.callee, CallRecord.caller)
                                                  .where(CallRecord.direction == "inbound")).first()
                    if name == "CHANNEL_HANGUP_COMPLETE" and row is not None:
                        break
            finally:
                deadline.cancel()
            disposition, callee, caller = row
            assert disposition == "voicemail" and callee.endswith("175000101")
            assert caller.endswith("140000000")

            # click-to-call from Pierre's line: no phone registered → a clear reason
            client = ESLClient()
            client.connect("127.0.0.1", platform.esl_port, "ClueCon")
            with rt.context() as ctx:
                login = ctx.session.scalar(select(Login).where(Login.login == "+33175000101"))
                call = click_to_call.start(ctx, login, "+33175000101", "0145000000", client)
                call_id = call.id
                reply = sms.send(ctx, login, "+33175000101", "+33175000102", "Bonjour", client)
                assert reply.status == "failed" and "Not Sent" in reply.error  # Paul has no phone either
            deadline = gevent.Timeout(30)
            deadline.start()
            try:
                while True:
                    svc.handled.get()
                    with rt.context() as ctx:
                        status, cause = ctx.session.execute(select(ClickToCall.status, ClickToCall.cause)
                                                            .where(ClickToCall.id == call_id)).one()
                    if status == "failed":
                        break
            finally:
                deadline.cancel()
            assert "not connected" in cause
            client.close()
        finally:
            svc.stop()
            greenlet.join(timeout=10)
