"""The three service processes start as the README says and stop cleanly on
SIGTERM, with structured logs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REDIS_URL
from fake_freeswitch.server import FakeFreeSWITCH
from freeswitch_real import free_ports

BIN = Path(sys.executable).parent


@pytest.fixture
def config(tmp_path):
    db = tmp_path / "db.sqlite3"
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{db}", ORCHESTRATOR_VAR=str(tmp_path / "var"))
    env.pop("REDIS_URL", None)
    subprocess.run([str(BIN / "orchestrator"), "db", "upgrade"], env=env, check=True, capture_output=True)
    return tmp_path, env


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)  # readiness poll of another process, not a test synchronisation
    raise AssertionError(f"nothing listens on {port}")


def stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err.decode()
    return err.decode()


def test_hunt_server_process(config):
    tmp, env = config
    [port] = free_ports(1)
    proc = subprocess.Popen([str(BIN / "orchestrator"), "hunt-server", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_listening(port, proc)
    logs = stop(proc)
    assert "level=INFO logger=esl_handlers" in logs and "msg='stopped'" in logs
    assert "no REDIS_URL" in logs


def test_event_service_process(config):
    tmp, env = config
    with FakeFreeSWITCH(password="ClueCon") as fs:
        fs.set_api_response("show", "\n0 total.\n")
        (tmp / "o.toml").write_text(f'[nodes.fs1]\nconf_dir = "{tmp / "conf"}"\nesl_host = "{fs.host}"\n'
                                    f'esl_port = {fs.port}\nesl_password = "ClueCon"\n')
        proc = subprocess.Popen([str(BIN / "orchestrator"), "--config", str(tmp / "o.toml"), "esl-events"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert fs.wait_for_command(lambda c: c.startswith("event plain"), timeout=20)
        assert fs.wait_for_command("api show registrations", timeout=20)
        logs = stop(proc)
    assert "msg='listening'" in logs and "node='fs1'" in logs and "msg='stopped'" in logs


def test_worker_process(config):
    tmp, env = config
    done = subprocess.run([str(BIN / "orchestrator"), "worker", "--burst"], env=dict(env, REDIS_URL=REDIS_URL,
                          REDIS_PREFIX=f"proc-{os.getpid()}"), capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    refused = subprocess.run([str(BIN / "orchestrator"), "worker"], env=env, capture_output=True, timeout=60)
    assert refused.returncode != 0 and b"needs REDIS_URL" in refused.stderr
