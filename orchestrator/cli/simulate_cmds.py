"""``orchestrator simulate``: what happens when X calls Y at time T."""

from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select

from orchestrator.domain.errors import NotFound, ServiceError
from orchestrator.domain.numbering import NumberError, normalize

from ..db.models import Line, ReceptionNumber, SpecialNumber, Tenant
from ..routing.answer import CircumstancesOut, SimulationOut, parse_draw, schema_json
from ..runtime import Runtime
from ..services import simulation


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


def circumstances_from(busy: tuple[str, ...], unregistered: tuple[str, ...], no_answer: tuple[str, ...],
                       keys: str | None, draws: tuple[str, ...], uuid: str | None) -> CircumstancesOut | None:
    """The circumstances stated on the command line; none stated: the plan alone."""
    if not (busy or unregistered or no_answer or keys is not None or draws or uuid):
        return None
    values = []
    for raw in draws:
        try:
            values.append(parse_draw(raw))
        except ValueError as exc:
            raise ServiceError(str(exc), error_id="simulate.bad_draw", field="draw") from None
    if uuid is not None and not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", uuid):
        raise ServiceError(f"{uuid!r}: give the UUID as FreeSWITCH writes it (lowercase, 8-4-4-4-12)",
                           error_id="simulate.bad_uuid", field="uuid")
    return CircumstancesOut(busy=list(busy), unregistered=list(unregistered), no_answer=list(no_answer),
                            keys=keys or "", draws=values, uuid=uuid)


def human(answer: SimulationOut) -> str:
    """The plan in words, the odds of every routing, and the outcome."""
    out = [answer.text]
    for routing in answer.routings:
        odds = ", ".join(f"{d.number} {(d.probability or 0) * 100:.1f} %" for d in routing.destinations)
        out.append(f"   routing {routing.routing} odds: {odds}; if it fails: {routing.on_failure}")
        for d in routing.destinations:
            out.append(f"      {d.number}: " + "; ".join(s.text for s in d.then))
    if answer.outcome is not None:
        out.append(f"=> {answer.outcome.summary} [{answer.outcome.disposition}]")
    return "\n".join(out)


@click.command("simulate")
@click.option("--to", "to", required=True,
              help="The number dialled (a number of the platform, or a short number with --tenant)")
@click.option("--from", "caller", default=None, help="The caller's number")
@click.option("--at", "at", default=None, help='Local time of the tenant, "YYYY-MM-DD HH:MM" (default: now)')
@click.option("--tenant", "tenant_name", default=None, help="Tenant, for short numbers")
@click.option("--busy", multiple=True, help="A number that answers busy (repeatable)")
@click.option("--unregistered", multiple=True, help="A line with no device registered (repeatable)")
@click.option("--no-answer", "no_answer", multiple=True, help="A number that rings without answering (repeatable)")
@click.option("--keys", default=None, help="Keys pressed at the menus, in order (e.g. 12)")
@click.option("--draw", "draws", multiple=True,
              help="The draw of routing 1, 2, ... (0-4095, or a fraction like 0.37); the last repeats")
@click.option("--uuid", default=None, help="Or the call's UUID, whose digits the dialplan draws from")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (docs/simulate-schema.json)")
@click.pass_obj
def simulate(rt: Runtime, to: str, caller: str | None, at: str | None, tenant_name: str | None,
             busy: tuple[str, ...], unregistered: tuple[str, ...], no_answer: tuple[str, ...], keys: str | None,
             draws: tuple[str, ...], uuid: str | None, as_json: bool) -> None:
    """Print the route a call takes: profile and why, who rings, what comes next.

    State circumstances (--busy, --unregistered, --no-answer, --keys, --draw)
    to get the one outcome they give; everyone else answers."""
    circumstances = circumstances_from(busy, unregistered, no_answer, keys, draws, uuid)
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
        answer = simulation.run(ctx, tenant, to, caller, when, circumstances)
    if as_json:
        click.echo(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        click.echo(human(answer))


@click.command("simulate-schema")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write to this file")
def simulate_schema(output: str | None) -> None:
    """Print the JSON schema of `simulate --json` (docs/simulate-schema.json)."""
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(schema_json())
    else:
        click.echo(schema_json(), nl=False)


COMMANDS = [simulate, simulate_schema]
