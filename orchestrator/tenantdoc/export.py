"""Tenant → YAML. Deterministic: the same data always gives the same bytes."""

from __future__ import annotations

from typing import Any

import yaml
from sqlalchemy import select

from ..db.models import AudioFile, FaxLine, Line, Login, Tenant
from ..services import audio, devices, directory, lines, logins, reception, special, tenants
from ..services.context import ServiceContext
from .schema import TenantDocument


def build(ctx: ServiceContext, tenant: Tenant) -> TenantDocument:
    s = ctx.session
    q = lambda model, order: s.scalars(select(model).where(model.tenant_id == tenant.id).order_by(order))  # noqa: E731
    return TenantDocument(
        tenant=tenants.service.to_doc(tenant),
        audio_files=[audio.service.to_doc(a) for a in q(AudioFile, AudioFile.name)],
        lines=[lines.service.to_doc(ctx, line) for line in q(Line, Line.number)],
        fax_lines=[lines.service.fax_to_doc(f) for f in q(FaxLine, FaxLine.number)],
        logins=[logins.service.to_doc(login) for login in q(Login, Login.login)],
        directory=directory.service.tree_to_doc(ctx, tenant),
        personal_directories=directory.service.personal_to_docs(ctx, tenant),
        reception_numbers=[reception.service.to_doc(ctx, r) for r in reception.service.all_for(ctx, tenant)],
        special_numbers=[special.service.to_doc(ctx, sp) for sp in special.service.all_for(ctx, tenant)],
        devices=[devices.service.to_doc(ctx, d) for d in devices.service.all_for(ctx, tenant)],
    )


def _prune(value: Any) -> Any:
    """Drop None values and empty collections: a shorter, stable document."""
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None and v != [] and v != {}}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def to_data(doc: TenantDocument) -> dict[str, Any]:
    return _prune(doc.model_dump(mode="json"))


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str)


def dump(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def export_yaml(ctx: ServiceContext, tenant: Tenant) -> str:
    return dump(to_data(build(ctx, tenant)))
