"""Wire framing of the FreeSWITCH Event Socket (ESL), inbound side.

FreeSWITCH frames every message the same way (see ``mod_event_socket.c``):
a block of ``Name: value`` header lines ended by an empty line (``\\n\\n``),
then, when there is a ``Content-Length`` header, exactly that many bytes of
body. The ``Content-Type`` header says what the message is:

``auth/request``          sent once on connect, asks for ``auth <password>``
``command/reply``         reply to a command, result in ``Reply-Text``
``api/response``          reply to ``api``, the command output is the body
``text/event-plain``      an event; the body is itself a header block whose
                          values are URL-encoded, optionally followed by its
                          own ``Content-Length`` and body (BACKGROUND_JOB)
``text/event-json``       an event as one JSON object (body in ``_body``)
``text/disconnect-notice`` the server is about to close the connection
``text/rude-rejection``   the server refused the connection (ACL)
``log/data``              a log line, when ``log <level>`` was requested

:class:`ESLParser` is incremental: feed it bytes in any chunking (one byte
at a time, split inside a header, inside ``\\n\\n`` or inside a body) and it
returns every complete :class:`Message`. :func:`parse_event` turns an event
message into an :class:`Event`. Lengths are counted in bytes, as FreeSWITCH
counts them, so bodies are decoded as UTF-8 only once they are complete.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import unquote

AUTH_REQUEST = "auth/request"
COMMAND_REPLY = "command/reply"
API_RESPONSE = "api/response"
EVENT_PLAIN = "text/event-plain"
EVENT_JSON = "text/event-json"
EVENT_XML = "text/event-xml"
DISCONNECT_NOTICE = "text/disconnect-notice"
RUDE_REJECTION = "text/rude-rejection"
LOG_DATA = "log/data"

EVENT_TYPES = frozenset({EVENT_PLAIN, EVENT_JSON, EVENT_XML})

#: A header block larger than this without its terminating empty line is
#: treated as garbage rather than buffered forever.
MAX_HEADER_BYTES = 1024 * 1024
#: FreeSWITCH itself caps a packet at 10 MiB; anything larger is refused.
MAX_BODY_BYTES = 64 * 1024 * 1024


class ESLError(Exception):
    """Base of every ESL error; ``error_id`` is stable, the message is for people."""

    error_id = "esl.error"

    def __init__(self, message: str, *, error_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if error_id:
            self.error_id = error_id

    def as_dict(self) -> dict[str, str]:
        """The error as ``{"id": ..., "message": ...}`` for APIs and logs."""
        return {"id": self.error_id, "message": self.message}


class ESLProtocolError(ESLError):
    """The byte stream does not follow ESL framing (bad length, garbage...)."""

    error_id = "esl.protocol_error"


class ESLConnectError(ESLError):
    """The TCP connection could not be made, or was refused by an ACL."""

    error_id = "esl.connect_failed"


class ESLAuthError(ESLError):
    """FreeSWITCH rejected the event socket password."""

    error_id = "esl.auth_failed"


class ESLConnectionLost(ESLError):
    """The server closed the connection (or said goodbye) mid-conversation."""

    error_id = "esl.connection_lost"


class ESLTimeout(ESLError):
    """No reply in time; the connection has been closed."""

    error_id = "esl.timeout"


class ESLNotConnected(ESLError):
    """A command was attempted without a live connection."""

    error_id = "esl.not_connected"


class ESLCommandError(ESLError):
    """FreeSWITCH answered a command with ``-ERR ...``; ``reply`` holds it."""

    error_id = "esl.command_failed"

    def __init__(self, message: str, *, reply: str = "", error_id: str | None = None) -> None:
        super().__init__(message, error_id=error_id)
        self.reply = reply


def _find_ci(headers: dict[str, str], name: str) -> str | None:
    """Case-insensitive header lookup (FreeSWITCH compares names that way)."""
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, val in headers.items():
        if key.lower() == lowered:
            return val
    return None


@dataclass
class Message:
    """One framed ESL message: outer headers and the (decoded) body."""

    headers: dict[str, str]
    body: str = ""
    raw_body: bytes = b""

    def get(self, name: str, default: str | None = None) -> str | None:
        """Header value by case-insensitive name, or ``default``."""
        value = _find_ci(self.headers, name)
        return default if value is None else value

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header, or ``""`` when absent."""
        return self.get("Content-Type", "") or ""

    @property
    def reply_text(self) -> str:
        """The ``Reply-Text`` header of a ``command/reply``, or ``""``."""
        return self.get("Reply-Text", "") or ""

    @property
    def is_event(self) -> bool:
        """True for ``text/event-plain``, ``-json`` and ``-xml`` messages."""
        return self.content_type in EVENT_TYPES


@dataclass
class Event:
    """A decoded FreeSWITCH event: ``name`` is its ``Event-Name`` header."""

    name: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""

    def get(self, name: str, default: str | None = None) -> str | None:
        """Header value by case-insensitive name, or ``default``."""
        value = _find_ci(self.headers, name)
        return default if value is None else value

    @property
    def subclass(self) -> str | None:
        """``Event-Subclass`` of CUSTOM events (``sofia::register``...)."""
        return self.get("Event-Subclass")

    @property
    def job_uuid(self) -> str | None:
        """``Job-UUID`` of BACKGROUND_JOB events."""
        return self.get("Job-UUID")


def _split_header_block(block: bytes) -> list[tuple[str, str]]:
    """``Name: value`` lines of a header block, in order (values untouched).

    Hot path (every event of the event service and the hunt-group service
    goes through it): the block is decoded once and split once."""
    pairs: list[tuple[str, str]] = []
    append = pairs.append
    for line in block.decode("utf-8", errors="replace").split("\n"):
        if line[-1:] == "\r":
            line = line[:-1]
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise ESLProtocolError(f"malformed ESL header line (no ':'): {line[:80]!r}")
        append((name.strip(), value.lstrip(" ")))
    return pairs


