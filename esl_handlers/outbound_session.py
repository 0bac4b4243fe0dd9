"""greenswitch's ``OutboundSession`` with a framed reader.

greenswitch reads a session line by line and URL-decodes whole header blocks
before splitting them; it does not read the body of a disconnect notice (so
the notice's text is then taken for headers and its reader greenlet dies on
every call), and a socket closed without a notice leaves waiting callers
blocked. At a few dozen calls per second that reader was most of the
hunt-group service's CPU time. :class:`FramedOutboundSession` keeps
greenswitch's session API and state (``connect``, ``send``,
``call_command``, expected events, lingering, handlers) and replaces only
the transport:

* bytes are cut into messages by :class:`orchestrator.esl.ESLParser` (the
  product's own parser, tested on streams split at odd byte boundaries);
* events are decoded once by :func:`orchestrator.esl.parse_event` and handed
  to greenswitch's handlers in the reader greenlet (the handlers only set
  results; there is no second greenlet and no one-second queue poll);
* when the connection ends, every waiting command and expected event gets
  ``OutboundSessionHasGoneAway`` at once (as greenswitch does on a
  disconnect notice).
"""

from __future__ import annotations

import logging
import socket
from typing import Any
from urllib.parse import unquote

import gevent
from greenswitch.esl import OutboundSession, OutboundSessionHasGoneAway

from orchestrator.esl import ESLParser, Message, parse_event
from orchestrator.esl.protocol import ESLProtocolError

log = logging.getLogger(__name__)


class Frame:
    """What greenswitch's callers read from a reply or an event: ``headers``
    (decoded values) and ``data`` (reply text or body)."""

    __slots__ = ("headers", "data")

    def __init__(self, headers: dict[str, str], data: str = "") -> None:
        self.headers = headers
        self.data = data


def _decoded(message: Message) -> dict[str, str]:
    return {k: unquote(v) for k, v in message.headers.items()}


class FramedOutboundSession(OutboundSession):
    """An outbound session read frame by frame; see the module docstring."""

    recv_size = 65536

    def start_event_handlers(self) -> None:
        self._receive_events_greenlet = gevent.spawn(self.receive_events)
        self._process_events_greenlet = None

    def receive_events(self) -> None:
        parser = ESLParser()
        try:
            while self._run:
                try:
                    data = self.sock.recv(self.recv_size)
                except OSError:
                    data = b""
                if not data:
                    break
                for message in parser.feed(data):
                    self._dispatch(message)
        except ESLProtocolError as exc:
            log.warning("unreadable message from FreeSWITCH: closing the session", extra={"error": str(exc)})
        finally:
            self._run = False
            self.connected = False
            self._fail_waiters()

    def _dispatch(self, message: Message) -> None:
        kind = message.content_type
        if kind == "command/reply":
            headers = _decoded(message)
            self._reply(Frame(headers, headers.get("Reply-Text", "")))
        elif kind == "api/response":
            self._reply(Frame(_decoded(message), message.body))
        elif kind == "text/disconnect-notice":
            frame = Frame(_decoded(message), message.body)
            if frame.headers.get("Content-Disposition") == "linger":
                self._lingering = True
            else:
                self.connected = False
            self._handle("DISCONNECT", frame)
        elif kind == "auth/request":
            self._auth_request_event.set()
        elif kind == "text/rude-rejection":
            self.connected = False
            self._auth_request_event.set()
        elif message.is_event:
            event = parse_event(message)
            frame = Frame(event.headers, event.body)
            name = event.subclass if event.name == "CUSTOM" else event.name
            self._handle(name or "", frame)

    def _reply(self, frame: Frame) -> None:
        if self._commands_sent:
            self._commands_sent.pop(0).set(frame)
        else:
            log.warning("reply with no command waiting", extra={"reply": frame.data[:80]})

    def _handle(self, name: str, frame: Frame) -> None:
        handlers = self.event_handlers.get(name) or self.event_handlers.get("*") or []
        for handler in list(handlers):
            try:
                handler(frame)
            except Exception:  # noqa: BLE001 - one handler's failure must not end the session
                log.exception("outbound session handler failed", extra={"handler": getattr(handler, "__name__", "")})

    def _fail_waiters(self) -> None:
        """The connection is over: nothing more will answer."""
        self._outbound_connected = False
        for pending in self.expected_events.values():
            for _var, _value, result in pending:
                if not result.ready():
                    result.set_exception(OutboundSessionHasGoneAway())
        self.expected_events.clear()
        while self._commands_sent:
            result = self._commands_sent.pop(0)
            if not result.ready():
                result.set_exception(OutboundSessionHasGoneAway())

    def send(self, data: str) -> Any:
        if not self.connected or not self._run:
            raise OutboundSessionHasGoneAway()
        return super().send(data)

    def stop(self) -> None:
        if self.connected and self._run:
            try:
                self.send("exit")
            except (OSError, OutboundSessionHasGoneAway):
                pass
        self._run = False
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        if self._receive_events_greenlet is not None:
            self._receive_events_greenlet.join(timeout=5)
        self.sock.close()
        self.sock_file.close()
