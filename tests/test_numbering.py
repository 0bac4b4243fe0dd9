from __future__ import annotations

import pytest

from orchestrator.domain.numbering import (
    NumberError,
    check_short_number,
    french_class,
    national,
    normalize,
    origin_class,
    special_prefix,
)
from orchestrator.domain.timerules import RuleSyntaxError, format_days, format_hours, parse_days, parse_hours


@pytest.mark.parametrize("raw,expected", [
    ("0175000001", "+33175000001"), ("01 75 00 00 01", "+33175000001"), ("01.75.00.00.01", "+33175000001"),
    ("+33 1 75 00 00 01", "+33175000001"), ("0033175000001", "+33175000001"), ("+442079460000", "+442079460000"),
])
def test_normalize(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw", ["33175000001", "175000001"])
def test_spreadsheet_forms(raw):
    """International without + and national without its 0 (D-4)."""
    assert normalize(raw, lenient=True) == "+33175000001"


@pytest.mark.parametrize("raw", ["", "abc", "01750", "+33 1 75 00 00 01 99", "<script>", "0175000001\n"])
def test_normalize_rejects(raw):
    if raw == "0175000001\n":  # whitespace is a separator, not an injection
        assert normalize(raw) == "+33175000001"
        return
    with pytest.raises(NumberError):
        normalize(raw)


def test_classes():
    assert french_class("+33175000001") == "geographic"
    assert french_class("+33612345678") == "mobile"
    assert french_class("+33811000001") == "special"
    assert french_class("+33975000001") == "voip"
    assert french_class("+442079460000") == "international"
    assert origin_class("+33475000001") == "04"
    assert origin_class("+33712345678") == "mobile"
    assert origin_class("+33975000001") == "other"
    assert special_prefix("+33892000000") == "0892"
    assert special_prefix("+33175000001") is None
    assert national("+33175000001") == "0175000001"
    assert check_short_number("201") is None
    assert "reserved" in check_short_number("112")


@pytest.mark.parametrize("text,canonical", [
    ("all", "all"), ("Mon-Fri", "mon-fri"), ("sat", "sat"), ("fri-mon", "fri-mon"),
    ("24/12-2/1", "24/12-02/01"), ("25/12", "25/12"), ("29/02", "29/02"),
])
def test_days_round_trip(text, canonical):
    assert format_days(parse_days(text)) == canonical


@pytest.mark.parametrize("text,canonical,span", [
    ("all", "all", (None, None)), ("08:00-12:00", "08:00-12:00", (480, 720)),
    ("22:00-06:00", "22:00-06:00", (1320, 360)), ("18:00-24:00", "18:00-24:00", (1080, 1440)),
    ("8h00-9h30", "08:00-09:30", (480, 570)),
])
def test_hours_round_trip(text, canonical, span):
    hours = parse_hours(text)
    assert (hours.time_from, hours.time_to) == span
    assert format_hours(hours) == canonical


@pytest.mark.parametrize("text", ["08:01-09:00", "24:00-01:00", "09:00", "09:00-09:00"])
def test_hours_rejected(text):
    with pytest.raises(RuleSyntaxError):
        parse_hours(text)
