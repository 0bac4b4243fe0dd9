"""``orchestrator web``: serve the web UI."""

from __future__ import annotations

import click

from ..runtime import Runtime


@click.command("web")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.pass_obj
def web(rt: Runtime, host: str, port: int) -> None:
    """Serve the web UI (development server)."""
    from webui import create_app

    app = create_app(rt)
    click.echo(f"web UI on http://{host}:{port}/")
    app.run(host=host, port=port, debug=False, use_reloader=False)


COMMANDS = [web]
