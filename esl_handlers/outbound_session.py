"""One call over FreeSWITCH's outbound event socket (the ``socket``
application connects to us), on :class:`~esl_handlers.connection.Connection`.

:class:`OutboundSession` has what the hunt-group service needs:

* :meth:`~OutboundSession.connect`: the channel data (``Unique-ID``,
  ``Caller-Caller-ID-Number``, ``variable_*``...), URL-decoded;
  :meth:`~OutboundSession.open` sends ``connect``, ``myevents`` and
  ``nixevent`` in one write and waits for the channel data only;
* :meth:`~OutboundSession.myevents`, :meth:`~OutboundSession.nixevent`,
  :meth:`~OutboundSession.linger`, :meth:`~OutboundSession.api`;
* :meth:`~OutboundSession.execute`: ``sendmsg`` ``execute`` with an
  ``Event-UUID``, then a wait for the CHANNEL_EXECUTE_COMPLETE whose
  ``Application-UUID`` is that UUID (its headers are returned). In static
  mode (``socket ... full``) FreeSWITCH answers the ``sendmsg`` only when
  the application returns, then sends what it fired; in async mode it
  answers at once and the completion follows later: the same code waits
  for both;
* :meth:`~OutboundSession.queue`: ``sendmsg`` ``execute`` without waiting,
  neither for the reply nor for the completion (FreeSWITCH runs the
  applications in the order they were sent, so the next blocking
  :meth:`~OutboundSession.execute` waits behind it);
* :meth:`~OutboundSession.hangup`.

A disconnect notice (linger or goodbye) means the caller has gone: every
wait for a completion fails at once with
:class:`~esl_handlers.connection.ConnectionGone`, and so does any later
``execute``, ``queue`` or ``hangup`` (``api`` stays possible while
lingering). The end of the connection fails every wait too.
:class:`esl_handlers.hunt_server.SessionControl` adapts the session to
:class:`orchestrator.live.hunt.CallControl`.
"""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Iterable, Sequence
from urllib.parse import unquote

import gevent
import gevent.event

from orchestrator.esl import ESLCommandError, ESLTimeout, Event

from .connection import Connection, ConnectionGone, Notice, check_line, settled

log = logging.getLogger(__name__)

EXECUTE_COMPLETE = "CHANNEL_EXECUTE_COMPLETE"


def sendmsg_execute(app: str, args: str = "", event_uuid: str | None = None) -> str:
    """The ``sendmsg`` command that runs ``app args`` on the session's channel."""
    check_line(app, "an application name")
    check_line(args, "application arguments")
    command = f"sendmsg\ncall-command: execute\nexecute-app-name: {app}"
    if args:
        command += f"\nexecute-app-arg: {args}"
    if event_uuid:
        command += f"\nEvent-UUID: {event_uuid}"
    return command


