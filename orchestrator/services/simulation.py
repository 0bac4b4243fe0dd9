"""Route simulation for one tenant, shared by the CLI, the API and the web
pages: what happens when a caller dials a number at a time, under the
circumstances the person states (:mod:`orchestrator.routing.answer`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orchestrator.domain.errors import FieldError, ValidationFailed
from orchestrator.routing.answer import CircumstancesOut, SimulationOut, parse_draw, simulate

from ..db.models import Tenant
from ..render.snapshot import load_snapshot
from .context import ServiceContext


class SimulateIn(BaseModel):
    """POST /api/v1/simulate: the call and, optionally, its circumstances."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    to: str = Field(min_length=1, description="The number dialled (E.164, national or short)")
    caller: str | None = Field(None, alias="from", description="The caller's number")
    at: str | None = Field(None, description="Local time of the company, YYYY-MM-DDTHH:MM (default: now)")
    busy: list[str] = Field(default_factory=list, description="Numbers that answer busy")
    unregistered: list[str] = Field(default_factory=list, description="Lines with no device registered")
    no_answer: list[str] = Field(default_factory=list, description="Numbers that ring without answering")
    keys: str | None = Field(None, description="Keys pressed at the menus, in order")
    draws: list[int | float] = Field(default_factory=list,
                                     description="Draw of routing 1, 2, ...: 0-4095, or a fraction below 1")
    uuid: str | None = Field(None, pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

    @field_validator("draws")
    @classmethod
    def _draws(cls, values: list[int | float]) -> list[int | float]:
        for v in values:
            parse_draw(str(v))
        return values

    def circumstances(self) -> CircumstancesOut | None:
        """None when nothing is stated: the plan alone, no outcome."""
        if not (self.busy or self.unregistered or self.no_answer or self.keys is not None or self.draws
                or self.uuid):
            return None
        return CircumstancesOut(busy=self.busy, unregistered=self.unregistered, no_answer=self.no_answer,
                                keys=self.keys or "", draws=[parse_draw(str(v)) for v in self.draws],
                                uuid=self.uuid)


def local_time(tenant: Tenant, raw: str | None) -> datetime:
    tz = ZoneInfo(tenant.timezone)
    text = (raw or "").strip()
    if not text:
        return datetime.now(tz)
    try:
        return datetime.fromisoformat(text.replace(" ", "T")).replace(tzinfo=tz)
    except ValueError:
        raise ValidationFailed([FieldError("simulate.bad_time", "at", "write the time as YYYY-MM-DDTHH:MM")]) from None


def run(ctx: ServiceContext, tenant: Tenant, to: str, caller: str | None, when: datetime,
        circumstances: CircumstancesOut | None = None) -> SimulationOut:
    snap = load_snapshot(ctx.session, [tenant.id]).tenants[0]
    return simulate(snap, to.strip(), (caller or "").strip() or None, when, circumstances,
                    region=ctx.settings.default_region)


def run_doc(ctx: ServiceContext, tenant: Tenant, doc: SimulateIn) -> SimulationOut:
    return run(ctx, tenant, doc.to, doc.caller, local_time(tenant, doc.at), doc.circumstances())
