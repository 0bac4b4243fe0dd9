"""A real SMTP server on an ephemeral port that keeps what it receives."""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self) -> None:
        self.messages: list = []
        self.envelopes: list = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        with self.arrived:
            self.envelopes.append(envelope)
            self.messages.append(message_from_bytes(envelope.original_content or envelope.content,
                                                    policy=policy.default))
            self.arrived.notify_all()
        return "250 OK"

    def wait(self, n: int = 1, timeout: float = 10.0):
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.messages) >= n, timeout), "no e-mail arrived"
        return self.messages


@contextmanager
def smtp_sink():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()
