"""Compare a rendered tree with a node's configuration directory and write
the difference atomically, keeping what it replaced for a rollback."""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .filemodes import makedirs, write_file

STATE_DIR = ".centrex"  # our own bookkeeping inside the conf dir; never rendered


def validate_tree(files: dict[str, bytes]) -> list[str]:
    """Problems that must stop an apply before anything is written: every
    XML file well-formed. FreeSWITCH itself skips a broken included file
    without saying so, so this check is ours to make."""
    import xml.etree.ElementTree as ET

    problems = []
    for rel, data in sorted(files.items()):
        if rel.endswith(".xml"):
            try:
                ET.fromstring(data)
            except ET.ParseError as exc:
                problems.append(f"{rel}: {exc}")
    return problems


def tree_hash(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for rel in sorted(files):
        h.update(rel.encode() + b"\0" + hashlib.sha256(files[rel]).digest())
    return h.hexdigest()


def read_tree(root: Path, only: set[str] | None = None) -> dict[str, bytes]:
    """Files under ``root`` (relative paths), or just ``only`` of them."""
    out: dict[str, bytes] = {}
    if only is not None:
        for rel in only:
            path = root / rel
            if path.is_file():
                out[rel] = path.read_bytes()
        return out
    if not root.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != STATE_DIR)
        for name in filenames:
            path = Path(dirpath) / name
            out[path.relative_to(root).as_posix()] = path.read_bytes()
    return out


@dataclass
class Change:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def paths(self) -> list[str]:
        return sorted(self.added + self.changed + self.removed)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def lines(self) -> list[str]:
        return ([f"+ {p}" for p in sorted(self.added)] + [f"~ {p}" for p in sorted(self.changed)]
                + [f"- {p}" for p in sorted(self.removed)])


def compare(wanted: dict[str, bytes], present: dict[str, bytes], scope: set[str] | None = None) -> Change:
    """What turns ``present`` into ``wanted``. With ``scope``, only those
    paths are considered (a per-tenant apply); without, extra files on the
    node are removed (drift repair)."""
    change = Change()
    for rel, data in wanted.items():
        if rel not in present:
            change.added.append(rel)
        elif present[rel] != data:
            change.changed.append(rel)
    candidates = present.keys() if scope is None else (scope & present.keys())
    change.removed = sorted(rel for rel in candidates if rel not in wanted)
    change.added.sort()
    change.changed.sort()
    return change


class Transaction:
    """Write a change into ``root``; :meth:`rollback` puts the old files back.

    New contents are first written to a staging directory on the same file
    system, then moved into place with ``os.replace`` (atomic per file), so
    FreeSWITCH never reads a half-written file.
    """

    def __init__(self, root: Path, wanted: dict[str, bytes], change: Change) -> None:
        self.root = root
        self.wanted = wanted
        self.change = change
        self.state = root / STATE_DIR
        self.staging = self.state / "staging"
        self.backup = self.state / "previous"
        self.done: list[str] = []

    def write(self) -> None:
        for d in (self.staging, self.backup):
            shutil.rmtree(d, ignore_errors=True)
            makedirs(d)
        for rel in self.change.added + self.change.changed:
            tmp = self.staging / rel
            makedirs(tmp.parent)
            write_file(tmp, self.wanted[rel], fsync=True)  # FILE_MODE (0640): the tree holds credentials
        for rel in self.change.changed + self.change.removed:
            dst = self.backup / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(self.root / rel, dst)
        for rel in self.change.added + self.change.changed:
            target = self.root / rel
            makedirs(target.parent)
            os.replace(self.staging / rel, target)
            self.done.append(rel)
        for rel in self.change.removed:
            (self.root / rel).unlink()
            self.done.append(rel)
        shutil.rmtree(self.staging, ignore_errors=True)

    def rollback(self) -> None:
        for rel in self.change.added:
            if rel in self.done:
                (self.root / rel).unlink(missing_ok=True)
        for rel in self.change.changed + self.change.removed:
            if rel in self.done:
                os.replace(self.backup / rel, self.root / rel)
        self.done.clear()
