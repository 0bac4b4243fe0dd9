"""``orchestrator tenant``: tenants as YAML documents."""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy import func, select

from ..apply.filemodes import PRIVATE_MODE, write_file
from ..db.models import Line, Tenant
from ..runtime import Runtime
from ..services.tenants import service as tenants_service
from ..services.tenants.schema import TenantDoc, TenantKind
from ..tenantdoc import export, importer, reader
from ..tenantdoc.schema import TenantDocument


@click.group("tenant")
def tenant() -> None:
    """Tenants (companies): list, create, export, import, delete."""


@tenant.command("list")
@click.pass_obj
def list_(rt: Runtime) -> None:
    """List tenants with their line counts."""
    with rt.unit_of_work() as ctx:
        rows = ctx.session.execute(
            select(Tenant.name, Tenant.sip_domain, Tenant.revision, func.count(Line.id))
            .outerjoin(Line, Line.tenant_id == Tenant.id).group_by(Tenant.id).order_by(Tenant.name))
        for name, domain, rev, lines in rows:
            click.echo(f"{name}\t{domain}\t{lines} line(s)\trevision {rev}")


@tenant.command("create")
@click.option("--name", required=True)
@click.option("--domain", "sip_domain", required=True, help="SIP domain of the tenant")
@click.option("--kind", type=click.Choice(["business", "individual"]), default="business")
@click.option("--timezone", default="Europe/Paris")
@click.option("--department", default="75", help="Default emergency location (département)")
@click.option("--line-limit", type=int, default=None)
@click.pass_obj
def create(rt: Runtime, name: str, sip_domain: str, kind: TenantKind, timezone: str, department: str,
           line_limit: int | None) -> None:
    """Create an empty tenant."""
    doc = TenantDoc(name=name, sip_domain=sip_domain, kind=kind, timezone=timezone,
                    emergency_department=department, line_limit=line_limit)
    with rt.unit_of_work(actor="cli") as ctx:
        row = tenants_service.create(ctx, doc)
        click.echo(f"created tenant {row.name} (line limit {row.line_limit})")


@tenant.command("export")
@click.argument("name")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="File (default: stdout), written with mode 0600")
@click.option("--with-secrets", is_flag=True,
              help="Include SIP passwords, voicemail PINs, login hashes, provisioning passwords (default: masked)")
@click.pass_obj
def export_(rt: Runtime, name: str, output: str | None, with_secrets: bool) -> None:
    """Write tenant NAME as one YAML document (secrets masked as ********
    unless --with-secrets; importing the masked document keeps them)."""
    with rt.unit_of_work() as ctx:
        text = export.export_yaml(ctx, ctx.tenant(name), with_secrets=with_secrets)
    if output:
        write_file(Path(output), text.encode("utf-8"), PRIVATE_MODE)
    else:
        click.echo(text, nl=False)


@tenant.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--replace", is_flag=True, help="Replace the configuration of an existing tenant")
@click.option("--dry-run", is_flag=True, help="Validate and print what would change; change nothing")
@click.pass_obj
def import_(rt: Runtime, file, replace: bool, dry_run: bool) -> None:
    """Create or replace a tenant from a YAML document (all or nothing)."""
    data = importer.load_bytes(file.read(reader.MAX_BYTES + 1))  # never more than the limit in memory
    with rt.unit_of_work(actor="cli:import") as ctx:
        result = importer.import_document(ctx, data, replace=replace, dry_run=dry_run)
    if not result.changes:
        click.echo(f"{result.tenant}: no change")
    else:
        verb = "would change" if dry_run else ("created" if result.created else "replaced")
        click.echo(f"{result.tenant}: {verb}")
    for line in result.changes:
        click.echo(f"  {line}")


@tenant.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation")
@click.pass_obj
def delete(rt: Runtime, name: str, yes: bool) -> None:
    """Delete tenant NAME and give its numbers back to the pool."""
    if not yes:
        click.confirm(f"Delete {name} and all of its configuration?", abort=True)
    with rt.unit_of_work(actor="cli") as ctx:
        tenants_service.delete_tenant(ctx, ctx.tenant(name))
    click.echo(f"deleted {name}")


@tenant.command("schema")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="File (default: stdout)")
def schema(output: str | None) -> None:
    """Print the JSON Schema of the tenant document."""
    text = json.dumps(TenantDocument.model_json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


COMMANDS = [tenant]
