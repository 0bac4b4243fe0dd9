"""``orchestrator emergency``: the emergency routing table (L-4)."""

from __future__ import annotations

import re

import click
from sqlalchemy import select

from orchestrator.domain.errors import FieldError, ValidationFailed

from ..db.models import EmergencyRoute
from ..render.snapshot import EMERGENCY
from ..runtime import Runtime


@click.group("emergency")
def emergency() -> None:
    """Where 15, 17, 18, 112, 115 and 119 are routed, by département."""


@emergency.command("set")
@click.argument("department")
@click.argument("service", type=click.Choice(EMERGENCY))
@click.argument("destination")
@click.pass_obj
def set_route(rt: Runtime, department: str, service: str, destination: str) -> None:
    """Route SERVICE called from DEPARTMENT ('*' for the default) to DESTINATION."""
    problems = []
    if department != "*" and not re.fullmatch(r"0[1-9]|[1-8]\d|9[0-5]|2A|2B|97[1-6]", department):
        problems.append(FieldError("department.invalid", "department", f"{department!r} is not a département or '*'"))
    if not re.fullmatch(r"\+?\d{2,15}", destination):
        problems.append(FieldError("destination.invalid", "destination", "digits, optionally after +"))
    if problems:
        raise ValidationFailed(problems)
    with rt.unit_of_work(actor="cli") as ctx:
        row = ctx.session.scalar(select(EmergencyRoute).where(EmergencyRoute.department == department,
                                                              EmergencyRoute.service == service))
        if row is None:
            row = EmergencyRoute(department=department, service=service, destination=destination)
            ctx.session.add(row)
        row.destination = destination
        ctx.audit(None, "set", "emergency_route", f"{department}/{service}", destination=destination)
    click.echo(f"{service} from {department} → {destination} (run `orchestrator apply` to put it live)")


@emergency.command("list")
@click.pass_obj
def list_routes(rt: Runtime) -> None:
    """Print the table."""
    with rt.unit_of_work() as ctx:
        for row in ctx.session.scalars(select(EmergencyRoute).order_by(EmergencyRoute.department,
                                                                       EmergencyRoute.service)):
            click.echo(f"{row.department}\t{row.service}\t{row.destination}")


COMMANDS = [emergency]
