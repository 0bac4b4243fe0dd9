"""One FreeSWITCH Event Socket connection on gevent: the transport shared by
the outbound session (:mod:`.outbound_session`) and the inbound client
(:mod:`.inbound`).

A reader greenlet cuts the byte stream into messages with
:class:`orchestrator.esl.ESLParser` (the product's own parser, tested on
streams split at odd byte boundaries) and handles each one at once:

* ``command/reply`` and ``api/response`` answer the oldest command still
  waiting: FreeSWITCH answers strictly in the order the commands arrived, so
  a FIFO of waiters is all the matching there is. A command sent without
  waiting (:meth:`Connection.send_nowait`) keeps its place in that FIFO; a
  waiter that gave up (timeout) keeps it too, so a late reply is never taken
  for the next command's;
* events are decoded once (:func:`orchestrator.esl.parse_event`) and given
  to ``on_event``, in the reader greenlet;
* ``text/disconnect-notice`` is read with its body (``Content-Disposition:
  linger`` or ``disconnect``, the goodbye text) and given to ``on_notice``;
  a linger notice only marks the connection :attr:`~Connection.lingering`
  (FreeSWITCH still answers commands), any other notice means nothing more
  will be answered;
* ``auth/request`` and ``text/rude-rejection`` settle :attr:`Connection.greeting`.

When the connection ends (end of stream, socket error, unreadable bytes, a
goodbye notice, :meth:`Connection.close`), every waiter fails at once with
:class:`ConnectionGone`, which says why, and ``on_close`` is called.

Callbacks run in the reader greenlet: they must not block on this
connection (the inbound client hands events to a greenlet of its own).
"""

from __future__ import annotations

import logging
import socket
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import gevent
import gevent.event
import gevent.lock

from orchestrator.esl import (
    ESLConnectionLost,
    ESLError,
    ESLParser,
    ESLProtocolError,
    ESLTimeout,
    Event,
    Message,
    parse_event,
)
from orchestrator.esl.protocol import (
    API_RESPONSE,
    AUTH_REQUEST,
    COMMAND_REPLY,
    DISCONNECT_NOTICE,
    LOG_DATA,
    RUDE_REJECTION,
)

log = logging.getLogger(__name__)

REPLY_TYPES = frozenset({COMMAND_REPLY, API_RESPONSE})
T = TypeVar("T")


def settled(value: T | None) -> T:
    """What a blocking ``AsyncResult.get()`` returned: it raises, or gives
    the value set (never None: replies and completions are always set)."""
    if value is None:
        raise ConnectionGone("the connection ended without an answer")
    return value


class ConnectionGone(ESLConnectionLost):
    """The connection ended, or FreeSWITCH said goodbye, before the answer came."""

    error_id = "esl.connection_gone"


@dataclass(frozen=True)
class Notice:
    """A ``text/disconnect-notice``: ``disposition`` is ``linger`` or
    ``disconnect`` (``""`` when absent), ``body`` the text FreeSWITCH sent."""

    disposition: str
    headers: dict[str, str]
    body: str

    @property
    def linger(self) -> bool:
        return self.disposition == "linger"

    @property
    def text(self) -> str:
        """The body on one line, for logs and error messages."""
        return " ".join(self.body.split())


@dataclass
class _Waiter:
    label: str  # the command's first word, for logs (arguments may carry secrets)
    result: gevent.event.AsyncResult[Message] | None  # None: sent without waiting


