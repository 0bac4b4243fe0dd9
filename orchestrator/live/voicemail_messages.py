"""Voicemail messages of a line (manual §4.3 Figure 84, spec V-5): list,
listen to and delete them, through mod_voicemail's API over the event
socket. Who may act on which mailbox is decided by the caller (a user: their
own lines; an admin: the tenant's lines); this module only ever names the
mailbox of the line it is given.

The commands, as mod_voicemail.c (FreeSWITCH 1.10) defines them:

- ``vm_list <user>@<domain>[/profile] xml [<uuid>]``: ``<voicemail>`` then one
  ``<message>`` per message (``created_epoch``, ``read_epoch``, ``username``,
  ``domain``, ``folder``, ``path``, ``uuid``, ``cid-name``, ``cid-number``,
  ``message-len``), the values written as they are (not XML-escaped);
- ``vm_read <user>@<domain>[/profile] read <uuid>``: marks it read (saved);
- ``vm_delete <user>@<domain>[/profile] <uuid>``: removes the row and the file.

``vm_read`` and ``vm_delete`` select by uuid alone (and without one they act
on the whole mailbox, or the whole domain): a uuid is therefore always given,
checked for shape, and first looked up in *this* mailbox's list.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from orchestrator.config import platform_from_settings
from orchestrator.domain.errors import NotFound, ServiceError

from ..db.models import Line, Tenant
from ..services.context import ServiceContext

PROFILE = "default"
UUID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{7,63}$")
_MESSAGE = re.compile(r"<message>(.*?)</message>", re.S)
AUDIO_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg"}


class Api(Protocol):
    def api(self, cmd: str) -> str: ...


class VoicemailUnavailable(ServiceError):
    """The phone system cannot be asked (unreachable, or mod_voicemail refuses)."""

    error_id = "voicemail.unavailable"


@dataclass(frozen=True)
class Message:
    uuid: str
    created: datetime  # UTC
    read: bool
    folder: str
    caller_number: str
    caller_name: str
    duration_s: int
    path: str

    @property
    def status(self) -> str:
        """``new`` (not listened to yet) or ``saved``, as the phone menu says."""
        return "saved" if self.read else "new"


def mailbox(session: Session, line: Line) -> str:
    """``<user>@<domain>``: the directory user of the line in its tenant's domain."""
    tenant = session.get(Tenant, line.tenant_id)
    assert tenant is not None
    return f"{line.sip_username}@{tenant.sip_domain}"


def _field(block: str, tag: str) -> str:
    m = re.search(rf"<{re.escape(tag)}>(.*?)</{re.escape(tag)}>", block, re.S)
    return m.group(1).strip() if m else ""


def _int(text: str) -> int:
    return int(text) if text.strip().isdigit() else 0


def parse_list(output: str) -> list[Message]:
    """The messages of a ``vm_list ... xml`` answer, oldest first. The
    values are not escaped by FreeSWITCH, so each field is read between its
    own tags rather than by an XML parser."""
    text = output or ""
    if text.lstrip().startswith("-ERR") or "<voicemail>" not in text:
        raise VoicemailUnavailable(f"the voicemail system did not answer the list: {text.strip()[:200] or 'no reply'}")
    out = []
    for block in _MESSAGE.findall(text):
        created = datetime.fromtimestamp(_int(_field(block, "created_epoch")), tz=UTC)
        out.append(Message(
            uuid=_field(block, "uuid"), created=created, read=_int(_field(block, "read_epoch")) > 0,
            folder=_field(block, "folder"), caller_number=_field(block, "cid-number"),
            caller_name=_field(block, "cid-name"), duration_s=_int(_field(block, "message-len")),
            path=_field(block, "path"),
        ))
    return sorted(out, key=lambda m: m.created)


def _ask(esl: Api, cmd: str) -> str:
    try:
        return esl.api(cmd)
    except Exception as exc:  # noqa: BLE001 - any transport failure is "unreachable", with its reason
        raise VoicemailUnavailable(f"the phone system cannot be reached: {getattr(exc, 'message', exc)}") from None


def list_messages(ctx: ServiceContext, line: Line, esl: Api) -> list[Message]:
    """The line's messages, newest first."""
    box = mailbox(ctx.session, line)
    return sorted(parse_list(_ask(esl, f"vm_list {box}/{PROFILE} xml")), key=lambda m: m.created, reverse=True)


def valid_uuid(uuid: str) -> bool:
    """The shape of a message id (checked before FreeSWITCH is asked)."""
    return bool(UUID.match(uuid or ""))


def get_message(ctx: ServiceContext, line: Line, uuid: str, esl: Api) -> Message:
    """One message of this line's mailbox, or NotFound (another mailbox's
    uuid is not found either: the list is asked for this mailbox only)."""
    if not valid_uuid(uuid):
        raise NotFound("no such message", error_id="voicemail.no_message", field="uuid")
    box = mailbox(ctx.session, line)
    found = [m for m in parse_list(_ask(esl, f"vm_list {box}/{PROFILE} xml {uuid}")) if m.uuid == uuid]
    if not found:
        raise NotFound("no such message in this mailbox (deleted already?)", error_id="voicemail.no_message",
                       field="uuid")
    return found[0]


def _done(reply: str, what: str) -> None:
    if not reply.strip().startswith("+OK"):
        raise VoicemailUnavailable(f"the voicemail system refused to {what}: {reply.strip()[:200] or 'no reply'}")


def mark_read(ctx: ServiceContext, line: Line, msg: Message, esl: Api) -> None:
    """Listening to a new message makes it a saved one (as on the phone)."""
    if not msg.read:
        _done(_ask(esl, f"vm_read {mailbox(ctx.session, line)}/{PROFILE} read {msg.uuid}"), "mark the message read")


def delete_message(ctx: ServiceContext, line: Line, uuid: str, esl: Api) -> Message:
    """Delete one message of the line's mailbox (its file goes with it)."""
    msg = get_message(ctx, line, uuid, esl)
    _done(_ask(esl, f"vm_delete {mailbox(ctx.session, line)}/{PROFILE} {msg.uuid}"), "delete the message")
    ctx.audit(line.tenant_id, "delete", "voicemail_message", f"{line.number}/{msg.uuid}",
              caller=msg.caller_number, created=msg.created.isoformat())
    return msg


def audio_file(ctx: ServiceContext, msg: Message) -> Path | None:
    """The message's sound file if this machine can read it (single-node
    set-up: FreeSWITCH's spool is local), else None. Only files under the
    platform's voicemail spool are served, whatever the path says."""
    if not msg.path:
        return None
    spool = (platform_from_settings(ctx.settings).spool_dir / "voicemail").resolve()
    try:
        path = Path(msg.path).resolve()
    except (OSError, RuntimeError):
        return None
    if not path.is_relative_to(spool) or path.suffix.lower() not in AUDIO_TYPES:
        return None
    if not path.is_file() or not os.access(path, os.R_OK):
        return None
    return path
