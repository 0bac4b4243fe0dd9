"""Redis down with REDIS_URL set (issue 15, item 2), on a redis-server the
test starts, stops and starts again: a save is committed and its apply
queued or run inline, and the status says which; the worker and the
hunt-group service's successive order carry on when Redis comes back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from fake_freeswitch.server import FakeFreeSWITCH
from helpers import make_line, make_tenant
from redis_server import LogLines, OwnRedis, wait_until
from rq import Queue
from test_apply import answering
from webui_helpers import ADMIN, load_demo, token_for

from orchestrator.apply.jobs import QUEUE, RQNotifier, pending_key
from orchestrator.config import Settings
from orchestrator.live.hunt import RedisOrder, ResilientOrder
from orchestrator.runtime import Runtime
from orchestrator.services.notifier import RecordingNotifier
from webui import create_app

BIN = Path(sys.executable).parent
PREFIX = "outage"


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path / "redis")
    yield server
    if server.proc is not None:
        server.stop()


@pytest.fixture
def fs():
    with FakeFreeSWITCH(password="ClueCon") as server:
        yield answering(server)


def node(fs, conf: Path) -> dict:
    return {"fs1": {"conf_dir": str(conf), "esl_host": fs.host, "esl_port": fs.port, "esl_password": "ClueCon"}}


def test_a_save_with_redis_down_is_applied_inline_and_says_so(rt, fs, own_redis, tmp_path):
    own_redis.start()
    load_demo(rt)
    conf = tmp_path / "fs1"
    settings = Settings(var_dir=tmp_path / "var", redis_url=own_redis.url, redis_prefix=PREFIX,
                        extra={"nodes": node(fs, conf)})
    web_rt = Runtime(settings=settings, notifier=RecordingNotifier())
    web_rt.__dict__["engine"] = rt.engine
    app = create_app(web_rt)  # REDIS_URL set: saves enqueue apply jobs
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    queue = Queue(f"{PREFIX}-{QUEUE}", connection=redis.Redis.from_url(own_redis.url))
    dialplan = conf / "dialplan/tenants/bauer.centrex.test.xml"

    resp = api.patch("/api/v1/lines/+33175000101", headers=headers, json={"ring_time": 31})
    assert resp.status_code == 200
    status = api.get("/api/v1/status", headers=headers).get_json()
    assert (status["state"], status["delivery"]) == ("pending", "queued")
    assert queue.count == 1 and not dialplan.exists()  # the worker applies it

    own_redis.stop()
    resp = api.patch("/api/v1/lines/+33175000101", headers=headers, json={"ring_time": 33})
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert api.get("/api/v1/lines/+33175000101", headers=headers).get_json()["ring_time"] == 33  # committed
    status = api.get("/api/v1/status", headers=headers).get_json()
    assert (status["state"], status["delivery"]) == ("live", "inline-fallback")
    assert "queue unreachable" in status["delivery_note"]
    assert "centrex_ring_time=33" in dialplan.read_text()  # applied inline

    own_redis.start()  # back, empty (no persistence)
    resp = api.patch("/api/v1/lines/+33175000101", headers=headers, json={"ring_time": 35})
    assert resp.status_code == 200
    status = api.get("/api/v1/status", headers=headers).get_json()
    assert (status["state"], status["delivery"]) == ("pending", "queued")
    assert queue.count == 1


def test_the_worker_waits_for_redis_and_resumes(rt, fs, own_redis, tmp_path):
    with rt.context() as ctx:
        tenant = make_tenant(ctx, "Acme")
        line = make_line(ctx, tenant, "+33175000001")
        ctx.commit()
        tid, line_id = tenant.id, line.id
    conf = tmp_path / "conf"
    config = tmp_path / "orchestrator.toml"
    url = rt.engine.url.render_as_string(hide_password=False)
    config.write_text(
        f'database_url = "{url}"\nredis_url = "{own_redis.url}"\nredis_prefix = "{PREFIX}"\n'
        f'var_dir = "{tmp_path / "var"}"\n[nodes.fs1]\nconf_dir = "{conf}"\nesl_host = "{fs.host}"\n'
        f'esl_port = {fs.port}\nesl_password = "ClueCon"\n')
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "REDIS_PREFIX")}
    worker = subprocess.Popen([str(BIN / "orchestrator"), "--config", str(config), "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    logs = LogLines(worker.stderr)
    try:
        # Redis is not there when the worker starts: it waits
        seen = logs.wait_for("Redis unreachable: the worker waits for it")
        assert worker.poll() is None

        def applied(ring_time: int) -> None:
            conn = redis.Redis.from_url(own_redis.url)
            with rt.context() as ctx:
                from orchestrator.services.lines import service as lines_service

                ctx.notifier = RQNotifier(conn, PREFIX, str(config))
                lines_service.update(ctx, ctx.session.get(lines_service.Line, line_id), {"ring_time": ring_time})
                ctx.commit()
            target = conf / "dialplan/tenants/acme.centrex.test.xml"
            wait_until(lambda: target.exists() and f"centrex_ring_time={ring_time}" in target.read_text(),
                       what=f"the worker applying ring_time {ring_time}")
            wait_until(lambda: not conn.exists(pending_key(PREFIX, tid)), what="the job to start")

        own_redis.start()
        seen = logs.wait_for("Redis is back", after=seen)
        applied(41)
        own_redis.stop()
        seen = logs.wait_for("could not connect to Redis", after=seen)  # RQ's own retry, then ours
        assert worker.poll() is None
        own_redis.start()
        applied(42)
        assert worker.poll() is None
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(30)
            raise AssertionError("SIGTERM did not stop the worker:\n" + "".join(logs.lines[-30:])) from None
    assert worker.returncode == 0, "".join(logs.lines[-30:])


def test_the_hunt_order_survives_a_redis_outage(own_redis):
    own_redis.start()
    conn = redis.Redis.from_url(own_redis.url, socket_connect_timeout=1, socket_timeout=2)
    now = [0.0]
    order = ResilientOrder(RedisOrder(conn, PREFIX), retry_seconds=5, clock=lambda: now[0],
                           errors=(redis.exceptions.RedisError,))
    key = f"{PREFIX}:hunt:last:P~+33175000120~0"
    assert [order.start("P~+33175000120~0", 3) for _ in range(2)] == [0, 1]
    assert conn.get(key) == b"1"
    own_redis.stop()
    # away: the order still turns, in memory (no exception reaches the call)
    assert [order.start("P~+33175000120~0", 3) for _ in range(2)] == [0, 1]
    assert order.rang("P~+33175000120~0", 2, 1) and order.down_since is not None
    own_redis.start()
    assert order.start("P~+33175000120~0", 3) == 0  # not retried before retry_seconds: memory (2 -> 0)
    now[0] += 5
    assert order.start("P~+33175000120~0", 3) == 0 and order.down_since is None  # Redis again
    assert conn.get(key) == b"0"


def test_the_hunt_service_hunts_through_a_redis_outage(rt, own_redis):
    """End to end through the hunt-group service: while Redis is away calls
    are still hunted by the service (not left to the dialplan's fallback),
    and the order is kept in Redis again once it is back."""
    from fake_freeswitch.outbound import Outcome
    from render_helpers import PLATFORM
    from test_hunt_server import KEY, U, bridged, call, in_thread, make_group

    from esl_handlers.hunt_server import HuntServer

    own_redis.start()
    conn = redis.Redis.from_url(own_redis.url, socket_connect_timeout=1, socket_timeout=2)
    order = ResilientOrder(RedisOrder(conn, PREFIX), retry_seconds=0, errors=(redis.exceptions.RedisError,))
    make_group(rt)
    srv = HuntServer(rt, PLATFORM, order, port=0)
    srv.fake_async = False
    srv.start()
    try:
        def hunted() -> list[str]:
            c = call(srv, registered=set(U), outcomes={U[0]: Outcome("answer"), U[1]: Outcome("answer")})
            assert in_thread(c.wait_done, 10)
            assert c.result.startswith("bridged:"), (c.result, c.error)
            return bridged(c)

        assert hunted() == [U[0]]
        assert conn.get(f"{PREFIX}:hunt:last:{KEY}") == b"0"
        own_redis.stop()
        assert hunted() == [U[0]]  # hunted by the service, the order in memory
        assert order.down_since is not None
        own_redis.start()  # back, empty
        assert hunted() == [U[0]]
        assert order.down_since is None and conn.get(f"{PREFIX}:hunt:last:{KEY}") == b"0"  # in Redis again
    finally:
        srv.stop(timeout=5)
