#!/usr/bin/env python
"""Benchmark: call setup through the hunt-group service vs native (prints figures).

Needs a real FreeSWITCH (``FREESWITCH_BIN``) and SIPp (Debian package
``sip-tester``). In one run, on 127.0.0.1 only:
  - a SIPp UAS plays the member's phone (registered by a SIPp REGISTER);
  - a SIPp UAC calls, from the carrier side, (a) the member's line directly
    (native bridge), (b) a sequential hunt group (native dialplan) and (c) a
    successive hunt group (the hunt-group service over the outbound socket);
  - prints INVITE → 200 OK median and p95 at 20 calls/s, then the highest
    clean rate (< 1 % failed calls) of each path, and the ratios
    service / native, and one step past each limit (does the path degrade
    gently or collapse?). Targets: setup <= 1.2x native, rate >= 0.9x native.

The service keeps the successive order in Redis as in production when
``REDIS_URL`` is set or a Redis answers on 127.0.0.1:6379 (own key prefix).

    FREESWITCH_BIN=/opt/freeswitch/bin/freeswitch .venv/bin/python bench/hunt_setup.py [--quick]
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from freeswitch_real import free_ports, platform_with_ports, running_freeswitch  # noqa: E402

from orchestrator.apply.engine import esl_reloader  # noqa: E402
from orchestrator.apply.service import apply  # noqa: E402
from orchestrator.config import Settings  # noqa: E402
from orchestrator.db import migrate  # noqa: E402
from orchestrator.domain.topology import Gateway, Node, Platform  # noqa: E402
from orchestrator.runtime import Runtime  # noqa: E402
from orchestrator.tenantdoc import importer  # noqa: E402

SIPP = shutil.which("sipp")
HERE = Path(__file__).resolve().parent / "sipp"
DOMAIN = "bench.centrex.test"
USER, PASSWORD = "0175700001", "benchSecret123"
TENANT = {
    "tenant": {"name": "Bench", "sip_domain": DOMAIN},
    "lines": [{"number": "+33175700001", "label": "Member", "sip": {"password": PASSWORD},
               "voicemail": {"enabled": False}}],
    "reception_numbers": [
        {"number": "+33175700100", "label": "Native", "profiles": [
            {"name": "D", "default": True, "hunt_group": {"strategy": "sequential", "members": ["+33175700001"]}}]},
        {"number": "+33175700200", "label": "Service", "profiles": [
            {"name": "D", "default": True, "hunt_group": {"strategy": "successive", "members": ["+33175700001"]}}]},
    ],
}
PATHS = {"native bridge (line)": "+33175700001", "hunt group, native": "+33175700100",
         "hunt group, service": "+33175700200"}


def run_sipp(work: Path, ext_port: int, target: str, rate: int, calls: int) -> tuple[list[float], int, int]:
    """(setup times in ms, successful calls, failed calls)."""
    [port] = free_ports(1)
    out = Path(tempfile.mkdtemp(prefix=f"run-{target}-{rate}-", dir=work))
    cmd = [SIPP, f"127.0.0.1:{ext_port}", "-sf", str(HERE / "uac.xml"), "-s", target, "-r", str(rate),
           "-m", str(calls), "-l", str(rate * 4), "-i", "127.0.0.1", "-p", str(port), "-nostdin",
           "-trace_rtt", "-rtt_freq", "1", "-trace_stat", "-fd", "1", "-timeout", str(calls // rate + 30)]
    subprocess.run(cmd, cwd=out, capture_output=True, timeout=calls // rate + 60)
    times: list[float] = []
    for f in out.glob("*_rtt.csv"):
        with f.open() as fh:
            for row in csv.reader(fh, delimiter=";"):
                if len(row) >= 2 and row[1].replace(".", "", 1).isdigit():
                    times.append(float(row[1]))
    ok = failed = 0
    for f in out.glob("*_.csv"):
        rows = list(csv.reader(f.open(), delimiter=";"))
        head, last = rows[0], rows[-1]
        ok = int(last[head.index("SuccessfulCall(C)")])
        failed = int(last[head.index("FailedCall(C)")])
    return times, ok, failed


def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if url:
        return url
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return "redis://127.0.0.1:6379/0" if s.recv(16).startswith(b"+PONG") else ""
    except OSError:
        return ""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc): a figure that
    other load on the machine does not change much, unlike latencies."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)] if values else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer calls and rates (smoke run)")
    ap.add_argument("--debug", action="store_true", help="one traced call, then stop")
    args = ap.parse_args()
    if not os.environ.get("FREESWITCH_BIN") or not SIPP:
        print("needs FREESWITCH_BIN and sipp (Debian package sip-tester)")
        return 2
    work = Path(tempfile.mkdtemp(prefix="centrex-hunt-bench-"))
    db = work / "bench.sqlite3"
    rt = Runtime(Settings(var_dir=work / "var", database_url=f"sqlite:///{db}"))
    migrate.upgrade(rt.engine)
    with rt.context() as ctx:
        importer.import_document(ctx, TENANT)
    [hunt_port, uas_port, reg_port] = free_ports(3)
    base = Platform(media_dir=work / "media", spool_dir=work / "spool", gateway=Gateway(),
                    sessions_per_second=1000, max_sessions=5000,
                    nodes=(Node(name="fs1", conf_dir=work / "conf"),))
    platform = replace(platform_with_ports(base, work), hunt_service=f"127.0.0.1:{hunt_port}")
    with rt.context() as ctx:
        apply(ctx.session, platform, esl_reloader(timeout=1))
    config = work / "orchestrator.toml"
    redis_line = f'redis_url = "{redis_url()}"\nredis_prefix = "bench-{os.getpid()}"\n' if redis_url() else ""
    config.write_text(f'database_url = "sqlite:///{db}"\nvar_dir = "{work / "var"}"\n{redis_line}'
                      f'[freeswitch]\nhunt_service = "127.0.0.1:{hunt_port}"\nmedia_dir = "{work / "media"}"\n'
                      f'spool_dir = "{work / "spool"}"\n')
    bindir = Path(sys.executable).parent
    procs: list[subprocess.Popen] = []
    try:
        with running_freeswitch(work, platform.esl_port) as (fs, esl):
            procs.append(subprocess.Popen([SIPP, "-sn", "uas", "-i", "127.0.0.1", "-p", str(uas_port), "-nostdin"],
                                          cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            (work / "reg.csv").write_text(f"SEQUENTIAL\n{USER};{DOMAIN};{uas_port};{PASSWORD}\n")
            reg = subprocess.run([SIPP, f"127.0.0.1:{platform.sip_port}", "-sf", str(HERE / "register.xml"),
                                  "-inf", str(work / "reg.csv"), "-m", "1", "-i", "127.0.0.1", "-p", str(reg_port),
                                  "-au", USER, "-ap", PASSWORD, "-nostdin", "-timeout", "10", "-trace_msg"],
                                 cwd=work, capture_output=True, timeout=30)
            contact = esl.api(f"sofia_contact */{USER}@{DOMAIN}").strip()
            if reg.returncode != 0 or contact.startswith("error/"):
                msgs = "".join(p.read_text()[-3000:] for p in work.glob("register_*_messages.log"))
                print(f"registration failed ({contact}):\n{msgs}")
                return 1
            procs.append(subprocess.Popen([str(bindir / "centrex-hunt-server"), "--config", str(config),
                                           "--port", str(hunt_port), "--log-level", "WARNING"], cwd=work))
            time.sleep(1.5)  # process start (a benchmark script, not a test)
            print(f"FreeSWITCH {esl.api('version').strip()}; member registered at {contact}; "
                  f"successive order in {'Redis' if redis_url() else 'memory'}")
            if args.debug:
                [port] = free_ports(1)
                subprocess.run([SIPP, f"127.0.0.1:{platform.external_port}", "-sf", str(HERE / "uac.xml"), "-s",
                                PATHS["native bridge (line)"], "-m", "1", "-i", "127.0.0.1", "-p", str(port),
                                "-nostdin", "-trace_msg", "-timeout", "15"], cwd=work, capture_output=True)
                print("".join(p.read_text()[:4000] for p in work.glob("uac_*_messages.log")))
                return 0
            calls = 100 if args.quick else 400
            setup: dict[str, list[float]] = {}
            hunt_pid = procs[-1].pid
            for name, target in PATHS.items():
                before = cpu_seconds(fs.pid), cpu_seconds(hunt_pid)
                times, ok, failed = run_sipp(work, platform.external_port, target, 20, calls)
                fs_cpu, hunt_cpu = (cpu_seconds(pid) - b for pid, b in zip((fs.pid, hunt_pid), before, strict=False))
                setup[name] = times
                print(f"{name:22} at 20 calls/s: setup median {statistics.median(times):.0f} ms, "
                      f"p95 {p95(times):.0f} ms ({ok} ok, {failed} failed); CPU per call: FreeSWITCH "
                      f"{1000 * fs_cpu / max(1, ok + failed):.1f} ms, hunt service "
                      f"{1000 * hunt_cpu / max(1, ok + failed):.1f} ms")
            rates = [20, 40] if args.quick else [20, 30, 40, 50, 60, 80]
            best: dict[str, int] = {}
            past: dict[str, str] = {}
            for name, target in PATHS.items():
                best[name] = 0
                for rate in rates:
                    times, ok, failed = run_sipp(work, platform.external_port, target, rate, rate * 8)
                    # clean: < 1 % failed, and set up before SIPp's 500 ms retransmission timer
                    clean = ok + failed > 0 and failed / (ok + failed) < 0.01 and bool(times) \
                        and p95(times) < 500
                    median = statistics.median(times) if times else float("nan")
                    print(f"{name:22} at {rate:3} calls/s: {ok} ok, {failed} failed, "
                          f"median {median:.0f} ms, p95 {p95(times):.0f} ms {'clean' if clean else 'NOT clean'}")
                    if not clean:
                        past[name] = (f"{rate}/s: {100 * failed / max(1, ok + failed):.1f} % failed, "
                                      f"median {median:.0f} ms")
                        break
                    best[name] = rate
            native, service = setup["native bridge (line)"], setup["hunt group, service"]
            print(f"setup ratio service/native: median {statistics.median(service) / statistics.median(native):.2f}x,"
                  f" p95 {p95(service) / p95(native):.2f}x   target <= 1.2x")
            if best["native bridge (line)"]:
                print(f"highest clean rate: native {best['native bridge (line)']}/s, sequential "
                      f"{best['hunt group, native']}/s, service {best['hunt group, service']}/s; ratio "
                      f"{best['hunt group, service'] / best['native bridge (line)']:.2f}x   target >= 0.9x")
            for name, text in past.items():
                print(f"first rate past the limit, {name}: {text}")
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
