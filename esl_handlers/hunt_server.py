"""The hunt-group service (P-7, H-1): FreeSWITCH's ``socket`` application
connects here (outbound event socket, ``full``, static mode) for hunt groups that
need live state, chiefly the successive strategy.

A gevent ``StreamServer`` accepts at once; each connection becomes an
:class:`~esl_handlers.outbound_session.OutboundSession` driven by
:func:`orchestrator.live.hunt.hunt` through :class:`SessionControl`.

The rendered dialplan runs ``socket <address> full`` without ``async``: the
socket then runs in the channel's own thread and each ``sendmsg`` executes
at once, where async mode waits for the park loop's next 20 ms tick.
"""

from __future__ import annotations

import logging
import socket
import time

from gevent.server import StreamServer

from orchestrator.domain.topology import Platform
from orchestrator.esl import ESLTimeout
from orchestrator.live.hunt import CallerGone, Group, Order, hunt, load_group
from orchestrator.runtime import Runtime

from .connection import ConnectionGone
from .outbound_session import OutboundSession

log = logging.getLogger(__name__)

# ``myevents`` subscribes to every channel event of the call; the hunt waits
# only for CHANNEL_EXECUTE_COMPLETE (the end of each application, with the
# bridge's outcome). A caller who hangs up between two applications is seen
# by the disconnect notice, which always comes. FreeSWITCH serialises, and we
# parse, one event per application instead of about twenty.
NIXEVENTS = (
    "CHANNEL_ANSWER", "CHANNEL_APPLICATION", "CHANNEL_BRIDGE", "CHANNEL_CREATE", "CHANNEL_DATA",
    "CHANNEL_DESTROY", "CHANNEL_EXECUTE", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_ORIGINATE",
    "CHANNEL_UUID", "CHANNEL_OUTGOING", "CHANNEL_PARK", "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA",
    "CHANNEL_STATE", "CHANNEL_UNBRIDGE", "CHANNEL_UNPARK", "DETECTED_SPEECH", "DTMF", "NOTALK", "TALK")


class SessionControl:
    """:class:`orchestrator.live.hunt.CallControl` over an outbound session:
    the session's errors for a call that has gone become :class:`CallerGone`."""

    def __init__(self, session: OutboundSession, timeout: float = 600.0) -> None:
        self.session = session
        self.timeout = timeout

    def execute(self, app: str, args: str = "") -> dict[str, str]:
        try:
            if app == "hangup":
                self.session.hangup(args)
                return {}
            # transfer too waits for its completion: closing the socket right
            # after sending it could drop it before FreeSWITCH runs it
            return self.session.execute(app, args, timeout=self.timeout)
        except (ConnectionGone, ESLTimeout) as exc:
            log.info("session gone", extra={"app": app, "error": exc.message, "lingering": self.session.lingering})
            raise CallerGone() from None

    def queue(self, app: str, args: str = "") -> None:
        try:
            self.session.queue(app, args)
        except ConnectionGone:
            raise CallerGone() from None

    def api(self, command: str) -> str:
        try:
            return self.session.api(command)
        except ConnectionGone:
            raise CallerGone() from None


class HuntServer:
    def __init__(self, rt: Runtime, platform: Platform, order: Order, host: str = "127.0.0.1", port: int = 8084,
                 cache_seconds: float = 5.0) -> None:
        self.rt = rt
        self.platform = platform
        self.order = order
        self.server = StreamServer((host, port), self.handle)
        self.calls = 0
        # Hunt groups read from the database are kept a few seconds: loading
        # one per call would block the gevent loop under load. A change is
        # seen within `cache_seconds` (the rendered dialplan needs an apply too).
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Group | None]] = {}

    @property
    def address(self) -> tuple[str, int]:
        address = self.server.address
        if isinstance(address, str):  # gevent allows "host:port" before binding; we always pass a tuple
            host, _, port = address.rpartition(":")
            return host, int(port)
        return str(address[0]), int(address[1])

    def start(self) -> None:
        self.server.start()
        host, port = self.address
        log.info("hunt-group service listening", extra={"address": f"{host}:{port}"})

    def stop(self, timeout: float = 10.0) -> None:
        self.server.stop(timeout=timeout)

    def group(self, key: str) -> Group | None:
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        with self.rt.context(actor="hunt-server") as ctx:
            group = load_group(ctx.session, self.platform, key)
            ctx.session.expunge_all()  # keep the loaded values; no database session held during the call
        self._cache[key] = (now + self.cache_seconds, group)
        return group

    def handle(self, sock: socket.socket, address: tuple[str, int]) -> None:
        session = OutboundSession(sock, address)
        outcome = "error"
        key = ""
        try:
            # connect, myevents, nixevent in one round trip; no linger: nothing
            # is needed from a call after its caller hangs up
            session.open(NIXEVENTS)
            key = session.channel.get("variable_centrex_hunt", "")
            group = self.group(key)
            if group is None:
                log.warning("unknown hunt group: falling back to the dialplan", extra={"key": key})
                outcome = "unknown_group"
                return  # closing the socket lets the dialplan's native fallback run
            self.calls += 1
            outcome = hunt(SessionControl(session), group, self.order)
        except (ConnectionGone, CallerGone):
            outcome = "caller_gone"
        except Exception as exc:  # noqa: BLE001
            log.exception("hunt failed: the dialplan's native fallback takes over", extra={"error": repr(exc)})
        finally:
            log.info("hunt done", extra={"outcome": outcome, "key": key})
            try:
                session.close()
            except Exception:  # noqa: BLE001
                pass
