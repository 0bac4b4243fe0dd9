"""A fake FreeSWITCH event socket (inbound ESL) for tests.

It speaks the wire format of FreeSWITCH 1.10's ``mod_event_socket.c`` on
127.0.0.1 with an ephemeral port: the ``auth/request`` greeting, the
``command/reply`` texts (``+OK accepted``, ``-ERR invalid``,
``+OK event listener enabled plain``, ``+OK filter added. [h]=[v]``,
``+OK bye``, ``-ERR command not found``...), ``api/response`` framing,
``bgapi`` replies followed by a BACKGROUND_JOB event, events serialised like
``switch_event_serialize`` (URL-encoded values, ``_undef_`` for empty ones,
own ``Content-Length`` + body) and ``switch_event_serialize_json``, and the
``text/disconnect-notice`` FreeSWITCH sends before closing.

It deliberately does not import the product's ESL code, so a bug shared by
the client and the fake cannot hide itself. Synchronise on
:meth:`FakeFreeSWITCH.wait_for_command` / :meth:`wait_for_connections`
(conditions), never on sleeps::

    with FakeFreeSWITCH(password="ClueCon") as fs:
        fs.set_api_response("reloadxml", "-ERR XML parse error\\n")
        ...client connects to fs.host, fs.port...
        fs.wait_for_command("api reloadxml")
"""

from __future__ import annotations

import email.utils
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .chat import FakeChat

# Exactly what send_disconnect() writes after "exit" or a failed auth.
GOODBYE_TEXT = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"
DISCONNECT_NOTICE = (
    f"Content-Type: text/disconnect-notice\nContent-Length: {len(GOODBYE_TEXT.encode())}\n\n"
    f"{GOODBYE_TEXT}"
).encode()

# switch_url_encode(): bytes < ' ' or > '~' and these are %XX-encoded.
_URL_UNSAFE = set("\r\n #%&+:;<=>?@[\\]^`{|}\"")

STATUS_TEXT = (
    "UP 0 years, 0 days, 2 hours, 13 minutes, 7 seconds, 409 milliseconds, 121 microseconds\n"
    "FreeSWITCH (Version 1.10.11 -release 64bit) is ready\n"
    "12 session(s) since startup\n"
    "0 session(s) - peak 2, last 5min 0 \n"
    "0 session(s) per Sec out of max 30, peak 1, last 5min 0 \n"
    "1000 session(s) max\n"
    "min idle cpu 0.00/98.73\n"
    "Current Stack Size/Max 240K/8192K\n"
)
DEFAULT_API_RESPONSES: dict[str, object] = {
    "reloadxml": "+OK [Success]\n\n",
    "status": STATUS_TEXT,
    "version": "FreeSWITCH Version 1.10.11-release~64bit (-release 64bit)\n",
}

# switch_event.c EVENT_NAMES (switch_name_event accepts these, any case).
EVENT_NAMES = frozenset("""
CUSTOM CLONE CHANNEL_CREATE CHANNEL_DESTROY CHANNEL_STATE CHANNEL_CALLSTATE CHANNEL_ANSWER
CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_HOLD
CHANNEL_UNHOLD CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA
CHANNEL_OUTGOING CHANNEL_PARK CHANNEL_UNPARK CHANNEL_APPLICATION CHANNEL_ORIGINATE CHANNEL_UUID
API LOG INBOUND_CHAN OUTBOUND_CHAN STARTUP SHUTDOWN PUBLISH UNPUBLISH TALK NOTALK SESSION_CRASH
MODULE_LOAD MODULE_UNLOAD DTMF MESSAGE PRESENCE_IN NOTIFY_IN PRESENCE_OUT PRESENCE_PROBE
MESSAGE_WAITING MESSAGE_QUERY ROSTER CODEC BACKGROUND_JOB DETECTED_SPEECH DETECTED_TONE
PRIVATE_COMMAND HEARTBEAT TRAP ADD_SCHEDULE DEL_SCHEDULE EXE_SCHEDULE RE_SCHEDULE RELOADXML
NOTIFY PHONE_FEATURE PHONE_FEATURE_SUBSCRIBE SEND_MESSAGE RECV_MESSAGE REQUEST_PARAMS
CHANNEL_DATA GENERAL COMMAND SESSION_HEARTBEAT CLIENT_DISCONNECTED SERVER_DISCONNECTED
SEND_INFO RECV_INFO RECV_RTCP_MESSAGE SEND_RTCP_MESSAGE CALL_SECURE NAT RECORD_START
RECORD_STOP PLAYBACK_START PLAYBACK_STOP CALL_UPDATE FAILURE SOCKET_DATA MEDIA_BUG_START
MEDIA_BUG_STOP CONFERENCE_DATA_QUERY CONFERENCE_DATA CALL_SETUP_REQ CALL_SETUP_RESULT
CALL_DETAIL DEVICE_STATE TEXT SHUTDOWN_REQUESTED ALL
""".split())


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"FakeFreeSWITCH.{self.name}"


