"""``orchestrator db``: schema migrations."""

from __future__ import annotations

import click

from ..db import migrate
from ..db.secretbox import new_key
from ..runtime import Runtime
from ..services.secrets import reencrypt


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


@db.command("new-secrets-key")
def new_secrets_key() -> None:
    """Print a new key for the stored secrets (to put first in secrets_key or var/secrets.key)."""
    click.echo(new_key())


@db.command("rotate-secrets")
@click.pass_obj
def rotate_secrets(rt: Runtime) -> None:
    """Re-encrypt every stored secret with the first key of secrets_key (the
    others only decrypt): the last step of a key rotation, after which the
    old keys can be removed."""
    with rt.unit_of_work(actor="cli") as ctx:
        count = reencrypt(ctx.session)
    click.echo(f"re-encrypted the secrets of {count} row(s) with the current key")


COMMANDS = [db]