def label_of(command: str) -> str:
    """What a command is, for logs and errors, without its arguments (they
    may carry secrets): ``auth``, ``api show``, ``sendmsg bridge``..."""
    words = command.split(None, 2)
    if words[:1] == ["api"] or words[:1] == ["bgapi"]:
        return " ".join(words[:2])
    if words[:1] == ["sendmsg"]:
        for line in command.split("\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() in ("execute-app-name", "call-command") and value.strip() != "execute":
                return f"sendmsg {value.strip()}"
    return words[0] if words else ""


def check_line(value: str, what: str) -> None:
    """Refuse values that would end an ESL command early (or inject one)."""
    if "\n" in value or "\r" in value:
        raise ValueError(f"{what} must not contain line breaks")


class Connection:
    """One event-socket connection; see the module docstring.

    ``sock`` is a connected gevent socket (the one a ``StreamServer`` hands
    over, or one from ``gevent.socket.create_connection``); ``name`` names
    the peer in logs and errors; ``recv_size`` is the most read at once.
    The reader starts at once.
    """

    def __init__(self, sock: socket.socket, *, name: str,
                 on_event: Callable[[Event], None] | None = None,
                 on_notice: Callable[[Notice], None] | None = None,
                 on_close: Callable[[str], None] | None = None,
                 recv_size: int = 65536) -> None:
        self.sock = sock
        self.recv_size = recv_size
        self.name = name
        self.on_event = on_event
        self.on_notice = on_notice
        self.on_close = on_close
        #: the ``auth/request`` (or ``text/rude-rejection``) FreeSWITCH greets an inbound client with
        self.greeting: gevent.event.AsyncResult[Message] = gevent.event.AsyncResult()
        #: the last disconnect notice received, if any
        self.notice: Notice | None = None
        self.lingering = False
        #: why nothing more will be answered (None while the connection works)
        self.gone: str | None = None
        #: set once the reader has stopped and the waiters have been failed
        self.done = gevent.event.Event()
        self._parser = ESLParser()
        self._waiting: deque[_Waiter] = deque()
        self._send_lock = gevent.lock.Semaphore()
        self._closing = False
        self._reader = gevent.spawn(self._read)

    # ------------------------------------------------------------- commands
    def request(self, command: str, *, then: Sequence[str] = (), timeout: float | None = None) -> Message:
        """Send ``command`` and return its reply (``command/reply`` or
        ``api/response``). The commands in ``then`` go in the same write,
        right after it, without waiting (as :meth:`send_nowait`): one round
        trip for all. Raises :class:`ConnectionGone`, or
        :class:`~orchestrator.esl.ESLTimeout` after ``timeout`` seconds
        (the connection stays usable: the late reply is matched to this
        command and dropped)."""
        if gevent.getcurrent() is self._reader:
            raise RuntimeError("a callback of this connection cannot wait for one of its replies (the reader "
                               "would wait for itself); use send_nowait or another greenlet")
        result: gevent.event.AsyncResult[Message] = gevent.event.AsyncResult()
        label = self._write([(command, result), *((c, None) for c in then)])
        if timeout is None:
            return settled(result.get())
        with gevent.Timeout(timeout, ESLTimeout(f"no reply from FreeSWITCH at {self.name} to '{label}' "
                                                f"within {timeout:g}s")):
            return settled(result.get())

    def send_nowait(self, command: str) -> None:
        """Send ``command`` without waiting for its reply; a ``-ERR`` reply
        is logged when it comes. Raises :class:`ConnectionGone`."""
        self._write([(command, None)])

    def _write(self, commands: list[tuple[str, gevent.event.AsyncResult[Message] | None]]) -> str:
        """Send the commands in one write, each with its place in the FIFO;
        returns the first one's label."""
        waiters = [_Waiter(label_of(command), result) for command, result in commands]
        label = waiters[0].label
        data = b"".join((command + "\n\n").encode("utf-8") for command, _ in commands)
        with self._send_lock:  # the FIFO order is the order on the wire
            if self.gone is not None:
                raise ConnectionGone(f"cannot send '{label}' to FreeSWITCH at {self.name}: {self.gone}")
            self._waiting.extend(waiters)
            try:
                self.sock.sendall(data)
            except OSError as exc:
                reason = f"socket error while sending '{label}': {exc.strerror or exc}"
                self._stop_answering(reason)
                self._shutdown()
                raise ConnectionGone(f"connection to FreeSWITCH at {self.name} lost: {reason}") from None
        return label

    # --------------------------------------------------------------- reader
    def _read(self) -> None:
        reason = "FreeSWITCH closed the connection"
        try:
            while True:
                try:
                    data = self.sock.recv(self.recv_size)
                except OSError as exc:
                    if not self._closing:
                        reason = f"socket error: {exc.strerror or exc}"
                    break
                if not data:
                    break
                for message in self._parser.feed(data):
                    self._dispatch(message)
        except ESLProtocolError as exc:
            reason = f"unreadable data from FreeSWITCH: {exc.message}"
            log.warning("unreadable message: closing the connection", extra={"peer": self.name, "error": exc.message})
        finally:
            if self._closing:
                reason = "the connection was closed by this side"
            self._end(reason)

    def _dispatch(self, message: Message) -> None:
        ctype = message.content_type
        if ctype in REPLY_TYPES:
            self._reply(message)
        elif message.is_event:
            if self.on_event is None:
                return
            try:
                event = parse_event(message)
            except ESLError as exc:  # one bad event must not end the connection
                log.warning("dropping undecodable event", extra={"peer": self.name, "error": exc.message})
                return
            self._call(self.on_event, event)
        elif ctype == DISCONNECT_NOTICE:
            self._notice(message)
        elif ctype in (AUTH_REQUEST, RUDE_REJECTION):
            if not self.greeting.ready():
                self.greeting.set(message)
        elif ctype == LOG_DATA:
            log.debug("log/data", extra={"peer": self.name, "text": message.body.rstrip()})
        else:
            log.warning("unexpected message ignored", extra={"peer": self.name, "content_type": ctype})

    def _reply(self, message: Message) -> None:
        if not self._waiting:
            log.warning("reply with no command waiting", extra={"peer": self.name,
                                                                "reply": (message.reply_text or message.body)[:80]})
            return
        waiter = self._waiting.popleft()
        if waiter.result is not None:
            waiter.result.set(message)
        else:
            text = message.reply_text if message.content_type == COMMAND_REPLY else message.body
            if text.startswith("-ERR"):
                log.warning("command refused", extra={"peer": self.name, "command": waiter.label,
                                                      "reply": text.strip()[:200]})

    def _notice(self, message: Message) -> None:
        notice = Notice(message.get("Content-Disposition", "") or "", dict(message.headers), message.body)
        self.notice = notice
        if notice.linger:
            self.lingering = True
            log.debug("linger notice", extra={"peer": self.name, "linger_time": message.get("Linger-Time"),
                                              "text": notice.text})
        else:
            log.debug("disconnect notice", extra={"peer": self.name, "text": notice.text})
            self._stop_answering(f"FreeSWITCH said goodbye ({notice.text or 'disconnect notice'})")
        if self.on_notice is not None:
            self._call(self.on_notice, notice)

    def _call(self, callback: Callable[[T], None], arg: T) -> None:
        try:
            callback(arg)
        except Exception:  # noqa: BLE001 - one callback's failure must not end the connection
            log.exception("event socket callback failed", extra={"peer": self.name,
                                                                 "callback": getattr(callback, "__name__", "")})

    # ------------------------------------------------------------------ end
    def _stop_answering(self, reason: str) -> None:
        """Nothing more will be answered: fail every waiter (once)."""
        if self.gone is not None:
            return
        self.gone = reason
        waiting, self._waiting = self._waiting, deque()
        for waiter in waiting:
            if waiter.result is not None and not waiter.result.ready():
                waiter.result.set_exception(ConnectionGone(
                    f"no reply to '{waiter.label}' from FreeSWITCH at {self.name}: {reason}"))
        if not self.greeting.ready():
            self.greeting.set_exception(ConnectionGone(f"FreeSWITCH at {self.name} sent no greeting: {reason}"))

    def _end(self, reason: str) -> None:
        self._stop_answering(reason)
        self._shutdown()
        if not self.done.is_set():
            self.done.set()
            if self.on_close is not None:
                try:
                    self.on_close(self.gone or reason)
                except Exception:  # noqa: BLE001
                    log.exception("event socket close callback failed", extra={"peer": self.name})

    def _shutdown(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def close(self, *, say_exit: bool = True, timeout: float = 2.0) -> None:
        """End the connection: ``exit`` first (waiting ``timeout`` seconds at
        most for its reply) when it still works and ``say_exit``, then shut
        the socket and wait for the reader. Safe to call more than once."""
        if say_exit and self.gone is None and gevent.getcurrent() is not self._reader:
            try:
                self.request("exit", timeout=timeout)
            except (ESLError, ValueError):
                pass
        self._closing = True
        self._stop_answering("the connection was closed by this side")
        self._shutdown()
        if self._reader is not gevent.getcurrent():
            self._reader.join(timeout=timeout)
            if not self._reader.dead:
                self._reader.kill(block=False)
        try:
            self.sock.close()
        except OSError:
            pass

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the connection has ended; True if it has."""
        return bool(self.done.wait(timeout))
