"""Tenant → YAML. Deterministic: the same data always gives the same bytes."""

from __future__ import annotations

from typing import Any

import yaml
from sqlalchemy import select

from ..db.models import AudioFile, FaxLine, Line, Login, Tenant
from ..services.audio import service as audio_service
from ..services.context import ServiceContext
from ..services.devices import service as devices_service
from ..services.directory import service as directory_service
from ..services.lines import service as lines_service
from ..services.logins import service as logins_service
from ..services.reception import service as reception_service
from ..services.special import service as special_service
from ..services.tenants import service as tenants_service
from .schema import TenantDocument
from .secrets import mask


def build(ctx: ServiceContext, tenant: Tenant) -> TenantDocument:
    s = ctx.session
    q = lambda model, order: s.scalars(select(model).where(model.tenant_id == tenant.id).order_by(order))  # noqa: E731
    return TenantDocument(
        tenant=tenants_service.to_doc(tenant),
        audio_files=[audio_service.to_doc(a) for a in q(AudioFile, AudioFile.name)],
        lines=[lines_service.to_doc(ctx, line) for line in q(Line, Line.number)],
        fax_lines=[lines_service.fax_to_doc(f) for f in q(FaxLine, FaxLine.number)],
        logins=[logins_service.to_doc(login) for login in q(Login, Login.login)],
        directory=directory_service.tree_to_doc(ctx, tenant),
        personal_directories=directory_service.personal_to_docs(ctx, tenant),
        reception_numbers=[reception_service.to_doc(ctx, r) for r in reception_service.all_for(ctx, tenant)],
        special_numbers=[special_service.to_doc(ctx, sp) for sp in special_service.all_for(ctx, tenant)],
        devices=[devices_service.to_doc(ctx, d) for d in devices_service.all_for(ctx, tenant)],
    )


def _prune(value: Any) -> Any:
    """Drop None values and empty collections: a shorter, stable document."""
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None and v != [] and v != {}}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def to_data(doc: TenantDocument, *, with_secrets: bool = False) -> dict[str, Any]:
    """The document as plain data; secrets masked unless ``with_secrets``."""
    data = _prune(doc.model_dump(mode="json"))
    return data if with_secrets else mask(data)


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str)


def dump(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def export_yaml(ctx: ServiceContext, tenant: Tenant, *, with_secrets: bool = False) -> str:
    return dump(to_data(build(ctx, tenant), with_secrets=with_secrets))
