"""Time rules (T-1) as FreeSWITCH time conditions (``wday``, ``mon``,
``mday``, ``time-of-day``), with the same semantics as
:func:`orchestrator.domain.timeeval.rule_matches`."""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.domain.timeeval import day_month
from orchestrator.domain.timerules import Days, Hours

_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@dataclass(frozen=True)
class FsTime:
    """The attributes of one FreeSWITCH condition (one disjunct of a rule)."""

    wday: str | None = None
    mon: str | None = None
    mday: str | None = None
    time_of_day: str | None = None

    def attributes(self) -> dict[str, str]:
        out = {"wday": self.wday, "mon": self.mon, "mday": self.mday, "time-of-day": self.time_of_day}
        return {k: v for k, v in out.items() if v is not None}


def _fs_wdays(a: int, b: int) -> str:
    """Our 1=Mon..7=Sun range → FreeSWITCH's 1=Sun..7=Sat list."""
    ours = list(range(a, b + 1)) if a <= b else list(range(a, 8)) + list(range(1, b + 1))
    return ",".join(str(d % 7 + 1) for d in ours)


def _tod(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _fs_time_of_day(hours: Hours) -> str | None:
    """FreeSWITCH compares inclusively to the second and wraps when start > end."""
    span = hours.span()
    if span is None:
        return None
    start, end = span[0], span[1] - 1  # last included minute
    end = end % (24 * 60)
    return f"{_tod(start)}-{_tod(end)}:59"


def _date_spans(days: Days) -> list[tuple[str, str | None]]:
    """DD/MM ranges as (mon, mday) condition pairs."""
    date_from, date_to = days.dates()
    (d1, m1), (d2, m2) = day_month(date_from), day_month(date_to)
    months: list[int] = []
    m = m1
    while True:
        months.append(m)
        if m == m2 and (len(months) > 1 or (d1 <= d2)):
            break
        m = m % 12 + 1
        if len(months) > 13:
            break
    spans: list[tuple[str, str | None]] = []
    for i, month in enumerate(months):
        first = d1 if i == 0 else 1
        last = d2 if i == len(months) - 1 else _DAYS_IN_MONTH[month - 1]
        if len(months) == 1:
            first, last = d1, d2
        mday = None if (first == 1 and last == _DAYS_IN_MONTH[month - 1]) else (
            str(first) if first == last else f"{first}-{last}")
        spans.append((str(month), mday))
    return spans


def fs_conditions(days: Days, hours: Hours) -> list[FsTime]:
    """The rule as a list of FreeSWITCH time conditions: it matches when any
    one of them does."""
    tod = _fs_time_of_day(hours)
    if days.kind == "all":
        return [FsTime(time_of_day=tod)]
    if days.kind == "weekdays":
        return [FsTime(wday=_fs_wdays(*days.weekdays()), time_of_day=tod)]
    return [FsTime(mon=mon, mday=mday, time_of_day=tod) for mon, mday in _date_spans(days)]
