"""Concurrent saves (issue 15, item 1): applies to a node are serialised by
a lock that works across threads and processes, and coalesced, so N saves
cause at most two applies; a save never fails because of its apply; the
files on disk end equal to the render of the database."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from fake_freeswitch.server import FakeFreeSWITCH
from test_apply import answering
from webui_helpers import ADMIN, load_demo, token_for

from orchestrator.apply.locks import ApplyGate, FileLock
from orchestrator.apply.service import is_live, node_states
from orchestrator.apply.tree import read_tree
from orchestrator.config import Settings, platform_from_settings
from orchestrator.db.models import Tenant
from orchestrator.render.freeswitch import render_tree
from orchestrator.render.snapshot import load_snapshot
from orchestrator.runtime import Runtime
from orchestrator.services.notifier import RecordingNotifier
from webui import create_app

SAVES = 50


def test_concurrent_apply_requests_cause_at_most_two_applies(tmp_path):
    """N requests while an apply runs: one more apply, which covers them all."""
    gate = ApplyGate(tmp_path / "gate")
    first_running, release_first = threading.Event(), threading.Event()
    runs: list[list[int] | None] = []
    lock = threading.Lock()

    def run(tenant_ids):
        with lock:
            runs.append(tenant_ids)
            first = len(runs) == 1
        if first:
            first_running.set()
            assert release_first.wait(30)
        return len(runs)

    starter = threading.Thread(target=gate.request, args=([0], run))
    starter.start()
    assert first_running.wait(30)
    outcomes = []
    returned = threading.Condition()

    def ask(i: int) -> None:
        outcome = gate.request([i], run)
        with returned:
            outcomes.append(outcome)
            returned.notify_all()

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(1, 41)]
    for t in threads:
        t.start()
    # every request but one joins the waiting apply and returns at once; one waits to run
    with returned:
        assert returned.wait_for(lambda: len(outcomes) == len(threads) - 1, timeout=30)
    assert not any(o.ran for o in outcomes)
    release_first.set()
    for t in threads + [starter]:
        t.join(30)
    assert len(runs) == 2
    assert runs[0] == [0] and runs[1] == list(range(1, 41))  # the waiting apply took every request
    assert sum(o.ran for o in outcomes) == 1


def test_a_full_request_widens_the_waiting_apply(tmp_path):
    gate = ApplyGate(tmp_path / "gate")
    seen = []
    outcome = gate.request([3], lambda ids: seen.append(ids))
    assert outcome.ran and seen == [[3]]
    gate._add(gate._read().__class__(tenants=frozenset({5})))
    gate.request(None, lambda ids: seen.append(ids))
    assert seen[-1] is None  # everything


def test_the_node_lock_excludes_another_process(tmp_path):
    path = tmp_path / "conf" / ".centrex" / "lock"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, pathlib\n"
        f"p = pathlib.Path({str(path)!r}); p.parent.mkdir(parents=True, exist_ok=True)\n"
        "fh = open(p, 'a+b'); fcntl.flock(fh, fcntl.LOCK_EX)\n"
        "print('held', flush=True); sys.stdin.readline()\n")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert not FileLock(path).acquire(blocking=False)
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(30)
        mine = FileLock(path)
        assert mine.acquire(blocking=False)  # released by the kernel when its holder ended
        other = FileLock(path)
        assert not other.acquire(blocking=False)  # and threads of one process exclude each other
        mine.release()
    finally:
        holder.kill()


@pytest.fixture
def fs():
    with FakeFreeSWITCH(password="ClueCon") as server:
        yield answering(server)


def demo_web_runtime(rt, fs, tmp_path: Path) -> tuple[Runtime, Path]:
    """The demo tenant, and a web runtime on the same database whose one node
    (``fs1``, the fake FreeSWITCH) has its configuration under ``tmp_path``."""
    load_demo(rt)
    conf = tmp_path / "fs1"
    settings = Settings(var_dir=tmp_path / "var", extra={"nodes": {"fs1": {
        "conf_dir": str(conf), "esl_host": fs.host, "esl_port": fs.port, "esl_password": "ClueCon"}}})
    web_rt = Runtime(settings=settings, notifier=RecordingNotifier())
    web_rt.__dict__["engine"] = rt.engine
    return web_rt, conf


def test_fifty_concurrent_saves_never_fail_and_the_files_end_rendered(rt, fs, tmp_path):
    web_rt, conf = demo_web_runtime(rt, fs, tmp_path)
    app = create_app(web_rt)  # APPLY_ON_SAVE: every save applies inline (no REDIS_URL)
    headers = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    numbers = ["+33175000101", "+33175000102", "+33175000103"]
    statuses: list[int] = []
    start = threading.Barrier(SAVES)

    def save(i: int) -> None:
        client = app.test_client()
        start.wait(30)
        resp = client.patch(f"/api/v1/lines/{numbers[i % 3]}", headers=headers, json={"ring_time": 10 + i})
        statuses.append(resp.status_code)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(SAVES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(statuses) == SAVES
    assert [s for s in statuses if s >= 500] == []
    assert sorted(set(statuses)) == [200]
    applies = sum(1 for c in fs.commands if c == "api reloadxml")
    assert 1 <= applies < SAVES  # coalesced
    platform = platform_from_settings(web_rt.settings)
    with rt.context() as ctx:
        wanted = render_tree(load_snapshot(ctx.session), platform, platform.nodes[0])
        assert read_tree(conf) == wanted  # nothing stale
        assert [(s.node, s.result) for s in node_states(ctx.session)] == [("fs1", "ok")]
        tenant = ctx.session.query(Tenant).one()
        assert is_live(ctx.session, tenant, platform) == {"fs1": True}
    # FreeSWITCH sees the same files through the configuration directory
    for rel, body in wanted.items():
        assert (Path(conf) / rel).read_bytes() == body, rel


def test_a_save_whose_apply_breaks_is_committed_and_the_status_says_failed(rt, fs, tmp_path, monkeypatch):
    web_rt, conf = demo_web_runtime(rt, fs, tmp_path)
    app = create_app(web_rt)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token_for(rt, ADMIN[0])}"}
    assert api.patch("/api/v1/lines/+33175000101", headers=headers, json={"ring_time": 30}).status_code == 200
    assert api.get("/api/v1/status", headers=headers).get_json()["state"] == "live"
    good = read_tree(conf)

    import orchestrator.apply.service as svc

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(svc, "Transaction", broken)
    resp = api.patch("/api/v1/lines/+33175000101", headers=headers, json={"ring_time": 50})
    assert resp.status_code == 200 and resp.get_json()["ring_time"] == 50  # committed
    status = api.get("/api/v1/status", headers=headers).get_json()
    assert status["state"] == "failed" and status["delivery"] == "inline"
    assert "operators have the details" in status["nodes"][0]["error"]  # a tenant admin sees no node detail
    with rt.context() as ctx:
        assert "internal error (OSError)" in (node_states(ctx.session)[0].error or "")  # the operators' view
    assert read_tree(conf) == good  # nothing half-written
    monkeypatch.undo()
    assert api.patch("/api/v1/lines/+33175000101", headers=headers, json={"label": "Pierre"}).status_code == 200
    assert api.get("/api/v1/status", headers=headers).get_json()["state"] == "live"
    assert "centrex_ring_time=50" in (conf / "dialplan/tenants/bauer.centrex.test.xml").read_text()
