"""``orchestrator render``: write the FreeSWITCH tree to a directory."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from orchestrator.config import platform_from_settings

from ..apply.filemodes import makedirs, write_file
from ..render.freeswitch import render_node
from ..render.snapshot import load_snapshot
from ..runtime import Runtime


@click.command("render")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Target directory")
@click.option("--node", "node_name", default=None, help="Node whose listeners to use (default: the first)")
@click.pass_obj
def render(rt: Runtime, out_dir: str, node_name: str | None) -> None:
    """Render the complete FreeSWITCH configuration tree into OUT.

    A tenant whose data cannot be rendered is left out and named; the exit
    status is then 1."""
    platform = platform_from_settings(rt.settings)
    node = platform.node(node_name) if node_name else platform.nodes[0]
    with rt.unit_of_work() as ctx:
        rendered = render_node(load_snapshot(ctx.session), platform, node)
    files = rendered.files
    root = Path(out_dir)
    for rel, data in files.items():
        path = root / rel
        makedirs(path.parent)  # 0750, files 0640: the tree holds credentials
        write_file(path, data)
    click.echo(f"rendered {len(files)} files into {root}")
    for failure in rendered.failed:
        click.echo(f"failed: {failure}", err=True)
    if rendered.failed:
        sys.exit(1)


COMMANDS = [render]
