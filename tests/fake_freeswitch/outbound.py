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
"""

from __future__ import annotations

import email.utils
import itertools
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from .server import EVENT_NAMES, GOODBYE_TEXT, api_response, command_reply, frame_event, serialize_json, serialize_plain

__all__ = ["FakeOutboundCall", "Leg", "Outcome", "parse_dial_string", "dial_target"]

# parse_command(): what ``myevents`` subscribes to.
MYEVENTS = (
    "CHANNEL_ANSWER", "CHANNEL_APPLICATION", "CHANNEL_BRIDGE", "CHANNEL_CREATE", "CHANNEL_DATA",
    "CHANNEL_DESTROY", "CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_HANGUP",
    "CHANNEL_HANGUP_COMPLETE", "CHANNEL_ORIGINATE", "CHANNEL_UUID", "CHANNEL_OUTGOING", "CHANNEL_PARK",
    "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA", "CHANNEL_STATE", "CHANNEL_UNBRIDGE", "CHANNEL_UNPARK",
    "DETECTED_SPEECH", "DTMF", "NOTALK", "TALK",
)

# Event-Calling-* of each event, as captured from FreeSWITCH 1.11.1.
CALLING: dict[str, tuple[str, str, int]] = {
    "CHANNEL_DATA": ("mod_event_socket.c", "parse_command", 2018),
    "CHANNEL_EXECUTE": ("switch_core_session.c", "switch_core_session_exec", 2949),
    "CHANNEL_EXECUTE_COMPLETE": ("switch_core_session.c", "switch_core_session_exec", 2972),
    "CHANNEL_ANSWER": ("switch_channel.c", "switch_channel_perform_mark_answered", 3848),
    "CHANNEL_PROGRESS": ("switch_channel.c", "switch_channel_perform_mark_ring_ready_value", 3507),
    "CHANNEL_PROGRESS_MEDIA": ("switch_channel.c", "switch_channel_perform_mark_pre_answered", 3562),
    "CHANNEL_BRIDGE": ("switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", 1689),
    "CHANNEL_UNBRIDGE": ("switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", 1879),
    "CHANNEL_HANGUP": ("switch_channel.c", "switch_channel_perform_hangup", 3447),
    "CHANNEL_HANGUP_COMPLETE": ("switch_core_state_machine.c", "switch_core_session_reporting_state", 943),
    "CHANNEL_PARK": ("switch_ivr.c", "switch_ivr_park", 1002),
    "CHANNEL_UNPARK": ("switch_ivr.c", "switch_ivr_park", 1213),
    "CHANNEL_STATE": ("switch_channel.c", "switch_channel_perform_set_running_state", 2409),
    "BACKGROUND_JOB": ("mod_event_socket.c", "api_exec", 1572),
}

STATE_NUMBERS = {
    "CS_NEW": 0, "CS_INIT": 1, "CS_ROUTING": 2, "CS_SOFT_EXECUTE": 3, "CS_EXECUTE": 4,
    "CS_EXCHANGE_MEDIA": 5, "CS_PARK": 6, "CS_CONSUME_MEDIA": 7, "CS_HIBERNATE": 8, "CS_RESET": 9,
    "CS_HANGUP": 10, "CS_REPORTING": 11, "CS_DESTROY": 12,
}

# switch_call_cause_t (switch_types.h): Q.850 codes up to INTERWORKING (127),
# FreeSWITCH's own causes above; hangup_cause_q850 maps those to 16.
CAUSE_CODES = {
    "NONE": 0, "UNALLOCATED_NUMBER": 1, "NO_ROUTE_TRANSIT_NET": 2, "NO_ROUTE_DESTINATION": 3,
    "CHANNEL_UNACCEPTABLE": 6, "CALL_AWARDED_DELIVERED": 7, "NORMAL_CLEARING": 16, "USER_BUSY": 17,
    "NO_USER_RESPONSE": 18, "NO_ANSWER": 19, "SUBSCRIBER_ABSENT": 20, "CALL_REJECTED": 21,
    "NUMBER_CHANGED": 22, "REDIRECTION_TO_NEW_DESTINATION": 23, "EXCHANGE_ROUTING_ERROR": 25,
    "DESTINATION_OUT_OF_ORDER": 27, "INVALID_NUMBER_FORMAT": 28, "FACILITY_REJECTED": 29,
    "RESPONSE_TO_STATUS_ENQUIRY": 30, "NORMAL_UNSPECIFIED": 31, "NORMAL_CIRCUIT_CONGESTION": 34,
    "NETWORK_OUT_OF_ORDER": 38, "NORMAL_TEMPORARY_FAILURE": 41, "SWITCH_CONGESTION": 42,
    "ACCESS_INFO_DISCARDED": 43, "REQUESTED_CHAN_UNAVAIL": 44, "PRE_EMPTED": 45, "FACILITY_NOT_SUBSCRIBED": 50,
    "OUTGOING_CALL_BARRED": 52, "INCOMING_CALL_BARRED": 54, "BEARERCAPABILITY_NOTAUTH": 57,
    "BEARERCAPABILITY_NOTAVAIL": 58, "SERVICE_UNAVAILABLE": 63, "BEARERCAPABILITY_NOTIMPL": 65,
    "CHAN_NOT_IMPLEMENTED": 66, "FACILITY_NOT_IMPLEMENTED": 69, "SERVICE_NOT_IMPLEMENTED": 79,
    "INVALID_CALL_REFERENCE": 81, "INCOMPATIBLE_DESTINATION": 88, "INVALID_MSG_UNSPECIFIED": 95,
    "MANDATORY_IE_MISSING": 96, "MESSAGE_TYPE_NONEXIST": 97, "WRONG_MESSAGE": 98, "IE_NONEXIST": 99,
    "INVALID_IE_CONTENTS": 100, "WRONG_CALL_STATE": 101, "RECOVERY_ON_TIMER_EXPIRE": 102,
    "MANDATORY_IE_LENGTH_ERROR": 103, "PROTOCOL_ERROR": 111, "INTERWORKING": 127, "SUCCESS": 142,
    "ORIGINATOR_CANCEL": 487, "CRASH": 700, "SYSTEM_SHUTDOWN": 701, "LOSE_RACE": 702, "MANAGER_REQUEST": 703,
    "BLIND_TRANSFER": 800, "ATTENDED_TRANSFER": 801, "ALLOTTED_TIMEOUT": 802, "USER_CHALLENGE": 803,
    "MEDIA_TIMEOUT": 804, "PICKED_OFF": 805, "USER_NOT_REGISTERED": 806, "PROGRESS_TIMEOUT": 807,
    "INVALID_GATEWAY": 808, "GATEWAY_DOWN": 809, "INVALID_URL": 810, "INVALID_PROFILE": 811, "NO_PICKUP": 812,
    "SRTP_READ_ERROR": 813, "BOWOUT": 814, "BUSY_EVERYWHERE": 815, "DECLINE": 816,
    "DOES_NOT_EXIST_ANYWHERE": 817, "NOT_ACCEPTABLE": 818, "UNWANTED": 819, "NO_IDENTITY": 820,
    "BAD_IDENTITY_INFO": 821, "UNSUPPORTED_CERTIFICATE": 822, "INVALID_IDENTITY": 823, "STALE_DATE": 824,
    "REJECT_ALL": 825,
}


# switch_channel_handle_cause(): without continue_on_fail / failure_causes
# these never hang the caller up after a failed bridge.
ALWAYS_CONTINUE = frozenset({"NO_ANSWER", "NO_USER_RESPONSE", "ORIGINATOR_CANCEL"})

# switch_ivr_originate(): DIALSTATUS of a failed originate (default: the cause).
_DIALSTATUS = {"ORIGINATOR_CANCEL": "CANCEL", "USER_BUSY": "BUSY", "NO_ANSWER": "NOANSWER",
               "DESTINATION_OUT_OF_ORDER": "INVALIDARGS", "INVALID_PROFILE": "INVALIDARGS",
               "CALL_REJECTED": "DONTCALL"}

OUTCOME_KINDS = ("answer", "busy", "no_answer", "unregistered")
DEFAULT_TIMEOUT = 60  # SWITCH_DEFAULT_TIMEOUT: originate's call_timeout when none is set
_EXPAND = re.compile(r"\$\{([^{}]*)\}")
_TRUE = {"yes", "on", "true", "t", "enabled", "active", "allow"}


def switch_true(value: str | None) -> bool:
    """``switch_true``: yes/on/true/t/enabled/active/allow or a non-zero number."""
    if value is None:
        return False
    value = value.strip().lower()
    if value in _TRUE:
        return True
    try:
        return int(value) != 0
    except ValueError:
        return False


@dataclass(frozen=True)
class Outcome:
    """What happens to a bridge leg.

    ``kind``: ``answer``, ``busy`` (USER_BUSY), ``no_answer`` (rings until
    its timeout) or ``unregistered`` (USER_NOT_REGISTERED at once, the leg
    never rings). ``after``: real seconds from the start of the leg's group
    until it resolves. ``hold``: resolve only on :meth:`FakeOutboundCall.release`
    (or when the caller hangs up). ``cause``: another hangup cause for a
    failing leg (``busy``/``no_answer``), e.g. ``CALL_REJECTED``.
    """

    kind: str
    after: float = 0.0
    hold: bool = False
    cause: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in OUTCOME_KINDS:
            raise ValueError(f"Outcome kind must be one of {OUTCOME_KINDS}, not {self.kind!r}")
        if self.after < 0:
            raise ValueError("Outcome.after must be >= 0")


DEFAULT_OUTCOME = Outcome("no_answer")


@dataclass
class Leg:
    """One B-leg of a ``bridge`` as the fake saw it.

    ``state``: ``new`` (its failover group was never tried), ``ringing``,
    ``answered``, ``failed`` (``cause`` says why; ``rang`` is False when the
    channel was never created, e.g. USER_NOT_REGISTERED), ``cancelled``
    (ORIGINATOR_CANCEL, or LOSE_RACE when another leg answered) or ``hungup``
    (answered, then the conversation ended NORMAL_CLEARING).
    """

    endpoint: str
    target: str
    variables: dict[str, str]
    group: int
    index: int
    uuid: str
    outcome: Outcome
    bridge: int = 0  # which bridge execution (0, 1, ...) of the session
    state: str = "new"
    cause: str | None = None
    rang: bool = False
    released: bool = False
    resolve_at: float | None = None  # monotonic time it resolves (None: held)
    final_kind: str = ""  # answer | fail | group_timeout
    final_cause: str = ""

    @property
    def channel_name(self) -> str:
        if self.endpoint.startswith("user/"):
            return f"sofia/internal/{self.target}"
        return self.endpoint


# --------------------------------------------------------------- dial strings
def _find_close(text: str, start: int, opener: str, closer: str) -> int:
    depth, quote = 0, False
    for i in range(start, len(text)):
        ch = text[i]
        if ch == "'":
            quote = not quote
        elif not quote and ch == opener:
            depth += 1
        elif not quote and ch == closer:
            depth -= 1
            if depth == 0:
                return i
    raise ValueError(f"unbalanced {opener}{closer} in dial string {text!r}")


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside ``[] {} <>`` and single quotes."""
    parts, cur, depth, quote = [], [], 0, False
    for ch in text:
        if ch == "'":
            quote = not quote
        elif not quote and ch in "[{<":
            depth += 1
        elif not quote and ch in "]}>":
            depth -= 1
        if ch == sep and depth == 0 and not quote:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur))
    return parts


