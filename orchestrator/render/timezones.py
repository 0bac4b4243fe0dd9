"""POSIX TZ strings for FreeSWITCH's timezones.conf.

FreeSWITCH evaluates dialplan time conditions in the channel's ``timezone``
only if that zone is defined in ``timezones.conf``; otherwise it logs
"Timezone 'Europe/Paris' not found!" and uses the server's clock (seen on
FreeSWITCH 1.11.1). The definition is the POSIX rule at the end of the
system's TZif file (the IANA database this machine has).

Only canonical zone names are looked up (:mod:`orchestrator.domain.names`):
a name is checked against that list before it becomes a path, so a planted
``right/UTC`` (a TZif file whose footer is not text), ``Europe`` (a
directory) or a 300-character name is a :class:`ValueError`, never an
``OSError`` or a ``UnicodeDecodeError``.
"""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from pathlib import Path

from orchestrator.domain.names import timezone_problem


@lru_cache(maxsize=256)
def posix_tz(name: str) -> str:
    problem = timezone_problem(name)
    if problem:
        raise ValueError(problem)
    try:
        data = _tzif(name)
        footer = data.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"timezone {name!r}: its TZif file cannot be read ({type(exc).__name__})") from None
    if not data.startswith(b"TZif") or not footer or footer.startswith("TZif"):
        raise ValueError(f"timezone {name!r}: no POSIX rule in its TZif file")
    return footer


def _tzif(name: str) -> bytes:
    for root in zoneinfo.TZPATH:
        path = Path(root) / name
        if path.is_file():
            return path.read_bytes()
    try:
        from importlib import resources  # lazy: only where the system has no zoneinfo directory

        package, _, leaf = f"tzdata.zoneinfo.{name}".replace("/", ".").rpartition(".")
        return resources.files(package).joinpath(leaf).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise ValueError(f"timezone {name!r} is not in this system's IANA database") from exc
