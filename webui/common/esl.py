"""Reaching the phone system from a web request: the first node's event
socket, or whatever ``app.extensions["esl"]`` provides (tests)."""

from __future__ import annotations

from flask import current_app

from orchestrator.config import platform_from_settings
from orchestrator.esl import ESLClient


class Unreachable:
    """Stands in for a connection that could not be made: every command
    raises the original error, so the service layer reports it."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def bgapi(self, cmd: str) -> str:
        raise self.exc

    def api(self, cmd: str) -> str:
        raise self.exc

    def close(self) -> None:
        pass


def connect(settings):
    factory = current_app.extensions.get("esl")
    try:
        if factory is not None:
            return factory()
        node = platform_from_settings(settings).nodes[0]
        client = ESLClient()
        client.connect(node.esl_host, node.esl_port, node.esl_password, timeout=5)
        return client
    except Exception as exc:  # noqa: BLE001 - reported as a failed call, with the reason
        return Unreachable(exc)
