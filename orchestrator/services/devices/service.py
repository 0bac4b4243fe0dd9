"""Devices: validate, create, export (E-1..E-4)."""

from __future__ import annotations

import re
from typing import Any, cast, overload

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.errors import Errors

from ...db.models import Device, DeviceKey, DevicePort, Line, ReceptionNumber, Tenant
from .. import validation as v
from ..base import collecting, merge_changes, pydantic_errors
from ..context import ServiceContext
from ..inventory import parse
from ..reception.validator import tenant_line
from .models import KEYS_PER_CONSOLE, MODELS
from .schema import AudioGainsDoc, DeviceDoc, KeyDoc, KeyKind, LcdShows, PortDoc, VlanDoc


def normalize_mac(raw: str) -> str | None:
    """``00:0E:08-ab.cd ef`` → ``000e08abcdef``; None if not a MAC."""
    text = re.sub(r"[\s:.\-]", "", raw or "").lower()
    return text if re.fullmatch(r"[0-9a-f]{12}", text) else None


def _key_target(session: Session, errors: Errors, tenant: Tenant, key: KeyDoc, region: str) -> DeviceKey | None:
    row = DeviceKey(console=key.console, position=key.position, kind=key.kind, label=key.label,
                    blf=key.blf, pickup=key.pickup)
    if key.kind in ("line", "voicemail"):
        line = tenant_line(session, errors, "target", tenant, key.target, region)
        if line is None:
            return None
        row.line_id = line.id
    elif key.kind == "reception":
        e164 = parse(errors, "target", key.target, region)
        rec = session.scalar(select(ReceptionNumber).where(ReceptionNumber.number == e164,
                                                            ReceptionNumber.tenant_id == tenant.id)) if e164 else None
        if e164 and rec is None:
            errors.add("reception.unknown", "target", f"unknown reception number {e164}")
        if rec is None:
            return None
        row.reception_id = rec.id
    else:
        row.number = parse(errors, "target", key.target, region)
    if (key.blf or key.pickup) and key.kind != "line":
        errors.add("key.supervision", "blf", "supervision and interception only apply to internal lines")
    return row


def _build(ctx: ServiceContext, tenant: Tenant, doc: DeviceDoc, errs: Errors, current: Device | None = None) -> Device:
    """Check ``doc`` and return the device it describes (not added to the
    session); ``current`` is the device being changed, if any."""
    s, region = ctx.session, ctx.settings.default_region
    mac = normalize_mac(doc.mac)
    if mac is None:
        errs.add("mac.invalid", "mac", f"{doc.mac!r} is not a MAC address (12 hexadecimal digits)")
    else:
        other = s.scalar(select(Device).where(Device.mac == mac))
        if other is not None and other is not current:
            errs.add("mac.taken", "mac", f"a device with MAC {mac} is already declared")
    model = MODELS.get(doc.model)
    if model is None:
        errs.add("device.model", "model", f"unknown model {doc.model!r}; known: {', '.join(sorted(MODELS))}")
    elif doc.consoles and not model.consoles:
        errs.add("device.consoles", "consoles", f"{doc.model} takes no console")
    v.single_line_text(errs, "name", doc.name)
    device = Device(tenant_id=tenant.id, mac=mac or "", brand=doc.brand, model=doc.model, name=doc.name,
                    vlan_id=doc.vlan.id, vlan_enabled=doc.vlan.enabled, gain_handset=doc.audio.handset,
                    gain_headset=doc.audio.headset, gain_speaker=doc.audio.speaker, lcd_shows=doc.lcd_shows,
                    consoles=doc.consoles, provisioning_password=doc.provisioning_password)
    if doc.vlan.enabled and doc.vlan.id is None:
        errs.add("vlan.id_required", "vlan.id", "an active VLAN needs its id")
    seen_ports: set[int] = set()
    for i, port in enumerate(doc.ports):
        with errs.at(f"ports[{i}]"):
            if model and port.port > model.ports:
                errs.add("port.range", "port", f"{doc.model} has {model.ports} port(s)")
            if port.port in seen_ports:
                errs.add("port.twice", "port", f"port {port.port} is assigned twice")
            seen_ports.add(port.port)
            line = tenant_line(s, errs, "line", tenant, port.line, region)
            if line is not None:
                device.ports.append(DevicePort(port=port.port, line_id=line.id))
    seen_keys: set[tuple[int, int]] = set()
    for i, key in enumerate(doc.keys):
        with errs.at(f"keys[{i}]"):
            if key.console > doc.consoles:
                errs.add("key.console", "console", f"the device has {doc.consoles} console(s)")
            if key.console and key.position > KEYS_PER_CONSOLE:
                errs.add("key.position", "position", f"a console has {KEYS_PER_CONSOLE} keys")
            if key.console == 0 and key.position in seen_ports:
                errs.add("key.on_port", "position", f"key {key.position} is used by a line port")
            if (key.console, key.position) in seen_keys:
                errs.add("key.twice", "position", "this key is defined twice")
            seen_keys.add((key.console, key.position))
            v.single_line_text(errs, "label", key.label)
            row = _key_target(s, errs, tenant, key, region)
            if row is not None:
                device.keys.append(row)
    return device


