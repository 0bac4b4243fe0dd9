"""The context every service call runs in: session, settings, actor, notifier."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..config import Settings
from ..db.models import AuditEntry, Tenant
from .errors import NotFound
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
    bumps the revision of every changed tenant and then notifies."""

    session: Session
    settings: Settings
    actor: str = "system"
    notifier: Notifier = field(default_factory=RecordingNotifier)
    _changed: set[int] = field(default_factory=set)

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

    def commit(self) -> None:
        changed = sorted(self._changed)
        for tid in changed:
            tenant = self.session.get(Tenant, tid)
            if tenant is not None:
                tenant.revision = (tenant.revision or 0) + 1
        self.session.commit()
        self._changed.clear()
        if changed:
            self.notifier.tenants_changed(changed)

    def rollback(self) -> None:
        self.session.rollback()
        self._changed.clear()

    def close(self) -> None:
        """Roll back whatever was not committed and release the session."""
        self.session.rollback()
        self.session.close()

    def __enter__(self) -> "ServiceContext":
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


def open_context(
    factory: sessionmaker[Session], settings: Settings, actor: str = "system", notifier: Notifier | None = None
) -> ServiceContext:
    return ServiceContext(session=factory(), settings=settings, actor=actor, notifier=notifier or RecordingNotifier())
