"""/api/v1/devices (E-1, E-2; manual §3.2.1.2, §3.6.1): the company's
phones by MAC address — list, add, change, delete. The provisioning
password is never returned in clear."""

from __future__ import annotations

from typing import Literal

from flask import jsonify
from pydantic import Field

from orchestrator.db.models import Device
from orchestrator.services.base import parse_doc
from orchestrator.services.devices import lookup as device_lookup
from orchestrator.services.devices import service as devices
from orchestrator.services.devices.schema import DeviceDoc

from .base import body, ctx, principal, route
from .schemas import MASK


class DeviceOut(DeviceDoc):
    id: int
    provisioning_password: Literal["***"] | None = Field(
        None, description="\"***\" when one is set")


def device_out(device: Device) -> dict:
    doc = devices.to_doc(ctx(), device).model_dump()
    doc["provisioning_password"] = MASK if doc["provisioning_password"] else None
    return DeviceOut(id=device.id, **doc).model_dump(mode="json")


def _device(mac: str) -> Device:
    return device_lookup.device_by_mac(ctx(), principal().tenant_id, mac)


@route("/devices", "GET", summary="The company's devices", tag="devices", response=DeviceOut, list_response=True)
def list_devices():
    return jsonify([device_out(d) for d in devices.all_for(ctx(), ctx().tenant(principal().tenant_id))])


@route("/devices", "POST", summary="Declare a device (MAC checked and normalised)", tag="devices",
       request=DeviceDoc, response=DeviceOut, status=201)
def create_device():
    doc = parse_doc(DeviceDoc, body())
    row = devices.create(ctx(), ctx().tenant(principal().tenant_id), doc)
    return jsonify(device_out(row)), 201


@route("/devices/<mac>", "GET", summary="One device, by MAC address (any separators)", tag="devices",
       response=DeviceOut)
def get_device(mac: str):
    return jsonify(device_out(_device(mac)))


@route("/devices/<mac>", "PATCH", summary="Change a device", tag="devices", request=DeviceDoc, response=DeviceOut)
def patch_device(mac: str):
    """Any subset of the device document; ``ports`` and ``keys`` are whole
    lists. The whole device is checked again, as on creation."""
    row = _device(mac)
    devices.update(ctx(), row, body())
    return jsonify(device_out(row))


@route("/devices/<mac>", "DELETE", summary="Delete a device (its lines stay)", tag="devices", response=None,
       status=204)
def delete_device(mac: str):
    devices.delete(ctx(), _device(mac))
    return "", 204
