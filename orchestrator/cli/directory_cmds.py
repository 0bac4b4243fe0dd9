"""``orchestrator directory``: the company directory as CSV (D-4), and
``orchestrator token``: API tokens (P-9)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import select

from orchestrator.domain.errors import FieldError, NotFound, ValidationFailed

from ..db.models import Login
from ..runtime import Runtime
from ..services import apitokens
from ..services.directory import csv_export, csv_io


@click.group("directory")
def directory() -> None:
    """Company directory: CSV import and export (the manual's 14 columns)."""


@directory.command("import")
@click.argument("tenant")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and say what would be replaced; change nothing")
@click.pass_obj
def import_(rt: Runtime, tenant: str, file: Path, dry_run: bool) -> None:
    """Replace TENANT's company directory with FILE (all or nothing)."""
    with rt.unit_of_work(actor="cli:directory") as ctx:
        report = csv_io.import_company_directory(ctx, ctx.tenant(tenant), file.read_bytes(), dry_run=dry_run)
        if not report.ok:  # reported by `main` as "row R, column C (Name): message [id]", exit code 2
            raise ValidationFailed([FieldError(p.error_id, f"row {p.row}, column {p.column} ({p.column_name})",
                                               p.message) for p in report.problems])
        new = report.new
        verb = "would replace" if dry_run else "replaced"
        click.echo(f"{verb} {report.before['contacts']} contact(s) in {report.before['lists']} list(s) by "
                   f"{new['contacts']} contact(s) in {new['lists']} list(s) "
                   f"({report.plan.encoding}, '{report.plan.delimiter}', {report.plan.rows} row(s))")
        if dry_run:
            ctx.discard()


@directory.command("export")
@click.argument("tenant")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.pass_obj
def export(rt: Runtime, tenant: str, output: Path | None) -> None:
    """Write TENANT's company directory as CSV (UTF-8, ';')."""
    with rt.unit_of_work() as ctx:
        tenant_id = ctx.tenant(tenant).id
        pieces = csv_export.stream(ctx.session, tenant_id)
        if output:
            with output.open("wb") as out:
                out.writelines(pieces)
        else:
            sys.stdout.buffer.writelines(pieces)


@click.group("token")
def token() -> None:
    """API tokens (Authorization: Bearer ...)."""


@token.command("create")
@click.argument("login")
@click.option("--name", required=True, help="What will use the token")
@click.pass_obj
def create(rt: Runtime, login: str, name: str) -> None:
    """Create a token acting as LOGIN; it is printed once, stored hashed."""
    with rt.unit_of_work(actor="cli:token") as ctx:
        row = ctx.session.scalar(select(Login).where(Login.login == login))
        if row is None:
            raise NotFound(f"no login {login!r}", error_id="login.unknown", field="login")
        _, clear = apitokens.create(ctx, row, name)
    click.echo(clear)


COMMANDS = [directory, token]
