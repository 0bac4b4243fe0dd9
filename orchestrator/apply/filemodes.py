"""Permissions of what we write that holds secrets.

A rendered FreeSWITCH tree holds credentials (digest hashes of the SIP
passwords, the event-socket and carrier passwords, mod_xml_curl's
credentials): its files are ``0640`` (FreeSWITCH reads them through its
group) and the directories we create ``0750``, whatever the umask. An
export that may carry secrets is ``0600``.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o640
DIR_MODE = 0o750
PRIVATE_MODE = 0o600


def makedirs(path: Path, mode: int = DIR_MODE) -> None:
    """``mkdir -p`` where each directory created gets ``mode`` (existing ones are left as they are)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=mode)
        except FileExistsError:
            continue
        os.chmod(directory, mode)  # mkdir's mode is masked by the umask


def write_file(path: Path, data: bytes, mode: int = FILE_MODE, *, fsync: bool = False) -> None:
    """Write ``data`` to ``path`` with ``mode`` (also when the file existed with another one)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)