class OutboundSession:
    """One outbound-socket call; see the module docstring. ``sock`` is the
    accepted gevent socket, ``address`` the peer's, for logs."""

    def __init__(self, sock: socket.socket, address: tuple[str, int] | str) -> None:
        peer = f"{address[0]}:{address[1]}" if isinstance(address, tuple) else str(address)
        try:  # commands sent without waiting go out at once, not after the previous one's ACK
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # not TCP (a socket pair in tests)
            pass
        #: the channel data of the ``connect`` reply, URL-decoded
        self.channel: dict[str, str] = {}
        self._completions: dict[str, gevent.event.AsyncResult[dict[str, str]]] = {}
        self._gone: str | None = None
        self.conn = Connection(sock, name=peer, on_event=self._on_event, on_notice=self._on_notice,
                               on_close=self._on_close)

    # -------------------------------------------------------------- state
    @property
    def uuid(self) -> str:
        """The channel's ``Unique-ID`` (after :meth:`connect`)."""
        return self.channel.get("Unique-ID", "")

    @property
    def lingering(self) -> bool:
        return self.conn.lingering

    @property
    def gone(self) -> str | None:
        """Why the call can no longer be driven (None while it can)."""
        return self._gone or self.conn.gone

    def _check_alive(self, app: str) -> None:
        gone = self.gone
        if gone is not None:
            raise ConnectionGone(f"cannot run {app} on {self.uuid or self.conn.name}: {gone}")

    # ----------------------------------------------------------- commands
    def connect(self) -> dict[str, str]:
        """``connect``: returns (and keeps in :attr:`channel`) the channel data."""
        return self._connect(())

    def open(self, nixevents: Iterable[str] = ()) -> dict[str, str]:
        """``connect``, ``myevents`` and ``nixevent <nixevents>`` in one
        write, waiting only for the channel data: one round trip instead of
        three (FreeSWITCH runs them in order; a refused subscription is
        logged when its reply comes)."""
        then = ["myevents"]
        line = " ".join(nixevents)
        if line:
            check_line(line, "event names")
            then.append(f"nixevent {line}")
        return self._connect(then)

    def _connect(self, then: Sequence[str]) -> dict[str, str]:
        reply = self.conn.request("connect", then=then)
        self.channel = {k: unquote(v) if "%" in v else v for k, v in reply.headers.items()}
        return self.channel

    def _command(self, command: str) -> str:
        reply = self.conn.request(command)
        text = reply.reply_text
        if not text.startswith("+OK"):
            log.warning("command refused", extra={"command": command.split(" ", 1)[0], "reply": text,
                                                  "uuid": self.uuid})
        return text

    def myevents(self) -> str:
        """Subscribe to every event of this channel (plain format)."""
        return self._command("myevents")

    def nixevent(self, names: Iterable[str]) -> str:
        """Drop events from the subscription (``+OK events nixed``)."""
        line = " ".join(names)
        check_line(line, "event names")
        return self._command(f"nixevent {line}")

    def linger(self, seconds: int | None = None) -> str:
        """Keep the socket after the caller hangs up: for ever, or ``seconds``."""
        return self._command("linger" if seconds is None else f"linger {int(seconds)}")

    def api(self, command: str, timeout: float | None = None) -> str:
        """``api <command>``: its output."""
        check_line(command, "an api command")
        return self.conn.request(f"api {command}", timeout=timeout).body

    def execute(self, app: str, args: str = "", timeout: float | None = None) -> dict[str, str]:
        """Run ``app`` and wait for its CHANNEL_EXECUTE_COMPLETE; return its
        headers. ``timeout`` bounds the whole wait (:class:`ESLTimeout`);
        :class:`ConnectionGone` when the caller or the socket went away,
        :class:`ESLCommandError` if FreeSWITCH refused the ``sendmsg``."""
        self._check_alive(app)
        event_uuid = str(uuid.uuid4())
        done: gevent.event.AsyncResult[dict[str, str]] = gevent.event.AsyncResult()
        self._completions[event_uuid] = done
        timer = None if timeout is None else gevent.Timeout.start_new(
            timeout, ESLTimeout(f"{app} did not complete within {timeout:g}s on {self.uuid or self.conn.name}"))
        try:
            reply = self.conn.request(sendmsg_execute(app, args, event_uuid))
            if reply.reply_text.startswith("-ERR"):
                raise ESLCommandError(f"FreeSWITCH refused to run {app}: {reply.reply_text}", reply=reply.reply_text)
            return settled(done.get())
        finally:
            if timer is not None:
                timer.close()
            self._completions.pop(event_uuid, None)

    def queue(self, app: str, args: str = "") -> None:
        """Send ``app`` to run without waiting for anything."""
        self._check_alive(app)
        self.conn.send_nowait(sendmsg_execute(app, args))

    def hangup(self, cause: str = "") -> None:
        """Run the ``hangup`` application (waits for the reply only)."""
        self._check_alive("hangup")
        self.conn.request(sendmsg_execute("hangup", cause))

    def close(self) -> None:
        """``exit`` if the socket still works, then close it."""
        self.conn.close()

    # ------------------------------------------------------------- reader
    def _on_event(self, event: Event) -> None:
        if event.name == EXECUTE_COMPLETE:
            app_uuid = event.get("Application-UUID")
            waiting = self._completions.pop(app_uuid, None) if app_uuid else None
            if waiting is not None:
                waiting.set(event.headers)

    def _on_notice(self, notice: Notice) -> None:
        kind = "linger" if notice.linger else "goodbye"
        self._fail_completions(f"the caller has gone (FreeSWITCH sent a {kind} notice: {notice.text})")

    def _on_close(self, reason: str) -> None:
        self._fail_completions(reason)

    def _fail_completions(self, reason: str) -> None:
        if self._gone is None:
            self._gone = reason
        waiting, self._completions = self._completions, {}
        for done in waiting.values():
            if not done.ready():
                done.set_exception(ConnectionGone(reason))
