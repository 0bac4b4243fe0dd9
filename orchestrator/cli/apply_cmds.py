"""``orchestrator apply``, ``resync``, ``status``, ``worker``."""

from __future__ import annotations

import json
import sys

import click
from sqlalchemy import select

from orchestrator.config import platform_from_settings

from ..apply.engine import esl_reloader
from ..apply.service import apply, node_states
from ..apply.worker import run_worker
from ..db.models import Tenant
from ..runtime import Runtime


def _print_results(results, verb: str) -> bool:
    ok = True
    for r in results:
        shown = r.error if r.error and (not r.failed_tenants or not r.ok) else None
        click.echo(f"{r.node}: {r.status}" + (f" ({shown})" if shown else ""))
        for line in r.change.lines():
            click.echo(f"  {line}")
        if r.change and r.status == "applied":
            click.echo(f"  {verb}: {', '.join(r.commands)}")
        for failure in r.failed_tenants:  # the others were applied; these keep their last applied files
            click.echo(f"  failed: {failure}", err=True)
        ok = ok and r.ok and not r.failed_tenants
    return ok


@click.command("apply")
@click.option("--tenant", "tenant_name", default=None, help="Only this tenant's files (and the platform files)")
@click.pass_obj
def apply_cmd(rt: Runtime, tenant_name: str | None) -> None:
    """Render and put the configuration live on every node."""
    platform = platform_from_settings(rt.settings)
    with rt.unit_of_work(actor="cli:apply") as ctx:
        ids = [ctx.tenant(tenant_name).id] if tenant_name else None
        results = apply(ctx.session, platform, esl_reloader(), tenant_ids=ids)
    if not _print_results(results, "reloaded"):
        sys.exit(1)


@click.command("resync")
@click.pass_obj
def resync(rt: Runtime) -> None:
    """Re-render everything and repair drift on every node (for cron).

    Prints what it changed; changes nothing when nothing differs; exits 1 on
    any failure."""
    platform = platform_from_settings(rt.settings)
    with rt.unit_of_work(actor="cli:resync") as ctx:
        results = apply(ctx.session, platform, esl_reloader())
    if not _print_results(results, "reloaded"):
        sys.exit(1)


@click.command("status")
@click.pass_obj
def status(rt: Runtime) -> None:
    """Each node's last apply: result, time, tree, and tenants not yet live."""
    platform = platform_from_settings(rt.settings)
    with rt.unit_of_work() as ctx:
        states = {s.node: s for s in node_states(ctx.session)}
        tenants = list(ctx.session.scalars(select(Tenant).order_by(Tenant.name)))
        for node in platform.nodes:
            s = states.get(node.name)
            if s is None:
                click.echo(f"{node.name}: never applied ({node.conf_dir}, ESL {node.esl_host}:{node.esl_port})")
                continue
            when = s.applied_at.strftime("%Y-%m-%d %H:%M:%S") if s.applied_at else "-"
            tree = (s.tree_hash or "")[:12] or "-"
            click.echo(f"{node.name}: {s.result} at {when}, tree {tree}" + (f" — {s.error}" if s.error else ""))
            live = json.loads(s.tenant_revisions or "{}")
            for t in tenants:
                applied = live.get(str(t.id))
                if applied is None or applied < t.revision:
                    shown = applied if applied is not None else "none"
                    click.echo(f"  pending: {t.name} revision {t.revision} (live: {shown})")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty")
@click.pass_obj
def worker(rt: Runtime, burst: bool) -> None:
    """Run the RQ worker that executes apply jobs (needs REDIS_URL).

    When Redis goes away the worker waits for it (logged) and carries on
    when it is back; SIGTERM stops it cleanly either way."""
    if not rt.settings.redis_url:
        raise click.ClickException("the worker needs REDIS_URL (without Redis, changes are applied inline)")
    if not run_worker(rt.settings.redis_url, rt.settings.redis_prefix, burst=burst):
        raise click.ClickException("Redis is unreachable: the burst worker ran nothing")


COMMANDS = [apply_cmd, resync, status, worker]
COMMANDS = [apply_cmd, resync, status, worker]