#: api response: close the socket abruptly, no reply (FreeSWITCH crashed).
DROP = _Sentinel("DROP")
#: api response: send text/disconnect-notice, then close (FreeSWITCH stopping).
DISCONNECT = _Sentinel("DISCONNECT")
#: api response: never answer (the client has to time out).
NO_REPLY = _Sentinel("NO_REPLY")


@dataclass
class RawReply:
    """api response: these exact bytes, written in chunks of ``chunk_sizes``."""

    data: bytes
    chunk_sizes: Sequence[int] | None = None


def url_encode(value: str) -> str:
    """``switch_url_encode``: unsafe ASCII and every non-ASCII byte as %XX."""
    out = []
    for byte in value.encode("utf-8"):
        ch = chr(byte)
        out.append(f"%{byte:02X}" if byte < 0x20 or byte > 0x7E or ch in _URL_UNSAFE else ch)
    return "".join(out)


def serialize_plain(headers: Iterable[tuple[str, str]], body: str | None) -> bytes:
    """``switch_event_serialize(event, &str, SWITCH_TRUE)`` (no outer frame)."""
    text = "".join(f"{name}: {url_encode(value) or '_undef_'}\n" for name, value in headers)
    payload = text.encode()
    if body:
        raw = body.encode("utf-8")
        payload += f"Content-Length: {len(raw)}\n\n".encode() + raw
    else:
        payload += b"\n"
    return payload


def serialize_json(headers: Iterable[tuple[str, str]], body: str | None) -> bytes:
    """``switch_event_serialize_json`` (cJSON_PrintUnformatted, UTF-8 as is)."""
    obj: dict[str, str] = dict(headers)
    if body is not None:
        obj["Content-Length"] = str(len(body.encode("utf-8")))
        obj["_body"] = body
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def frame_event(payload: bytes, fmt: str) -> bytes:
    """The outer frame read_packet() puts around a serialised event."""
    return f"Content-Length: {len(payload)}\nContent-Type: text/event-{fmt}\n\n".encode() + payload


def command_reply(text: str, extra: str = "") -> bytes:
    """A ``command/reply`` frame (``extra`` = more header lines)."""
    return f"Content-Type: command/reply\nReply-Text: {text}\n{extra}\n".encode()


def api_response(body: str) -> bytes:
    """An ``api/response`` frame; an empty body becomes ``-ERR no reply``."""
    raw = (body or "-ERR no reply\n").encode("utf-8")
    return f"Content-Type: api/response\nContent-Length: {len(raw)}\n\n".encode() + raw


