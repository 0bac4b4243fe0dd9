"""Our side of :class:`~fake_freeswitch.outbound.FakeOutboundCall` for the
``test_fake_outbound*.py`` tests: :class:`Peer` (one outbound connection, as
a tiny outbound server with plain sockets drives it), :class:`Server` (the
listening socket that starts the fake calls), the shared constants and
helpers (``start_session``, ``names``).

Tests synchronise on conditions (the fake's ``wait_*``, the tiny server's
reads), never on sleeps.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

from fake_freeswitch.outbound import FakeOutboundCall

from orchestrator.esl import ESLParser, Event, Message, parse_event

D = "bauer.centrex.test"
M1, M2, M3, M4 = (f"017500010{i}@{D}" for i in (1, 2, 3, 4))
UUID = "4a1b2c3d-5e6f-4a0b-8c9d-0e1f2a3b4c5d"
CHANNEL_VARS = {"centrex_hunt": "P~+33175000120~1", "Caller-Caller-ID-Number": "0140000000",
                "Caller-Destination-Number": "0175000120"}
GOODBYE = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"
REPLIES = ("command/reply", "api/response")


# ---------------------------------------------------------------- our side
class Peer:
    """Our end of one outbound connection, as a tiny outbound server with
    plain sockets drives it; frames are cut by the product's ESLParser."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.parser = ESLParser()
        self.frames: list[Message] = []
        self.eof = False
        self.cond = threading.Condition()
        self._taken = 0
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            with self.cond:
                if not data:
                    self.eof = True
                    self.cond.notify_all()
                    return
                self.frames.extend(self.parser.feed(data))
                self.cond.notify_all()

    def replies(self) -> list[Message]:
        return [f for f in self.frames if f.content_type in REPLIES]

    def command(self, text: str, timeout: float = 5.0) -> Message:
        """Send a command, return its reply (FreeSWITCH answers in order)."""
        self.sock.sendall((text + "\n\n").encode())
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.replies()) > self._taken or self.eof, timeout)
            assert len(self.replies()) > self._taken, f"no reply to {text!r}"
            self._taken += 1
            return self.replies()[self._taken - 1]

    def execute(self, app: str, arg: str = "", uuid: str | None = None) -> Message:
        lines = ["sendmsg", "call-command: execute", f"execute-app-name: {app}"]
        if arg:
            lines.append(f"execute-app-arg: {arg}")
        if uuid:
            lines += [f"Event-UUID: {uuid}", "event-lock: true"]
        return self.command("\n".join(lines))

    def events(self) -> list[Event]:
        with self.cond:
            return [parse_event(f) for f in self.frames if f.is_event]

    def wait_event(self, name: str, app: str | None = None, timeout: float = 5.0,
                   where: Callable[[Event], bool] = lambda e: True) -> Event:
        def find() -> Event | None:
            return next((e for e in self.events() if e.name == name
                         and (app is None or e.get("Application") == app) and where(e)), None)

        with self.cond:
            self.cond.wait_for(lambda: find() is not None or self.eof, timeout)
        event = find()
        assert event is not None, f"no {name} {app or ''}; got {[e.name for e in self.events()]}"
        return event

    def wait_frame(self, pred: Callable[[Message], bool], timeout: float = 5.0) -> Message:
        with self.cond:
            self.cond.wait_for(lambda: any(map(pred, self.frames)) or self.eof, timeout)
            found = [f for f in self.frames if pred(f)]
        assert found, "expected frame never arrived"
        return found[0]

    def wait_notice(self, disposition: str, timeout: float = 5.0) -> Message:
        return self.wait_frame(lambda f: f.content_type == "text/disconnect-notice"
                               and f.get("Content-Disposition") == disposition, timeout)

    def wait_eof(self, timeout: float = 5.0) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: self.eof, timeout)

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(timeout=5)


class Server:
    def __init__(self) -> None:
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(4)
        self.address = self.lsock.getsockname()
        self.peers: list[Peer] = []
        self.calls: list[FakeOutboundCall] = []

    def call(self, **kwargs: object) -> tuple[FakeOutboundCall, Peer]:
        """Start a FakeOutboundCall towards us and accept it."""
        kwargs.setdefault("channel_vars", CHANNEL_VARS)
        kwargs.setdefault("uuid", UUID)
        kwargs.setdefault("async_mode", True)  # what the recorded transcripts show; sync mode: test_fake_outbound_sync
        call = FakeOutboundCall(self.address, **kwargs)  # type: ignore[arg-type]
        self.calls.append(call)
        call.start()
        self.lsock.settimeout(5)
        sock, _ = self.lsock.accept()
        peer = Peer(sock)
        self.peers.append(peer)
        return call, peer

    def close(self) -> None:
        for call in self.calls:
            call.close()
        for peer in self.peers:
            peer.close()
        self.lsock.close()
        assert [call.error for call in self.calls if call.error] == []


def start_session(peer: Peer, linger: str | None = "linger") -> Message:
    connect = peer.command("connect")
    assert peer.command("myevents").reply_text == "+OK Events Enabled"
    if linger:
        assert peer.command(linger).reply_text.startswith("+OK will linger")
    return connect


def names(events: list[Event], skip: tuple[str, ...] = ()) -> list[str]:
    return [f"{e.name}:{e.get('Application')}" if e.get("Application") else e.name
            for e in events if e.name not in skip]
