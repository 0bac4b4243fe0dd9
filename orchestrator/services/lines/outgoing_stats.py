"""Outgoing-call statistics per line (C-3, manual §3.2.1.1 « Statistiques
appels sortants », next to « Lignes téléphoniques » in Figure 2), from the
call records: for a period of days in the company's timezone, each line's
outgoing calls (count, answered, total and average duration of the
answered ones) and the company's total per day.

An outgoing call is a record of direction ``outbound`` on the line: a call
the line placed to the outside (the carrier). Internal calls between the
company's lines are not counted: they never leave the platform.

A line's call log for the admin (§3.2.1.1, « Journal ») is
:func:`line_call_log`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db.models import CallRecord, Line, Tenant
from ..special.stats import Tally, period

__all__ = ["OutgoingReport", "line_call_log", "period", "report"]


@dataclass
class LineTally:
    line_id: int
    number: str
    label: str
    tally: Tally = field(default_factory=Tally)


@dataclass
class OutgoingReport:
    start: date
    end: date  # inclusive
    timezone: str
    lines: list[LineTally] = field(default_factory=list)
    days: dict[date, Tally] = field(default_factory=dict)
    total: Tally = field(default_factory=Tally)

    def as_dict(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "timezone": self.timezone,
                "total": self.total.as_dict(),
                "lines": [{"line": x.number, "label": x.label, **x.tally.as_dict()} for x in self.lines],
                "days": [{"date": d.isoformat(), **t.as_dict()} for d, t in self.days.items()]}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite gives naive UTC


def _bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    lo = datetime.combine(start, time.min, tz).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time.min, tz).astimezone(UTC)
    return lo, hi


def report(session: Session, tenant: Tenant, start: date, end: date, line_ids: list[int] | None = None
           ) -> OutgoingReport:
    """Every line of ``tenant`` (or those of ``line_ids``), each with its
    tally, even at zero; lines in number order."""
    tz = ZoneInfo(tenant.timezone)
    query = select(Line).where(Line.tenant_id == tenant.id).order_by(Line.number)
    if line_ids is not None:
        query = query.where(Line.id.in_(line_ids))
    lines = {row.id: LineTally(row.id, row.number, row.label) for row in session.scalars(query)}
    out = OutgoingReport(start, end, tenant.timezone, list(lines.values()))
    day = start
    while day <= end:
        out.days[day] = Tally()
        day += timedelta(days=1)
    lo, hi = _bounds(start, end, tz)
    rows = session.execute(
        select(CallRecord.line_id, CallRecord.started_at, CallRecord.disposition, CallRecord.answered_at,
               CallRecord.duration_s)
        .where(CallRecord.tenant_id == tenant.id, CallRecord.direction == "outbound",
               CallRecord.line_id.in_(list(lines)), CallRecord.started_at >= lo, CallRecord.started_at < hi))
    for line_id, started, disposition, answered_at, duration in rows:
        local_day = _aware(started).astimezone(tz).date()
        if local_day not in out.days or line_id not in lines:
            continue
        answered = disposition == "answered" or answered_at is not None
        for tally in (lines[line_id].tally, out.days[local_day], out.total):
            tally.add(answered, duration or 0)
    return out


def line_call_log(session: Session, line: Line, limit: int = 200) -> list[CallRecord]:
    """The newest call records of one line, every direction."""
    return list(session.scalars(select(CallRecord).where(CallRecord.tenant_id == line.tenant_id,
                                                         CallRecord.line_id == line.id)
                                .order_by(CallRecord.started_at.desc(), CallRecord.id.desc()).limit(limit)))
