"""Rendering in tests: a fixed platform (stable paths), fixed secrets."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from sqlalchemy import select

from orchestrator.db.models import Line
from orchestrator.domain.topology import Gateway, Node, Platform
from orchestrator.render.freeswitch import render_tree
from orchestrator.render.snapshot import load_snapshot
from orchestrator.render.walker import Scenario, Walker, load_contexts

PLATFORM = Platform(
    media_dir=Path("/var/lib/centrex/media"), spool_dir=Path("/var/spool/centrex"),
    fax_deliver_command="/opt/centrex/bin/orchestrator fax deliver",
    voicemail_access_number="+33175009999",
    gateway=Gateway(name="carrier", proxy="127.0.0.1:5090"),
    nodes=(Node(name="fs1", conf_dir=Path("/nonexistent")),),
)


def fix_secrets(ctx) -> None:
    """SIP passwords are random when generated: pin them for golden files."""
    for line in ctx.session.scalars(select(Line)):
        line.sip_password = f"secret-{line.number[1:]}"
    ctx.session.flush()


def render(ctx, platform: Platform = PLATFORM) -> dict[str, bytes]:
    ctx.session.flush()
    return render_tree(load_snapshot(ctx.session), platform, platform.nodes[0])


def walker(files: dict[str, bytes], **scenario) -> Walker:
    return Walker(load_contexts(files), Scenario(**scenario))


def canonical(data: bytes) -> str:
    """C14N (sorted attributes, no comments), then indented for readable diffs."""
    root = ET.fromstring(ET.canonicalize(data.decode("utf-8"), strip_text=True))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"
