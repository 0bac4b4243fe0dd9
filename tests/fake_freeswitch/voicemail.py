"""mod_voicemail's message API for the fake FreeSWITCH: ``vm_list``,
``vm_read`` and ``vm_delete`` answered from an in-memory ``voicemail_msgs``
table, the way mod_voicemail.c (FreeSWITCH 1.10) answers them:

- the argument is cut like the C code does (``<id>@<domain>[/profile]``, then
  the next words separated by single spaces); only the ``default`` profile
  exists; anything else is ``-ERR can't find user or profile.``;
- ``vm_list`` writes ``<voicemail>`` + one ``<message>`` block per row (in
  table order, values NOT escaped) or ``created:read:user:domain:folder:
  path:uuid:cid_name:cid_number:len`` lines in text format;
- ``vm_read`` and ``vm_delete`` select by uuid alone when one is given (the
  mailbox part is then only used for the MWI update), else the whole domain
  (vm_read) or the whole mailbox (vm_delete); ``vm_delete`` unlinks the file;
  both answer ``+OK`` and fire MESSAGE_WAITING as update_mwi() does.

Messages are put in with :meth:`FakeVoicemail.leave`, which also writes a
real (short) WAV where FreeSWITCH would: ``<storage>/<domain>/<user>/msg_<uuid>.wav``.
"""

from __future__ import annotations

import itertools
import math
import struct
import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ERR_PROFILE = "-ERR can't find user or profile.\n"


@dataclass
class Row:
    """One row of voicemail_msgs (the columns the API reads)."""

    created_epoch: int
    read_epoch: int
    username: str
    domain: str
    in_folder: str
    file_path: str
    uuid: str
    cid_name: str
    cid_number: str
    message_len: int
    flags: str = ""


