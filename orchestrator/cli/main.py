"""The ``orchestrator`` command."""

from __future__ import annotations

import sys
from typing import Any

import click
from sqlalchemy.exc import DBAPIError

from orchestrator.domain.errors import ConfigError, ServiceError, ValidationFailed

from ..db.availability import DatabaseUnavailable, is_unavailable, unavailable
from ..runtime import Runtime, configure_logging
from . import (
    apply_cmds,
    db_cmds,
    demo_cmds,
    directory_cmds,
    emergency_cmds,
    fax_cmds,
    live_cmds,
    media_cmds,
    numbers_cmds,
    render_cmds,
    simulate_cmds,
    tenant_cmds,
    web_cmds,
)

MODULES = (db_cmds, tenant_cmds, demo_cmds, numbers_cmds, render_cmds, apply_cmds, simulate_cmds, media_cmds,
           fax_cmds, emergency_cmds, live_cmds, directory_cmds, web_cmds)


class Orchestrator(click.Group):
    """The command group: a database that cannot be reached is one
    sentence naming it (without its password), not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DBAPIError as exc:
            rt = ctx.obj
            if isinstance(rt, Runtime) and is_unavailable(rt.engine, exc):
                raise unavailable(rt.settings.effective_database_url, exc) from None
            raise


@click.group(cls=Orchestrator)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="TOML configuration file (default: $ORCHESTRATOR_CONFIG or ./orchestrator.toml)")
@click.option("--log-level", default="WARNING", show_default=True)
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, log_level: str) -> None:
    """Centrex control plane for FreeSWITCH."""
    configure_logging(log_level.upper())
    ctx.obj = Runtime.from_environment(config_path)


for module in MODULES:
    for command in module.COMMANDS:
        cli.add_command(command)


def report(exc: ServiceError) -> None:
    if isinstance(exc, ValidationFailed):
        click.echo(f"error: {len(exc.errors)} problem(s), nothing was changed:", err=True)
        for err in exc.errors:
            where = f"{err.field}: " if err.field else ""
            click.echo(f"  {where}{err.message} [{err.error_id}]", err=True)
    else:
        where = f"{exc.field}: " if exc.field else ""
        click.echo(f"error: {where}{exc.message} [{exc.error_id}]", err=True)


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, prog_name="orchestrator", standalone_mode=False)
    except DatabaseUnavailable as exc:
        report(exc)
        return 3
    except ServiceError as exc:
        report(exc)
        return 2
    except ConfigError as exc:
        click.echo(f"error: {exc} [{exc.error_id}]", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
