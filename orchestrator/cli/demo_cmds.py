"""``orchestrator demo``: the Bauer SA demo tenant."""

from __future__ import annotations

from importlib import resources

import click

from ..runtime import Runtime
from ..tenantdoc import importer

DEMO_CREDENTIALS = [
    ("admin", "admin@bauer.example", "bauer-admin"),
    ("user", "+33175000101 (Pierre)", "pierre"),
    ("user", "+33175000102 (Paul)", "paul1"),
]


def demo_yaml() -> str:
    return resources.files("orchestrator.demo").joinpath("bauer.yaml").read_text(encoding="utf-8")


@click.group("demo")
def demo() -> None:
    """Demo data."""


@demo.command("load")
@click.option("--replace/--keep", default=True, show_default=True, help="Replace the demo tenant if it exists")
@click.pass_obj
def load(rt: Runtime, replace: bool) -> None:
    """Load (or reload) the demo tenant "Bauer SA" through the import path."""
    with rt.unit_of_work(actor="cli:demo") as ctx:
        result = importer.import_document(ctx, importer.load_yaml(demo_yaml()), replace=replace)
    click.echo(f"demo tenant {result.tenant}: {'created' if result.created else 'reloaded'}")
    for role, login, password in DEMO_CREDENTIALS:
        click.echo(f"  {role:5} login {login}  password {password}")


COMMANDS = [demo]
