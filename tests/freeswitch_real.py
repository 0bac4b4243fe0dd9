"""Start a real FreeSWITCH on a rendered tree, for the tests marked
``freeswitch``. Needs ``FREESWITCH_BIN``; each instance gets its own
directories and free ports, and is stopped at the end."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from orchestrator.esl import ESLClient, ESLError

FREESWITCH_BIN = os.environ.get("FREESWITCH_BIN", "")
needs_freeswitch = pytest.mark.skipif(
    not FREESWITCH_BIN or not Path(FREESWITCH_BIN).exists(),
    reason="set FREESWITCH_BIN to a FreeSWITCH 1.10+ binary to run the real-FreeSWITCH tests",
)
# a module's ``pytestmark`` when its calls involve baresip phones
with_phones = [
    pytest.mark.freeswitch, needs_freeswitch,
    pytest.mark.skipif(shutil.which("baresip") is None,
                       reason="baresip is not installed (apt-get install baresip-core; scripts/ensure-test-deps.sh)"),
]


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(n: int) -> list[int]:
    """Ports free for both TCP and UDP (SIP listens on both)."""
    out: list[int] = []
    while len(out) < n:
        port = free_port()
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind(("127.0.0.1", port))
        except OSError:
            continue
        if port not in out:
            out.append(port)
    return out


def platform_with_ports(platform, root: Path):
    sip, ext, esl = free_ports(3)
    node = replace(platform.nodes[0], conf_dir=root / "conf", esl_port=esl, esl_password="ClueCon")
    return replace(platform, sip_port=sip, external_port=ext, esl_port=esl, nodes=(node,),
                   media_dir=root / "media", spool_dir=root / "spool")


@contextmanager
def running_freeswitch(root: Path, esl_port: int, timeout: float = 30.0):
    dirs = {d: root / d for d in ("log", "db", "run", "tmp", "storage", "recordings", "cache")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    cmd = [FREESWITCH_BIN, "-nonat", "-nf", "-nc", "-conf", str(root / "conf"), "-log", str(dirs["log"]),
           "-db", str(dirs["db"]), "-run", str(dirs["run"]), "-temp", str(dirs["tmp"]),
           "-storage", str(dirs["storage"]), "-recordings", str(dirs["recordings"]), "-cache", str(dirs["cache"])]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        client = ESLClient()
        deadline = time.monotonic() + timeout
        while True:  # readiness: the event socket accepts us
            if proc.poll() is not None:
                log = (dirs["log"] / "freeswitch.log")
                raise RuntimeError(f"FreeSWITCH exited with {proc.returncode}: "
                                   f"{log.read_text()[-2000:] if log.exists() else 'no log'}")
            try:
                client.connect("127.0.0.1", esl_port, "ClueCon", timeout=2)
                break
            except ESLError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield proc, client
    finally:
        try:
            client.close()
        except Exception:  # noqa: BLE001
            pass
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        shutil.rmtree(dirs["db"], ignore_errors=True)
