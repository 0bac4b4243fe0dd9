"""Incoming-call statistics of a special number (manual §3.7.7 « Appels »,
Figure 69 « Statistiques appels entrants »; S-4), from the call records
(C-3: ``call_records.special_number``): calls per day of a period in the
company's timezone (count, answered, total and average duration) and per
destination when the record names one (the line that took the call, else
the number it was sent to). CSV export of the same figures."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from orchestrator.domain.errors import FieldError, ValidationFailed

from ...db.models import CallRecord, Line, SpecialNumber
from ..context import ServiceContext

MAX_DAYS = 366
DEFAULT_DAYS = 30


@dataclass
class Tally:
    calls: int = 0
    answered: int = 0
    total_s: int = 0

    @property
    def average_s(self) -> int:
        """Average duration of the answered calls, in whole seconds."""
        return round(self.total_s / self.answered) if self.answered else 0

    def add(self, answered: bool, duration: int) -> None:
        self.calls += 1
        if answered:
            self.answered += 1
            self.total_s += max(0, duration)

    def as_dict(self) -> dict[str, int]:
        return {"calls": self.calls, "answered": self.answered, "total_duration_s": self.total_s,
                "average_duration_s": self.average_s}


@dataclass
class Report:
    number: str
    start: date
    end: date  # inclusive
    timezone: str
    days: dict[date, Tally] = field(default_factory=dict)
    destinations: dict[str, Tally] = field(default_factory=dict)  # "" : not recorded
    total: Tally = field(default_factory=Tally)

    def as_dict(self) -> dict:
        return {"number": self.number, "from": self.start.isoformat(), "to": self.end.isoformat(),
                "timezone": self.timezone, "total": self.total.as_dict(),
                "days": [{"date": d.isoformat(), **t.as_dict()} for d, t in self.days.items()],
                "destinations": [{"destination": k or None, **t.as_dict()} for k, t in self.destinations.items()]}


def period(raw_from: str | None, raw_to: str | None, today: date) -> tuple[date, date]:
    """The period asked (``YYYY-MM-DD``, both inclusive); default: the last 30 days."""
    errors = []
    parsed: dict[str, date | None] = {}
    for name, raw in (("from", raw_from), ("to", raw_to)):
        parsed[name] = None
        if raw:
            try:
                parsed[name] = date.fromisoformat(raw.strip())
            except ValueError:
                errors.append(FieldError("stats.date", name, f"{raw!r} is not a date: write YYYY-MM-DD"))
    if errors:
        raise ValidationFailed(errors)
    end = parsed["to"] or today
    start = parsed["from"] or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ValidationFailed([FieldError("stats.period_order", "from", "the start of the period is after its end")])
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed([FieldError("stats.period_too_long", "from",
                                           f"choose a period of at most {MAX_DAYS} days")])
    return start, end


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite gives naive UTC


def _is_self(callee: str | None, number: str) -> bool:
    """The record names no other destination than the special number itself
    (in whatever form the carrier sent it: +33…, 33…, 08…)."""
    digits = "".join(c for c in callee or "" if c.isdigit())
    return not digits or digits[-9:] == number[-9:]


def report(ctx: ServiceContext, special: SpecialNumber, start: date, end: date) -> Report:
    tz_name = ctx.tenant(special.tenant_id).timezone
    tz = ZoneInfo(tz_name)
    lo = datetime.combine(start, time.min, tz).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time.min, tz).astimezone(UTC)
    rows = ctx.session.execute(
        select(CallRecord.started_at, CallRecord.disposition, CallRecord.answered_at, CallRecord.duration_s,
               CallRecord.callee, Line.number)
        .outerjoin(Line, Line.id == CallRecord.line_id)
        .where(CallRecord.tenant_id == special.tenant_id, CallRecord.special_number == special.number,
               CallRecord.started_at >= lo, CallRecord.started_at < hi)
        .order_by(CallRecord.started_at))
    out = Report(special.number, start, end, tz_name)
    day = start
    while day <= end:
        out.days[day] = Tally()
        day += timedelta(days=1)
    for started, disposition, answered_at, duration, callee, line_number in rows:
        local_day = _aware(started).astimezone(tz).date()
        if local_day not in out.days:
            continue
        answered = disposition == "answered" or (disposition == "forwarded" and answered_at is not None)
        destination = line_number or ("" if _is_self(callee, special.number) else callee)
        out.days[local_day].add(answered, duration or 0)
        out.destinations.setdefault(destination, Tally()).add(answered, duration or 0)
        out.total.add(answered, duration or 0)
    out.destinations = dict(sorted(out.destinations.items(), key=lambda kv: (-kv[1].calls, kv[0] == "", kv[0])))
    return out


def to_csv(rep: Report, headers: tuple[str, ...] = ("Date", "Calls", "Answered", "Total duration (s)",
                                                    "Average duration (s)")) -> bytes:
    """The days of the report, ``;``-separated, UTF-8 with a BOM (spreadsheets
    read it as UTF-8), then the total."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    for day, t in rep.days.items():
        writer.writerow([day.isoformat(), t.calls, t.answered, t.total_s, t.average_s])
    writer.writerow(["total", rep.total.calls, rep.total.answered, rep.total.total_s, rep.total.average_s])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
