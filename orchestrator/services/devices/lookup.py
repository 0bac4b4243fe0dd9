"""Tenant-scoped getters of devices (another company's is :class:`NotFound`)."""

from __future__ import annotations

from ...db.models import Device
from ..base import found
from ..context import ServiceContext
from . import service


def device(ctx: ServiceContext, tenant_id: int, device_id: int) -> Device:
    return found(service.get(ctx, tenant_id, device_id), "device.not_found", f"no device {device_id}", "device")


def device_by_mac(ctx: ServiceContext, tenant_id: int, mac: str) -> Device:
    return found(service.by_mac(ctx, tenant_id, mac), "device.not_found", f"no device {mac}", "mac")
