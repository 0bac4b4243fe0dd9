"""A fake FreeSWITCH for the *outbound* event socket (``socket`` app) in tests.

In outbound mode FreeSWITCH connects to *our* server, as the dialplan
application ``socket 127.0.0.1:PORT async full`` does, and our server drives
the call with ``connect``, ``myevents``, ``linger``, ``sendmsg`` (execute an
application) and ``api``. :class:`FakeOutboundCall` plays the FreeSWITCH side
of one such call, so that the hunt-group service is tested in CI without
FreeSWITCH::

    call = FakeOutboundCall(("127.0.0.1", port),
                            channel_vars={"centrex_hunt": "P~+33175000120~1",
                                          "Caller-Caller-ID-Number": "0140000000"},
                            outcomes={"0175000101@bauer.centrex.test": Outcome("busy"),
                                      "0175000102@bauer.centrex.test": Outcome("answer")},
                            registered={"0175000101@bauer.centrex.test", "0175000102@bauer.centrex.test"},
                            uuid="4a1b0000-0000-4000-8000-000000000001")
    call.start()
    assert call.wait_done(timeout=10)
    assert call.result == "bridged:0175000102@bauer.centrex.test"
    call.close()

What is faithful, and where it comes from: ``mod_event_socket.c``
(``parse_command``, ``read_packet``, ``send_disconnect``, ``listener_run``,
``socket_function``), ``switch_ivr.c`` (``switch_ivr_parse_event``,
``switch_ivr_park``), ``switch_core_session.c``
(``switch_core_session_exec``: CHANNEL_EXECUTE / _COMPLETE),
``switch_ivr_originate.c`` (dial strings, ``originate_disposition``,
``DIALSTATUS``, ``leg_timeout`` vs ``call_timeout``), ``mod_dptools.c``
(``audio_bridge_function``) and ``switch_channel.c``
(``switch_channel_handle_cause``, event header sets) of FreeSWITCH 1.11.1,
checked against traffic captured from a real FreeSWITCH 1.11.1 (the
``transcripts/outbound_*.esl`` files). In particular:

* the ``connect`` reply is a whole CHANNEL_DATA event serialised as a header
  block *without* an outer frame, with ``Content-Type: command/reply``,
  ``Reply-Text: %2BOK%0A`` (URL-encoded ``+OK\\n``), ``Socket-Mode: async``
  and ``Control: full`` among its headers;
* events only flow after ``myevents`` (or ``event ...``); events fired before
  are lost, as in FreeSWITCH;
* ``sendmsg`` is answered ``+OK`` at once (async mode) and executed later,
  one application at a time; after the channel is down or transferred it is
  still answered ``+OK`` and never executed;
* without ``async`` (``socket ... full``, ``async_mode=False``, what the
  renderer writes) the listener runs in the channel's thread: ``sendmsg``
  executes the application at once and is answered ``+OK`` only when it
  returns; the events it fired meanwhile wait in the listener's queue and
  follow the reply; nothing is parked (no CHANNEL_PARK); the ``connect``
  reply says ``Socket-Mode: static``;
* ``nixevent`` drops event names from the subscription (``+OK events nixed``);
* a failed ``bridge`` hangs the caller up with the failure cause unless
  ``continue_on_fail`` / ``failure_causes`` say otherwise; NO_ANSWER,
  NO_USER_RESPONSE and ORIGINATOR_CANCEL never hang up
  (``switch_channel_handle_cause``);
* a ``|`` failover stops after a group that timed out on ``call_timeout`` /
  ``originate_timeout`` (NO_ANSWER) unless ``originate_continue_on_timeout``
  is true; a leg with ``leg_timeout`` ends ALLOTTED_TIMEOUT and the failover
  goes on;
* ``transfer`` does **not** close the socket: the listener keeps the
  session and keeps sending its events (no disconnect notice) until the
  channel hangs up or our side closes;
* ``linger`` without a number lingers forever (``+OK will linger``,
  ``Linger-Time: -1``): FreeSWITCH holds the channel until our side closes
  (the fake waits ``max_linger`` seconds at most, then says goodbye);
* when our side closes the socket (or sends ``exit``) while the channel is
  up, the ``socket`` app returns and the dialplan goes on (result
  ``socket_closed``); a ``bridge`` already ringing is not interrupted.

Channel variables: :attr:`FakeOutboundCall.variables` starts with what a
real channel has at that point (``direction``, ``uuid``, ``call_uuid``,
``channel_name``, ``current_application=socket``, ``socket_host``...) plus
``channel_vars``; applications change it as FreeSWITCH would (``set`` moves
a variable last, an empty value unsets it, ``export`` adds ``export_vars``,
``bridge`` sets ``originate_disposition``, ``DIALSTATUS``,
``originate_failed_cause``, ``bridge_hangup_cause``, ``last_bridge_to``...,
the hangup adds ``hangup_cause`` and CDR fields). ``${var}`` in application
data is expanded (what the events show); :attr:`FakeOutboundCall.executed`
keeps the data as our side sent it.

Time is compressed: nothing really rings for ``leg_timeout`` seconds. An
:class:`Outcome` resolves after ``after`` real seconds (default 0), or, with
``hold=True``, only when :meth:`FakeOutboundCall.release` (or a caller
hang-up) says so. A ``no_answer`` leg that has a ``leg_timeout`` ends
ALLOTTED_TIMEOUT ``after`` seconds from the start of its group; one without
stands for "rings until the group's ``call_timeout``": the group times out
(NO_ANSWER) once every other leg of the group is over.

Not modelled: ``transfer_on_fail``, ``:_:`` enterprise originate, ``<..>``
blocks, ``fail_on_single_reject``, ``campon``, media, DTMF, the ``loops`` header
(FreeSWITCH stops looping when an application ran for less than 0.5 s,
which every application of the fake does).

Synchronise on :meth:`wait_done`, :meth:`wait_closed`, :meth:`wait_ringing`,
:meth:`wait_executed` (conditions), never on sleeps. Every wait has a
timeout, every thread is a daemon, and ``max_duration`` bounds a session.

The code: this module holds :class:`FakeOutboundCall` (constructor,
lifecycle, ``wait_*``, control) on top of mixins by concern:
:mod:`.outbound_session` (the listener: commands, replies, ``api``),
:mod:`.outbound_channel` (the channel thread and its applications),
:mod:`.outbound_bridge` (``bridge``) and :mod:`.outbound_wire` (event sets,
packet reader, event data); :class:`Outcome` and :class:`Leg` are in
:mod:`.outbound_legs`, dial strings in :mod:`.dialstrings`.
"""

