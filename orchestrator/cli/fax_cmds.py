"""``orchestrator fax deliver``: run by FreeSWITCH after a fax is received."""

from __future__ import annotations

from pathlib import Path

import click

from ..fax.deliver import deliver
from ..runtime import Runtime


@click.group("fax")
def fax() -> None:
    """Fax lines."""


@fax.command("deliver")
@click.argument("number")
@click.argument("tiff", type=click.Path(dir_okay=False))
@click.pass_obj
def deliver_cmd(rt: Runtime, number: str, tiff: str) -> None:
    """Mail the fax received on NUMBER (TIFF file) as a PDF."""
    with rt.unit_of_work(actor="fax") as ctx:
        address = deliver(ctx.session, ctx.settings, number, Path(tiff))
    click.echo(f"fax for {number} sent to {address}")


COMMANDS = [fax]
