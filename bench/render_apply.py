#!/usr/bin/env python
"""Benchmark: render and apply at 10,000 lines (prints figures; not a test).

Generates 1,000 tenants with 10,000 lines and 1,000 reception numbers in a
SQLite database, then prints:
  - the full render time (every file of the tree, in memory);
  - the first full apply to a node (write + reload);
  - the time from one changed line to "live" on the node: the change
    committed through the service layer, rendered, written, and the reload
    acknowledged, against the fake FreeSWITCH and, when FREESWITCH_BIN is
    set, a real FreeSWITCH.
Targets on the 2-core machine: full render <= 2 s, one change live <= 250 ms.

    .venv/bin/python bench/render_apply.py [--tenants 1000] [--lines-per-tenant 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from sqlalchemy import insert  # noqa: E402

from orchestrator.apply.engine import esl_reloader  # noqa: E402
from orchestrator.apply.service import apply  # noqa: E402
from orchestrator.config import Settings  # noqa: E402
from orchestrator.db import migrate  # noqa: E402
from orchestrator.db.models import (  # noqa: E402
    HuntMember,
    Line,
    PhoneNumber,
    ReceptionNumber,
    ReceptionProfile,
    Tenant,
)
from orchestrator.domain.topology import Gateway, Node, Platform  # noqa: E402
from orchestrator.render.freeswitch import render_tree  # noqa: E402
from orchestrator.render.snapshot import load_snapshot  # noqa: E402
from orchestrator.runtime import Runtime  # noqa: E402
from orchestrator.services.lines import service as lines_service  # noqa: E402


def generate(rt: Runtime, tenants: int, per_tenant: int) -> None:
    """Bulk rows (the import path is measured elsewhere): realistic shapes."""
    with rt.engine.begin() as conn:
        conn.execute(insert(Tenant), [dict(id=t + 1, name=f"Company {t:04d}", sip_domain=f"c{t:04d}.centrex.test",
                                           kind="business", timezone="Europe/Paris", emergency_department="75",
                                           line_limit=per_tenant + 2, revision=1) for t in range(tenants)])
        rows, numbers, recs, profs, members = [], [], [], [], []
        for t in range(tenants):
            for i in range(per_tenant):
                n = t * per_tenant + i
                e164 = f"+3317{n:07d}"
                numbers.append(dict(e164=e164, kind="geographic", zone="01", tenant_id=t + 1, usage="line"))
                rows.append(dict(id=n + 1, tenant_id=t + 1, number=e164, label=f"Line {n}", short_number=f"{200 + i}",
                                 status="active", sip_username=f"0{e164[3:]}", sip_password=f"pw-{n:08d}-secret",
                                 ring_time=20, forward_presented="caller", clir=bool(i % 7 == 0),
                                 forward_no_answer="+33612345678" if i % 3 == 0 else None,
                                 vm_enabled=True, vm_mode="record", vm_pin=f"{1000 + i}",
                                 hold_music_catalogue="mambo" if i % 2 else None))
            e164 = f"+3318{t:07d}"
            numbers.append(dict(e164=e164, kind="geographic", zone="01", tenant_id=t + 1, usage="reception"))
            recs.append(dict(id=t + 1, tenant_id=t + 1, number=e164, label="Accueil", short_number="300"))
            profs.append(dict(id=t + 1, reception_id=t + 1, name="Défaut", is_default=True, forced=False, position=0,
                              kind="hunt", strategy="sequential", ring_time=15, cycles=2, forwards_allowed=False))
            members += [dict(profile_id=t + 1, line_id=t * per_tenant + i + 1, position=i) for i in range(3)]
        conn.execute(insert(PhoneNumber), numbers)
        conn.execute(insert(Line), rows)
        conn.execute(insert(ReceptionNumber), recs)
        conn.execute(insert(ReceptionProfile), profs)
        conn.execute(insert(HuntMember), members)


def timed(fn, repeat: int = 1):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return out, times


def one_change_live(rt: Runtime, platform: Platform, reloader, rounds: int) -> list[float]:
    times = []
    for i in range(rounds):
        start = time.perf_counter()
        with rt.context(actor="bench") as ctx:
            line = ctx.session.get(Line, 5001)
            lines_service.update(ctx, line, {"ring_time": 21 + (i % 30)})
            ctx.commit()
            tenant_id = line.tenant_id
        with rt.context(actor="bench") as ctx:
            [result] = apply(ctx.session, platform, reloader, tenant_ids=[tenant_id])
        assert result.status == "applied", result
        times.append(time.perf_counter() - start)
    return times


def fmt(times: list[float]) -> str:
    if len(times) == 1:
        return f"{times[0] * 1000:.0f} ms"
    return (f"median {statistics.median(times) * 1000:.0f} ms, min {min(times) * 1000:.0f} ms, "
            f"max {max(times) * 1000:.0f} ms over {len(times)}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tenants", type=int, default=1000)
    ap.add_argument("--lines-per-tenant", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="centrex-bench-"))
    rt = Runtime(Settings(var_dir=work / "var", database_url=f"sqlite:///{work / 'bench.sqlite3'}"))
    migrate.upgrade(rt.engine)
    _, t = timed(lambda: generate(rt, args.tenants, args.lines_per_tenant))
    print(f"generated {args.tenants} tenants, {args.tenants * args.lines_per_tenant} lines, "
          f"{args.tenants} reception numbers in {fmt(t)}")
    platform = Platform(media_dir=work / "media", spool_dir=work / "spool", gateway=Gateway(),
                        nodes=(Node(name="fs1", conf_dir=work / "conf"),))
    with rt.context() as ctx:
        snap, t_load = timed(lambda: load_snapshot(ctx.session), 3)
        files, t_render = timed(lambda: render_tree(snap, platform, platform.nodes[0]), 3)
    size = sum(len(v) for v in files.values())
    print(f"snapshot load: {fmt(t_load)}")
    print(f"full render: {fmt(t_render)}  ({len(files)} files, {size / 1e6:.1f} MB)   target <= 2000 ms")
    print(f"load + render: {(statistics.median(t_load) + statistics.median(t_render)) * 1000:.0f} ms")

    from fake_freeswitch.server import FakeFreeSWITCH

    with FakeFreeSWITCH(password="ClueCon") as fs:
        fs.set_api_response("reload", "+OK Reloading XML\n+OK module unloaded\n+OK module loaded\n")
        fs.set_api_response("sofia", "Reload XML [Success]\n+OK scan complete\n")
        node = replace(platform.nodes[0], esl_host=fs.host, esl_port=fs.port)
        fake_platform = replace(platform, nodes=(node,))
        with rt.context() as ctx:
            _, t = timed(lambda: apply(ctx.session, fake_platform, esl_reloader()))
        print(f"first full apply (fake FreeSWITCH): {fmt(t)}")
        t = one_change_live(rt, fake_platform, esl_reloader(), args.rounds)
        print(f"one changed line to live (fake FreeSWITCH): {fmt(t)}   target <= 250 ms")

    # On-demand mode (P-5): nothing is reloaded; a change is live when the
    # next mod_xml_curl request is answered from the database.
    from orchestrator.render.ondemand import answer

    def change_and_serve(i: int) -> None:
        with rt.context(actor="bench") as ctx:
            line = ctx.session.get(Line, 5001)
            lines_service.update(ctx, line, {"label": f"Bench {i}"})
            ctx.commit()
            domain = ctx.tenant(line.tenant_id).sip_domain
        with rt.context() as ctx:
            body = answer(ctx.session, platform, platform.nodes[0], {"section": "directory", "domain": domain})
            assert f"Bench {i}".encode() in body
            answer(ctx.session, platform, platform.nodes[0], {"section": "dialplan", "Hunt-Context": domain})

    times = []
    for i in range(args.rounds):
        _, t = timed(partial(change_and_serve, i))
        times += t
    print(f"xml_curl mode, one changed line to served (commit + directory + dialplan answers): {fmt(times)}")

    fs_bin = os.environ.get("FREESWITCH_BIN")
    if fs_bin:
        from freeswitch_real import platform_with_ports, running_freeswitch

        real_root = work / "real"
        real_platform = platform_with_ports(platform, real_root)
        real_platform = replace(real_platform, media_dir=platform.media_dir, spool_dir=platform.spool_dir)
        with rt.context() as ctx:
            apply(ctx.session, real_platform, esl_reloader(timeout=1))  # files for its start
        with running_freeswitch(real_root, real_platform.esl_port, timeout=120) as (proc, esl):
            with rt.context() as ctx:
                _, t = timed(lambda: apply(ctx.session, real_platform, esl_reloader(timeout=60)))
            print(f"full apply incl. reloadxml (real FreeSWITCH): {fmt(t)}")
            t = one_change_live(rt, real_platform, esl_reloader(timeout=60), args.rounds)
            print(f"one changed line to live (real FreeSWITCH): {fmt(t)}   target <= 250 ms")
    else:
        print("real FreeSWITCH: skipped (set FREESWITCH_BIN)")


if __name__ == "__main__":
    main()
