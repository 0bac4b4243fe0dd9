"""``orchestrator media`` and ``orchestrator audio``: sounds."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import click

from orchestrator.config import platform_from_settings

from ..media.catalogue import build
from ..runtime import Runtime
from ..services.audio import service as audio_service
from ..services.audio.schema import AudioCategory


@click.group("media")
def media() -> None:
    """Shared media: the hold-music catalogue and default prompts."""


@media.command("build")
@click.pass_obj
def build_cmd(rt: Runtime) -> None:
    """Synthesise the catalogue (sox) and default announcements (espeak-ng)."""
    media_dir = platform_from_settings(rt.settings).media_dir
    made = build(media_dir)
    click.echo(f"{len(made)} file(s) made under {media_dir}" if made else f"media up to date under {media_dir}")


@click.group("audio")
def audio() -> None:
    """A tenant's audio library."""


@audio.command("upload")
@click.argument("tenant_name")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--name", required=True)
@click.option("--category", required=True, type=click.Choice(list(get_args(AudioCategory))))
@click.pass_obj
def upload(rt: Runtime, tenant_name: str, file: str, name: str, category: str) -> None:
    """Add FILE (wav or mp3, at most 2 MB) to TENANT_NAME's library."""
    with rt.unit_of_work(actor="cli") as ctx:
        row = audio_service.upload(ctx, ctx.tenant(tenant_name), name, category, Path(file).read_bytes(),
                                   Path(file).name)
    click.echo(f"{row.name}: {row.duration_ms} ms, sha256 {row.sha256}")


COMMANDS = [media, audio]
