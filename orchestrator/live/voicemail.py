"""Voicemail counters (V-5), from MESSAGE_WAITING and vm::maintenance events."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import VoicemailCounter
from .registrations import find_line


def on_message_waiting(session: Session, headers: Mapping[str, str]) -> VoicemailCounter | None:
    """``MWI-Message-Account: user@domain``, ``MWI-Voice-Message: 2/1 (0/0)``."""
    account = headers.get("MWI-Message-Account", "").removeprefix("sip:")
    user, _, domain = account.partition("@")
    line = find_line(session, user, domain)
    if line is None:
        return None
    m = re.match(r"\s*(\d+)/(\d+)", headers.get("MWI-Voice-Message", ""))
    new, saved = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    if headers.get("MWI-Messages-Waiting", "").lower() == "no" and not m:
        new = 0
    row = session.get(VoicemailCounter, line.id)
    if row is None:
        row = VoicemailCounter(line_id=line.id)
        session.add(row)
    row.new_messages, row.saved_messages, row.updated_at = new, saved, datetime.now(UTC)
    return row


def on_maintenance(session: Session, headers: Mapping[str, str]) -> VoicemailCounter | None:
    """vm::maintenance ``leave-message``: one more new message (the MWI event
    that follows carries the exact counts)."""
    if headers.get("VM-Action") != "leave-message":
        return None
    line = find_line(session, headers.get("VM-User", ""), headers.get("VM-Domain", ""))
    if line is None:
        return None
    row = session.get(VoicemailCounter, line.id)
    if row is None:
        row = VoicemailCounter(line_id=line.id, new_messages=0, saved_messages=0)
        session.add(row)
    row.new_messages = (row.new_messages or 0) + 1
    row.updated_at = datetime.now(UTC)
    return row


def new_message_counts(session: Session, line_ids: Iterable[int]) -> dict[int, int]:
    """Line id → new messages, for each of ``line_ids`` (0 when the event
    service has not reported the mailbox yet). The caller scopes the ids
    (a login's own lines)."""
    ids = list(line_ids)
    counts = dict.fromkeys(ids, 0)
    if ids:
        rows = session.execute(select(VoicemailCounter.line_id, VoicemailCounter.new_messages)
                               .where(VoicemailCounter.line_id.in_(ids)))
        counts.update({line_id: new or 0 for line_id, new in rows})
    return counts