from __future__ import annotations

import itertools
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping

from .dialstrings import dial_target, parse_dial_string
from .outbound_bridge import BridgeMixin
from .outbound_channel import ChannelMixin
from .outbound_legs import Leg, Outcome
from .outbound_session import SessionMixin
from .outbound_wire import EventDataMixin
from .server import GOODBYE_TEXT, command_reply

__all__ = ["FakeOutboundCall", "Leg", "Outcome", "parse_dial_string", "dial_target"]

_EXPAND = re.compile(r"\$\{([^{}]*)\}")


# ------------------------------------------------------------------ the call
class FakeOutboundCall(SessionMixin, ChannelMixin, BridgeMixin, EventDataMixin):
    """FreeSWITCH's side of one outbound-socket call; see the module docstring.

    ``channel_vars``: channel variables (``name``, or ``variable_name``) and
    channel-data header overrides (keys with a ``-`` that start upper-case:
    ``Caller-Caller-ID-Number``, ``Caller-Destination-Number``,
    ``Channel-Name``...). ``outcomes``: bridge target -> :class:`Outcome`
    (see :func:`dial_target`; default ``no_answer``). ``registered``: the
    ``user@domain`` that are registered (``sofia_contact``, ``user/`` legs);
    ``None`` means every user is. ``api_responses``: extra ``api`` output by
    command name or full command line (text, or ``callable(args) -> text``).
    ``max_duration``: the fake gives up (closes, sets :attr:`error`) after
    that many seconds. ``max_linger``: how long a lingering socket waits for
    our side to close before FreeSWITCH's final disconnect (``linger`` with no
    number lingers forever in FreeSWITCH). ``early_linger_notice``: send the
    linger notice right after CHANNEL_HANGUP instead of after
    CHANNEL_HANGUP_COMPLETE (both orders happen with a real FreeSWITCH: the
    notice is sent when the listener sees the channel down, while events
    reach it through the event thread).
    """

    def __init__(
        self,
        address: tuple[str, int],
        channel_vars: Mapping[str, str] | None = None,
        outcomes: Mapping[str, Outcome] | None = None,
        registered: Iterable[str] | None = None,
        uuid: str = "4a1b2c3d-0000-4000-8000-000000000001",
        *,
        api_responses: Mapping[str, object] | None = None,
        hostname: str = "fs-test-1",
        core_uuid: str = "8b2f6a1e-3c4d-4e5f-9a0b-1c2d3e4f5a6b",
        connect_timeout: float = 5.0,
        max_duration: float = 30.0,
        max_linger: float = 5.0,
        early_linger_notice: bool = False,
        async_mode: bool = False,
    ) -> None:
        self.address = (address[0], int(address[1]))
        self.uuid = uuid
        self.outcomes: dict[str, Outcome] = dict(outcomes or {})
        self.registered: set[str] | None = set(registered) if registered is not None else None
        self.api_responses: dict[str, object] = dict(api_responses or {})
        self.hostname = hostname
        self.core_uuid = core_uuid
        self.connect_timeout = connect_timeout
        self.max_duration = max_duration
        self.max_linger = max_linger
        self.early_linger_notice = early_linger_notice
        self.async_mode = async_mode
        # sync mode: events fired while an application runs, sent after its reply
        self._held: list[bytes] | None = None
        self._hold_lock = threading.Lock()

        # what the tests read
        self.executed: list[tuple[str, str]] = []
        self.variables: dict[str, str] = {}
        self.apis: list[str] = []
        self.commands: list[str] = []  # every command line received (first line only)
        self.events: list[dict[str, str]] = []  # every event delivered to our side (decoded headers)
        self.legs: list[Leg] = []
        self.closed_by: str | None = None  # "peer" (our side closed), "exit", "fake"
        self.error: str | None = None
        self.hangup_cause: str | None = None

        self._cond = threading.Condition()
        self._wlock = threading.Lock()
        self._sock: socket.socket | None = None
        self._sock_closed = False
        self._threads: list[threading.Thread] = []
        self._work: deque[tuple[str, str, str, str | None, threading.Event | None]] = deque()
        self._hangup_req: tuple[str, str] | None = None  # (cause, origin)
        self._leg_kills: dict[str, str] = {}
        self._stopping = False
        self._started = False
        self._deadline = 0.0
        self._done = False
        self._result: str | None = None
        self._hangup_origin: str | None = None
        self._bridged_target: str | None = None
        self._transfer_args: str | None = None
        self._peer_gone = False
        self._seq = itertools.count(1000)
        self._app_ids = itertools.count(1)
        self._leg_ids = itertools.count(1)
        self._bridges = itertools.count(0)

        # channel state
        self.state = "CS_EXECUTE"
        self.callstate = "RINGING"
        self.answered = False
        self.early = False
        self.ring_ready = False
        self.down = False
        self.transferred = False
        self.connected = False
        self._linger: int | None = None  # None: no linger; -1: forever; N seconds
        self._linger_sent = False
        self._subs: set[str] = set()
        self._fmt = "plain"
        self._filters: list[tuple[str, str]] = []
        self._other_leg: Leg | None = None
        self._socket_app_uuid = f"5ca1ab1e-0000-4000-8000-{0:012x}"
        now_us = int(time.time() * 1_000_000)
        self._times = {"created": now_us, "answered": 0, "progress": 0, "progress_media": 0,
                       "hangup": 0, "transfer": 0, "bridged": 0}
        self._last_app: tuple[str, str] | None = None

        self._overrides: dict[str, str] = {}
        seeds: list[tuple[str, str]] = []
        for key, value in (channel_vars or {}).items():
            if key.startswith("variable_"):
                seeds.append((key[len("variable_"):], value))
            elif "-" in key and key[:1].isupper():
                self._overrides[key] = value
            else:
                seeds.append((key, value))
        number = self._overrides.get("Caller-Caller-ID-Number", "0100000001")
        self.channel_name = self._overrides.pop("Channel-Name", f"sofia/internal/{number}@127.0.0.1:5060")
        self.uuid = self._overrides.pop("Unique-ID", self.uuid)
        self._profile = self._initial_profile(number)
        self.domain = dict(seeds).get("domain_name")

        host, port = self.address
        self._socket_data = f"{host}:{port} {'async ' if async_mode else ''}full"
        for name, value in [("direction", "inbound"), ("uuid", self.uuid), ("session_id", "1"),
                            ("channel_name", self.channel_name), ("call_uuid", self.uuid), *seeds,
                            ("current_application_data", self._socket_data),
                            ("current_application", "socket"), ("socket_host", host)]:
            self._set_var(name, value)

    # ----------------------------------------------------------- lifecycle
    def start(self) -> FakeOutboundCall:
        """Connect to our socket server and serve the session in background threads."""
        if self._started:
            raise RuntimeError("FakeOutboundCall.start() called twice")
        self._started = True
        self._deadline = time.monotonic() + self.max_duration
        self._spawn(self._session_main, "fake-fs-outbound-session")
        self._spawn(self._channel_main, "fake-fs-outbound-channel")
        return self

    def close(self) -> None:
        """Stop everything: cancel ringing legs, close the socket, join the threads."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._close_socket("fake")
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=5)
        with self._cond:
            for leg in self.legs:
                if leg.state == "ringing":
                    leg.state, leg.cause = "cancelled", "ORIGINATOR_CANCEL"
            if not self._done:
                self._mark_done()
            self._cond.notify_all()

    def __enter__(self) -> FakeOutboundCall:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------- queries
    @property
    def result(self) -> str | None:
        """How the session ended (``None`` until :meth:`wait_done` is true):
        ``transferred:<args>``, ``bridged:<target>`` (a bridge succeeded),
        ``caller_hung_up``, ``hangup:<cause>`` (``hangup`` app, ``uuid_kill``,
        or a failed bridge that hung the caller up) or ``socket_closed`` (our
        side closed/exited while the channel was up)."""
        with self._cond:
            return self._result

    @property
    def done(self) -> bool:
        with self._cond:
            return self._done

    @property
    def closed(self) -> bool:
        with self._cond:
            return self._sock_closed

    def bridge_legs_open(self) -> int:
        """B-legs still ringing or up."""
        with self._cond:
            return sum(1 for leg in self.legs if leg.state in ("ringing", "answered"))

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Wait until ``predicate()`` (evaluated under the fake's lock) is true."""
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    def wait_done(self, timeout: float = 10.0) -> bool:
        """True once the session ended (hangup, transfer, our side closed)."""
        return self.wait_for(lambda: self._done, timeout)

    def wait_closed(self, timeout: float = 10.0) -> bool:
        """True once the TCP connection is closed (by either side)."""
        return self.wait_for(lambda: self._sock_closed, timeout)

    def wait_ringing(self, target: str | None = None, count: int = 1, timeout: float = 5.0) -> bool:
        """True once ``count`` legs (to ``target``, if given) ring at the same time."""
        return self.wait_for(lambda: sum(1 for leg in self.legs if leg.state == "ringing"
                                         and (target is None or leg.target == target)) >= count, timeout)

    def wait_executed(self, app: str, count: int = 1, timeout: float = 5.0) -> bool:
        """True once ``app`` has been executed ``count`` times."""
        return self.wait_for(lambda: sum(1 for a, _ in self.executed if a == app) >= count, timeout)

    # ------------------------------------------------------------- control
    def hangup_caller(self, cause: str = "NORMAL_CLEARING") -> bool:
        """The caller hangs up now (a ringing bridge ends ORIGINATOR_CANCEL).
        Returns False when the channel is already down or hanging up."""
        return self._request_hangup(cause, "caller")

    def release(self, target: str) -> int:
        """Resolve the ``hold=True`` legs to ``target``; returns how many."""
        with self._cond:
            n = 0
            for leg in self.legs:
                if leg.target == target and leg.state == "ringing" and leg.resolve_at is None:
                    leg.released = True
                    n += 1
            self._cond.notify_all()
            return n

    def _request_hangup(self, cause: str, origin: str) -> bool:
        with self._cond:
            if self.down or self._hangup_req is not None or self._stopping:
                return False
            self._hangup_req = (cause, origin)
            self._cond.notify_all()
            return True

    # -------------------------------------------------------------- helpers
    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _remaining(self) -> float:
        return self._deadline - time.monotonic()

    def _expire(self) -> None:
        with self._cond:
            if self.error is None:
                self.error = f"fake outbound session exceeded max_duration={self.max_duration}s"
            self._stopping = True
            self._cond.notify_all()
        self._close_socket("fake")

    def _set_var(self, name: str, value: str | None) -> None:
        """``switch_channel_set_variable``: a set moves the variable last; empty unsets."""
        with self._cond:
            self.variables.pop(name, None)
            if value is not None and value != "":
                self.variables[name] = value

    def _expand(self, text: str) -> str:
        """``${var}`` expansion (unknown variables expand to nothing)."""
        with self._cond:
            return _EXPAND.sub(lambda m: self.variables.get(m.group(1), ""), text)

    def _send(self, data: bytes) -> bool:
        with self._wlock:
            sock = self._sock
            if sock is None or self._sock_closed:
                return False
            try:
                sock.sendall(data)
                return True
            except OSError:
                return False

    def _close_socket(self, by: str) -> None:
        with self._cond:
            if self._sock_closed:
                return
            self._sock_closed = True
            if self.closed_by is None and self._sock is not None:
                self.closed_by = by
            sock = self._sock
            self._cond.notify_all()
        if sock is None:
            return
        try:  # wakes a recv() or sendall() blocked in another thread
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        with self._wlock:
            sock.close()

    def _reply(self, text: str, extra: str = "") -> None:
        self._send(command_reply(text, extra))

    def _disconnect_notice(self) -> bytes:
        """send_disconnect() with a session: Controlled-Session-UUID + disposition."""
        body = GOODBYE_TEXT.encode()
        return (f"Content-Type: text/disconnect-notice\nControlled-Session-UUID: {self.uuid}\n"
                f"Content-Disposition: disconnect\nContent-Length: {len(body)}\n\n").encode() + body

    def _linger_notice(self) -> bytes:
        return (f"Content-Type: text/disconnect-notice\nControlled-Session-UUID: {self.uuid}\n"
                f"Content-Disposition: linger\nChannel-Name: {self.channel_name}\n"
                f"Linger-Time: {self._linger}\nContent-Length: 0\n\n").encode()
