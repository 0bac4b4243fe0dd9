"""Time-rule syntax shared by reception and special numbers (T-1, S-3).

``days``:  ``all`` | a weekday or weekday range (``mon``, ``mon-fri``,
``sat-sun``, ``fri-mon`` wraps) | a date or date range ``DD/MM`` or
``DD/MM-DD/MM`` (wraps over the new year).
``hours``: ``all`` | ``HH:MM-HH:MM`` on 10-minute steps, start inclusive,
end exclusive; ``end <= start`` wraps over midnight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class RuleSyntaxError(ValueError):
    def __init__(self, error_id: str, message: str) -> None:
        super().__init__(message)
        self.error_id = error_id
        self.message = message


@dataclass(frozen=True)
class Days:
    kind: str  # all | weekdays | dates
    weekday_from: int | None = None  # 1 = Monday
    weekday_to: int | None = None
    date_from: str | None = None  # DD/MM
    date_to: str | None = None

    def weekdays(self) -> tuple[int, int]:
        """``weekday_from``, ``weekday_to`` of a ``weekdays`` rule."""
        if self.weekday_from is None or self.weekday_to is None:
            raise TypeError(f"a {self.kind!r} rule has no weekday range")
        return self.weekday_from, self.weekday_to

    def dates(self) -> tuple[str, str]:
        """``date_from``, ``date_to`` (DD/MM) of a ``dates`` rule."""
        if self.date_from is None or self.date_to is None:
            raise TypeError(f"a {self.kind!r} rule has no date range")
        return self.date_from, self.date_to


@dataclass(frozen=True)
class Hours:
    time_from: int | None = None  # minutes since midnight
    time_to: int | None = None

    def span(self) -> tuple[int, int] | None:
        """``(time_from, time_to)``, or None for all day."""
        if self.time_from is None:
            return None
        if self.time_to is None:
            raise TypeError("an hours range has no end")
        return self.time_from, self.time_to


def _date(text: str) -> str:
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})", text)
    if not m:
        raise RuleSyntaxError("rule.days", f"{text!r} is not a date: write DD/MM")
    day, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12 or not 1 <= day <= _DAYS_IN_MONTH[month - 1]:
        raise RuleSyntaxError("rule.days", f"{text!r} is not a day of the year")
    return f"{day:02d}/{month:02d}"


def parse_days(text: str) -> Days:
    value = (text or "").strip().lower()
    if value in ("", "all", "*"):
        return Days("all")
    parts = [p.strip() for p in value.split("-")]
    if len(parts) > 2:
        raise RuleSyntaxError("rule.days", f"{text!r}: use 'all', 'mon-fri' or 'DD/MM-DD/MM'")
    if all(p in WEEKDAYS for p in parts):
        start = WEEKDAYS.index(parts[0]) + 1
        end = WEEKDAYS.index(parts[-1]) + 1
        return Days("weekdays", weekday_from=start, weekday_to=end)
    if any(p in WEEKDAYS for p in parts):
        raise RuleSyntaxError("rule.days", f"{text!r} mixes weekdays and dates")
    first = _date(parts[0])
    last = _date(parts[-1])
    return Days("dates", date_from=first, date_to=last)


def format_days(days: Days) -> str:
    if days.kind == "weekdays":
        first, last = days.weekdays()
        a, b = WEEKDAYS[first - 1], WEEKDAYS[last - 1]
        return a if a == b else f"{a}-{b}"
    if days.kind == "dates":
        start, end = days.dates()
        return start if start == end else f"{start}-{end}"
    return "all"


def _time(text: str) -> int:
    m = re.fullmatch(r"(\d{1,2})[:hH](\d{2})", text.strip())
    if not m:
        raise RuleSyntaxError("rule.hours", f"{text!r} is not a time: write HH:MM")
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour == 24 and minute == 0:
        return 24 * 60
    if hour > 23 or minute > 59:
        raise RuleSyntaxError("rule.hours", f"{text!r} is not a time of day")
    if minute % 10:
        raise RuleSyntaxError("rule.step", f"{text!r}: times are set on 10-minute steps (e.g. 08:00, 08:10)")
    return hour * 60 + minute


def parse_hours(text: str) -> Hours:
    value = (text or "").strip().lower()
    if value in ("", "all", "*"):
        return Hours()
    parts = value.split("-")
    if len(parts) != 2:
        raise RuleSyntaxError("rule.hours", f"{text!r}: write 'all' or 'HH:MM-HH:MM'")
    start, end = _time(parts[0]), _time(parts[1])
    if start == 24 * 60:
        raise RuleSyntaxError("rule.hours", f"{text!r}: a range cannot start at 24:00")
    if start == end:
        raise RuleSyntaxError("rule.hours", f"{text!r}: start and end are the same; use 'all' for the whole day")
    return Hours(start, end)


def format_hours(hours: Hours) -> str:
    span = hours.span()
    if span is None:
        return "all"

    def f(m: int) -> str:
        return f"{m // 60:02d}:{m % 60:02d}"

    return f"{f(span[0])}-{f(span[1])}"
