"""A small blocking ESL inbound client (plain ``socket``, no gevent/asyncio).

Used by the orchestrator to run ``reloadxml`` and similar commands while
applying configuration::

    client = ESLClient()
    client.connect("127.0.0.1", 8021, password)
    body = client.api("reloadxml", check=True)   # "+OK [Success]\\n\\n"
    client.close()

ESL replies come back strictly in the order the commands were sent, with
events and log lines interleaved at any point. While waiting for a reply the
client therefore queues any event it reads; :meth:`ESLClient.recv_event`
hands them out later. Every read has a deadline. A timeout leaves the reply
stream out of step, so the connection is closed and the caller has to
reconnect. One lock serialises callers: the client is safe to share between
threads, but only one of them talks to FreeSWITCH at a time.
"""

from __future__ import annotations

import collections
import errno
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import NoReturn

from .protocol import (
    API_RESPONSE,
    AUTH_REQUEST,
    COMMAND_REPLY,
    DISCONNECT_NOTICE,
    LOG_DATA,
    RUDE_REJECTION,
    ESLAuthError,
    ESLCommandError,
    ESLConnectError,
    ESLConnectionLost,
    ESLError,
    ESLNotConnected,
    ESLParser,
    ESLProtocolError,
    ESLTimeout,
    Event,
    Message,
    parse_event,
)

logger = logging.getLogger(__name__)

EVENT_FORMATS = ("plain", "json")


def _describe(verb: str, command: str) -> str:
    """A short label for a command in messages: verb and first word only.

    Arguments can carry secrets (``originate {sip_auth_password=...}``) and are
    therefore never put into logs or error messages.
    """
    first = command.split(" ", 1)[0] if command else ""
    more = " ..." if " " in command.strip() else ""
    return f"{verb} {first}{more}".strip()