@dataclass
class Connection:
    """One client connection as the fake sees it."""

    sock: socket.socket
    number: int
    authed: bool = False
    fmt: str = "plain"
    events: set[str] = field(default_factory=set)
    subclasses: set[str] = field(default_factory=set)
    filters: list[tuple[str, str]] = field(default_factory=list)
    closed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, data: bytes, chunk_sizes: Sequence[int] | None = None) -> None:
        """Write ``data`` atomically w.r.t. other writers, optionally in chunks."""
        with self.lock:
            if self.closed:
                return
            try:
                if not chunk_sizes:
                    self.sock.sendall(data)
                    return
                pos, sizes = 0, itertools.cycle(chunk_sizes)
                while pos < len(data):
                    step = max(1, next(sizes))
                    self.sock.sendall(data[pos : pos + step])
                    pos += step
            except OSError:
                pass

    def close(self) -> None:
        """Shut the socket down (the peer sees EOF) and close it."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()

    def wants(self, name: str, subclass: str | None, headers: Mapping[str, str]) -> bool:
        """The event_handler() subscription test, plus simple filters."""
        if not self.authed or self.closed or not self.events:
            return False
        if "ALL" not in self.events:
            if name not in self.events:
                return False
            if name == "CUSTOM" and subclass and subclass not in self.subclasses:
                return False
        if self.filters:
            lowered = {k.lower(): v for k, v in headers.items()}
            return any(lowered.get(h.lower(), "").lower() == v.lower() for h, v in self.filters)
        return True


class FakeFreeSWITCH:
    """Threaded fake ESL server; see the module docstring."""

    DROP = DROP
    DISCONNECT = DISCONNECT
    NO_REPLY = NO_REPLY

    def __init__(
        self,
        password: str = "ClueCon",
        api_responses: Mapping[str, object] | None = None,
        *,
        hostname: str = "fs-test-1",
        core_uuid: str = "8b2f6a1e-3c4d-4e5f-9a0b-1c2d3e4f5a6b",
        auto_complete_jobs: bool = True,
        reject_by_acl: bool = False,
    ) -> None:
        self.password = password
        self.api_responses: dict[str, object] = dict(DEFAULT_API_RESPONSES)
        #: what the ``chat`` API took (mod_dptools' parsing; :mod:`.chat`)
        self.chat = FakeChat()
        self.api_responses["chat"] = self.chat
        self.api_responses.update(api_responses or {})
        self.hostname = hostname
        self.core_uuid = core_uuid
        self.auto_complete_jobs = auto_complete_jobs
        self.reject_by_acl = reject_by_acl
        self.host = "127.0.0.1"
        self.port = 0
        self.commands: list[str] = []
        self.pending_jobs: dict[str, tuple[str, str, str]] = {}
        self._connections: list[Connection] = []
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._listener: socket.socket | None = None
        self._stopping = False
        self._job_counter = itertools.count(1)
        self._sequence = itertools.count(1000)
        self._numbers = itertools.count(1)

    # ------------------------------------------------------------ lifecycle
    def start(self) -> FakeFreeSWITCH:
        """Listen on 127.0.0.1:<ephemeral> and accept in a background thread."""
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lsock.bind((self.host, 0))
        lsock.listen(16)
        self._listener = lsock
        self.port = lsock.getsockname()[1]
        self._spawn(self._accept_loop, "fake-fs-accept")
        return self

    def stop(self) -> None:
        """Close every connection and the listener; join the threads."""
        if self._stopping:
            return
        self._stopping = True
        if self._listener is not None:
            try:  # wake the blocking accept()
                socket.create_connection((self.host, self.port), timeout=1).close()
            except OSError:
                pass
        self.drop_connections()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._listener is not None:
            self._listener.close()

    def __enter__(self) -> FakeFreeSWITCH:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def address(self) -> tuple[str, int]:
        """``(host, port)`` to connect to."""
        return self.host, self.port

    @property
    def connections(self) -> list[Connection]:
        """Connections still open."""
        with self._cond:
            return [c for c in self._connections if not c.closed]

    # ------------------------------------------------------------ scripting
    def set_api_response(self, command: str, response: object) -> None:
        """Script ``api``/``bgapi`` output for a command name or a full line.

        ``response`` is the body text, a callable ``(args) -> response``,
        :class:`RawReply`, or one of ``DROP``, ``DISCONNECT``, ``NO_REPLY``.
        """
        self.api_responses[command] = response

    def voicemail(self, storage_dir=None):
        """Answer mod_voicemail's vm_list/vm_read/vm_delete from fake mailboxes
        (see :mod:`fake_freeswitch.voicemail`); returns them to fill."""
        from .voicemail import FakeVoicemail

        return FakeVoicemail(self, storage_dir).install()

    def wait_for_command(self, match: str | Callable[[str], bool], timeout: float = 5.0,
                         count: int = 1) -> str:
        """Block until ``count`` received commands match; return the last one.

        A string matches a command equal to it or starting with it + space.
        """
        def ok(line: str) -> bool:
            if callable(match):
                return match(line)
            return line == match or line.startswith(match + " ")

        with self._cond:
            if not self._cond.wait_for(lambda: sum(map(ok, self.commands)) >= count, timeout):
                raise AssertionError(f"fake FreeSWITCH never received {match!r}; got {self.commands!r}")
            return [c for c in self.commands if ok(c)][count - 1]

    def wait_for_connections(self, n: int = 1, timeout: float = 5.0) -> list[Connection]:
        """Block until at least ``n`` connections are open (not necessarily authed)."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.connections) >= n, timeout):
                raise AssertionError(f"expected {n} connection(s) to the fake FreeSWITCH")
            return self.connections

    def wait_for_subscription(self, timeout: float = 5.0) -> Connection:
        """Block until some connection has subscribed to events."""
        with self._cond:
            if not self._cond.wait_for(lambda: any(c.events for c in self.connections), timeout):
                raise AssertionError("no client subscribed to events on the fake FreeSWITCH")
            return next(c for c in self.connections if c.events)

    def send_raw(self, data: bytes, chunk_sizes: Sequence[int] | None = None,
                 connection: Connection | None = None) -> None:
        """Write raw bytes (e.g. a recorded transcript) to a client.

        Defaults to the most recent open connection. ``chunk_sizes`` (cycled)
        splits the write at odd boundaries; TCP may still merge chunks.
        """
        conn = connection or self.wait_for_connections(1)[-1]
        conn.send(data, chunk_sizes)

    def drop_connections(self) -> None:
        """Close every client socket without a goodbye (FreeSWITCH died)."""
        with self._cond:
            conns = list(self._connections)
        for conn in conns:
            conn.close()
        with self._cond:
            self._cond.notify_all()

    # --------------------------------------------------------------- events
    def fire(self, event_name: str, headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
             body: str | None = None, subclass: str | None = None,
             calling: tuple[str, str, int] = ("switch_core_state_machine.c", "fire_event", 641),
             ) -> list[tuple[str, str]]:
        """Deliver an event to every connection subscribed to it.

        The standard headers switch_event_prep_for_delivery() adds come
        first (Event-Name, Core-UUID, FreeSWITCH-Hostname, ...), then
        ``Event-Subclass`` for CUSTOM events, then ``headers`` (a header
        given there with a standard name replaces the standard value).
        Returns the full header list that was sent.
        """
        name = event_name.upper()
        if subclass and name != "CUSTOM":
            raise ValueError("only CUSTOM events have a subclass")
        std = self._standard_headers(name, calling)
        if subclass:
            std["Event-Subclass"] = subclass
        std.update(dict(headers.items()) if isinstance(headers, Mapping) else dict(headers or ()))
        pairs = list(std.items())
        frames = {"plain": frame_event(serialize_plain(pairs, body), "plain"),
                  "json": frame_event(serialize_json(pairs, body), "json")}
        for conn in self.connections:
            if conn.wants(name, subclass, std):
                conn.send(frames[conn.fmt])
        return pairs

    def complete_job(self, job_uuid: str) -> None:
        """Fire the BACKGROUND_JOB of a held job (``auto_complete_jobs=False``)."""
        cmd, args, output = self.pending_jobs.pop(job_uuid)
        self._fire_job(job_uuid, cmd, args, output)

    def _fire_job(self, job_uuid: str, cmd: str, args: str, output: str) -> None:
        headers = [("Job-UUID", job_uuid), ("Job-Command", cmd)]
        if args:
            headers.append(("Job-Command-Arg", args))
        self.fire("BACKGROUND_JOB", headers, body=output, calling=("mod_event_socket.c", "api_exec", 1572))

    def _standard_headers(self, name: str, calling: tuple[str, str, int]) -> dict[str, str]:
        now = time.time()
        return {
            "Event-Name": name,
            "Core-UUID": self.core_uuid,
            "FreeSWITCH-Hostname": self.hostname,
            "FreeSWITCH-Switchname": self.hostname,
            "FreeSWITCH-IPv4": "127.0.0.1",
            "FreeSWITCH-IPv6": "::1",
            "Event-Date-Local": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now)),
            "Event-Date-GMT": email.utils.formatdate(now, usegmt=True),
            "Event-Date-Timestamp": str(int(now * 1_000_000)),
            "Event-Calling-File": calling[0],
            "Event-Calling-Function": calling[1],
            "Event-Calling-Line-Number": str(calling[2]),
            "Event-Sequence": str(next(self._sequence)),
        }

    def next_job_uuid(self) -> str:
        """Deterministic, counter-based job UUIDs: ...-000000000001, -2, ..."""
        return f"00000000-0000-4000-8000-{next(self._job_counter):012x}"

    # ------------------------------------------------------------- serving
    def _spawn(self, target: Callable[..., None], name: str, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping:
            try:
                sock, _addr = self._listener.accept()
            except OSError:
                return
            if self._stopping:
                sock.close()
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = Connection(sock, next(self._numbers))
            with self._cond:
                self._connections.append(conn)
                self._cond.notify_all()
            self._spawn(self._serve, f"fake-fs-conn-{conn.number}", conn)

    def _serve(self, conn: Connection) -> None:
        if self.reject_by_acl:  # listener_run() when apply-inbound-acl refuses the peer
            text = b"Access Denied, go away.\n"
            conn.send(b"Content-Type: text/rude-rejection\nContent-Length: %d\n\n%s" % (len(text), text))
            conn.close()
            with self._cond:
                self._cond.notify_all()
            return
        conn.send(b"Content-Type: auth/request\n\n")
        reader = _CommandReader()
        try:
            while not conn.closed:
                data = conn.sock.recv(65536)
                if not data:
                    break
                for line, headers in reader.feed(data):
                    with self._cond:
                        self.commands.append(line)
                        self._cond.notify_all()
                    if not self._handle(conn, line, headers):
                        return
        except OSError:
            pass
        finally:
            conn.close()
            with self._cond:
                self._cond.notify_all()

    def _goodbye(self, conn: Connection) -> bool:
        conn.send(DISCONNECT_NOTICE)
        conn.close()
        return False

    def _handle(self, conn: Connection, line: str, headers: dict[str, str]) -> bool:
        """Answer one command as parse_command() does; False closes."""
        word, _, rest = line.partition(" ")
        verb = word.lower()
        if verb == "exit" or line.startswith("..."):
            conn.send(command_reply("+OK bye"))
            return self._goodbye(conn)
        if not conn.authed:
            if verb == "auth":
                if rest == self.password:
                    conn.authed = True
                    conn.send(command_reply("+OK accepted"))
                    return True
                conn.send(command_reply("-ERR invalid"))
                return self._goodbye(conn)
            conn.send(command_reply("-ERR command not found"))
            return True
        if verb == "api":
            return self._api(conn, rest)
        if verb == "bgapi":
            cmd, _, args = rest.partition(" ")
            job = headers.get("job-uuid") or self.next_job_uuid()
            conn.send(command_reply(f"+OK Job-UUID: {job}", f"Job-UUID: {job}\n"))
            output = self._output(cmd, args)
            text = output if isinstance(output, str) else f"-ERR {cmd} Command not found!\n"
            if self.auto_complete_jobs:
                self._fire_job(job, cmd, args, text)
            else:
                self.pending_jobs[job] = (cmd, args, text)
            return True
        if verb == "event":
            conn.send(command_reply(self._subscribe(conn, rest.split())))
            with self._cond:
                self._cond.notify_all()
            return True
        if verb == "noevents":
            had = bool(conn.events)
            conn.events.clear()
            conn.subclasses.clear()
            conn.send(command_reply("+OK no longer listening for events" if had else "-ERR not listening for events"))
            return True
        if verb == "filter":
            header, _, value = rest.strip().partition(" ")
            if not value:
                conn.send(command_reply("-ERR invalid syntax"))
            else:
                conn.filters.append((header, value))
                conn.send(command_reply(f"+OK filter added. [{header}]=[{value}]"))
            return True
        conn.send(command_reply("-ERR command not found"))
        return True

    def _subscribe(self, conn: Connection, words: list[str]) -> str:
        """``event [plain|json] NAME... [CUSTOM subclass...]``."""
        if words and words[0].lower() in ("plain", "json", "xml"):
            conn.fmt = words.pop(0).lower()
        known, custom = 0, False
        for word in words:
            if custom:
                conn.subclasses.add(word)
            elif word.upper() in EVENT_NAMES:
                known += 1
                conn.events.add(word.upper())
                custom = custom or word.upper() == "CUSTOM"
        if not known:
            return "-ERR no keywords supplied"
        return f"+OK event listener enabled {conn.fmt}"

    def _output(self, cmd: str, args: str) -> object:
        full = f"{cmd} {args}".strip()
        response = self.api_responses.get(full, self.api_responses.get(cmd))
        if response is None:
            return f"-ERR {cmd} Command not found!\n"
        return response(args) if callable(response) else response

    def _api(self, conn: Connection, rest: str) -> bool:
        cmd, _, args = rest.partition(" ")
        output = self._output(cmd, args)
        if output is DROP:
            conn.close()
            return False
        if output is DISCONNECT:
            return self._goodbye(conn)
        if output is NO_REPLY:
            return True
        if isinstance(output, RawReply):
            conn.send(output.data, output.chunk_sizes)
            return True
        conn.send(api_response(str(output)))
        return True


class _CommandReader:
    """Splits the client's byte stream into commands, like read_packet().

    A command is a line, optional header lines and an empty line; a
    ``Content-Length`` header is followed by that many bytes of body (read
    and ignored here). Leading blank lines are skipped, ``\\r`` is ignored.
    """

    def __init__(self) -> None:
        self.buf = bytearray()

    def feed(self, data: bytes) -> list[tuple[str, dict[str, str]]]:
        self.buf += data
        out: list[tuple[str, dict[str, str]]] = []
        while True:
            while self.buf[:1] in (b"\n", b"\r"):
                del self.buf[:1]
            text = self.buf.replace(b"\r", b"")
            end = text.find(b"\n\n")
            if end == -1:
                return out
            lines = text[:end].decode("utf-8", errors="replace").split("\n")
            headers = {}
            for extra in lines[1:]:
                name, _, value = extra.partition(":")
                headers[name.strip().lower()] = value.strip()
            body_len = int(headers.get("content-length", "0") or 0)
            if len(text) < end + 2 + body_len:
                return out
            consumed = end + 2 + body_len
            # map the consumed length back onto the raw buffer (with any \r)
            raw_pos, seen = 0, 0
            while seen < consumed:
                if self.buf[raw_pos] != 0x0D:
                    seen += 1
                raw_pos += 1
            del self.buf[:raw_pos]
            out.append((lines[0].strip(), headers))
