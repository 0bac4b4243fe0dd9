"""Names that reach the file system and the FreeSWITCH tree: time zones and
DNS domain names. One rule each, shared by every entry point (forms, API,
CLI, YAML import) and checked again by the renderer.

Time zones: only the canonical IANA names this system knows
(``zoneinfo.available_timezones()``), without the ``right/`` (leap-second)
and ``posix/`` copies and without the local aliases (``localtime``,
``posixrules``, ``Factory``). A name is looked up in that set, never opened
as a path, so ``Europe`` (a directory), a 300-character name or
``../../etc/passwd`` are refused without touching the disk.

Domains: a DNS name of at least two labels, letters/digits/hyphens (LDH),
each label 1-63 characters, 253 in all, lowercase. An internationalised
name may be typed in Unicode; it is stored in its ASCII (A-label,
``xn--…``) form, which is what SIP and DNS carry. An ``xn--`` label must
decode. IP literals (v4 or v6) are refused: a tenant is a domain.
"""

from __future__ import annotations

import ipaddress
import re
import zoneinfo
from functools import lru_cache

_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
MAX_TIMEZONE = 64  # the database column; the longest IANA name has 32 characters
EXAMPLE_ZONE = "Europe/Paris"


@lru_cache(maxsize=1)
def canonical_timezones() -> frozenset[str]:
    return frozenset(name for name in zoneinfo.available_timezones()
                     if not name.startswith(("right/", "posix/")) and name not in _NOT_ZONES)


def timezone_problem(name: str) -> str | None:
    """Why ``name`` is not a usable time zone, or None."""
    if not isinstance(name, str) or not name:
        return f"a time zone is required (e.g. {EXAMPLE_ZONE})"
    if len(name) > MAX_TIMEZONE or name not in canonical_timezones():
        shown = name if len(name) <= 40 else name[:37] + "..."
        return f"{shown!r} is not a time zone of the IANA database (e.g. {EXAMPLE_ZONE}, America/New_York, UTC)"
    return None


def to_ascii_domain(value: str) -> str:
    """The stored form of a domain: Unicode labels become A-labels
    (``bücher.example`` → ``xn--bcher-kva.example``). A value that cannot
    be converted is returned unchanged, for :func:`domain_problem` to
    explain."""
    if value.isascii():
        return value
    try:
        return value.encode("idna").decode("ascii")
    except UnicodeError:
        return value


def _ip_literal(value: str) -> bool:
    try:
        ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return False
    return True


def domain_problem(value: str) -> str | None:
    """Why ``value`` (in its stored, ASCII form) is not a domain name, or None."""
    if not isinstance(value, str) or not value:
        return "a domain name is required"
    shown = value if len(value) <= 60 else value[:57] + "..."
    if _ip_literal(value):
        return f"{shown!r} is an IP address; a company needs a domain name (e.g. acme.example)"
    if not value.isascii():
        return f"{shown!r} is not a domain name (its international characters cannot be converted)"
    if len(value) > 253:
        return f"{shown!r} is longer than 253 characters, the limit of a domain name"
    labels = value.split(".")
    if len(labels) < 2:
        return f"{shown!r} is not a domain name: it needs at least two parts (e.g. acme.example)"
    for label in labels:
        if not _LABEL.match(label):
            return (f"{shown!r} is not a domain name: each part has 1 to 63 lowercase letters, digits or "
                    "dashes, and does not start or end with a dash")
        if label.startswith("xn--"):
            try:
                label.encode("ascii").decode("idna")
            except UnicodeError:
                return f"{shown!r} is not a domain name: {label!r} is not a valid international label"
    if labels[-1].isdigit():
        return f"{shown!r} is not a domain name: the last part cannot be all digits"
    return None
