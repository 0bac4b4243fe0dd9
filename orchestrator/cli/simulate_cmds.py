"""``orchestrator simulate``: what happens when X calls Y at time T."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select

from orchestrator.domain.errors import NotFound, ServiceError
from orchestrator.domain.numbering import NumberError, normalize

from ..db.models import Line, ReceptionNumber, SpecialNumber, Tenant
from ..render.snapshot import load_snapshot
from ..routing.resolver import resolve
from ..runtime import Runtime


def owner_of(session, number: str, region: str) -> Tenant | None:
    try:
        e164 = normalize(number, region)
    except NumberError:
        return None
    for model in (Line, ReceptionNumber, SpecialNumber):
        tid = session.scalar(select(model.tenant_id).where(model.number == e164))
        if tid is not None:
            return session.get(Tenant, tid)
    return None


@click.command("simulate")
@click.option("--to", "to", required=True,
              help="The number dialled (a number of the platform, or a short number with --tenant)")
@click.option("--from", "caller", default=None, help="The caller's number")
@click.option("--at", "at", default=None, help='Local time of the tenant, "YYYY-MM-DD HH:MM" (default: now)')
@click.option("--tenant", "tenant_name", default=None, help="Tenant, for short numbers")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@click.pass_obj
def simulate(rt: Runtime, to: str, caller: str | None, at: str | None, tenant_name: str | None, as_json: bool) -> None:
    """Print the route a call takes: profile and why, who rings, what comes next."""
    with rt.unit_of_work() as ctx:
        tenant = ctx.tenant(tenant_name) if tenant_name else owner_of(ctx.session, to, rt.settings.default_region)
        if tenant is None:
            raise NotFound(f"{to} is not a number of the platform (give --tenant for a short number)",
                           error_id="simulate.unknown_number", field="to")
        tz = ZoneInfo(tenant.timezone)
        if at:
            try:
                when = datetime.strptime(at, "%Y-%m-%d %H:%M").replace(tzinfo=tz)
            except ValueError:
                raise ServiceError(f"{at!r}: write the time as \"YYYY-MM-DD HH:MM\"", error_id="simulate.bad_time",
                                   field="at") from None
        else:
            when = datetime.now(tz)
        snap = load_snapshot(ctx.session, [tenant.id]).tenants[0]
        plan = resolve(snap, to, caller, when, region=rt.settings.default_region)
    if as_json:
        click.echo(json.dumps(plan.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(plan.text())
        for choice in plan.choices:
            odds = ", ".join(f"{d['to']} {d['probability'] * 100:.1f} %" for d in choice["destinations"])
            click.echo(f"   routing {choice['routing']} odds: {odds}")


COMMANDS = [simulate]