def _parse_vars(inner: str) -> dict[str, str]:
    """``a=b,c='d e'`` (or ``^^:a=b:c=d`` with another delimiter)."""
    delim = ","
    if inner.startswith("^^") and len(inner) > 2:
        delim, inner = inner[2], inner[3:]
    out: dict[str, str] = {}
    for item in _split_top(inner, delim):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1]
        out[name.strip()] = value
    return out


def _take_block(text: str, opener: str, closer: str) -> tuple[dict[str, str], str]:
    end = _find_close(text, 0, opener, closer)
    return _parse_vars(text[1:end]), text[end + 1:].lstrip()


def parse_dial_string(data: str) -> list[list[tuple[str, dict[str, str]]]]:
    """A bridge/originate dial string as failover groups (``|``) of
    simultaneous legs (``,``), each ``(endpoint, variables)``: the ``{..}``
    globals merged with the leg's own ``[..]`` blocks."""
    rest = data.strip()
    globals_: dict[str, str] = {}
    if rest.startswith("{"):
        globals_, rest = _take_block(rest, "{", "}")
    groups: list[list[tuple[str, dict[str, str]]]] = []
    for group_text in _split_top(rest, "|"):
        group_text = group_text.strip()
        group_vars = dict(globals_)
        if group_text.startswith("{"):
            extra, group_text = _take_block(group_text, "{", "}")
            group_vars.update(extra)
        legs = []
        for leg_text in _split_top(group_text, ","):
            leg_text = leg_text.strip()
            leg_vars = dict(group_vars)
            while leg_text.startswith("["):
                extra, leg_text = _take_block(leg_text, "[", "]")
                leg_vars.update(extra)
            if leg_text:
                legs.append((leg_text, leg_vars))
        if legs:
            groups.append(legs)
    return groups


def dial_target(endpoint: str, default_domain: str | None = None) -> str:
    """The key of ``outcomes`` for a leg: ``user@domain`` for ``user/...``,
    the number for ``sofia/gateway/<gw>/<number>``, the URI without ``sip:``
    for ``sofia/<profile>/<uri>``, the extension for ``loopback/<ext>/...``,
    otherwise the endpoint itself."""
    if endpoint.startswith("user/"):
        user = endpoint[5:]
        if "@" not in user and default_domain:
            user = f"{user}@{default_domain}"
        return user
    if endpoint.startswith("sofia/gateway/"):
        _gw, _, number = endpoint[len("sofia/gateway/"):].partition("/")
        return number.removeprefix("sip:").removeprefix("sips:")
    if endpoint.startswith("sofia/"):
        _profile, _, uri = endpoint[len("sofia/"):].partition("/")
        return uri.removeprefix("sip:").removeprefix("sips:")
    if endpoint.startswith("loopback/"):
        return endpoint[len("loopback/"):].split("/")[0]
    return endpoint


