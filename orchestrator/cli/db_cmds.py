"""``orchestrator db``: schema migrations."""

from __future__ import annotations

import click

from ..db import migrate
from ..runtime import Runtime


@click.group("db")
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.argument("revision", default="head")
@click.pass_obj
def upgrade(rt: Runtime, revision: str) -> None:
    """Migrate the database up to REVISION (default: head)."""
    migrate.upgrade(rt.engine, revision)
    click.echo(f"database at revision {migrate.current_revision(rt.engine)}")


@db.command("downgrade")
@click.argument("revision")
@click.pass_obj
def downgrade(rt: Runtime, revision: str) -> None:
    """Migrate the database down to REVISION (``base`` empties it)."""
    migrate.downgrade(rt.engine, revision)
    click.echo(f"database at revision {migrate.current_revision(rt.engine) or 'base'}")


@db.command("current")
@click.pass_obj
def current(rt: Runtime) -> None:
    """Print the schema revision of the database."""
    click.echo(migrate.current_revision(rt.engine) or "base (empty database)")


COMMANDS = [db]
