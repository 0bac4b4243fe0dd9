"""``orchestrator web``: serve the web UI."""

from __future__ import annotations

import ipaddress

import click

from ..runtime import Runtime


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@click.command("web")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--insecure-cookies", is_flag=True,
              help="Send the session cookie over plain HTTP on a non-loopback address (testing only)")
@click.pass_obj
def web(rt: Runtime, host: str, port: int, insecure_cookies: bool) -> None:
    """Serve the web UI (development server).

    Session cookies are "Secure" (HTTPS only) unless the server listens on
    a loopback address, where browsers reach it over plain HTTP; put a TLS
    proxy in front of it anywhere else."""
    from webui import create_app  # lazy: Flask loads only for `orchestrator web`, not every command

    app = create_app(rt, {"SESSION_COOKIE_SECURE": not (_loopback(host) or insecure_cookies)})
    click.echo(f"web UI on http://{host}:{port}/")
    app.run(host=host, port=port, debug=False, use_reloader=False)


COMMANDS = [web]
