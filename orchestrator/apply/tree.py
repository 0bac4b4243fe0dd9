"""Compare a rendered tree with a node's configuration directory and put a
new tree live all at once, keeping the one it replaced for a rollback.

The layout of a node's configuration directory (the ``-conf`` directory
FreeSWITCH is started with), after the first apply::

    <conf_dir>/
      freeswitch.xml   -> .centrex/current/freeswitch.xml
      vars.xml         -> .centrex/current/vars.xml
      autoload_configs -> .centrex/current/autoload_configs
      dialplan         -> .centrex/current/dialplan     (one link per top-level name of the tree)
      ...
      .centrex/
        lock           flock: one apply at a time on this node (apply/locks.py)
        current        -> trees/000042: the live version, swapped with one rename(2)
        loaded         "000042": the version FreeSWITCH last accepted (reloaded)
        trees/000041/  the version it replaced (kept for a rollback, pruned by the next apply)
        trees/000042/  the live version, a complete tree

FreeSWITCH resolves every relative include against the ``-conf`` directory
(``<conf_dir>/dialplan/*.xml``), so each path it opens goes through the
top-level link and then through ``.centrex/current`` at that instant. A new
version is built completely (unchanged files hard-linked from the live one,
new ones written and fsynced) before ``current`` is replaced by one
``rename``: a crash (``kill -9``) at any point leaves ``current`` on the old
version or on the new one, never a mix; a half-built version is pruned by the
next apply. The configuration directory itself stays a plain directory (a
package's ``/etc/freeswitch`` or a mount point can be used as it is), and the
top-level links never change once made.

A directory from before this layout (plain files) is adopted on the first
apply: its files are linked into version 000001, ``current`` is pointed at
it, then each top-level entry is replaced by its link in one rename (a
directory: exchanged with it by ``renameat2(RENAME_EXCHANGE)``); FreeSWITCH
sees the old files throughout, and the apply then swaps as usual. An
adoption cut short is finished by the next apply.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .filemodes import DIR_MODE, FILE_MODE, makedirs, write_file

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


CURRENT = "current"
TREES = "trees"
LOADED = "loaded"  # the version FreeSWITCH last accepted a reload of


def live_dir(root: Path) -> Path:
    """Where the live files of the configuration directory ``root`` are:
    the current version, or ``root`` itself before the first apply (or for
    a tree written by ``render --out``)."""
    current = root / STATE_DIR / CURRENT
    return current if current.is_dir() else root


def live_version(root: Path) -> str | None:
    current = root / STATE_DIR / CURRENT
    return os.readlink(current).rpartition("/")[2] if current.is_symlink() else None


def is_loaded(root: Path) -> bool:
    """Did FreeSWITCH accept a reload since the live version was switched
    in? (A crash between the switch and the reload leaves it unloaded: the
    next apply reloads even with nothing to write.)"""
    version = live_version(root)
    if version is None:
        return True  # not in the versioned layout yet: the node's state says
    try:
        return (root / STATE_DIR / LOADED).read_text() == version
    except FileNotFoundError:
        return False


def mark_loaded(root: Path) -> None:
    version = live_version(root)
    if version is not None:
        tmp = root / STATE_DIR / f"{LOADED}.tmp"
        tmp.write_text(version)
        os.replace(tmp, root / STATE_DIR / LOADED)


def read_tree(root: Path, only: set[str] | None = None) -> dict[str, bytes]:
    """Live files under ``root`` (relative paths), or just ``only`` of them."""
    out: dict[str, bytes] = {}
    root = live_dir(root)
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
    """Put ``change`` live in ``root`` as a new version; :meth:`rollback`
    swaps the previous version back (see the module's docstring for the
    layout). Run under the node's lock (``apply/locks.py``)."""

    def __init__(self, root: Path, wanted: dict[str, bytes], change: Change) -> None:
        self.root = root
        self.wanted = wanted
        self.change = change
        self.state = root / STATE_DIR
        self.trees = self.state / TREES
        self.previous: str | None = None
        self.version: str | None = None

    def write(self) -> None:
        self.trees.mkdir(parents=True, exist_ok=True)
        self.previous = self._adopt()
        for leftover in self.root.glob(".*.centrex-link*"):  # from an apply cut short
            _remove(leftover)
        self._prune(keep={self.previous})
        self.version = f"{int(self.previous) + 1:06d}"
        new = self.trees / self.version
        old = self.trees / self.previous
        shutil.rmtree(new, ignore_errors=True)
        makedirs(new)
        _clone(old, new, skip=set(self.change.added + self.change.changed + self.change.removed))
        for rel in self.change.added + self.change.changed:
            _write_synced(new / rel, self.wanted[rel])
        _sync_dirs(new)
        self._link_names(_top_names(new))
        _swap(self.state, self.version)

    def rollback(self) -> None:
        if self.previous is not None and self.version is not None:
            _swap(self.state, self.previous)
            shutil.rmtree(self.trees / self.version, ignore_errors=True)
            self.version = None

    def _adopt(self) -> str:
        """The live version's name; a plain directory becomes version 000001."""
        current = self.state / CURRENT
        if current.is_symlink():
            name = os.readlink(current).rpartition("/")[2]
            if (self.trees / name).is_dir():
                self._link_names(_top_names(self.trees / name))  # finish an adoption cut short
                return name
        first = "000001"
        tree = self.trees / first
        shutil.rmtree(tree, ignore_errors=True)
        makedirs(tree)
        names = [p.name for p in self.root.iterdir() if p.name != STATE_DIR and not p.is_symlink()]
        for name in names:
            src = self.root / name
            if src.is_dir():
                for rel in _files(src):
                    _link_or_copy(src / rel, tree / name / rel)
            elif src.is_file():
                _link_or_copy(src, tree / name)
        _sync_dirs(tree)
        _swap(self.state, first)
        self._link_names(names)
        return first

    def _link_names(self, names: Iterable[str]) -> None:
        """``<root>/<name> -> .centrex/current/<name>`` for each name. A plain
        file in the way is replaced in one rename; a plain directory is
        exchanged with the link in one ``renameat2(RENAME_EXCHANGE)`` (or,
        where the system lacks it, moved aside and then replaced)."""
        for name in names:
            path = self.root / name
            target = f"{STATE_DIR}/{CURRENT}/{name}"
            if path.is_symlink() and os.readlink(path) == target:
                continue
            tmp = self.root / f".{name}.centrex-link"
            _remove(tmp)
            os.symlink(target, tmp)
            if path.is_dir() and not path.is_symlink():
                if not _exchange(tmp, path):
                    os.rename(path, tmp.with_name(tmp.name + "-old"))
                    os.replace(tmp, path)
                    tmp = tmp.with_name(tmp.name + "-old")
                _remove(tmp)  # the plain directory, now out of the way
            else:
                os.replace(tmp, path)

    def _prune(self, keep: set[str | None]) -> None:
        """Remove every version but ``keep`` (a half-built one left by a crash,
        the one before the previous apply)."""
        for entry in self.trees.iterdir():
            if entry.name not in keep:
                shutil.rmtree(entry, ignore_errors=True)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.is_symlink() or path.exists():
        path.unlink()


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where unsupported."""
    import ctypes  # lazy: only when a plain configuration directory is adopted, once

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _files(root: Path) -> list[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            out.append((Path(dirpath) / name).relative_to(root).as_posix())
    return out


def _clone(old: Path, new: Path, skip: set[str]) -> None:
    """``new`` = ``old`` without ``skip``, by hard links (plain strings: this
    runs over every file of the tree on each apply)."""
    old_s, new_s = str(old), str(new)
    for dirpath, _dirnames, filenames in os.walk(old_s):
        rel_dir = os.path.relpath(dirpath, old_s)
        target = new_s if rel_dir == "." else os.path.join(new_s, rel_dir)
        os.makedirs(target, mode=DIR_MODE, exist_ok=True)  # masked by the umask: at most 0750
        prefix = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
        for name in filenames:
            if prefix + name not in skip:
                src, dst = os.path.join(dirpath, name), os.path.join(target, name)
                try:
                    os.link(src, dst)
                except OSError:
                    shutil.copy2(src, dst)


def _top_names(tree: Path) -> list[str]:
    return sorted(p.name for p in tree.iterdir())


def _link_or_copy(src: Path, dst: Path) -> None:
    """Versions share unchanged files (nothing rewrites a file in place). Used
    when a plain directory is adopted: its files, written before modes were
    set, become FILE_MODE."""
    makedirs(dst.parent)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    os.chmod(dst, FILE_MODE)


def _write_synced(path: Path, data: bytes) -> None:
    makedirs(path.parent)  # DIR_MODE (0750)
    write_file(path, data, fsync=True)  # FILE_MODE (0640): the tree holds credentials


def _sync_dirs(tree: Path) -> None:
    """The new version's directory entries reach the disk before the swap."""
    for dirpath, _dirs, _names in os.walk(tree):
        _fsync_dir(Path(dirpath))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap(state: Path, version: str) -> None:
    """``current -> trees/<version>``, replaced in one ``rename``."""
    tmp = state / f"{CURRENT}.{version}.tmp"
    tmp.unlink(missing_ok=True)
    os.symlink(f"{TREES}/{version}", tmp)
    os.replace(tmp, state / CURRENT)
    _fsync_dir(state)
