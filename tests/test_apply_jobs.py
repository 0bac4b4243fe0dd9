"""Apply jobs on RQ with the real Redis: a change through the service layer
enqueues one job per tenant, coalesced, and the job puts it live."""

from __future__ import annotations

from conftest import REDIS_URL
from fake_freeswitch.server import FakeFreeSWITCH
from helpers import make_line, make_tenant
from rq import Queue, SimpleWorker

from orchestrator.apply.jobs import QUEUE, RQNotifier, pending_key
from orchestrator.apply.service import node_states
from orchestrator.services.lines import service as lines_service


def test_changes_enqueue_one_coalesced_job_that_applies(rt, migrated_engine, redis_conn, tmp_path):
    conn, prefix = redis_conn
    with FakeFreeSWITCH(password="ClueCon") as fs:
        fs.set_api_response("reload", "+OK Reloading XML\n+OK module unloaded\n+OK module loaded\n")
        fs.set_api_response("sofia", "Reload XML [Success]\n+OK scan complete\n")
        config = tmp_path / "orchestrator.toml"
        url = migrated_engine.url.render_as_string(hide_password=False)
        config.write_text(
            f'database_url = "{url}"\nredis_url = "{REDIS_URL}"\nredis_prefix = "{prefix}"\n'
            f'var_dir = "{tmp_path / "var"}"\n'
            f'[nodes.fs1]\nconf_dir = "{tmp_path / "conf"}"\nesl_host = "{fs.host}"\nesl_port = {fs.port}\n'
            f'esl_password = "ClueCon"\n')
        notifier = RQNotifier(conn, prefix, str(config))
        with rt.context() as ctx:
            ctx.notifier = notifier
            tenant = make_tenant(ctx, "Acme")
            line = make_line(ctx, tenant, "+33175000001")
            ctx.commit()
            lines_service.update(ctx, line, {"ring_time": 40})
            ctx.commit()  # a second change while the first job waits: coalesced
            tid = tenant.id
        queue = Queue(f"{prefix}-{QUEUE}", connection=conn)
        assert queue.count == 1
        assert conn.exists(pending_key(prefix, tid))
        SimpleWorker([queue], connection=conn).work(burst=True)
        assert queue.count == 0
        assert not conn.exists(pending_key(prefix, tid))
        job = queue.fetch_job(queue.finished_job_registry.get_job_ids()[0])
        assert job.return_value() == [{"node": "fs1", "status": "applied", "error": None,
                                       "files": job.return_value()[0]["files"]}]
        assert "api reloadxml" in fs.commands
        conf = (tmp_path / "conf" / "dialplan/tenants/acme.centrex.test.xml").read_text()
        assert "centrex_ring_time=40" in conf  # the job read the latest data
        with rt.context() as ctx:
            assert [s.result for s in node_states(ctx.session)] == ["ok"]
            # after the job started, the next change enqueues again
            ctx.notifier = notifier
            lines_service.update(ctx, ctx.session.get(type(line), line.id), {"ring_time": 45})
            ctx.commit()
        assert queue.count == 1
