"""Columns shared by the time rules of reception and special numbers (T-1, S-3)."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column


class TimeRuleColumns:
    """Days: all week, a weekday range (1=Mon..7=Sun) or a DD/MM date range.

    Hours: ``time_from``/``time_to`` in minutes since midnight, both None for
    all day; start inclusive, end exclusive, wrapping when end <= start.
    """

    priority: Mapped[int] = mapped_column(Integer)  # 0 = top, wins
    days: Mapped[str] = mapped_column(String(8), default="all")  # all | weekdays | dates
    weekday_from: Mapped[int | None] = mapped_column(Integer)
    weekday_to: Mapped[int | None] = mapped_column(Integer)
    date_from: Mapped[str | None] = mapped_column(String(5))  # DD/MM
    date_to: Mapped[str | None] = mapped_column(String(5))
    time_from: Mapped[int | None] = mapped_column(Integer)
    time_to: Mapped[int | None] = mapped_column(Integer)
