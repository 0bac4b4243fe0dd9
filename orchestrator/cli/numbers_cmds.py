"""``orchestrator numbers``: the platform's number pool (N-1, N-2)."""

from __future__ import annotations

import click

from orchestrator.domain.errors import Errors

from ..runtime import Runtime
from ..services import inventory


@click.group("numbers")
def numbers() -> None:
    """Number inventory."""


@numbers.command("add")
@click.argument("numbers", nargs=-1, required=True)
@click.option("--gold", is_flag=True, help="Flag as memorable (gold) numbers")
@click.option("--reserve-for", "tenant_name", default=None, help="Reserve them for this tenant")
@click.pass_obj
def add(rt: Runtime, numbers: tuple[str, ...], gold: bool, tenant_name: str | None) -> None:
    """Add NUMBERS to the pool (all or nothing)."""
    with rt.unit_of_work(actor="cli") as ctx:
        tenant = ctx.tenant(tenant_name) if tenant_name else None
        errors = Errors()
        for i, raw in enumerate(numbers):
            with errors.at(f"numbers[{i}]"):
                inventory.add_to_pool(ctx.session, errors, raw, ctx.settings.default_region, gold=gold,
                                      reserved_for=tenant)
            ctx.session.flush()
        errors.raise_if_any()
    click.echo(f"added {len(numbers)} number(s)")


@numbers.command("propose")
@click.argument("tenant_name")
@click.option("--kind", default="geographic", type=click.Choice(["geographic", "voip", "special"]))
@click.option("--zone", "zone_code", default=None, help="01 to 05")
@click.option("--ending", default=None, help="'À la carte': the last digits wanted")
@click.pass_obj
def propose(rt: Runtime, tenant_name: str, kind: str, zone_code: str | None, ending: str | None) -> None:
    """Propose free numbers for a new line of TENANT_NAME."""
    with rt.unit_of_work() as ctx:
        for e164 in inventory.propose(ctx.session, ctx.tenant(tenant_name), kind=kind, zone_code=zone_code,
                                      last_digits=ending):
            click.echo(e164)


COMMANDS = [numbers]