# -------------------------------------------------------------- wire reading
class _PacketReader:
    """Our side's byte stream as ``read_packet()`` cuts it: a command line,
    ``Name: value`` header lines (values taken raw, names matched without
    case), an empty line, then ``Content-Length`` bytes of body."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def feed(self, data: bytes) -> list[tuple[str, dict[str, str], bytes]]:
        self.buf += data
        out: list[tuple[str, dict[str, str], bytes]] = []
        while True:
            while self.buf[:1] in (b"\n", b"\r"):
                del self.buf[:1]
            end, term = -1, 0
            for sep in (b"\n\n", b"\r\n\r\n", b"\n\r\n"):
                pos = self.buf.find(sep)
                if pos != -1 and (end == -1 or pos < end):
                    end, term = pos, len(sep)
            if end == -1:
                return out
            lines = self.buf[:end].decode("utf-8", errors="replace").replace("\r", "").split("\n")
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if sep and name.strip():
                    headers[name.strip().lower()] = value.lstrip(" ")
            try:
                length = max(0, int(headers.get("content-length", "0") or 0))
            except ValueError:
                length = 0
            if len(self.buf) < end + term + length:
                return out
            body = bytes(self.buf[end + term:end + term + length])
            del self.buf[:end + term + length]
            out.append((lines[0].strip(), headers, body))


# ------------------------------------------------------------------ the call
class FakeOutboundCall:
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

    # ---------------------------------------------------------- event data
    def _initial_profile(self, number: str) -> list[tuple[str, str]]:
        name = self._overrides.get("Caller-Caller-ID-Name", number)
        dest = self._overrides.get("Caller-Destination-Number", "0100000000")
        fields = [
            ("Direction", "inbound"), ("Logical-Direction", "inbound"), ("Dialplan", "XML"),
            ("Caller-ID-Name", name), ("Caller-ID-Number", number), ("Orig-Caller-ID-Name", name),
            ("Orig-Caller-ID-Number", number), ("Network-Addr", "127.0.0.1"), ("ANI", number),
            ("Destination-Number", dest), ("Unique-ID", self.uuid), ("Source", "mod_sofia"),
            ("Context", "public"), ("Channel-Name", self.channel_name), ("Profile-Index", "1"),
        ]
        known = {k for k, _ in fields}
        out = [(k, self._overrides.get(f"Caller-{k}", v)) for k, v in fields]
        out += [(k[len("Caller-"):], v) for k, v in self._overrides.items()
                if k.startswith("Caller-") and k[len("Caller-"):] not in known]
        return out

    def _profile_headers(self, prefix: str) -> list[tuple[str, str]]:
        t = self._times
        out = [(f"{prefix}-{k}", v) for k, v in self._profile]
        out += [
            (f"{prefix}-Profile-Created-Time", str(t["created"])),
            (f"{prefix}-Channel-Created-Time", str(t["created"])),
            (f"{prefix}-Channel-Answered-Time", str(t["answered"])),
            (f"{prefix}-Channel-Progress-Time", str(t["progress"])),
            (f"{prefix}-Channel-Progress-Media-Time", str(t["progress_media"])),
            (f"{prefix}-Channel-Hangup-Time", str(t["hangup"])),
            (f"{prefix}-Channel-Transfer-Time", str(t["transfer"])),
            (f"{prefix}-Channel-Resurrect-Time", "0"),
            (f"{prefix}-Channel-Bridged-Time", str(t["bridged"])),
            (f"{prefix}-Channel-Last-Hold", "0"),
            (f"{prefix}-Channel-Hold-Accum", "0"),
            (f"{prefix}-Screen-Bit", "true"),
            (f"{prefix}-Privacy-Hide-Name", "false"),
            (f"{prefix}-Privacy-Hide-Number", "false"),
        ]
        return out

    def _answer_state(self) -> str:
        if self.down:
            return "hangup"
        if self.answered:
            return "answered"
        if self.early:
            return "early"
        return "ringing"

    def _basic_data(self) -> list[tuple[str, str]]:
        """switch_channel_event_set_basic_data() + the variables (extended data)."""
        basic = [
            ("Channel-State", self.state), ("Channel-Call-State", self.callstate),
            ("Channel-State-Number", str(STATE_NUMBERS[self.state])), ("Channel-Name", self.channel_name),
            ("Unique-ID", self.uuid), ("Call-Direction", "inbound"), ("Presence-Call-Direction", "inbound"),
            ("Channel-HIT-Dialplan", "true"), ("Channel-Call-UUID", self.uuid),
            ("Answer-State", self._answer_state()),
        ]
        if self.hangup_cause:
            basic.append(("Hangup-Cause", self.hangup_cause))
        basic += [("Channel-Read-Codec-Name", "PCMA"), ("Channel-Read-Codec-Rate", "8000"),
                  ("Channel-Read-Codec-Bit-Rate", "64000"), ("Channel-Write-Codec-Name", "PCMA"),
                  ("Channel-Write-Codec-Rate", "8000"), ("Channel-Write-Codec-Bit-Rate", "64000")]
        overrides = {k: v for k, v in self._overrides.items() if not k.startswith("Caller-")}
        basic = [(k, overrides.pop(k, v)) for k, v in basic]
        basic += self._profile_headers("Caller")
        basic += list(overrides.items())
        leg = self._other_leg
        if leg is not None:
            basic += [
                ("Other-Type", "originatee"), ("Other-Leg-Direction", "outbound"),
                ("Other-Leg-Logical-Direction", "outbound"), ("Other-Leg-Dialplan", "XML"),
                ("Other-Leg-Caller-ID-Name", dict(self._profile).get("Caller-ID-Name", "")),
                ("Other-Leg-Caller-ID-Number", dict(self._profile).get("Caller-ID-Number", "")),
                ("Other-Leg-Callee-ID-Name", "Outbound Call"),
                ("Other-Leg-Callee-ID-Number", leg.target.split("@")[0]),
                ("Other-Leg-Destination-Number", leg.target.split("@")[0]),
                ("Other-Leg-Unique-ID", leg.uuid), ("Other-Leg-Source", "mod_sofia"),
                ("Other-Leg-Context", "default"), ("Other-Leg-Channel-Name", leg.channel_name),
            ]
        basic += [(f"variable_{k}", v) for k, v in self.variables.items()]
        return basic

    def _standard(self, name: str) -> list[tuple[str, str]]:
        now = time.time()
        calling = CALLING.get(name, ("switch_channel.c", "switch_channel_event_set_data", 1))
        return [
            ("Event-Name", name), ("Core-UUID", self.core_uuid), ("FreeSWITCH-Hostname", self.hostname),
            ("FreeSWITCH-Switchname", self.hostname), ("FreeSWITCH-IPv4", "127.0.0.1"),
            ("FreeSWITCH-IPv6", "::1"),
            ("Event-Date-Local", time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))),
            ("Event-Date-GMT", email.utils.formatdate(now, usegmt=True)),
            ("Event-Date-Timestamp", str(int(now * 1_000_000))),
            ("Event-Calling-File", calling[0]), ("Event-Calling-Function", calling[1]),
            ("Event-Calling-Line-Number", str(calling[2])), ("Event-Sequence", str(next(self._seq))),
        ]

    def _wants(self, name: str, headers: list[tuple[str, str]]) -> bool:
        if not self._subs or ("ALL" not in self._subs and name not in self._subs):
            return False
        if self._filters:
            lowered = {k.lower(): v for k, v in headers}
            return any(lowered.get(h.lower(), "").lower() == v.lower() for h, v in self._filters)
        return True

    def _fire(self, name: str, extra: Iterable[tuple[str, str]] = (), prefix: Iterable[tuple[str, str]] = (),
              channel: bool = True, body: str | None = None) -> list[tuple[str, str]]:
        """Fire a channel event; deliver it when our side is subscribed."""
        with self._cond:
            pairs = self._standard(name) + list(prefix)
            if channel:
                pairs += self._basic_data()
            pairs += list(extra)
            deliver = self._wants(name, pairs) and not self._sock_closed
            if deliver:
                decoded = dict(pairs)
                if body:
                    decoded["_body"] = body
                self.events.append(decoded)
                self._cond.notify_all()
        if deliver:
            payload = serialize_json(pairs, body) if self._fmt == "json" else serialize_plain(pairs, body)
            self._emit(frame_event(payload, self._fmt))
        return pairs

    # ------------------------------------------------------ session thread
    def _session_main(self) -> None:
        try:
            sock = socket.create_connection(self.address, timeout=self.connect_timeout)
        except OSError as exc:
            with self._cond:
                self.error = f"cannot connect to {self.address[0]}:{self.address[1]}: {exc}"
                self._sock_closed = True
                self._stopping = True
                self._mark_done()
                self._cond.notify_all()
            return
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._cond:
            if self._stopping:
                sock.close()
                self._sock_closed = True
                return
            self._sock = sock
            self._cond.notify_all()
        reader = _PacketReader()
        try:
            while True:
                remaining = self._remaining()
                if remaining <= 0:
                    self._expire()
                    return
                try:
                    sock.settimeout(remaining)  # (closed by the channel thread: EBADF)
                    data = sock.recv(65536)
                except TimeoutError:
                    self._expire()
                    return
                except OSError:
                    return
                if not data:
                    return
                for line, headers, body in reader.feed(data):
                    with self._cond:
                        self.commands.append(line)
                        self._cond.notify_all()
                    if not self._handle(line, headers, body):
                        return
        finally:
            self._close_socket("peer")
            with self._cond:
                self._peer_gone = True
                self._cond.notify_all()

    def _handle(self, line: str, headers: dict[str, str], body: bytes) -> bool:
        """parse_command() for an outbound (``async full``) listener; False ends it."""
        verb, _, rest = line.partition(" ")
        verb = verb.lower()
        rest = rest.strip()
        if verb == "exit" or line.startswith("..."):
            self._reply("+OK bye")
            self._send(self._disconnect_notice())
            self._close_socket("exit")
            return False
        if verb == "connect":
            self._connect()
        elif verb == "myevents":
            self._myevents(rest)
        elif verb == "linger":
            try:
                seconds = int(rest) if rest else -1
            except ValueError:
                seconds = 0  # atoi()
            with self._cond:
                self._linger = seconds
            self._reply("+OK will linger" if seconds == -1 else f"+OK will linger {seconds} seconds")
        elif verb == "nolinger":
            with self._cond:
                self._linger = None
            self._reply("+OK will not linger")
        elif verb == "resume":
            self._set_var("socket_resume", "true")
            self._reply("+OK")
        elif verb == "getvar":
            with self._cond:
                value = self.variables.get(rest, "")
            self._reply(value)
        elif verb == "divert_events":
            if not rest:
                self._reply("-ERR missing value.")
            else:
                self._reply("+OK events diverted" if rest.lower() == "on" else "+OK events not diverted")
        elif verb == "sendmsg":
            self._sendmsg(rest, headers, body)
        elif verb == "api" and rest:
            self._api(rest)
        elif verb == "bgapi" and rest:
            self._bgapi(rest, headers)
        elif verb == "event":
            self._reply(self._subscribe(rest.split()))
        elif verb == "nixevent":
            self._reply(self._nix(rest.split()))
        elif verb == "noevents":
            with self._cond:
                had = bool(self._subs)
                self._subs.clear()
            self._reply("+OK no longer listening for events" if had else "-ERR not listening for events")
        elif verb == "filter":
            header, _, value = rest.partition(" ")
            if not value:
                self._reply("-ERR invalid syntax")
            else:
                with self._cond:
                    self._filters.append((header, value))
                self._reply(f"+OK filter added. [{header}]=[{value}]")
        else:
            self._reply("-ERR command not found")
        return True

    def _connect(self) -> None:
        with self._cond:
            self.connected = True
            pairs = self._standard("CHANNEL_DATA") + self._profile_headers("Channel") + self._basic_data()
            pairs += [("Content-Type", "command/reply"), ("Reply-Text", "+OK\n"),
                      ("Socket-Mode", "async" if self.async_mode else "static"), ("Control", "full")]
        self._send(serialize_plain(pairs, None))

    def _myevents(self, rest: str) -> None:
        with self._cond:
            if "MYEVENTS" in self._subs:
                reply = "-ERR aready enabled."  # sic, mod_event_socket.c
            else:
                self._subs.update(MYEVENTS)
                self._subs.add("MYEVENTS")
                if "xml" in rest.lower():
                    self._fmt = "xml"
                if "json" in rest.lower():
                    self._fmt = "json"
                reply = "+OK Events Enabled"
            park = (self.async_mode and reply.startswith("+OK") and self.connected and not self.executed
                    and not self.down and not self.transferred)
        if self._fmt == "xml":
            self._fmt = "plain"  # switch_event_xmlize is not modelled
        self._reply(reply)
        if park:
            # socket_function() parks the channel once ``connect`` arrived; with
            # FreeSWITCH's event thread lag the CHANNEL_PARK reaches a listener
            # that subscribed right after ``connect`` (seen in every capture).
            self._fire("CHANNEL_PARK")

    def _subscribe(self, words: list[str]) -> str:
        with self._cond:
            if words and words[0].lower() in ("plain", "json", "xml"):
                fmt = words.pop(0).lower()
                self._fmt = "plain" if fmt == "xml" else fmt
            known = 0
            custom = False
            for word in words:
                if custom:
                    continue
                if word.upper() in EVENT_NAMES:
                    known += 1
                    self._subs.add(word.upper())
                    custom = word.upper() == "CUSTOM"
            self._cond.notify_all()
            if not known:
                return "-ERR no keywords supplied"
            return f"+OK event listener enabled {self._fmt}"

    def _nix(self, words: list[str]) -> str:
        with self._cond:
            known = 0
            for word in words:
                name = word.upper()
                if name not in EVENT_NAMES:
                    continue
                known += 1
                if name == "CUSTOM":
                    break  # what follows are subclasses (not modelled)
                if name == "ALL":
                    self._subs.clear()
                    continue
                if "ALL" in self._subs:
                    self._subs.discard("ALL")
                    self._subs.update(n for n in EVENT_NAMES if n not in ("ALL", "CUSTOM"))
                self._subs.discard(name)
            return "+OK events nixed" if known else "-ERR no keywords supplied"

    def _sendmsg(self, rest: str, headers: dict[str, str], body: bytes) -> None:
        target = rest or headers.get("session-id", "")
        if target and target != self.uuid:
            self._reply(f"-ERR invalid session id [{target}]")
            return
        if self.async_mode:
            self._reply("+OK")
        command = headers.get("call-command", "").strip().lower()
        done = None if self.async_mode else threading.Event()
        with self._cond:
            queued = not (self.down or self.transferred)
            if queued and command == "execute":
                app = headers.get("execute-app-name", "").strip()
                arg = headers.get("execute-app-arg", "")
                if not arg and headers.get("content-type", "").lower() == "text/plain":
                    arg = body.decode("utf-8", errors="replace")
                queued = bool(app)
                if app:
                    self._work.append(("execute", app, arg, headers.get("event-uuid"), done))
            elif queued and command == "hangup":
                self._work.append(("hangup", headers.get("hangup-cause", "NORMAL_CLEARING"), "", None, done))
            else:
                queued = False
            if queued and done is not None:
                with self._hold_lock:
                    self._held = []
            self._cond.notify_all()
        if self.async_mode:
            return
        if queued and done is not None:
            # listener_run() in the channel thread: the reply waits for the application
            done.wait(timeout=max(0.0, self._remaining()))
        self._reply_and_flush("+OK")

    def _reply_and_flush(self, text: str) -> None:
        """Sync mode: the reply, then the events queued while the application ran."""
        with self._hold_lock:
            self._send(command_reply(text))
            for data in self._held or []:
                self._send(data)
            self._held = None
        with self._cond:
            self._cond.notify_all()

    def _emit(self, data: bytes) -> None:
        """An event or notice from the channel side: held while a sync-mode
        application runs, else sent."""
        with self._hold_lock:
            if self._held is not None:
                self._held.append(data)
                return
            self._send(data)

    def _await_flush(self) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._held is None or self._sock_closed,
                                timeout=max(0.0, self._remaining()))

    # ---------------------------------------------------------------- api
    def _api(self, rest: str) -> None:
        with self._cond:
            self.apis.append(rest)
            self._cond.notify_all()
        cmd, _, args = rest.partition(" ")
        output, after = self._api_output(cmd, args.strip())
        self._send(api_response(output))
        if after:
            after()

    def _bgapi(self, rest: str, headers: dict[str, str]) -> None:
        with self._cond:
            self.apis.append(rest)
            job = headers.get("job-uuid") or f"00000000-0000-4000-8000-{next(self._app_ids):012x}"
        self._reply(f"+OK Job-UUID: {job}", f"Job-UUID: {job}\n")
        cmd, _, args = rest.partition(" ")
        output, after = self._api_output(cmd, args.strip())
        if after:
            after()
        extra = [("Job-UUID", job), ("Job-Command", cmd)] + ([("Job-Command-Arg", args)] if args else [])
        self._fire("BACKGROUND_JOB", extra, channel=False, body=output or "-ERR no reply\n")

    def _is_registered(self, target: str) -> bool:
        return self.registered is None or target in self.registered

    def _api_output(self, cmd: str, args: str) -> tuple[str, Callable[[], None] | None]:
        full = f"{cmd} {args}".strip()
        custom = self.api_responses.get(full, self.api_responses.get(cmd))
        if custom is not None:
            return (custom(args) if callable(custom) else str(custom)), None
        words = args.split()
        if cmd == "sofia_contact":
            target = args.split("/", 1)[1] if "/" in args else args
            if target and self._is_registered(target):
                return f"sofia/internal/sip:{target.split('@')[0]}@127.0.0.1:5062", None
            return "error/user_not_registered", None
        if cmd in ("uuid_kill", "uuid_break", "uuid_exists", "uuid_getvar", "uuid_setvar"):
            uuid = words[0] if words else ""
            with self._cond:
                mine = uuid == self.uuid and not self._sock_closed_and_down()
                leg = next((lg for lg in self.legs if lg.uuid == uuid and lg.state in ("ringing", "answered")),
                           None)
            if cmd == "uuid_exists":
                return ("true" if mine or leg else "false"), None
            if not words:
                return f"-USAGE: {cmd}\n", None
            if not mine and not leg:
                return "-ERR No such channel!\n", None
            if cmd == "uuid_kill":
                cause = words[1].upper() if len(words) > 1 else "NORMAL_CLEARING"
                if mine:
                    return "+OK\n", lambda: self._request_hangup(cause, "kill")
                return "+OK\n", lambda: self._kill_leg(uuid, cause)
            if cmd == "uuid_break":
                return "+OK\n", None
            if cmd == "uuid_getvar":
                if len(words) < 2:
                    return "-USAGE: <uuid> <var>\n", None
                with self._cond:
                    value = self.variables.get(words[1]) if mine else leg.variables.get(words[1])  # type: ignore[union-attr]
                return (value if value is not None else "_undef_"), None
            if len(words) < 2:
                return "-ERR No variable specified\n", None
            value = args.split(None, 2)[2] if len(words) > 2 else None
            if mine:
                self._set_var(words[1], value)
            return "+OK\n", None
        return f"-ERR {cmd} Command not found!\n", None

    def _sock_closed_and_down(self) -> bool:
        # the session exists until the listener lets it go (it holds a read lock)
        return self.down and self._sock_closed

    def _kill_leg(self, uuid: str, cause: str) -> None:
        with self._cond:
            self._leg_kills[uuid] = cause
            self._cond.notify_all()

    # ------------------------------------------------------ channel thread
    def _channel_main(self) -> None:
        try:
            self._channel_loop()
        except Exception as exc:  # noqa: BLE001 - surfaced to the test through .error
            with self._cond:
                self.error = f"fake outbound channel crashed: {exc!r}"
                self._stopping = True
                self._cond.notify_all()
            self._close_socket("fake")
        finally:
            with self._cond:
                if not self._done and (self._stopping or self._sock_closed):
                    self._mark_done()
                self._cond.notify_all()

    def _channel_loop(self) -> None:
        while True:
            with self._cond:
                ok = self._cond.wait_for(
                    lambda: self._stopping or self._work or self._hangup_req is not None
                    or (self._peer_gone and not self.down and not self.transferred)
                    or (self._peer_gone and self._done),
                    timeout=max(0.0, self._remaining()))
                if self._stopping:
                    return
                if not ok:
                    break
                if self._hangup_req is not None and not self.down:
                    cause, origin = self._hangup_req
                    item = None
                elif self._peer_gone and not self.down and not self.transferred:
                    # CF_CONTROLLED is cleared: the socket app returns, the dialplan goes on
                    cause, origin, item = "NORMAL_CLEARING", "socket", None
                elif self._work:
                    item = self._work.popleft()
                    cause = origin = ""
                else:
                    return  # our side is gone and the session is over
            if item is None:
                self._hangup(cause, origin)
                self._finish_hangup()
                return
            kind, app, arg, event_uuid, done = item
            try:
                if kind == "hangup":
                    self._hangup(app.strip().upper() or "NORMAL_CLEARING", "app")
                else:
                    self._execute(app, arg, event_uuid)
            finally:
                if done is not None:
                    done.set()
            if self.down:
                self._finish_hangup()
                return
            if self.transferred and self._transfer_args is not None and not self._done:
                with self._cond:
                    self._mark_done()
        self._expire()

    def _execute(self, app: str, arg: str, event_uuid: str | None) -> None:
        """switch_ivr_parse_event() + switch_core_session_exec()."""
        with self._cond:
            if self.down or self.transferred:
                return
            self.executed.append((app, arg))
            self._cond.notify_all()
        app_uuid = event_uuid or f"a99a0000-0000-4000-8000-{next(self._app_ids):012x}"
        expanded = self._expand(arg) if arg else ""
        self._set_var("current_loop", "1")
        self._set_var("total_loops", "1")
        self._set_var("current_application", app)
        self._set_var("current_application_data", expanded or None)
        data = [("Application-Data", expanded)] if expanded else []
        self._fire("CHANNEL_EXECUTE", [("Application", app), *data, ("Application-UUID", app_uuid)])
        self._set_var("current_application", app)
        self._last_app = (app, expanded)
        handler = getattr(self, f"_app_{app}", None)
        if handler is not None:
            handler(expanded)
        self._fire("CHANNEL_EXECUTE_COMPLETE", [("Application", app), *data, ("Application-Response", "_none_"),
                                                ("Application-UUID", app_uuid)])
        self._set_var("current_loop", None)
        self._set_var("total_loops", None)
        if app == "transfer" and self.transferred:
            self._leave_socket()

    # --------------------------------------------------------- hangup path
    def _hangup(self, cause: str, origin: str) -> None:
        """switch_channel_hangup(): CHANNEL_HANGUP now, the rest after the app."""
        if cause not in CAUSE_CODES:
            cause = "NORMAL_CLEARING"
        with self._cond:
            if self.down:
                return
            self.down = True
            self.hangup_cause = cause
            self._hangup_origin = origin
            self._hangup_req = None
            self._times["hangup"] = int(time.time() * 1_000_000)
            self._cond.notify_all()
        self._fire("CHANNEL_HANGUP")
        if self.early_linger_notice and self._linger is not None and not self._sock_closed:
            self._linger_sent = True
            self._emit(self._linger_notice())

    def _finish_hangup(self) -> None:
        """The channel is down and the running app returned: the rest of the
        hangup events, then the linger notice or the disconnect."""
        if not self.transferred:
            self._fire("CHANNEL_UNPARK")
            self._fire("CHANNEL_EXECUTE_COMPLETE", [
                ("Application", "socket"), ("Application-Data", self._socket_data),
                ("Application-Response", "_none_"), ("Application-UUID", self._socket_app_uuid)])
        with self._cond:
            self.state = "CS_HANGUP"
        self._fire("CHANNEL_STATE")
        with self._cond:
            self.state, self.callstate = "CS_REPORTING", "HANGUP"
        self._fire("CHANNEL_STATE")
        cause = self.hangup_cause or "NORMAL_CLEARING"
        start = self._times["created"] // 1_000_000
        answer = self._times["answered"] // 1_000_000
        end = self._times["hangup"] // 1_000_000
        code = CAUSE_CODES.get(cause, 16)
        q850 = code if code <= 127 else 16  # switch_channel_cause_q850()
        for name, value in [("hangup_cause", cause), ("hangup_cause_q850", str(q850)),
                            ("start_epoch", str(start)), ("answer_epoch", str(answer)), ("end_epoch", str(end)),
                            ("duration", str(max(0, end - start))),
                            ("billsec", str(max(0, end - answer)) if answer else "0"),
                            ("last_app", self._last_app[0] if self._last_app else "socket"),
                            ("last_arg", self._last_app[1] if self._last_app else self._socket_data)]:
            self._set_var(name, value)
        self._fire("CHANNEL_HANGUP_COMPLETE", prefix=[("Hangup-Cause", cause)])
        with self._cond:
            self._mark_done()
            lingering = self._linger is not None and not self._sock_closed
            linger_time = self._linger
        if not lingering:
            self._emit(self._disconnect_notice())
            self._await_flush()
            self._close_socket("fake")
            return
        if not self._linger_sent:
            self._linger_sent = True
            self._emit(self._linger_notice())
        wait = self.max_linger if linger_time is None or linger_time < 0 else min(linger_time, self.max_linger)
        with self._cond:
            self._cond.wait_for(lambda: self._sock_closed or self._stopping, timeout=max(0.0, wait))
        # linger timeout: listener_run() ends with send_disconnect()
        self._emit(self._disconnect_notice())
        self._await_flush()
        self._close_socket("fake")

    def _mark_done(self) -> None:
        """Compute :attr:`result` (call with the lock held)."""
        if self._done:
            return
        self._done = True
        if self._transfer_args is not None:
            self._result = f"transferred:{self._transfer_args}"
        elif self._bridged_target is not None:
            self._result = f"bridged:{self._bridged_target}"
        elif self._hangup_origin == "caller":
            self._result = "caller_hung_up"
        elif self._hangup_origin in ("app", "kill", "bridge", "after_bridge"):
            self._result = f"hangup:{self.hangup_cause}"
        else:
            self._result = "socket_closed"
        self._cond.notify_all()

    # ------------------------------------------------------------ transfer
    def _app_transfer(self, data: str) -> None:
        words = data.split()
        if not words:
            return
        ext = words[0]
        dialplan = words[1] if len(words) > 1 else "XML"
        with self._cond:
            context = words[2] if len(words) > 2 else dict(self._profile).get("Context", "default")
            self._transfer_args = data
            self.transferred = True
            self._times["transfer"] = int(time.time() * 1_000_000)
        self._set_var("transfer_history", f"{int(time.time())}:{self.uuid}:bl_xfer:{ext}/{context}/{dialplan}")
        self._set_var("transfer_source", f"{int(time.time())}:{self.uuid}:bl_xfer:{ext}/{context}/{dialplan}")

    def _leave_socket(self) -> None:
        """The park loop sees CF_TRANSFER: the socket app returns and the
        channel routes again; the listener keeps the session (no disconnect)."""
        self._fire("CHANNEL_UNPARK")
        self._fire("CHANNEL_EXECUTE_COMPLETE", [
            ("Application", "socket"), ("Application-Data", self._socket_data),
            ("Application-Response", "_none_"), ("Application-UUID", self._socket_app_uuid)])
        words = (self._transfer_args or "").split()
        with self._cond:
            prof = dict(self._profile)
            prof["Destination-Number"] = words[0] if words else prof.get("Destination-Number", "")
            if len(words) > 2:
                prof["Context"] = words[2]
            prof["Profile-Index"] = "2"
            self._profile = list(prof.items())
            self.state = "CS_ROUTING"
        self._fire("CHANNEL_STATE")
        with self._cond:
            self.state = "CS_EXECUTE"
        self._fire("CHANNEL_STATE")
        with self._cond:
            self._mark_done()

    # ------------------------------------------------------ simple apps
    def _app_set(self, data: str) -> None:
        name, _, value = data.partition("=")
        if name.strip():
            self._set_var(name.strip(), value or None)

    def _app_unset(self, data: str) -> None:
        if data.strip():
            self._set_var(data.strip(), None)

    def _app_multiset(self, data: str) -> None:
        delim = " "
        if data.startswith("^^") and len(data) > 2:
            delim, data = data[2], data[3:]
        for item in data.split(delim):
            self._app_set(item)

    def _app_export(self, data: str) -> None:
        local = True
        if data.startswith("nolocal:"):
            local, data = False, data[len("nolocal:"):]
        name, _, value = data.partition("=")
        name = name.strip()
        if not name:
            return
        if local:
            self._set_var(name, value or None)
        with self._cond:
            exported = [v for v in self.variables.get("export_vars", "").split(",") if v]
        if name not in exported:
            exported.append(name)
        self._set_var("export_vars", ",".join(exported))

    def _app_answer(self, data: str) -> None:
        if self.answered:
            return
        with self._cond:
            self.answered = True
            self._times["answered"] = int(time.time() * 1_000_000)
        self._fire("CHANNEL_ANSWER")
        with self._cond:
            self.callstate = "ACTIVE"
        self._set_var("endpoint_disposition", "ANSWER")

    def _app_pre_answer(self, data: str) -> None:
        if self.answered or self.early:
            return
        with self._cond:
            self.early = True
            self._times["progress_media"] = int(time.time() * 1_000_000)
        self._fire("CHANNEL_PROGRESS_MEDIA")
        with self._cond:
            self.callstate = "EARLY"
        self._set_var("endpoint_disposition", "EARLY MEDIA")

    def _app_ring_ready(self, data: str) -> None:
        if self.answered or self.ring_ready:
            return
        with self._cond:
            self.ring_ready = True
            self._times["progress"] = int(time.time() * 1_000_000)
        self._fire("CHANNEL_PROGRESS")

    def _app_hangup(self, data: str) -> None:
        self._hangup(data.strip().upper() or "NORMAL_CLEARING", "app")

    def _app_park(self, data: str) -> None:
        # park only returns when the channel hangs up (or the fake stops)
        with self._cond:
            self._cond.wait_for(lambda: self._hangup_req is not None or self._stopping,
                                timeout=max(0.0, self._remaining()))
            req = self._hangup_req
        if req is not None:
            self._hangup(*req)

    # -------------------------------------------------------------- bridge
    def _app_bridge(self, data: str) -> None:
        """mod_dptools bridge: switch_ivr_originate() then the bridge, or
        switch_channel_handle_cause() on failure."""
        if not data.strip():
            return
        try:
            groups = parse_dial_string(data)
        except ValueError:
            groups = []
        with self._cond:
            bridge_no = next(self._bridges)
            legs: list[list[Leg]] = []
            for gi, group in enumerate(groups):
                row = []
                for li, (endpoint, leg_vars) in enumerate(group):
                    target = dial_target(endpoint, leg_vars.get("domain_name") or self.domain)
                    outcome = self.outcomes.get(target) or self.outcomes.get(endpoint) or DEFAULT_OUTCOME
                    leg = Leg(endpoint=endpoint, target=target, variables=dict(leg_vars), group=gi, index=li,
                              uuid=f"b1e90000-0000-4000-8000-{next(self._leg_ids):012x}", outcome=outcome,
                              bridge=bridge_no)
                    row.append(leg)
                    self.legs.append(leg)
                legs.append(row)
            timelimit = self._timelimit(groups[0][0][1] if groups and groups[0] else {})
            continue_on_timeout = switch_true(
                (groups[0][0][1] if groups and groups[0] else {}).get("originate_continue_on_timeout")
                or self.variables.get("originate_continue_on_timeout"))
        if not legs:
            self._bridge_failed("DESTINATION_OUT_OF_ORDER")
            return
        cause = "NORMAL_CLEARING"
        for row in legs:
            kind, value, timed_out = self._ring_group(row, timelimit)
            if kind == "answer":
                self._bridge_success(value)  # type: ignore[arg-type]
                return
            if kind == "cancel":
                for name, val in [("originate_disposition", "ORIGINATOR_CANCEL"), ("DIALSTATUS", "CANCEL"),
                                  ("originate_failed_cause", "ORIGINATOR_CANCEL")]:
                    self._set_var(name, val)
                return
            cause = str(value)
            if timed_out and not continue_on_timeout:
                break
        self._bridge_failed(cause)

    def _timelimit(self, leg_vars: Mapping[str, str]) -> int:
        """originate_timeout (dial-string variable), else call_timeout, else 60."""
        for raw in (leg_vars.get("originate_timeout"), self.variables.get("call_timeout")):
            try:
                value = int(raw) if raw else 0
            except ValueError:
                value = 0
            if value > 0:
                return value
        return DEFAULT_TIMEOUT

    def _resolve_plan(self, leg: Leg, t0: float, timelimit: int) -> None:
        """When and how a ringing leg ends (compressed time)."""
        out = leg.outcome
        try:
            leg_timeout = int(leg.variables.get("leg_timeout", "0") or 0)
        except ValueError:
            leg_timeout = 0
        if out.kind == "answer":
            kind, cause = "answer", ""
        elif out.kind == "busy":
            kind, cause = "fail", out.cause or "USER_BUSY"
        elif leg_timeout > 0:
            kind, cause = "fail", out.cause or "ALLOTTED_TIMEOUT"
        else:
            kind, cause = "group_timeout", out.cause or "NO_ANSWER"
        if kind != "group_timeout" and not out.hold:
            if leg_timeout > 0 and out.after >= leg_timeout and out.kind != "no_answer":
                kind, cause = "fail", "ALLOTTED_TIMEOUT"
            elif out.after >= timelimit and out.kind != "no_answer":
                kind, cause = "group_timeout", "NO_ANSWER"
        leg.final_kind, leg.final_cause = kind, cause
        leg.resolve_at = None if out.hold else t0 + (min(out.after, leg_timeout) if leg_timeout > 0 else out.after)

    def _ring_group(self, row: list[Leg], timelimit: int) -> tuple[str, object, bool]:
        """One ``|`` group: ("answer", leg, False) | ("fail", cause, timed_out) | ("cancel", None, False)."""
        t0 = time.monotonic()
        created: list[Leg] = []
        reason = "NORMAL_TEMPORARY_FAILURE"
        for leg in row:
            if leg.endpoint.startswith("user/"):
                user, _, domain = leg.target.partition("@")
                self._set_var("dialed_user", user)
                if domain:
                    self._set_var("dialed_domain", domain)
            with self._cond:
                if leg.endpoint.startswith("error/"):
                    cause = leg.endpoint[len("error/"):].upper()
                    leg.state, leg.cause = "failed", cause if cause in CAUSE_CODES else "NORMAL_CLEARING"
                    reason = leg.cause
                elif leg.outcome.kind == "unregistered" or (
                        leg.endpoint.startswith("user/") and not self._is_registered(leg.target)):
                    leg.state, leg.cause = "failed", "USER_NOT_REGISTERED"
                    reason = leg.cause
                else:
                    self._resolve_plan(leg, t0, timelimit)
                    leg.state, leg.rang = "ringing", True
                    created.append(leg)
                self._cond.notify_all()
        if not created:
            return "fail", reason, False
        if not self.answered and not self.early and not self.ring_ready:
            self._app_ring_ready("")  # the first 180 Ringing reaches the caller
        while True:
            with self._cond:
                while True:
                    if self._stopping:
                        for leg in created:
                            if leg.state == "ringing":
                                leg.state, leg.cause = "cancelled", "ORIGINATOR_CANCEL"
                        return "cancel", None, False
                    if self._hangup_req is not None:
                        for leg in created:
                            if leg.state == "ringing":
                                leg.state, leg.cause = "cancelled", "ORIGINATOR_CANCEL"
                        self._cond.notify_all()
                        req = self._hangup_req
                        break
                    req = None
                    for leg in created:
                        if leg.state == "ringing" and leg.uuid in self._leg_kills:
                            leg.state, leg.cause = "failed", self._leg_kills.pop(leg.uuid)
                    now = time.monotonic()
                    pending = [leg for leg in created if leg.state == "ringing"]
                    due = sorted((leg for leg in pending if leg.final_kind != "group_timeout" and (
                        leg.released or (leg.resolve_at is not None and leg.resolve_at <= now))),
                        key=lambda lg: (lg.resolve_at if lg.resolve_at is not None else now, lg.index))
                    if due or not pending:
                        break
                    waiting = [leg for leg in pending if leg.final_kind != "group_timeout"]
                    if not waiting:  # only "rings until call_timeout" legs are left
                        if all(leg.released or leg.resolve_at is not None for leg in pending):
                            at = max(now if leg.released else leg.resolve_at for leg in pending)  # type: ignore[type-var]
                            if at <= now:
                                for leg in pending:
                                    leg.state, leg.cause = "failed", leg.final_cause
                                self._cond.notify_all()
                                return "fail", "NO_ANSWER", True
                            next_at = at
                        else:
                            next_at = None
                    else:
                        times = [leg.resolve_at for leg in waiting if leg.resolve_at is not None]
                        next_at = min(times) if times else None
                    remaining = self._remaining()
                    if remaining <= 0:
                        self._stopping = True
                        continue
                    timeout = remaining if next_at is None else min(remaining, max(0.0, next_at - now))
                    self._cond.wait(timeout)
                if req is None:
                    for leg in due:
                        if leg.final_kind == "answer":
                            leg.state = "answered"
                            for other in created:
                                if other.state == "ringing":
                                    other.state, other.cause = "cancelled", "LOSE_RACE"
                            self._cond.notify_all()
                            return "answer", leg, False
                        leg.state, leg.cause = "failed", leg.final_cause
                    self._cond.notify_all()
                    if not any(leg.state == "ringing" for leg in created):
                        # the cause of the first leg that had a channel
                        return "fail", created[0].cause or reason, False
                    continue
            self._hangup(*req)
            return "cancel", None, False

    def _bridge_success(self, leg: Leg) -> None:
        now_us = int(time.time() * 1_000_000)
        for name, value in [("originate_disposition", "SUCCESS"), ("DIALSTATUS", "SUCCESS"),
                            ("originate_causes", f"{leg.uuid};NONE"), ("signal_bond", leg.uuid)]:
            self._set_var(name, value)
        if not self.answered:
            with self._cond:
                self.answered = True
                self._times["answered"] = now_us
            self._fire("CHANNEL_ANSWER")
            self._set_var("endpoint_disposition", "ANSWER")
        with self._cond:
            self.callstate = "ACTIVE"
            self._other_leg = leg
            self._times["bridged"] = now_us
            self._bridged_target = leg.target
        ids = [("Bridge-A-Unique-ID", self.uuid), ("Bridge-B-Unique-ID", leg.uuid)]
        self._fire("CHANNEL_BRIDGE", prefix=ids)
        # the conversation ends at once: the member hangs up
        with self._cond:
            leg.state, leg.cause = "hungup", "NORMAL_CLEARING"
            self._cond.notify_all()
        for name, value in [("last_bridge_to", leg.uuid), ("bridge_channel", leg.channel_name),
                            ("bridge_uuid", leg.uuid), ("bridge_hangup_cause", "NORMAL_CLEARING"),
                            ("last_bridge_hangup_cause", "NORMAL_CLEARING")]:
            self._set_var(name, value)
        self._fire("CHANNEL_UNBRIDGE", prefix=ids)
        if switch_true(self.variables.get("hangup_after_bridge")):
            self._hangup("NORMAL_CLEARING", "after_bridge")

    def _bridge_failed(self, cause: str) -> None:
        for name, value in [("originate_disposition", cause), ("DIALSTATUS", _DIALSTATUS.get(cause, cause)),
                            ("originate_failed_cause", cause)]:
            self._set_var(name, value)
        if not self._continue_after(cause):
            self._hangup(cause, "bridge")

    def _continue_after(self, cause: str) -> bool:
        """switch_channel_handle_cause(): True when the caller stays up."""
        with self._cond:
            cof = self.variables.get("continue_on_fail")
            fcs = self.variables.get("failure_causes")
        if cause == "ATTENDED_TRANSFER":
            return False
        names = {cause.lower(), str(CAUSE_CODES.get(cause, ""))}
        if cof is not None or fcs is not None:
            if fcs is not None and not names & {c.strip().lower() for c in fcs.split(",")}:
                return True
            if cof is not None:
                if switch_true(cof):
                    return True
                if names & {c.strip().lower() for c in cof.split(",")}:
                    return True
            return False
        return cause in ALWAYS_CONTINUE
