"""Small builders for tests: everything goes through the service layer."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.db.models import Line, Tenant
from orchestrator.services.base import parse_doc
from orchestrator.services.context import ServiceContext
from orchestrator.services.lines import service as lines_service
from orchestrator.services.lines.schema import LineDoc
from orchestrator.services.reception import service as reception_service
from orchestrator.services.reception.schema import ReceptionDoc
from orchestrator.services.special import service as special_service
from orchestrator.services.special.schema import SpecialDoc
from orchestrator.services.tenants import service as tenants_service
from orchestrator.services.tenants.schema import TenantDoc


def make_tenant(ctx: ServiceContext, name: str = "Acme", domain: str | None = None, **kw: Any) -> Tenant:
    doc = TenantDoc(name=name, sip_domain=domain or f"{name.lower().replace(' ', '-')}.centrex.test", **kw)
    tenant = tenants_service.create(ctx, doc)
    assert tenant is not None
    return tenant


def make_line(ctx: ServiceContext, tenant: Tenant, number: str, label: str = "Line", **kw: Any) -> Line:
    line = lines_service.create(ctx, tenant, parse_doc(LineDoc, {"number": number, "label": label, **kw}))
    assert line is not None
    return line


def make_reception(ctx: ServiceContext, tenant: Tenant, data: dict[str, Any]):
    return reception_service.create(ctx, tenant, parse_doc(ReceptionDoc, data))


def make_special(ctx: ServiceContext, tenant: Tenant, data: dict[str, Any]):
    return special_service.create(ctx, tenant, parse_doc(SpecialDoc, data))


def hunt(name: str = "Profil par défaut", default: bool = True, **kw: Any) -> dict[str, Any]:
    return {"name": name, "default": default, "hunt_group": kw}


def error_ids(exc_info) -> list[str]:
    return [e.error_id for e in exc_info.value.errors]


def error_fields(exc_info) -> list[str]:
    return [e.field for e in exc_info.value.errors]


@pytest.fixture(scope="module", name="migrated_engine")
def sqlite_migrated_engine(tmp_path_factory):
    """SQLite only, one database per module: ``from helpers import
    sqlite_migrated_engine`` in a module overrides conftest's
    ``migrated_engine`` (both backends) there. For modules about rendering
    or a real FreeSWITCH, not storage."""
    from orchestrator.db import make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'db.sqlite3'}")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()
