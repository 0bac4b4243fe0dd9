"""FreeSWITCH's ``chat`` API as v1.11.1 parses it, for the fake.

``chat_api_function`` (src/mod/applications/mod_dptools/mod_dptools.c)
splits its argument with ``switch_separate_string(lbuf, '|', argv, 5)`` and
needs at least 4 parts (proto, from, to, body; the 5th is the content
type). It answers ``Sent`` when the chat interface took the message,
``Error! Message Not Sent`` when it did not, and ``Invalid`` for fewer than
four parts. The splitting below transcribes ``separate_string_char_delim``
and ``cleanup_separated_string`` (src/switch_utils.c): a backslash escapes
the next character, ``'`` quotes (only when a closing one follows), and
leading and trailing spaces of each part are dropped.
"""

from __future__ import annotations

ESCAPE_META = "\\"
_UNESCAPE = {"n": "\n", "r": "\r", "t": "\t", "s": " "}


def _cleanup(part: str, delim: str) -> str:
    out: list[str] = []
    end = 0
    inside = False
    i = 0
    while i < len(part) and part[i] == " ":
        i += 1
    while i < len(part):
        ch = part[i]
        if ch == ESCAPE_META and i + 1 < len(part):
            nxt = part[i + 1]
            if nxt in ("'", '"', delim, ESCAPE_META) or nxt in _UNESCAPE:
                out.append(_UNESCAPE.get(nxt, nxt) if nxt not in ("'", '"', delim, ESCAPE_META) else nxt)
                end = len(out)
                i += 2
                continue
        if ch == "'" and (inside or "'" in part[i + 1:]):
            inside = not inside
            if inside:
                end = len(out)
        else:
            out.append(ch)
            if ch != " " or inside:
                end = len(out)
        i += 1
    return "".join(out[:end])


def separate_string(buf: str, delim: str, arraylen: int) -> list[str]:
    """``switch_separate_string`` for a delimiter other than a space: at most
    ``arraylen`` parts, the last one keeping any further delimiters."""
    starts: list[int] = []
    cuts: list[int] = []
    inside = False
    ptr = 0
    at_start = True
    while ptr < len(buf) and len(starts) < arraylen:
        if at_start:
            starts.append(ptr)
            at_start = False
            continue
        ch = buf[ptr]
        if ch == ESCAPE_META:
            ptr += 1
        elif ch == "'" and (inside or "'" in buf[ptr + 1:]):
            inside = not inside
        elif ch == delim and not inside:
            cuts.append(ptr)
            at_start = True
        ptr += 1
    parts = []
    for n, start in enumerate(starts):
        stop = cuts[n] if n < len(cuts) else len(buf)
        parts.append(_cleanup(buf[start:stop], delim))
    return parts


class FakeChat:
    """The fake's ``chat`` API: parses like FreeSWITCH, records what would be
    sent (proto, from, to, body, content type), answers as FreeSWITCH does."""

    def __init__(self, deliver: bool = True) -> None:
        self.deliver = deliver
        self.sent: list[tuple[str, str, str, str, str]] = []

    def __call__(self, args: str) -> str:
        argv = separate_string(args, "|", 5)
        if len(argv) < 4:
            return "Invalid"
        if not self.deliver:
            return "Error! Message Not Sent"
        self.sent.append((argv[0], argv[1], argv[2], argv[3], argv[4] if len(argv) > 4 else ""))
        return "Sent"
