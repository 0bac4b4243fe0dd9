"""Phone numbers: parsing to E.164, French number classes, short numbers.

All numbers are stored in E.164 (``+33175000001``). Input may be national
(``01 75 00 00 01``), international with ``+`` or ``00``, or, where
``lenient`` is set (CSV import, D-4), international without ``+``
(``33175000001``) or national with its leading 0 dropped by a spreadsheet.
"""

from __future__ import annotations

import re

import phonenumbers

EMERGENCY_NUMBERS = ("15", "17", "18", "112", "115", "119")
VOICEMAIL_ACCESS = "123"
RESERVED_SHORT = set(EMERGENCY_NUMBERS) | {VOICEMAIL_ACCESS}

# N-3: special-number prefixes and what the caller pays.
SPECIAL_PRICES = {
    "0811": "local call price",
    "0820": "0.12 EUR/min",
    "0821": "0.12 EUR/min",
    "0825": "0.15 EUR/min",
    "0826": "0.15 EUR/min",
    "0891": "0.23 EUR/min",
    "0892": "0.34 EUR/min",
    "0897": "0.56 EUR/call > 5 s",
}

_SEPARATORS = re.compile(r"[\s.\-()/]")


class NumberError(ValueError):
    """A number that cannot be understood; ``error_id`` says why."""

    def __init__(self, error_id: str, message: str) -> None:
        super().__init__(message)
        self.error_id = error_id
        self.message = message


def normalize(raw: str, region: str = "FR", *, lenient: bool = False) -> str:
    """Return ``raw`` as E.164 or raise :class:`NumberError`."""
    text = _SEPARATORS.sub("", str(raw or ""))
    if not text:
        raise NumberError("number.empty", "a phone number is required")
    if text.startswith("00"):
        text = "+" + text[2:]
    if lenient and not text.startswith("+") and text.isdigit():
        if region == "FR" and len(text) == 11 and text.startswith("33"):
            text = "+" + text
        elif region == "FR" and len(text) == 9 and text[0] != "0":
            text = "0" + text
    if not re.fullmatch(r"\+?\d{2,17}", text):
        raise NumberError("number.invalid", f"{raw!r} is not a phone number: use digits, optionally after +")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise NumberError("number.invalid", f"{raw!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise NumberError(
            "number.invalid",
            f"{raw!r} is not a valid number for {region} (give it in international format, e.g. +33175000001)",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def national(e164: str) -> str:
    """``+33175000001`` → ``0175000001`` (other countries: ``00`` + digits)."""
    if e164.startswith("+33"):
        return "0" + e164[3:]
    return "00" + e164.lstrip("+")


def french_class(e164: str) -> str:
    """One of geographic, mobile, special, voip, other_fr, international."""
    if not e164.startswith("+33") or len(e164) != 12:
        return "international"
    first = e164[3]
    if first in "12345":
        return "geographic"
    if first in "67":
        return "mobile"
    if first == "8":
        return "special"
    if first == "9":
        return "voip"
    return "other_fr"


def zone(e164: str) -> str | None:
    """The 01-05 zone of a French geographic number."""
    return "0" + e164[3] if french_class(e164) == "geographic" else None


def origin_class(e164: str) -> str:
    """Caller origin for 08xx rules (S-3): 01..05, mobile or other."""
    cls = french_class(e164)
    if cls == "geographic":
        return "0" + e164[3]
    if cls == "mobile":
        return "mobile"
    return "other"


def special_prefix(e164: str) -> str | None:
    nat = national(e164)
    return nat[:4] if nat[:4] in SPECIAL_PRICES else None


def check_short_number(short: str) -> str | None:
    """Return an error message for an unusable short number, else None."""
    if not re.fullmatch(r"[1-9]\d{1,5}", short or ""):
        return "a short number has 2 to 6 digits and does not start with 0 (0 is the prefix for outside calls)"
    if short in RESERVED_SHORT:
        return f"{short} is reserved (emergency services and 123 for voicemail)"
    return None
