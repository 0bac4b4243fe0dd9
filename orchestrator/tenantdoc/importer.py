"""YAML → tenant, in one transaction: all or nothing, every error listed
with its path in the document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from orchestrator.domain.errors import Errors, FieldError, ValidationFailed

from ..db.models import Tenant
from ..services.audio import service as audio_service
from ..services.base import pydantic_errors
from ..services.context import ServiceContext
from ..services.devices import service as devices_service
from ..services.directory import service as directory_service
from ..services.lines import service as lines_service
from ..services.logins import service as logins_service
from ..services.reception import service as reception_service
from ..services.special import service as special_service
from ..services.tenants import service as tenants_service
from . import export, reader, secrets
from .diff import diff
from .schema import SCHEMA_VERSION, TenantDocument


@dataclass
class ImportResult:
    tenant: str
    created: bool
    changes: list[str] = field(default_factory=list)
    dry_run: bool = False


def load_yaml(text: str) -> Any:
    """The data of a YAML document (see :mod:`.reader` for what is refused)."""
    return reader.read_text(text)


def load_bytes(raw: bytes) -> Any:
    """The same, from a file's bytes (size and encoding checked first)."""
    return reader.read_bytes(raw)


def parse_document(data: Any) -> TenantDocument:
    if not isinstance(data, dict):
        raise ValidationFailed([FieldError("document.shape", "", "the document must be a mapping with a 'tenant' key")])
    version = data.get("version", SCHEMA_VERSION)
    if type(version) is not int or version != SCHEMA_VERSION:
        raise ValidationFailed([FieldError(
            "document.version", "version",
            f"{version!r} is not a supported version: this orchestrator reads version {SCHEMA_VERSION} documents")])
    try:
        return TenantDocument.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(pydantic_errors(exc)) from None


def import_document(ctx: ServiceContext, data: Any, *, replace: bool = False, dry_run: bool = False) -> ImportResult:
    """Create (or with ``replace``, replace) the tenant the document describes.

    Commits on success (unless ``dry_run``); on any error nothing changes and
    :class:`ValidationFailed` lists every problem.
    """
    doc = parse_document(data)
    try:
        result = _apply(ctx, doc, replace)
    except BaseException:
        ctx.rollback()
        raise
    if dry_run:
        ctx.rollback()
        result.dry_run = True
    else:
        ctx.commit()
    return result


def _apply(ctx: ServiceContext, doc: TenantDocument, replace: bool) -> ImportResult:
    s = ctx.session
    errors = Errors()
    existing = s.scalar(select(Tenant).where(Tenant.name == doc.tenant.name))
    before: dict[str, Any] = {}
    if existing is not None:
        if not replace:
            raise ValidationFailed([FieldError(
                "tenant.exists", "tenant.name",
                f"a company named {doc.tenant.name!r} exists; import with --replace to replace its configuration")])
        doc = secrets.keep_existing(ctx, doc, existing)  # before emptying: masked secrets stay as they are
        before = export.to_data(export.build(ctx, existing), with_secrets=True)
        tenants_service.empty(ctx, existing)
        with errors.at("tenant"):
            tenant = tenants_service.update(ctx, existing, doc.tenant, errors)
    else:
        doc = secrets.keep_existing(ctx, doc, None)  # a masked secret of a new tenant: generated or unset
        with errors.at("tenant"):
            tenant = tenants_service.create(ctx, doc.tenant, errors)
    if tenant is None:
        raise ValidationFailed(errors.items)

    def each(name: str, items: list[Any], fn: Any) -> list[Any]:
        out = []
        for i, item in enumerate(items):
            with errors.at(f"{name}[{i}]"):
                out.append(fn(ctx, tenant, item, errors))
        return out

    each("audio_files", doc.audio_files, audio_service.create)
    each("lines", doc.lines, lines_service.create)
    each("fax_lines", doc.fax_lines, lines_service.create_fax)
    each("logins", doc.logins, logins_service.create)
    with errors.at("directory"):
        directory_service.import_tree(ctx, tenant, doc.directory, errors)
    each("personal_directories", doc.personal_directories,
         lambda c, t, d, e: directory_service.import_personal(c, t, d, e))
    recs = each("reception_numbers", doc.reception_numbers, reception_service.create_base)
    for i, (rec, rdoc) in enumerate(zip(recs, doc.reception_numbers, strict=False)):
        if rec is not None:
            with errors.at(f"reception_numbers[{i}]"):
                reception_service.create_keys(ctx, tenant, rec, rdoc, errors)
    if not errors:
        reception_service.check_loops(ctx, tenant, errors)
    each("special_numbers", doc.special_numbers, special_service.create)
    each("devices", doc.devices, devices_service.create)
    errors.raise_if_any()
    s.flush()
    after = export.to_data(export.build(ctx, tenant), with_secrets=True)  # the diff names secrets, never shows them
    ctx.audit(tenant.id, "import", "tenant", tenant.name, replaced=existing is not None)
    changes = diff(before, after) if existing is not None else [f"+ tenant {tenant.name!r}"] + _summary(after)
    return ImportResult(tenant=tenant.name, created=existing is None, changes=changes)


def _summary(data: dict[str, Any]) -> list[str]:
    out = []
    for key, value in data.items():
        if isinstance(value, list) and value:
            out.append(f"+ {len(value)} {key.replace('_', ' ')}")
    return out
