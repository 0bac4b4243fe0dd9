"""The context every service call runs in: session, settings, actor, notifier."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchestrator.domain.errors import NotFound

from ..config import Settings
from ..db.models import AuditEntry, Tenant
from .notifier import Notifier, RecordingNotifier

log = logging.getLogger(__name__)

SECRET_KEYS = {"password", "sip_password", "pin", "vm_pin", "password_hash", "provisioning_password"}


def redact(details: dict[str, Any]) -> dict[str, Any]:
    """Replace secret values so they never reach the audit log or logs."""
    out: dict[str, Any] = {}
    for key, value in details.items():
        if key in SECRET_KEYS and value is not None:
            out[key] = "***"
        elif isinstance(value, dict):
            out[key] = redact(value)
        else:
            out[key] = value
    return out


@dataclass
class ServiceContext:
    """One unit of work. Services add to ``session``; :meth:`commit` commits,
    bumps the revision of every changed tenant, notifies, then runs the
    :meth:`after_commit` callbacks. A rollback runs the :meth:`on_rollback`
    callbacks instead: side effects outside the database (media files,
    e-mails, reloads) either wait for the commit or are undone with it.

    Who commits: the unit of work's owner (one web request, one API call,
    one CLI command, one job; see :func:`unit_of_work`), never a view."""

    session: Session
    settings: Settings
    actor: str = "system"
    notifier: Notifier = field(default_factory=RecordingNotifier)
    _changed: set[int] = field(default_factory=set)
    _after_commit: list[Callable[[], None]] = field(default_factory=list)
    _on_rollback: list[Callable[[], None]] = field(default_factory=list)
    discarded: bool = False

    def audit(self, tenant_id: int | None, action: str, object_type: str, key: str, **details: Any) -> None:
        self.session.add(
            AuditEntry(
                tenant_id=tenant_id,
                actor=self.actor,
                action=action,
                object_type=object_type,
                object_key=str(key),
                details=json.dumps(redact(details), sort_keys=True, default=str, ensure_ascii=False),
            )
        )
        log.info("audit", extra={"actor": self.actor, "action": action, "object": f"{object_type}:{key}"})

    def changed(self, tenant_id: int) -> None:
        self._changed.add(tenant_id)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the current transaction has committed (a
        failing callback is logged: the data is already stored)."""
        self._after_commit.append(callback)

    def on_rollback(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` if the current transaction rolls back (to remove
        a file written for it, say)."""
        self._on_rollback.append(callback)

    def discard(self) -> None:
        """Mark the unit of work as failed: its owner rolls it back instead
        of committing (a form shown again with its errors)."""
        self.discarded = True

    def commit(self) -> None:
        changed = sorted(self._changed)
        for tid in changed:
            tenant = self.session.get(Tenant, tid)
            if tenant is not None:
                tenant.revision = (tenant.revision or 0) + 1
        try:
            self.session.commit()
        except Exception:
            self.rollback()
            raise
        self._changed.clear()
        self._on_rollback.clear()
        callbacks, self._after_commit = self._after_commit, []
        if changed:
            try:
                self.notifier.tenants_changed(changed)
            except Exception:  # noqa: BLE001 - the change is committed; an apply failure never undoes it
                log.exception("notify failed: the next apply or resync puts the change live",
                              extra={"actor": self.actor, "tenants": changed})
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("after-commit action failed", extra={"actor": self.actor})

    def rollback(self) -> None:
        self.session.rollback()
        self._changed.clear()
        self._after_commit.clear()
        callbacks, self._on_rollback = self._on_rollback, []
        for callback in reversed(callbacks):
            try:
                callback()
            except Exception:
                log.exception("rollback clean-up failed", extra={"actor": self.actor})

    def finish(self, ok: bool = True) -> None:
        """End the unit of work: commit when ``ok`` and not discarded, else
        roll back."""
        if ok and not self.discarded:
            self.commit()
        else:
            self.rollback()
            self.discarded = False

    def close(self) -> None:
        """Roll back whatever was not committed and release the session."""
        self.rollback()
        self.session.close()

    def __enter__(self) -> ServiceContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def tenant(self, name_or_id: str | int) -> Tenant:
        if isinstance(name_or_id, int):
            tenant = self.session.get(Tenant, name_or_id)
        else:
            tenant = self.session.scalar(select(Tenant).where(Tenant.name == name_or_id))
        if tenant is None:
            raise NotFound(f"no tenant named {name_or_id!r}", error_id="tenant.not_found", field="tenant")
        return tenant


@contextmanager
def unit_of_work(factory: sessionmaker[Session], settings: Settings, actor: str = "system",
                 notifier: Notifier | None = None) -> Iterator[ServiceContext]:
    """One unit of work for a CLI command or a job: commits when the block
    ends normally (unless :meth:`ServiceContext.discard` was called), rolls
    back when it raises, and always releases the session."""
    ctx = open_context(factory, settings, actor, notifier)
    try:
        yield ctx
    except BaseException:
        ctx.close()
        raise
    try:
        ctx.finish()
    finally:
        ctx.close()


def open_context(
    factory: sessionmaker[Session], settings: Settings, actor: str = "system", notifier: Notifier | None = None
) -> ServiceContext:
    return ServiceContext(session=factory(), settings=settings, actor=actor, notifier=notifier or RecordingNotifier())
