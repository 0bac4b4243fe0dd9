"""An inbound event-socket client on gevent (we connect to FreeSWITCH's
``mod_event_socket``), on :class:`~esl_handlers.connection.Connection`; used
by the event service::

    client = InboundClient("127.0.0.1", 8021, "ClueCon", timeout=5)
    client.connect()                       # greeting + auth, within 5 s
    client.on("CHANNEL_HANGUP_COMPLETE", handle)
    client.on("sofia::register", handle)   # a CUSTOM event, by subclass
    client.subscribe(["CHANNEL_HANGUP_COMPLETE", "CUSTOM", "sofia::register"])
    output = client.api("show registrations")
    client.done.wait()                     # until FreeSWITCH goes away
    client.close()

Handlers get an :class:`orchestrator.esl.Event` (decoded headers and the
event's own body, e.g. a BACKGROUND_JOB's output). They run one at a time,
in the order the events came, in a dispatch greenlet of the client's own:
a slow handler never holds up the replies, and a handler may itself call
:meth:`InboundClient.api`. Handlers are looked up by event name, by
``Event-Subclass`` for CUSTOM events, and fall back to those registered as
``"*"``.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterable

import gevent
import gevent.event
import gevent.queue
import gevent.socket

from orchestrator.esl import ESLAuthError, ESLCommandError, ESLConnectError, ESLError, ESLTimeout, Event
from orchestrator.esl.protocol import RUDE_REJECTION

from .connection import Connection, ConnectionGone, check_line, settled

log = logging.getLogger(__name__)

Handler = Callable[[Event], None]
EVENT_FORMATS = ("plain", "json")
_END = object()  # queued after the last event of a connection


class InboundClient:
    """Inbound ESL client; see the module docstring. ``timeout`` bounds the
    TCP connection, the greeting and the authentication."""

    def __init__(self, host: str, port: int, password: str, *, timeout: float = 5.0) -> None:
        check_line(password, "the event socket password")
        self.host = host
        self.port = int(port)
        self.password = password
        self.timeout = timeout
        self.handlers: dict[str, list[Handler]] = {}
        #: set once the connection has ended and every event received was handled
        self.done = gevent.event.Event()
        self.conn: Connection | None = None
        self._events: gevent.queue.Queue = gevent.queue.Queue()
        self._dispatcher: gevent.Greenlet | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    # ---------------------------------------------------------- lifecycle
    def connect(self) -> None:
        """Connect and authenticate. Raises :class:`ESLConnectError`
        (unreachable, or refused by FreeSWITCH's ACL), :class:`ESLAuthError`,
        :class:`ESLTimeout` or :class:`~esl_handlers.connection.ConnectionGone`."""
        if self.conn is not None:
            raise ESLError(f"already connected to {self.address}; use a new client to reconnect")
        try:
            sock = gevent.socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            raise ESLConnectError(f"cannot connect to FreeSWITCH event socket at {self.address}: "
                                  f"{exc.strerror or exc}") from None
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn = Connection(sock, name=self.address, on_event=self._events.put,
                               on_close=lambda _reason: self._events.put(_END))
        self._dispatcher = gevent.spawn(self._dispatch)
        try:
            self._authenticate(self.conn)
        except BaseException:
            self.close(say_exit=False)
            raise
        log.info("authenticated", extra={"address": self.address})

    def _authenticate(self, conn: Connection) -> None:
        with gevent.Timeout(self.timeout, ESLTimeout(f"no greeting from FreeSWITCH event socket at "
                                                     f"{self.address} within {self.timeout:g}s")):
            greeting = settled(conn.greeting.get())
        if greeting.content_type == RUDE_REJECTION:
            raise ESLConnectError(f"FreeSWITCH event socket at {self.address} refused this client: "
                                  f"{greeting.body.strip() or 'rude rejection'} (check apply-inbound-acl in "
                                  "event_socket.conf.xml)", error_id="esl.rejected")
        reply = conn.request(f"auth {self.password}", timeout=self.timeout)
        if not reply.reply_text.startswith("+OK"):
            raise ESLAuthError(f"FreeSWITCH event socket at {self.address} rejected the password "
                               f"(reply: {reply.reply_text or 'none'})")

    def close(self, *, say_exit: bool = True, timeout: float = 2.0) -> None:
        """``exit``, close the socket, let the dispatch greenlet finish
        (``timeout`` seconds at most for each step)."""
        if self.conn is not None:
            self.conn.close(say_exit=say_exit, timeout=timeout)
        else:
            self._events.put(_END)
        dispatcher = self._dispatcher
        if dispatcher is not None and dispatcher is not gevent.getcurrent():
            dispatcher.join(timeout=timeout)
            if not dispatcher.dead:
                dispatcher.kill(block=False)
        self.done.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the connection has ended; True if it has."""
        return bool(self.done.wait(timeout))

    # ----------------------------------------------------------- commands
    def _conn(self) -> Connection:
        if self.conn is None:
            raise ConnectionGone(f"not connected to FreeSWITCH event socket at {self.address}")
        return self.conn

    def api(self, command: str, *, timeout: float | None = None) -> str:
        """``api <command>``: its output (``-ERR ...`` included, unchanged)."""
        check_line(command, "an api command")
        return self._conn().request(f"api {command}", timeout=timeout).body

    def bgapi(self, command: str, *, job_uuid: str | None = None, timeout: float | None = None) -> str:
        """``bgapi <command>``: the Job-UUID; the output comes later in a
        BACKGROUND_JOB event (its body)."""
        check_line(command, "a bgapi command")
        line = f"bgapi {command}"
        if job_uuid:
            check_line(job_uuid, "a Job-UUID")
            line += f"\nJob-UUID: {job_uuid}"
        reply = self._conn().request(line, timeout=timeout)
        text = reply.reply_text
        found = reply.get("Job-UUID") or (text.split(":", 1)[1].strip() if text.startswith("+OK Job-UUID:") else "")
        if not text.startswith("+OK") or not found:
            raise ESLCommandError(f"FreeSWITCH at {self.address} refused bgapi: {text or 'empty reply'}", reply=text)
        return found

    def subscribe(self, names: Iterable[str], fmt: str = "plain", *, timeout: float | None = None) -> str:
        """``event <fmt> <names...>`` (CUSTOM subclasses after ``CUSTOM``);
        returns the reply text, raises :class:`ESLCommandError` on ``-ERR``."""
        if fmt not in EVENT_FORMATS:
            raise ValueError(f"event format must be one of {', '.join(EVENT_FORMATS)}, not {fmt!r}")
        line = " ".join(names)
        check_line(line, "event names")
        if not line:
            raise ValueError("at least one event name is needed (e.g. ALL)")
        text = self._conn().request(f"event {fmt} {line}", timeout=timeout).reply_text
        if not text.startswith("+OK"):
            raise ESLCommandError(f"FreeSWITCH at {self.address} refused the subscription: {text}", reply=text)
        return text

    # ------------------------------------------------------------- events
    def on(self, name: str, handler: Handler) -> None:
        """Call ``handler`` for each event ``name`` (an Event-Name, a CUSTOM
        subclass, or ``"*"`` for events nobody else handles)."""
        handlers = self.handlers.setdefault(name, [])
        if handler not in handlers:
            handlers.append(handler)

    def _dispatch(self) -> None:
        try:
            while True:
                item = self._events.get()
                if item is _END:
                    return
                self._handle(item)
        finally:
            self.done.set()

    def _handle(self, event: Event) -> None:
        name = event.subclass if event.name == "CUSTOM" else event.name
        handlers = self.handlers.get(name or "") or self.handlers.get("*") or []
        for handler in list(handlers):
            try:
                handler(event)
            except Exception:  # noqa: BLE001 - one handler's failure must not stop the others
                log.exception("event handler failed", extra={"event": name, "address": self.address,
                                                             "handler": getattr(handler, "__name__", "")})
