"""What a login may read of the live state: the click-to-call requests, the
SMS and the call records of its own lines (an admin: the tenant's lines). Another
line's, or another company's, is :class:`NotFound`, like no row. The web
pages and the API both ask here."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from ..db.models import CallRecord, ClickToCall, SmsMessage
from ..services.base import found
from ..services.lines.lookup import Owner, own_lines


def own_click_to_call(session: Session, owner: Owner, call_id: int) -> ClickToCall:
    """A click-to-call started from one of ``owner``'s lines."""
    lines = {line.id for line in own_lines(session, owner)}
    call = session.get(ClickToCall, call_id)
    mine = call is not None and call.tenant_id == owner.tenant_id and call.line_id in lines
    return found(call if mine else None, "click_to_call.not_found", "no such click-to-call", "call")


def own_call_records(session: Session, owner: Owner, limit: int = 100) -> tuple[list[CallRecord], dict[int, str]]:
    """The newest call records of ``owner``'s lines, and line id → number.
    An admin also sees the company's records that concern no line (a hunt
    nobody took: the reception number's missed call; an 08xx call routed to
    an outside number)."""
    numbers = {line.id: line.number for line in own_lines(session, owner)}
    mine: ColumnElement[bool] = CallRecord.line_id.in_(list(numbers))
    if owner.is_admin:
        mine = or_(mine, CallRecord.line_id.is_(None))
    rows = session.scalars(select(CallRecord).where(CallRecord.tenant_id == owner.tenant_id, mine)
                           .order_by(CallRecord.started_at.desc()).limit(limit))
    return list(rows), numbers


def own_sms(session: Session, owner: Owner, sms_id: int) -> SmsMessage:
    """An SMS sent from one of ``owner``'s lines (C-2)."""
    lines = {line.id for line in own_lines(session, owner)}
    msg = session.get(SmsMessage, sms_id)
    mine = msg is not None and msg.tenant_id == owner.tenant_id and msg.line_id in lines
    return found(msg if mine else None, "sms.not_found", "no such SMS", "sms")


def own_sms_list(session: Session, owner: Owner, line_id: int | None = None,
                 limit: int = 100) -> tuple[list[SmsMessage], dict[int, str]]:
    """The newest SMS sent from ``owner``'s lines (or from the one line
    ``line_id``, which must be one of them), and line id → number."""
    numbers = {line.id: line.number for line in own_lines(session, owner)}
    ids = [line_id] if line_id is not None and line_id in numbers else list(numbers) if line_id is None else []
    rows = session.scalars(select(SmsMessage).where(SmsMessage.tenant_id == owner.tenant_id,
                                                    SmsMessage.line_id.in_(ids))
                           .order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc()).limit(limit))
    return list(rows), numbers
