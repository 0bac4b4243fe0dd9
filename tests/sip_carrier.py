"""A SIP peer standing in for the carrier in the real-FreeSWITCH tests: a
UDP listener on 127.0.0.1 that records every INVITE it receives, byte for
byte, and refuses the call (``486 Busy Here``): what a test checks is what
the carrier receives on the wire, not the call itself."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from baresip_phone import wait_until
from freeswitch_real import free_ports


class Carrier:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.port = sock.getsockname()[1]
        self.invites: list[str] = []
        self._lock = threading.Lock()
        self.stopped = threading.Event()

    def _run(self) -> None:
        while True:
            try:
                data, addr = self.sock.recvfrom(65535)
            except TimeoutError:
                if self.stopped.is_set():
                    return
                continue
            except OSError:
                return
            text = data.decode("utf-8", errors="replace")
            method = text.split(" ", 1)[0]
            if method in ("ACK", "") or text.startswith("SIP/2.0"):
                continue
            if method == "INVITE":
                with self._lock:
                    if not any(_header(i, "Call-ID") == _header(text, "Call-ID") for i in self.invites):
                        self.invites.append(text)  # a retransmission is not a new call
                self.sock.sendto(_reply(text, "486 Busy Here", tag=True), addr)
            else:  # OPTIONS, BYE, CANCEL...
                self.sock.sendto(_reply(text, "200 OK"), addr)

    def wait_invite(self, count: int, timeout: float = 15.0) -> str:
        """The ``count``-th INVITE (1-based) once it arrived."""
        def check():
            with self._lock:
                return self.invites[count - 1] if len(self.invites) >= count else None
        return wait_until(f"INVITE #{count} at the carrier", check, timeout)


def _header(message: str, name: str) -> str | None:
    """The value of the first header ``name`` (or its compact form)."""
    compact = {"from": "f", "to": "t", "call-id": "i", "via": "v", "cseq": "", "contact": "m"}.get(name.lower(), "")
    names = "|".join(re.escape(n) for n in (name, compact) if n)
    m = re.search(rf"^(?:{names})[ \t]*:[ \t]*(.*?)\r?$", message, flags=re.IGNORECASE | re.MULTILINE)
    return m.group(1) if m else None


header = _header


def _reply(request: str, status: str, tag: bool = False) -> bytes:
    head = request.split("\r\n\r\n", 1)[0].split("\r\n")
    keep = [h for h in head[1:] if re.match(r"(?i)(via|v|from|f|call-id|i|cseq)\s*:", h)]
    to = next((h for h in head[1:] if re.match(r"(?i)(to|t)\s*:", h)), "To: <sip:carrier@127.0.0.1>")
    if tag and ";tag=" not in to:
        to += ";tag=carrier1"
    return ("\r\n".join([f"SIP/2.0 {status}", *keep, to, "Content-Length: 0"]) + "\r\n\r\n").encode()


@contextmanager
def sip_carrier() -> Iterator[Carrier]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", free_ports(1)[0]))
    sock.settimeout(0.2)  # lets the thread see ``stopped``
    carrier = Carrier(sock)
    thread = threading.Thread(target=carrier._run, name="sip-carrier", daemon=True)
    thread.start()
    try:
        yield carrier
    finally:
        carrier.stopped.set()
        thread.join(timeout=5)
        sock.close()