@overload
def create(ctx: ServiceContext, tenant: Tenant, doc: DeviceDoc, errors: None = None) -> Device: ...
@overload
def create(ctx: ServiceContext, tenant: Tenant, doc: DeviceDoc, errors: Errors) -> Device | None: ...
def create(ctx: ServiceContext, tenant: Tenant, doc: DeviceDoc, errors: Errors | None = None) -> Device | None:
    """None only with ``errors`` to collect into; without, invalid input raises ValidationFailed."""
    s = ctx.session
    with collecting(errors) as step:
        device = _build(ctx, tenant, doc, step.errors)
        if step.failed:
            return None
        s.add(device)
        s.flush()
        ctx.audit(tenant.id, "create", "device", device.mac, model=doc.model, name=doc.name)
        ctx.changed(tenant.id)
        return device


def _parse(data: dict[str, Any], errs: Errors) -> DeviceDoc | None:
    try:
        return DeviceDoc.model_validate(data)
    except ValidationError as exc:
        errs.items += pydantic_errors(exc, errs.prefix)
        return None


def update(ctx: ServiceContext, device: Device, changes: dict[str, Any], errors: Errors | None = None) -> Device | None:
    """§3.2.1.2, §3.6.1: apply ``changes`` (a partial document; ``ports`` and
    ``keys`` are whole lists) and check the whole device again, with the
    same rules as :func:`create`."""
    s = ctx.session
    tenant = ctx.tenant(device.tenant_id)
    merged = merge_changes(to_doc(ctx, device).model_dump(), changes)
    with collecting(errors) as step:
        doc = _parse(merged, step.errors)
        if doc is None:
            return None
        with s.no_autoflush:
            new = _build(ctx, tenant, doc, step.errors, current=device)
        ports = [(p.port, p.line_id) for p in new.ports]
        keys = [DeviceKey(console=k.console, position=k.position, kind=k.kind, line_id=k.line_id,
                          reception_id=k.reception_id, number=k.number, label=k.label, blf=k.blf, pickup=k.pickup)
                for k in new.keys]
        if new in s:
            s.expunge(new)
        if step.failed:
            return None
        for name in ("mac", "brand", "model", "name", "vlan_id", "vlan_enabled", "gain_handset", "gain_headset",
                     "gain_speaker", "lcd_shows", "consoles", "provisioning_password"):
            setattr(device, name, getattr(new, name))
        device.ports.clear()
        device.keys.clear()
        s.flush()  # the old ports and keys go before the new ones take their places
        device.ports.extend(DevicePort(port=port, line_id=line_id) for port, line_id in ports)
        device.keys.extend(keys)
        s.flush()
        ctx.audit(device.tenant_id, "update", "device", device.mac, **changes)
        ctx.changed(device.tenant_id)
        return device


def delete(ctx: ServiceContext, device: Device) -> None:
    """Remove a device: its lines stay, without it."""
    ctx.audit(device.tenant_id, "delete", "device", device.mac)
    ctx.changed(device.tenant_id)
    ctx.session.delete(device)
    ctx.session.flush()


def get(ctx: ServiceContext, tenant_id: int, device_id: int) -> Device | None:
    """A device of the tenant, or None (other tenants' ids too)."""
    device = ctx.session.get(Device, device_id)
    return device if device is not None and device.tenant_id == tenant_id else None


def by_mac(ctx: ServiceContext, tenant_id: int, raw: str) -> Device | None:
    mac = normalize_mac(raw)
    if mac is None:
        return None
    return ctx.session.scalar(select(Device).where(Device.mac == mac, Device.tenant_id == tenant_id))


def format_mac(mac: str) -> str:
    """``000e08aa0101`` → ``00:0E:08:AA:01:01`` (as printed on the phone)."""
    return ":".join(mac[i:i + 2] for i in range(0, 12, 2)).upper()


def to_doc(ctx: ServiceContext, device: Device) -> DeviceDoc:
    def number(model: type, row_id: int | None) -> str:
        row = ctx.session.get(model, row_id) if row_id else None
        return row.number if row else ""

    keys = []
    for k in sorted(device.keys, key=lambda k: (k.console, k.position)):
        target = (number(Line, k.line_id) if k.line_id
                  else number(ReceptionNumber, k.reception_id) if k.reception_id else k.number)
        keys.append(KeyDoc(console=k.console, position=k.position, kind=cast(KeyKind, k.kind),  # stored from a KeyDoc
                           target=target or "",
                           label=k.label, blf=k.blf, pickup=k.pickup))
    return DeviceDoc(
        mac=device.mac, brand=device.brand, model=device.model, name=device.name,
        vlan=VlanDoc(id=device.vlan_id, enabled=device.vlan_enabled),
        audio=AudioGainsDoc(handset=device.gain_handset, headset=device.gain_headset, speaker=device.gain_speaker),
        lcd_shows=cast(LcdShows, device.lcd_shows), consoles=device.consoles,  # stored from a DeviceDoc
        provisioning_password=device.provisioning_password,
        ports=[PortDoc(port=p.port, line=number(Line, p.line_id)) for p in device.ports],
        keys=keys,
    )


def all_for(ctx: ServiceContext, tenant: Tenant) -> list[Device]:
    return list(ctx.session.scalars(select(Device).where(Device.tenant_id == tenant.id).order_by(Device.mac)))
