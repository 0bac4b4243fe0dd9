"""What a login may read of the live state: the click-to-call requests and
the call records of its own lines (an admin: the tenant's lines). Another
line's, or another company's, is :class:`NotFound`, like no row. The web
pages and the API both ask here."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import CallRecord, ClickToCall
from ..services.base import found
from ..services.lines.lookup import Owner, own_lines


def own_click_to_call(session: Session, owner: Owner, call_id: int) -> ClickToCall:
    """A click-to-call started from one of ``owner``'s lines."""
    lines = {line.id for line in own_lines(session, owner)}
    call = session.get(ClickToCall, call_id)
    mine = call is not None and call.tenant_id == owner.tenant_id and call.line_id in lines
    return found(call if mine else None, "click_to_call.not_found", "no such click-to-call", "call")


def own_call_records(session: Session, owner: Owner, limit: int = 100) -> tuple[list[CallRecord], dict[int, str]]:
    """The newest call records of ``owner``'s lines, and line id → number."""
    numbers = {line.id: line.number for line in own_lines(session, owner)}
    rows = session.scalars(select(CallRecord).where(CallRecord.tenant_id == owner.tenant_id,
                                                    CallRecord.line_id.in_(list(numbers)))
                           .order_by(CallRecord.started_at.desc()).limit(limit))
    return list(rows), numbers
