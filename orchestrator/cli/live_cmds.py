"""``orchestrator esl-events`` and ``orchestrator hunt-server``: the two
gevent processes. They are separate programs (``centrex-esl-events``,
``centrex-hunt-server``) so that gevent patches the standard library before
anything is imported; these commands only start them."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..runtime import Runtime


def _exec(program: str, rt: Runtime, extra: list[str]) -> None:
    path = Path(sys.executable).parent / program
    args = [str(path)] + (["--config", rt.settings.config_file] if rt.settings.config_file else []) + extra
    os.execv(str(path), args)


@click.command("esl-events")
@click.option("--node", default=None, help="Only this node (default: every configured node)")
@click.option("--log-level", default="INFO")
@click.pass_obj
def esl_events(rt: Runtime, node: str | None, log_level: str) -> None:
    """Run the event service: registrations, call log, voicemail counters, click-to-call progress."""
    _exec("centrex-esl-events", rt, (["--node", node] if node else []) + ["--log-level", log_level])


@click.command("hunt-server")
@click.option("--port", type=int, default=None, help="Default: from [freeswitch] hunt_service")
@click.option("--log-level", default="INFO")
@click.pass_obj
def hunt_server(rt: Runtime, port: int | None, log_level: str) -> None:
    """Run the hunt-group service that FreeSWITCH's socket application connects to."""
    _exec("centrex-hunt-server", rt, (["--port", str(port)] if port else []) + ["--log-level", log_level])


COMMANDS = [esl_events, hunt_server]
