"""Registrations (L-1 status, L-9): a line is "activating" until its first
device registers, then "active"; each registered contact is kept so the UI
shows registered/unregistered live. Fed by sofia::register / unregister /
expire events, and reconciled from ``show registrations`` after a reconnect."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..db.models import AuditEntry, Line, Registration, Tenant

log = logging.getLogger(__name__)


def find_line(session: Session, user: str, domain: str) -> Line | None:
    return session.scalar(select(Line).join(Tenant, Tenant.id == Line.tenant_id)
                          .where(Line.sip_username == user, Tenant.sip_domain == domain))


def _activate(session: Session, line: Line) -> None:
    if line.status != "active":
        line.status = "active"
        session.add(AuditEntry(tenant_id=line.tenant_id, actor="esl-events", action="activate", object_type="line",
                               object_key=line.number, details='{"reason": "first registration"}'))
        log.info("line active", extra={"line": line.number})


def on_register(session: Session, headers: Mapping[str, str], node: str | None = None) -> Line | None:
    user, domain = headers.get("from-user", ""), headers.get("from-host", "")
    line = find_line(session, user, domain)
    if line is None:
        return None
    contact = headers.get("contact", "")[:255]
    row = session.scalar(select(Registration).where(Registration.line_id == line.id, Registration.contact == contact))
    if row is None:
        row = Registration(line_id=line.id, contact=contact)
        session.add(row)
    expires = int(headers.get("expires") or 0)
    now = datetime.now(UTC)
    row.expires_at = now + timedelta(seconds=expires) if expires else None
    row.user_agent = (headers.get("user-agent") or "")[:255] or None
    row.network_ip = headers.get("network-ip") or None
    row.node, row.updated_at = node, now
    _activate(session, line)
    return line


def on_unregister(session: Session, headers: Mapping[str, str]) -> Line | None:
    """sofia::unregister and sofia::expire."""
    user, domain = headers.get("from-user", "") or headers.get("user", ""), headers.get("from-host", "") \
        or headers.get("host", "")
    line = find_line(session, user, domain)
    if line is None:
        return None
    contact = headers.get("contact")
    query = delete(Registration).where(Registration.line_id == line.id)
    if contact:
        query = query.where(Registration.contact == contact[:255])
    session.execute(query)
    return line


def parse_show_registrations(text: str) -> list[dict[str, str]]:
    """``show registrations`` (CSV, header line first, "N total." last)."""
    rows = [r for r in text.strip().splitlines() if r.strip()]
    if not rows or "," not in rows[0]:
        return []
    keys = rows[0].split(",")
    out = []
    for row in rows[1:]:
        if row.endswith("total."):
            break
        values = row.split(",", len(keys) - 1)
        out.append(dict(zip(keys, values, strict=False)))
    return out


def reconcile(session: Session, node: str, show_output: str) -> int:
    """After a reconnect: the node's registrations become exactly what
    FreeSWITCH reports. Returns how many contacts are registered."""
    session.execute(delete(Registration).where(Registration.node == node))
    count = 0
    for reg in parse_show_registrations(show_output):
        line = find_line(session, reg.get("reg_user", ""), reg.get("realm", ""))
        if line is None:
            continue
        expires = int(reg.get("expires") or 0)
        session.add(Registration(line_id=line.id, contact=(reg.get("url") or reg.get("contact") or "")[:255],
                                 expires_at=datetime.fromtimestamp(expires, tz=UTC) if expires else None,
                                 network_ip=reg.get("network_ip"), node=node, user_agent=None,
                                 updated_at=datetime.now(UTC)))
        _activate(session, line)
        count += 1
    return count


def registered(session: Session, line: Line) -> bool:
    return session.scalar(select(Registration.id).where(Registration.line_id == line.id).limit(1)) is not None
