"""POSIX TZ strings for FreeSWITCH's timezones.conf.

FreeSWITCH evaluates dialplan time conditions in the channel's ``timezone``
only if that zone is defined in ``timezones.conf``; otherwise it logs
"Timezone 'Europe/Paris' not found!" and uses the server's clock (seen on
FreeSWITCH 1.11.1). The definition is the POSIX rule at the end of the
system's TZif file (the IANA database this machine has).
"""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=256)
def posix_tz(name: str) -> str:
    for root in zoneinfo.TZPATH:
        path = Path(root) / name
        if path.is_file():
            data = path.read_bytes()
            break
    else:
        try:
            from importlib import resources

            package, _, leaf = f"tzdata.zoneinfo.{name}".replace("/", ".").rpartition(".")
            data = resources.files(package).joinpath(leaf).read_bytes()
        except (ModuleNotFoundError, FileNotFoundError) as exc:
            raise ValueError(f"timezone {name!r} is not in this system's IANA database") from exc
    footer = data.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("ascii")
    if not data.startswith(b"TZif") or not footer or footer.startswith("TZif"):
        raise ValueError(f"timezone {name!r}: no POSIX rule in its TZif file")
    return footer