def tone_wav(path: Path, seconds: float = 1.0, freq: float = 440.0, rate: int = 8000) -> None:
    """A short 16-bit mono sine, a stand-in for a recorded message."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * i / rate)))
                      for i in range(int(seconds * rate)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)


def split_box(cmd: str, words: int) -> tuple[str, str | None, str, list[str | None]]:
    """(id, domain, profile, [next words]) as the C code cuts ``cmd``: the
    first space after the domain (or the profile) ends it, each further word
    ends at the next space, the last one takes the rest."""
    ident, at, rest = cmd.partition("@")
    if not at:
        return cmd, None, "default", [None] * words
    domain, slash, profile = rest.partition("/")
    if slash:
        profile, sep, more = profile.partition(" ")
    else:
        profile = "default"
        domain, sep, more = domain.partition(" ")
    parts: list[str | None] = []
    current: str | None = more if sep else None
    for i in range(words):
        if current is None:
            parts.append(None)
            continue
        if i == words - 1:
            parts.append(current)
            current = None
        else:
            word, sep, more = current.partition(" ")
            parts.append(word)
            current = more if sep else None
    return ident, domain, profile, parts


class FakeVoicemail:
    """The mailboxes of one fake FreeSWITCH; see the module docstring."""

    def __init__(self, fs: Any = None, storage_dir: Path | None = None) -> None:
        self.fs = fs
        self.storage_dir = Path(storage_dir) if storage_dir else None
        self.rows: list[Row] = []
        self.lock = threading.Lock()
        self._uuids = itertools.count(1)

    def install(self) -> FakeVoicemail:
        for name, handler in (("vm_list", self.vm_list), ("vm_read", self.vm_read), ("vm_delete", self.vm_delete)):
            self.fs.set_api_response(name, handler)
        return self

    # ------------------------------------------------------------ scripting
    def leave(self, user: str, domain: str, cid_number: str, cid_name: str = "", seconds: int = 7,
              created: int | None = None, read: bool = False, uuid: str | None = None,
              write_file: bool = True) -> Row:
        """A message as the voicemail application records it."""
        uuid = uuid or f"5a1e0000-0000-4000-8000-{next(self._uuids):012x}"
        base = self.storage_dir or Path("/nonexistent/voicemail")
        path = base / domain / user / f"msg_{uuid}.wav"
        if write_file and self.storage_dir is not None:
            tone_wav(path, seconds=min(seconds, 2))
        now = int(time.time())
        row = Row(created_epoch=created or now, read_epoch=now if read else 0, username=user, domain=domain,
                  in_folder="inbox", file_path=str(path), uuid=uuid, cid_name=cid_name, cid_number=cid_number,
                  message_len=seconds)
        with self.lock:
            self.rows.append(row)
        return row

    def messages(self, user: str, domain: str) -> list[Row]:
        with self.lock:
            return [r for r in self.rows if r.username == user and r.domain == domain]

    # ------------------------------------------------------------ the API
    def vm_list(self, args: str) -> str:
        if not args:
            return "Usage: <id>@<domain>[/profile] [xml]\n"
        ident, domain, profile, (fmt, uuid) = split_box(args, 2)
        fmt = fmt or "text"
        if not domain or profile != "default":
            return ERR_PROFILE
        with self.lock:
            rows = [r for r in self.rows if r.username == ident and r.domain == domain
                    and (uuid is None or r.uuid == uuid)]
        xml = fmt.lower() == "xml"
        out = ["<voicemail>\n"] if xml else []
        for r in rows:
            values = (r.created_epoch, r.read_epoch, r.username, r.domain, r.in_folder, r.file_path, r.uuid,
                      r.cid_name, r.cid_number, r.message_len)
            if xml:
                tags = ("created_epoch", "read_epoch", "username", "domain", "folder", "path", "uuid",
                        "cid-name", "cid-number", "message-len")
                out.append(" <message>\n" + "".join(f"  <{t}>{v}</{t}>\n" for t, v in zip(tags, values, strict=False))
                           + " </message>\n")
            else:
                out.append(":".join(str(v) for v in values) + "\n")
        if xml:
            out.append("</voicemail>\n")
        return "".join(out)

    def vm_read(self, args: str) -> str:
        if not args:
            return "Usage: <id>@<domain>[/profile] <read|unread> [<uuid>]\n"
        ident, domain, profile, (ru, uuid) = split_box(args, 2)
        mread = {"read": 1, "unread": 0}.get((ru or "").lower(), -1)
        if mread < 0 or not domain or profile != "default":
            return ERR_PROFILE
        now = int(time.time())
        with self.lock:
            for r in self.rows:
                if (r.uuid == uuid) if uuid is not None else (r.domain == domain):
                    r.read_epoch = now if mread else 0
                    if not mread:
                        r.flags = ""
        self._mwi(ident, domain, "read")
        return "+OK\n"

    def vm_delete(self, args: str) -> str:
        if not args:
            return "Usage: <id>@<domain>[/profile] [<uuid>]\n"
        ident, domain, profile, (uuid,) = split_box(args, 1)
        if not domain or profile != "default":
            return ERR_PROFILE
        with self.lock:
            gone = [r for r in self.rows if ((r.uuid == uuid) if uuid is not None
                                             else (r.username == ident and r.domain == domain))]
            self.rows = [r for r in self.rows if r not in gone]
        for r in gone:
            Path(r.file_path).unlink(missing_ok=True)
        self._mwi(ident, domain, "delete")
        return "+OK\n"

    def _mwi(self, ident: str, domain: str, reason: str) -> None:
        """update_mwi(): the counts of the inbox, as MESSAGE_WAITING."""
        if self.fs is None:
            return
        rows = [r for r in self.messages(ident, domain) if r.in_folder == "inbox"]
        new = sum(1 for r in rows if r.read_epoch == 0)
        saved = len(rows) - new
        self.fs.fire("MESSAGE_WAITING", [
            ("MWI-Messages-Waiting", "yes" if new else "no"), ("Update-Reason", reason),
            ("MWI-Message-Account", f"{ident}@{domain}"), ("MWI-Voice-Message", f"{new}/{saved}")],
            calling=("mod_voicemail.c", "update_mwi", 1948))