def _content_length(value: str | None) -> int:
    """Parse a ``Content-Length`` value, refusing negative or absurd ones."""
    if value is None or value.strip() == "":
        return 0
    try:
        length = int(value.strip())
    except ValueError:
        raise ESLProtocolError(f"invalid Content-Length {value!r} in ESL message") from None
    if length < 0 or length > MAX_BODY_BYTES:
        raise ESLProtocolError(f"unacceptable Content-Length {length} in ESL message")
    return length


def _find_blank_line(buf: bytes | bytearray, start: int) -> tuple[int, int]:
    """Position of the first empty line at or after ``start`` and its length.

    FreeSWITCH writes ``\\n\\n``; ``\\n\\r\\n`` is accepted too. Returns
    ``(-1, 0)`` when no complete terminator is buffered yet.
    """
    lf = buf.find(b"\n\n", start)
    crlf = buf.find(b"\n\r\n", start)
    if crlf != -1 and (lf == -1 or crlf < lf):
        return crlf, 3
    if lf != -1:
        return lf, 2
    return -1, 0


class ESLParser:
    """Incremental ESL frame parser; see the module docstring."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._scan_from = 0  # where to resume looking for the blank line
        self._headers: dict[str, str] | None = None  # set while awaiting a body
        self._header_bytes = 0  # size of that already consumed header block
        self._body_len = 0

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a returned message."""
        pending = self._header_bytes if self._headers is not None else 0
        return len(self._buf) + pending

    def reset(self) -> None:
        """Forget any partial message (after a reconnect)."""
        ESLParser.__init__(self)

    def feed(self, data: bytes) -> list[Message]:
        """Add received bytes; return the messages they complete, in order."""
        if data:
            self._buf += data
        messages: list[Message] = []
        while True:
            if self._headers is None:
                if not self._take_headers():
                    return messages
            if len(self._buf) < self._body_len:
                return messages
            raw = bytes(self._buf[: self._body_len])
            del self._buf[: self._body_len]
            headers, self._headers, self._body_len = self._headers, None, 0
            assert headers is not None
            messages.append(Message(headers, raw.decode("utf-8", errors="replace"), raw))

    def _take_headers(self) -> bool:
        """Consume one complete header block if buffered; True on success."""
        # FreeSWITCH skips stray newlines before a header block; so do we.
        skip = 0
        while skip < len(self._buf) and self._buf[skip] in (0x0A, 0x0D):
            skip += 1
        if skip:
            del self._buf[:skip]
            self._scan_from = 0
        if not self._buf:
            return False
        pos, term = _find_blank_line(self._buf, max(0, self._scan_from - 2))
        if pos == -1:
            self._scan_from = len(self._buf)
            if len(self._buf) > MAX_HEADER_BYTES:
                raise ESLProtocolError("ESL header block too large (no blank line found)")
            return False
        block = bytes(self._buf[:pos])
        del self._buf[: pos + term]
        self._header_bytes = pos + term
        self._scan_from = 0
        headers = dict(_split_header_block(block))
        self._body_len = _content_length(_find_ci(headers, "Content-Length"))
        self._headers = headers
        return True


def parse_frames(data: bytes) -> list[Message]:
    """Parse a complete byte string; raise if it ends inside a message."""
    parser = ESLParser()
    messages = parser.feed(data)
    if parser.buffered:
        raise ESLProtocolError(f"{parser.buffered} trailing bytes do not form a whole ESL message")
    return messages


def _decode_plain(raw: bytes) -> tuple[dict[str, str], str]:
    """Headers and body of a ``text/event-plain`` payload."""
    pos, term = _find_blank_line(raw, 0)
    if pos == -1:
        block, rest = raw, b""
    else:
        block, rest = raw[:pos], raw[pos + term :]
    headers: dict[str, str] = {}
    for name, value in _split_header_block(block):
        headers[name] = unquote(value, errors="replace") if "%" in value else value
    length = _content_length(_find_ci(headers, "Content-Length"))
    if len(rest) < length:
        raise ESLProtocolError(
            f"event body truncated: Content-Length {length}, only {len(rest)} bytes present"
        )
    return headers, rest[:length].decode("utf-8", errors="replace")


def _decode_json(raw: bytes) -> tuple[dict[str, str], str]:
    """Headers and body of a ``text/event-json`` payload.

    Multi-value (array) headers are rendered as ``ARRAY::a|:b``, which is how
    FreeSWITCH writes the same header in the plain format, so an event reads
    the same whichever format was subscribed.
    """
    try:
        obj = json.loads(raw.decode("utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        raise ESLProtocolError(f"text/event-json body is not valid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise ESLProtocolError("text/event-json body is not a JSON object")
    headers: dict[str, str] = {}
    body = ""
    for key, value in obj.items():
        if key == "_body":
            body = value if isinstance(value, str) else json.dumps(value)
        elif isinstance(value, list):
            headers[key] = "ARRAY::" + "|:".join(str(v) for v in value)
        else:
            headers[key] = value if isinstance(value, str) else str(value)
    return headers, body


def parse_event(message: Message) -> Event:
    """Decode a ``text/event-plain`` or ``text/event-json`` message."""
    ctype = message.content_type
    if ctype == EVENT_PLAIN:
        headers, body = _decode_plain(message.raw_body)
    elif ctype == EVENT_JSON:
        headers, body = _decode_json(message.raw_body)
    else:
        raise ESLProtocolError(f"cannot decode an event of Content-Type {ctype!r}")
    return Event(name=headers.get("Event-Name", ""), headers=headers, body=body)
