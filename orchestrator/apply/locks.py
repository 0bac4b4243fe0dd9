"""One apply at a time per node, across threads and processes, and
coalescing of the applies that saves ask for.

The lock is an ``flock`` on ``<conf_dir>/.centrex/lock``, in the directory
the apply writes (``apply/tree.py``). Why a file lock:

* it guards exactly the shared resource, the node's configuration
  directory, whatever wrote the request (web, API, CLI, cron resync, an RQ
  job): the same on SQLite and PostgreSQL, with or without Redis;
* the kernel releases it when its holder dies (``kill -9``): no stale lock,
  no expiry to tune against a slow reload;
* a database row lock would not do on SQLite (no row locks; a write
  transaction held through a reload blocks every save), and a Redis lock
  would not exist without Redis.

``flock`` locks belong to an open file, so two threads of one process
exclude each other as two processes do (each takes the lock through its
own ``open``). Every process writing a node sees its configuration
directory, so they all see the lock.

Coalescing (:class:`ApplyGate`, files under ``<var_dir>/apply/``): a save
adds its tenants to ``pending.json`` and tries to become *the* waiting
apply (``wait.lock``, non-blocking). If another request already waits, the
save is done: that apply has not read the database yet and will pick its
change up. The waiting apply takes ``run.lock`` (once the running apply
ends), lets go of ``wait.lock``, then takes every pending tenant and reads
the database. So N saves cause at most two applies: one running, one
waiting.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Generic, TypeVar

from orchestrator.domain.topology import Node

from .tree import STATE_DIR

log = logging.getLogger(__name__)
T = TypeVar("T")


class FileLock:
    """An exclusive ``flock`` on ``path``, held from :meth:`acquire` to :meth:`release`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[bytes] | None = None

    def acquire(self, blocking: bool = True) -> bool:
        """False (and nothing held) when ``blocking`` is off and it is taken."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+b")  # noqa: SIM115 - closed by release(), which drops the lock
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            fh.close()
            return False
        except BaseException:
            fh.close()
            raise
        self._fh = fh
        return True

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    lock = FileLock(path)
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


def node_lock_path(node: Node) -> Path:
    return node.conf_dir / STATE_DIR / "lock"


@contextmanager
def node_locks(nodes: Sequence[Node]) -> Iterator[None]:
    """Hold every node's apply lock (taken in name order: no deadlock between
    two applies to overlapping nodes)."""
    with ExitStack() as stack:
        for node in sorted(nodes, key=lambda n: n.name):
            stack.enter_context(file_lock(node_lock_path(node)))
        yield


@dataclass
class Scope:
    """What the next apply covers: every tenant (``full``) or these ones."""

    full: bool = False
    tenants: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return self.full or bool(self.tenants)

    def tenant_ids(self) -> list[int] | None:
        return None if self.full else sorted(self.tenants)


@dataclass
class Outcome(Generic[T]):
    ran: bool  # False: coalesced into an apply that had not read the database yet
    scope: Scope
    result: T | None = None


class ApplyGate:
    """At most one running and one waiting apply per platform (see the module's docstring)."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory

    def request(self, tenant_ids: list[int] | None, run: Callable[[list[int] | None], T]) -> Outcome[T]:
        """Ask for the tenants' changes (``None``: everything) to be applied;
        ``run(tenant_ids)`` is called here, or the request joins the apply
        that waits."""
        self._add(Scope(full=True) if tenant_ids is None else Scope(tenants=frozenset(tenant_ids)))
        wait, run_lock = FileLock(self.dir / "wait.lock"), FileLock(self.dir / "run.lock")
        if not wait.acquire(blocking=False):
            log.info("apply coalesced into the waiting one", extra={"tenants": tenant_ids})
            return Outcome(ran=False, scope=Scope())
        try:
            run_lock.acquire()
        finally:
            wait.release()  # the next request may wait now: this one reads the database below
        try:
            scope = self._take()
            if not scope:  # an apply that started meanwhile took this request with it
                return Outcome(ran=False, scope=scope)
            return Outcome(ran=True, scope=scope, result=run(scope.tenant_ids()))
        finally:
            run_lock.release()

    def _add(self, scope: Scope) -> None:
        with file_lock(self.dir / "pending.lock"):
            current = self._read()
            merged = Scope(full=current.full or scope.full, tenants=current.tenants | scope.tenants)
            self._write(merged)

    def _take(self) -> Scope:
        with file_lock(self.dir / "pending.lock"):
            scope = self._read()
            self._write(Scope())
        return scope

    def _read(self) -> Scope:
        try:
            data = json.loads((self.dir / "pending.json").read_text())
        except (FileNotFoundError, ValueError):
            return Scope()
        return Scope(full=bool(data.get("full")), tenants=frozenset(int(t) for t in data.get("tenants", [])))

    def _write(self, scope: Scope) -> None:
        tmp = self.dir / "pending.json.tmp"
        tmp.write_text(json.dumps({"full": scope.full, "tenants": sorted(scope.tenants)}))
        os.replace(tmp, self.dir / "pending.json")
