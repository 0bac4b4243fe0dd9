"""A real SIP phone for the real-FreeSWITCH tests: Debian's baresip (1.0.0),
headless, in the background, driven over its ``ctrl_tcp`` module.

Each phone gets its own config directory and free ports on 127.0.0.1. It
sends a 440 Hz tone (``aufile`` on a WAV file written here) and plays
nothing (no player module is loaded, so baresip starts no player); no
audio device is needed. Registration is awaited by asking FreeSWITCH
(``sofia_contact``), never by sleeping blindly; the phone is always
stopped (unregistered, then killed if it lingers) at the end.

Polling sleeps with ``gevent.sleep`` so that greenlets of the test (the
event service) keep running while a phone is awaited. The ``ctrl_tcp``
connection is read by a thread of its own.

What baresip 1.0.0 does that this works around:

* It also listens for SIP over TLS on ``sip_listen`` port + 1: that port is
  kept free too, and the control port is never that one.
* Its ``mwi`` module loops forever (re-subscribing in a busy loop) when the
  phone registers before the module's 1 ms start timer fires; loaded first
  (before ``account``), the timer always fires first.
* The ``ausine`` source only runs at 48 kHz, which G.711 calls refuse: the
  tone is an 8 kHz WAV file read by ``aufile``.
* Received SIP MESSAGEs are printed by the ``menu`` module through the UI
  modules only (``<peer>: "<body>"``): with ``messages=True`` the ``stdio``
  UI is loaded (its stdin a pipe kept open, never written) so that they
  reach the log, where :meth:`Phone.messages` reads them.
* Stopping (SIGTERM) sends the REGISTER with expires 0, then may wait
  forever ("ua: in use by app module"): the process is killed after the
  unregistration was seen.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import gevent
from freeswitch_real import free_ports

BARESIP = shutil.which("baresip") or ""
MODULE_DIRS = ("/usr/lib/baresip/modules", "/usr/lib/x86_64-linux-gnu/baresip/modules",
               "/usr/local/lib/baresip/modules")


def module_dir() -> str:
    for d in MODULE_DIRS:
        if Path(d, "ctrl_tcp.so").exists():
            return d
    raise RuntimeError(f"no baresip module directory with ctrl_tcp.so in {MODULE_DIRS}")


def _tcp_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def phone_ports() -> tuple[int, int]:
    """(SIP port, control port): SIP port + 1 (baresip's TLS) free as well."""
    while True:
        sip, ctrl = free_ports(2)
        if ctrl != sip + 1 and _tcp_free(sip + 1):
            return sip, ctrl


def write_tone(path: Path, seconds: int = 120, rate: int = 8000) -> None:
    one = b"".join(struct.pack("<h", int(6000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(rate))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(one * seconds)  # 440 Hz repeats exactly every second


def wait_until(what: str, check: Callable[[], object], timeout: float, interval: float = 0.05):
    """Poll ``check`` until it returns something truthy, cooperatively."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        gevent.sleep(interval)


class Phone:
    def __init__(self, user: str, domain: str, directory: Path, sip_port: int, ctrl_port: int,
                 proc: subprocess.Popen) -> None:
        self.user, self.domain, self.dir = user, domain, directory
        self.sip_port, self.ctrl_port, self.proc = sip_port, ctrl_port, proc
        self.events: list[dict] = []
        self.responses: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._reader: threading.Thread | None = None
        self._token = 0

    @property
    def aor(self) -> str:
        return f"{self.user}@{self.domain}"

    @property
    def log(self) -> str:
        path = self.dir / "baresip.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # -- control connection --------------------------------------------------------
    def connect(self, timeout: float = 10.0) -> None:
        def attempt():
            if self.proc.poll() is not None:
                raise RuntimeError(f"baresip exited with {self.proc.returncode}: {self.log[-2000:]}")
            try:
                return socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=1)
            except OSError:
                return None
        self._sock = wait_until("baresip's control port", attempt, timeout)
        self._sock.settimeout(None)
        self._reader = threading.Thread(target=self._read, name=f"baresip-{self.user}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buf = b""
        sock = self._sock
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while True:  # netstrings: <length>:<json>,
                head, sep, rest = buf.partition(b":")
                if not sep or not head.isdigit() or len(rest) < int(head) + 1:
                    break
                n = int(head)
                msg = json.loads(rest[:n])
                buf = rest[n + 1:]
                with self._lock:
                    if msg.get("event"):
                        self.events.append(msg)
                    elif msg.get("response"):
                        self.responses[str(msg.get("token"))] = msg

    def command(self, command: str, params: str = "", timeout: float = 5.0) -> dict:
        """A menu command (``accept``, ``hangup``, ``dial``, ``reginfo``...)."""
        self._token += 1
        token = f"t{self._token}"
        data = json.dumps({"command": command, "params": params, "token": token}).encode()
        self._sock.sendall(str(len(data)).encode() + b":" + data + b",")
        reply = wait_until(f"baresip's reply to {command}", lambda: self.responses.get(token), timeout)
        if not reply.get("ok"):
            raise AssertionError(f"baresip {command} {params!r} failed: {reply}")
        return reply

    def wait_event(self, kind: str, timeout: float = 15.0, since: int = 0) -> dict:
        """The first ``kind`` event (CALL_INCOMING, CALL_ESTABLISHED,
        CALL_CLOSED, MWI_NOTIFY...) at or after index ``since``."""
        def find():
            with self._lock:
                return next((e for e in self.events[since:] if e.get("type") == kind), None)
        try:
            return wait_until(f"{kind} on {self.aor}'s phone", find, timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; events: {[e.get('type') for e in self.events]}; "
                                 f"log: {self.log[-1500:]}") from None

    def messages(self) -> list[tuple[str, str]]:
        """(peer, body) of every SIP MESSAGE received so far (``messages=True``)."""
        found = re.findall(r'^\r?(\S+): "(.*)"$', self.log.replace("\r", "\n"), flags=re.MULTILINE)
        return [(peer, body) for peer, body in found if peer.startswith("sip:")]

    def wait_message(self, timeout: float = 15.0) -> tuple[str, str]:
        try:
            return wait_until(f"a SIP MESSAGE on {self.aor}'s phone", lambda: (self.messages() or [None])[0], timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; log: {self.log[-1500:]}") from None

    # -- registration, as FreeSWITCH sees it -----------------------------------------
    def contact(self, esl) -> str:
        return esl.api(f"sofia_contact */{self.aor}").strip()

    def wait_registered(self, esl, timeout: float = 15.0) -> str:
        def check():
            if self.proc.poll() is not None:
                raise RuntimeError(f"baresip exited with {self.proc.returncode}: {self.log[-2000:]}")
            found = self.contact(esl)
            return found if found and not found.startswith("error/") else None
        try:
            return wait_until(f"{self.aor} registered in FreeSWITCH", check, timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; log: {self.log[-1500:]}") from None

    def wait_unregistered(self, esl, timeout: float = 10.0) -> None:
        wait_until(f"{self.aor} unregistered in FreeSWITCH", lambda: self.contact(esl).startswith("error/"), timeout)

    # -- end ---------------------------------------------------------------------------
    def stop(self, esl=None, timeout: float = 10.0) -> None:
        """Stop as a user would (SIGTERM: baresip unregisters); with ``esl``,
        wait until FreeSWITCH no longer has the contact. Then make sure the
        process is gone."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                if esl is not None:
                    self.wait_unregistered(esl, timeout)
                else:
                    self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
            finally:
                self.kill()  # baresip 1.0.0 may never exit by itself after unregistering

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass


@contextmanager
def baresip_phone(directory: Path, user: str, domain: str, password: str, fs_sip_port: int, esl, *,
                  answermode: str = "auto", register: bool = True, mwi: bool = True, messages: bool = False,
                  timeout: float = 15.0, regint: int = 60) -> Iterator[Phone]:
    """A baresip registered (``register``: awaited in FreeSWITCH through
    ``esl``) as ``user@domain`` through FreeSWITCH's SIP port on 127.0.0.1.
    ``answermode``: ``auto`` answers every call, ``manual`` lets the test
    ``accept`` or ``hangup`` (reject). ``messages``: print received SIP
    MESSAGEs (the ``stdio`` UI), read with :meth:`Phone.messages`.
    ``regint``: the registration lifetime the phone asks for (s)."""
    if not BARESIP:
        raise RuntimeError("baresip is not installed (apt-get install baresip-core)")
    directory.mkdir(parents=True, exist_ok=True)
    sip_port, ctrl_port = phone_ports()
    tone = directory / "tone.wav"
    write_tone(tone)
    modules = ((["mwi.so"] if mwi else []) + (["stdio.so"] if messages else [])
               + ["g711.so", "aufile.so", "account.so", "menu.so", "ctrl_tcp.so"])
    (directory / "config").write_text("\n".join([
        "poll_method\t\tepoll",
        f"sip_listen\t\t127.0.0.1:{sip_port}",
        "net_interface\t\t127.0.0.1",
        f"audio_source\t\taufile,{tone}",
        "audio_player\t\tnone,none",   # no player module loaded: baresip plays nothing
        "audio_alert\t\tnone,none",
        f"module_path\t\t{module_dir()}",
        *[f"module\t\t\t{m}" for m in modules],
        f"ctrl_tcp_listen\t\t127.0.0.1:{ctrl_port}",
        "",
    ]))
    (directory / "accounts").write_text(
        f"<sip:{user}@{domain}>;auth_pass={password};"
        f"outbound=\"sip:127.0.0.1:{fs_sip_port};transport=udp\";regint={regint};answermode={answermode}\n")
    log = open(directory / "baresip.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([BARESIP, "-f", str(directory)], stdin=subprocess.PIPE if messages else subprocess.DEVNULL,
                            stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    phone = Phone(user, domain, directory, sip_port, ctrl_port, proc)
    try:
        phone.connect(timeout)
        if register:
            phone.wait_registered(esl, timeout)
        yield phone
        # unregister (and unsubscribe) before FreeSWITCH stops: a subscription
        # left behind makes FreeSWITCH's shutdown wait for the dead phone
        phone.stop(esl if register else None, timeout=5)
    finally:
        phone.kill()
        if proc.stdin is not None:
            proc.stdin.close()
        log.close()
        tone.unlink(missing_ok=True)  # the log and the config stay, for a failed test
