"""Time rules (T-1): evaluate one against a local time. The FreeSWITCH
time conditions that express the same rule are rendered by
:mod:`orchestrator.render.fstime`; tests check both agree.

Semantics (documented for admins too): days and hours are both checked
against the current local time of the tenant. ``mon-fri 22:00-06:00``
therefore matches Monday 02:00 and Friday 23:00 but not Saturday 02:00.
Hours: start inclusive, end exclusive, wrapping over midnight when
end <= start. Date ranges are inclusive and wrap over the new year.
"""

from __future__ import annotations

from datetime import datetime

from .timerules import Days, Hours


def day_month(text: str) -> tuple[int, int]:
    day, month = text.split("/")
    return int(day), int(month)


def days_match(days: Days, local: datetime) -> bool:
    if days.kind == "all":
        return True
    if days.kind == "weekdays":
        wd = local.isoweekday()  # 1 = Monday
        a, b = days.weekdays()
        return a <= wd <= b if a <= b else (wd >= a or wd <= b)
    first, last = days.dates()
    start, end = day_month(first), day_month(last)
    cur = (local.month, local.day)
    s, e = (start[1], start[0]), (end[1], end[0])
    return s <= cur <= e if s <= e else (cur >= s or cur <= e)


def hours_match(hours: Hours, local: datetime) -> bool:
    span = hours.span()
    if span is None:
        return True
    minute = local.hour * 60 + local.minute
    a, b = span
    if a < b:
        return a <= minute < b
    return minute >= a or minute < b


def rule_matches(days: Days, hours: Hours, local: datetime) -> bool:
    return days_match(days, local) and hours_match(hours, local)
