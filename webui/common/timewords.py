"""Time rules in words (« Du lundi au vendredi », « de 08:00 à 12:00 »),
as the reception and special-number pages show them."""

from __future__ import annotations

from flask_babel import gettext as _

from orchestrator.domain.timerules import WEEKDAYS


def day_words(days: str) -> str:
    names = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]
    if days == "all":
        return _("Every day")
    if days[:3] in WEEKDAYS:
        a, _sep, b = days.partition("-")
        if not b or a == b:
            return _("On %(day)s", day=names[WEEKDAYS.index(a)])
        return _("From %(first)s to %(last)s", first=names[WEEKDAYS.index(a)], last=names[WEEKDAYS.index(b)])
    a, _sep, b = days.partition("-")
    return _("On %(date)s", date=a) if not b or a == b else _("From %(first)s to %(last)s", first=a, last=b)


def hour_words(hours: str) -> str:
    if hours == "all":
        return _("all day")
    a, _sep, b = hours.partition("-")
    return _("from %(start)s to %(end)s", start=a, end=b)


def hms(seconds: int) -> str:
    """A duration as the statistics pages show it: 1 h 02 min 05 s, 3 min 20 s, 45 s."""
    h, rest = divmod(int(seconds), 3600)
    mins, s = divmod(rest, 60)
    if h:
        return f"{h} h {mins:02d} min {s:02d} s"
    return f"{mins} min {s:02d} s" if mins else f"{s} s"
