"""Secrets in the tenant document: masked on export, kept on import.

``tenant export`` writes every secret as :data:`MASK` unless asked for them
(``--with-secrets``): SIP passwords, voicemail PINs, login password hashes,
device provisioning passwords. Importing a document that carries the mask
keeps the secret the platform already has for the same line (number), login
or device (MAC) of the same tenant; where there is none (a new line, a new
tenant) a SIP password is generated, a PIN or a provisioning password is
left unset, and a login gets an unusable random password (an admin sets a
new one).
"""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select

from orchestrator.domain.numbering import NumberError, normalize

from ..db.models import Device, Line, Login, Tenant
from ..services.context import ServiceContext
from ..services.devices.service import normalize_mac
from ..services.passwords import random_password
from .schema import TenantDocument

MASK = "********"
# Where secrets are in the document: (list, path inside one of its items).
SECRET_PATHS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("lines", ("sip", "password")),
    ("lines", ("voicemail", "pin")),
    ("logins", ("password_hash",)),
    ("devices", ("provisioning_password",)),
)
SECRET_NAMES = frozenset(path[-1] for _, path in SECRET_PATHS)


def mask(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of the exported ``data`` with every secret replaced by :data:`MASK`."""
    out = copy.deepcopy(data)
    for key, path in SECRET_PATHS:
        for item in out.get(key) or []:
            parent = item
            for name in path[:-1]:
                parent = parent.get(name) if isinstance(parent, dict) else None
            if isinstance(parent, dict) and parent.get(path[-1]) is not None:
                parent[path[-1]] = MASK
    return out


def _number(raw: str, region: str) -> str:
    try:
        return normalize(raw, region)
    except NumberError:
        return raw


def keep_existing(ctx: ServiceContext, doc: TenantDocument, existing: Tenant | None) -> TenantDocument:
    """``doc`` with each masked secret replaced by the one stored for the
    same object of ``existing`` (or generated / unset, see the module)."""
    if not any(_masked(doc)):
        return doc
    s = ctx.session
    region = ctx.settings.default_region
    tid = existing.id if existing is not None else -1
    lines = {line.number: line for line in s.scalars(select(Line).where(Line.tenant_id == tid))}
    logins = {login.login: login for login in s.scalars(select(Login).where(Login.tenant_id == tid))}
    devices = {d.mac: d for d in s.scalars(select(Device).where(Device.tenant_id == tid))}
    doc = doc.model_copy(deep=True)
    for line_doc in doc.lines:
        line = lines.get(_number(line_doc.number, region))
        if line_doc.sip.password == MASK:
            line_doc.sip.password = line.sip_password if line is not None else None  # None: generated
        if line_doc.voicemail.pin == MASK:
            line_doc.voicemail.pin = line.vm_pin if line is not None else None
    for login_doc in doc.logins:
        if login_doc.password_hash == MASK:
            login = logins.get(login_doc.login) or logins.get(_number(login_doc.login, region))
            if login is not None:
                login_doc.password_hash = login.password_hash
            else:
                login_doc.password_hash, login_doc.password = None, random_password(24)
    for device_doc in doc.devices:
        if device_doc.provisioning_password == MASK:
            device = devices.get(normalize_mac(device_doc.mac) or "")
            device_doc.provisioning_password = device.provisioning_password if device is not None else None
    return doc


def _masked(doc: TenantDocument) -> list[bool]:
    return ([line.sip.password == MASK or line.voicemail.pin == MASK for line in doc.lines]
            + [login.password_hash == MASK for login in doc.logins]
            + [device.provisioning_password == MASK for device in doc.devices])
