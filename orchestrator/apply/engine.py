"""Ask a FreeSWITCH node to load what was written (P-3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from orchestrator.domain.topology import Node

from ..esl import ESLClient, ESLError
from ..render.freeswitch import LOCAL_STREAM_FILES, SOFIA_FILES


class Reloader(Protocol):
    def __call__(self, node: Node, commands: list[str]) -> list[tuple[str, str]]: ...


def reload_commands(paths: list[str], added: list[str] | None = None) -> list[str]:
    """``reloadxml``, plus the module reloads only the changed parts need.
    A new directory file (a new tenant's SIP domain) rescans the internal
    profile, which takes every directory domain as an alias on (re)scan only:
    without it the chat API answers "Invalid Profile <domain>" (C-2)."""
    commands = ["reloadxml"]
    if any(p in LOCAL_STREAM_FILES for p in paths):
        commands.append("reload mod_local_stream")
    if any(p in SOFIA_FILES for p in paths):
        commands += ["sofia profile internal rescan", "sofia profile external rescan"]
    elif any(p.startswith("directory/") for p in (added or [])):
        commands.append("sofia profile internal rescan")
    return commands


def rejected(command: str, reply: str) -> bool:
    """Did FreeSWITCH refuse? ``reloadxml`` answers ``+OK [Success]`` when it
    loaded the tree and ``+OK [[error near line N]: ...]`` when it did not
    (seen on FreeSWITCH 1.11.1): only ``[Success]`` counts as accepted."""
    text = reply.strip()
    if command == "reloadxml":
        return "[Success]" not in text
    return text.startswith("-ERR") or text.startswith("-USAGE")


class ReloadRejected(Exception):
    """FreeSWITCH answered a reload with an error."""

    error_id = "apply.rejected"

    def __init__(self, command: str, reply: str) -> None:
        super().__init__(f"FreeSWITCH rejected '{command}': {reply.strip()}")
        self.command = command
        self.reply = reply


class NodeUnreachable(Exception):
    error_id = "apply.unreachable"


def esl_reloader(timeout: float = 10.0, client_factory: Callable[[], ESLClient] = ESLClient) -> Reloader:
    """Run the commands over the node's event socket; raise on ``-ERR``."""

    def run(node: Node, commands: list[str]) -> list[tuple[str, str]]:
        client = client_factory()
        try:
            client.connect(node.esl_host, node.esl_port, node.esl_password, timeout=timeout)
        except ESLError as exc:
            raise NodeUnreachable(exc.message) from None
        replies = []
        try:
            for command in commands:
                reply = client.api(command)
                replies.append((command, reply))
                if rejected(command, reply):
                    raise ReloadRejected(command, reply)
        except ESLError as exc:
            raise NodeUnreachable(exc.message) from None
        finally:
            try:
                client.close()
            except ESLError:
                pass
        return replies

    return run