def _connect_failure(exc: OSError, timeout: float) -> str:
    """Why ``socket.create_connection`` failed, in words a person can act on."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is FreeSWITCH running with mod_event_socket listening there?)"
    if isinstance(exc, socket.gaierror):
        return f"host name not resolved ({exc.strerror})"
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g}s (check the address, port and any firewall)"
    return exc.strerror or errno.errorcode.get(exc.errno or 0, str(exc))


def _check_line(value: str, what: str) -> None:
    """Refuse values that would break ESL framing (or inject a command)."""
    if "\n" in value or "\r" in value:
        raise ValueError(f"{what} must not contain line breaks")


class ESLClient:
    """Blocking ESL inbound client; see the module docstring."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._sock: socket.socket | None = None
        self._parser = ESLParser()
        self._messages: collections.deque[Message] = collections.deque()
        self._events: collections.deque[Event] = collections.deque()
        self._host = ""
        self._port = 0
        self._timeout = 5.0
        self._wait = 5.0  # the time allowed for the operation in progress
        self._lost_reason = ""

    # ------------------------------------------------------------ lifecycle
    @property
    def connected(self) -> bool:
        """True while an authenticated connection is open."""
        return self._sock is not None

    @property
    def address(self) -> str:
        """``host:port`` of the server, for messages."""
        return f"{self._host}:{self._port}"

    def connect(self, host: str, port: int, password: str, timeout: float = 5.0) -> None:
        """Open the connection and authenticate; ``timeout`` bounds each step.

        ``timeout`` also becomes the default for later commands.
        Raises :class:`ESLConnectError`, :class:`ESLAuthError`,
        :class:`ESLConnectionLost` or :class:`ESLTimeout`.
        """
        _check_line(password, "the event socket password")
        with self._lock:
            if self._sock is not None:
                self._close_socket()
            self._host, self._port, self._timeout = host, int(port), float(timeout)
            self._parser.reset()
            self._messages.clear()
            self._events.clear()
            self._lost_reason = ""
            try:
                sock = socket.create_connection((host, self._port), timeout=timeout)
            except OSError as exc:
                raise ESLConnectError(
                    f"cannot connect to FreeSWITCH event socket at {self.address}: "
                    f"{_connect_failure(exc, timeout)}"
                ) from None
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock = sock
            logger.debug("connected to %s, waiting for auth/request", self.address)
            try:
                self._authenticate(password)
            except BaseException:
                self._close_socket()
                raise
            logger.info("authenticated to FreeSWITCH event socket at %s", self.address)

    def _authenticate(self, password: str) -> None:
        self._wait = self._timeout
        deadline = time.monotonic() + self._timeout
        first = self._read_message(deadline, "the auth/request greeting")
        assert first is not None  # without idle_ok, the deadline raises ESLTimeout instead
        if first.content_type == RUDE_REJECTION:
            raise ESLConnectError(
                f"FreeSWITCH event socket at {self.address} refused this client: "
                f"{first.body.strip() or 'rude rejection'} (check apply-inbound-acl in "
                "event_socket.conf.xml)",
                error_id="esl.rejected",
            )
        if first.content_type != AUTH_REQUEST:
            raise ESLProtocolError(
                f"{self.address} did not greet with auth/request (got "
                f"{first.content_type or 'no Content-Type'}); is it really a FreeSWITCH event socket?"
            )
        self._send(f"auth {password}\n\n", log_as="auth ********")
        reply = self._read_reply((COMMAND_REPLY,), deadline, "auth")
        if not reply.reply_text.startswith("+OK"):
            raise ESLAuthError(
                f"FreeSWITCH event socket at {self.address} rejected the password "
                f"(reply: {reply.reply_text or 'none'}); check the password configured for "
                "this node against event_socket.conf.xml"
            )

    def close(self) -> None:
        """Say ``exit`` politely if still connected, then close the socket."""
        with self._lock:
            if self._sock is None:
                return
            try:
                self._send("exit\n\n")
                deadline = time.monotonic() + min(self._timeout, 2.0)
                self._read_reply((COMMAND_REPLY,), deadline, "exit")
            except ESLError as exc:
                logger.debug("ignoring error while closing %s: %s", self.address, exc)
            finally:
                self._close_socket()

    def __enter__(self) -> ESLClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------- commands
    def api(self, cmd: str, *, timeout: float | None = None, check: bool = False) -> str:
        """Run ``api <cmd>`` and return the response body unchanged.

        FreeSWITCH reports failures inside the body (``-ERR ...``). With
        ``check=True`` such a body raises :class:`ESLCommandError` instead.
        """
        _check_line(cmd, "an api command")
        label = _describe("api", cmd)
        with self._lock:
            reply = self._request(f"api {cmd}\n\n", (API_RESPONSE,), timeout, label)
        if check and reply.body.lstrip().startswith("-ERR"):
            raise ESLCommandError(
                f"FreeSWITCH at {self.address} refused '{label}': {reply.body.strip()}",
                reply=reply.body,
            )
        return reply.body

    def bgapi(self, cmd: str, *, job_uuid: str | None = None, timeout: float | None = None) -> str:
        """Run ``bgapi <cmd>``; return the Job-UUID of the background job.

        The result arrives later as a BACKGROUND_JOB event (subscribe to it
        with :meth:`events`, then use :meth:`wait_for_job`).
        """
        _check_line(cmd, "a bgapi command")
        label = _describe("bgapi", cmd)
        extra = ""
        if job_uuid:
            _check_line(job_uuid, "a Job-UUID")
            extra = f"Job-UUID: {job_uuid}\n"
        with self._lock:
            reply = self._request(f"bgapi {cmd}\n{extra}\n", (COMMAND_REPLY,), timeout, label)
        text = reply.reply_text
        uuid = reply.get("Job-UUID") or ""
        if not uuid and text.startswith("+OK Job-UUID:"):
            uuid = text.split(":", 1)[1].strip()
        if not text.startswith("+OK") or not uuid:
            raise ESLCommandError(
                f"FreeSWITCH at {self.address} refused '{label}': {text or 'empty reply'}",
                reply=text,
            )
        return uuid

    def events(self, fmt: str, names: str | Iterable[str], *, timeout: float | None = None) -> str:
        """Subscribe: ``event <fmt> <names...>``; returns the reply text.

        ``fmt`` is ``plain`` or ``json``; ``names`` like ``["ALL"]`` or
        ``["CHANNEL_HANGUP_COMPLETE", "CUSTOM", "sofia::register"]``.
        """
        if fmt not in EVENT_FORMATS:
            raise ValueError(f"event format must be one of {', '.join(EVENT_FORMATS)}, not {fmt!r}")
        words = names.split() if isinstance(names, str) else [str(n) for n in names]
        if not words:
            raise ValueError("at least one event name is needed (e.g. ALL)")
        line = " ".join(words)
        _check_line(line, "event names")
        return self._command(f"event {fmt} {line}", timeout)

    def filter(self, header: str, value: str, *, timeout: float | None = None) -> str:
        """Only receive events whose ``header`` equals ``value``."""
        _check_line(f"{header} {value}", "a filter")
        return self._command(f"filter {header} {value}", timeout)

    def noevents(self, *, timeout: float | None = None) -> str:
        """Stop all event delivery; queued events are discarded."""
        reply = self._command("noevents", timeout, allow_error=True)
        with self._lock:
            self._events.clear()
        return reply

    def _command(self, line: str, timeout: float | None, allow_error: bool = False) -> str:
        label = line.split(" ", 1)[0]
        with self._lock:
            reply = self._request(f"{line}\n\n", (COMMAND_REPLY,), timeout, label)
        text = reply.reply_text
        if not allow_error and not text.startswith("+OK"):
            raise ESLCommandError(
                f"FreeSWITCH at {self.address} refused '{label}': {text or 'empty reply'}",
                reply=text,
            )
        return text

    # --------------------------------------------------------------- events
    def recv_event(self, timeout: float | None = None) -> Event | None:
        """Next event, waiting up to ``timeout`` seconds; None if none came.

        ``timeout=None`` uses the connection default; ``0`` only returns an
        already received event.
        """
        return self.wait_for_event(lambda _event: True, timeout)

    def wait_for_job(self, job_uuid: str, timeout: float | None = None) -> Event | None:
        """The BACKGROUND_JOB event of ``job_uuid``; other events stay queued."""
        return self.wait_for_event(
            lambda ev: ev.name == "BACKGROUND_JOB" and ev.job_uuid == job_uuid, timeout
        )

    def wait_for_event(self, match: Callable[[Event], bool], timeout: float | None = None) -> Event | None:
        """First event ``match`` accepts (removed from the queue), or None on timeout."""
        with self._lock:
            for queued in self._events:
                if match(queued):
                    self._events.remove(queued)
                    return queued
            if self._sock is None:
                raise self._not_connected()
            wait = self._timeout if timeout is None else max(0.0, float(timeout))
            self._wait = wait
            deadline = time.monotonic() + wait
            while True:
                message = self._read_message(deadline, "an event", idle_ok=True)
                if message is None:
                    return None
                ev = self._absorb(message, "an event")
                if ev is not None:
                    if match(ev):
                        return ev
                    self._events.append(ev)
                elif message.content_type in (COMMAND_REPLY, API_RESPONSE):
                    logger.warning("dropping unsolicited %s from %s", message.content_type, self.address)

    # ------------------------------------------------------------ internals
    def _request(self, data: str, expect: tuple[str, ...], timeout: float | None, label: str) -> Message:
        if self._sock is None:
            raise self._not_connected()
        wait = self._timeout if timeout is None else float(timeout)
        self._wait = wait
        self._send(data, log_as=label)
        return self._read_reply(expect, time.monotonic() + wait, label)

    def _read_reply(self, expect: tuple[str, ...], deadline: float, label: str) -> Message:
        """Read until the reply to ``label``, queueing events on the way."""
        while True:
            message = self._read_message(deadline, f"the reply to '{label}'")
            assert message is not None
            ev = self._absorb(message, f"the reply to '{label}'")
            if ev is not None:
                self._events.append(ev)
            elif message.content_type in expect:
                return message
            elif message.content_type != LOG_DATA:
                self._close_socket()
                raise ESLProtocolError(
                    f"unexpected {message.content_type or 'message without Content-Type'} from "
                    f"{self.address} while waiting for the reply to '{label}'; connection closed"
                )

    def _absorb(self, message: Message, waiting_for: str) -> Event | None:
        """Return the event in ``message``; raise on goodbyes; else None."""
        ctype = message.content_type
        if message.is_event:
            try:
                return parse_event(message)
            except ESLError as exc:  # one bad event must not derail the replies
                logger.warning("dropping undecodable event from %s: %s", self.address, exc)
                return None
        if ctype == LOG_DATA:
            logger.debug("log/data from %s: %s", self.address, message.body.rstrip())
        elif ctype in (DISCONNECT_NOTICE, RUDE_REJECTION):
            self._lost(f"FreeSWITCH sent {ctype} ({message.body.strip() or 'no text'})", waiting_for)
        return None

    def _read_message(self, deadline: float, waiting_for: str, idle_ok: bool = False) -> Message | None:
        """Next framed message, or None at the deadline when ``idle_ok``."""
        while not self._messages:
            sock = self._sock
            if sock is None:
                raise self._not_connected()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if idle_ok:
                    return None
                self._timed_out(waiting_for)
            sock.settimeout(remaining)
            try:
                data = sock.recv(65536)
            except TimeoutError:
                if idle_ok:
                    return None
                self._timed_out(waiting_for)
            except OSError as exc:
                self._lost(f"socket error: {exc.strerror or exc}", waiting_for)
            if not data:
                self._lost("the server closed the connection", waiting_for)
            try:
                self._messages.extend(self._parser.feed(data))
            except ESLError as exc:
                self._close_socket()
                raise ESLProtocolError(f"{exc.message} (from {self.address}); connection closed") from None
        return self._messages.popleft()

    def _send(self, data: str, log_as: str | None = None) -> None:
        sock = self._sock
        if sock is None:
            raise self._not_connected()
        label = log_as or data.split("\n", 1)[0]
        logger.debug("-> %s: %s", self.address, label)
        try:
            sock.settimeout(self._timeout)
            sock.sendall(data.encode("utf-8"))
        except TimeoutError:
            self._timed_out(f"sending '{label}'")
        except OSError as exc:
            self._lost(f"socket error: {exc.strerror or exc}", f"sending '{label}'")

    def _timed_out(self, waiting_for: str) -> NoReturn:
        self._close_socket()
        self._lost_reason = "a reply timed out"
        raise ESLTimeout(
            f"no answer from FreeSWITCH event socket at {self.address} within {self._wait:g}s "
            f"while waiting for {waiting_for}; the connection was closed and must be reopened"
        )

    def _lost(self, why: str, waiting_for: str) -> NoReturn:
        self._close_socket()
        self._lost_reason = why
        logger.warning("connection to FreeSWITCH at %s lost: %s", self.address, why)
        raise ESLConnectionLost(
            f"connection to FreeSWITCH event socket at {self.address} was lost while waiting "
            f"for {waiting_for}: {why}"
        )

    def _not_connected(self) -> ESLNotConnected:
        detail = f" (connection lost earlier: {self._lost_reason})" if self._lost_reason else ""
        where = f" at {self.address}" if self._host else ""
        return ESLNotConnected(f"not connected to a FreeSWITCH event socket{where}{detail}; call connect() first")

    def _close_socket(self) -> None:
        sock, self._sock = self._sock, None
        self._messages.clear()
        self._parser.reset()
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass
