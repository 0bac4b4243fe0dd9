"""« Mes équipements » (manual §3.2.1.2, Figure 3; §3.6.1 « Mon équipement »;
spec E-1, E-2): the company's phones with their MAC address, model, name
and the lines on their ports; add, change or delete a phone (the MAC
address is checked and normalised by the service layer). The provisioning
details (VLAN, audio gains, LCD, consoles, keys) are shown read-only.

The routes are on the « Mes services » blueprint (``lines``, :mod:`webui.common.blueprints`).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from orchestrator.db.models import Device, Line
from orchestrator.domain.errors import FieldError, ServiceError
from orchestrator.services.base import parse_doc
from orchestrator.services.devices import lookup as device_lookup
from orchestrator.services.devices import service as devices
from orchestrator.services.devices.models import MODELS
from orchestrator.services.devices.schema import DeviceDoc

from ..common.blueprints import lines as bp
from ..common.formdata import FormErrors, field_errors
from ..common.security import admin_required, db, tenant
from ..common.uow import discard_changes

MAX_PORTS = max(m.ports for m in MODELS.values())
DEVICE_FIELDS = ("mac", "model", "name", *(f"port-{n}" for n in range(1, MAX_PORTS + 1)))


def _lines() -> list[Line]:
    return list(db().session.scalars(select(Line).where(Line.tenant_id == current_user.tenant_id)
                                     .order_by(Line.number)))


def port_count(model: str | None) -> int:
    known = MODELS.get(model or "")
    return known.ports if known else 1


@bp.get("/devices")
@admin_required
def devices_list():
    ctx = db()
    rows = devices.all_for(ctx, tenant())
    numbers = {ln.id: ln for ln in _lines()}
    return render_template("devices/list.html", devices=rows, lines=numbers, port_count=port_count,
                           fmt=devices.format_mac, tenant=tenant())


def _form(form) -> tuple[dict[str, Any], list[int]]:
    """The document the form describes (the ports with a line, in order)
    and the port number of each of its ``ports[k]``."""
    data: dict[str, Any] = {"mac": form.get("mac", "").strip(), "model": form.get("model", "").strip(),
                            "name": form.get("name", "").strip() or None}
    ports, order = [], []
    for n in range(1, MAX_PORTS + 1):
        number = form.get(f"port-{n}", "").strip()
        if number:
            ports.append({"port": n, "line": number})
            order.append(n)
    data["ports"] = ports
    return data, order


def _placed(errors: list[FieldError], order: list[int]) -> list[FieldError]:
    """``ports[k].line`` of the document → ``port-<n>`` of the form."""
    out = []
    for e in errors:
        fld = e.field
        if fld.startswith("ports["):
            k = int(fld[6:fld.index("]")])
            fld = f"port-{order[k]}" if k < len(order) else "model"
        out.append(FieldError(e.error_id, fld, e.message))
    return out


def _page(device: Device | None, values: dict[str, Any], errors: FormErrors, status: int = 200):
    doc = devices.to_doc(db(), device) if device is not None else None
    model = values.get("model") or (device.model if device else "")
    count = max(port_count(model), *(int(k[5:]) for k in values if k.startswith("port-") and values[k]), 1)
    return render_template("devices/detail.html", device=device, doc=doc, values=values, errors=errors,
                           models=sorted(MODELS.values(), key=lambda m: (m.brand, m.name)), lines=_lines(),
                           ports=range(1, count + 1), fmt=devices.format_mac, tenant=tenant()), status


def _values(device: Device) -> dict[str, Any]:
    numbers = {ln.id: ln.number for ln in _lines()}
    out: dict[str, Any] = {"mac": devices.format_mac(device.mac), "model": device.model, "name": device.name or ""}
    for p in device.ports:
        out[f"port-{p.port}"] = numbers.get(p.line_id, "")
    return out


@bp.get("/devices/new")
@admin_required
def new_device():
    return _page(None, {"model": request.args.get("model", "")}, FormErrors(fields=DEVICE_FIELDS))


@bp.post("/devices/new")
@admin_required
def create_device():
    ctx = db()
    data, order = _form(request.form)
    try:
        device = devices.create(ctx, tenant(), parse_doc(DeviceDoc, data))
    except ServiceError as exc:
        discard_changes()
        return _page(None, dict(request.form), FormErrors(_placed(field_errors(exc), order), DEVICE_FIELDS), 422)
    flash(_("The device %(mac)s has been added.", mac=devices.format_mac(device.mac)), "ok")
    return redirect(url_for("lines.device", device_id=device.id))


@bp.get("/devices/<int:device_id>")
@admin_required
def device(device_id: int):
    row = device_lookup.device(db(), current_user.tenant_id, device_id)
    return _page(row, _values(row), FormErrors(fields=DEVICE_FIELDS))


@bp.post("/devices/<int:device_id>")
@admin_required
def save_device(device_id: int):
    """Change the MAC address, the model, the name and the lines on the ports."""
    ctx = db()
    row = device_lookup.device(db(), current_user.tenant_id, device_id)
    data, order = _form(request.form)
    try:
        devices.update(ctx, row, data)
    except ServiceError as exc:
        discard_changes()
        return _page(device_lookup.device(db(), current_user.tenant_id, device_id), dict(request.form),
                     FormErrors(_placed(field_errors(exc), order), DEVICE_FIELDS), 422)
    flash(_("Your changes have been saved."), "ok")
    return redirect(url_for("lines.device", device_id=device_id))


@bp.post("/devices/<int:device_id>/delete")
@admin_required
def delete_device(device_id: int):
    ctx = db()
    row = device_lookup.device(db(), current_user.tenant_id, device_id)
    mac = devices.format_mac(row.mac)
    devices.delete(ctx, row)
    flash(_("The device %(mac)s has been deleted; its lines are kept.", mac=mac), "ok")
    return redirect(url_for("lines.devices_list"))
