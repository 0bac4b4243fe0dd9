"""The event service (P-6): one inbound event-socket connection per node.

It reconnects with back-off, subscribes to what it needs, reconciles after
each (re)connection (``show registrations``, ``show channels``), imports the
JSON CDRs written while it was away, and then follows the events:
registrations, voicemail counters, click-to-call progress, and one call
record per finished call.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import gevent
import gevent.event
import gevent.queue
from sqlalchemy.orm import Session

from orchestrator.domain.topology import Node
from orchestrator.esl import Event
from orchestrator.live import calllog, click_to_call, registrations, voicemail
from orchestrator.runtime import Runtime

from .inbound import InboundClient

log = logging.getLogger(__name__)

SUBSCRIBE = ["CHANNEL_CREATE", "CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_HANGUP_COMPLETE", "BACKGROUND_JOB",
             "MESSAGE_WAITING", "CUSTOM", "sofia::register", "sofia::unregister", "sofia::expire",
             "vm::maintenance"]

# a handler gets the event's headers and its own body (a BACKGROUND_JOB's output)
Handler = Callable[[dict[str, str], str], None]


class EventService:
    def __init__(self, rt: Runtime, node: Node, cdr_dir: Path | None = None,
                 esl_factory: Callable[..., InboundClient] = InboundClient,
                 backoff: tuple[float, float] = (0.5, 30.0)) -> None:
        self.rt = rt
        self.node = node
        self.cdr_dir = cdr_dir
        self.esl_factory = esl_factory
        self.backoff = backoff
        self.stopped = gevent.event.Event()
        self.ready = gevent.event.Event()  # set after each successful (re)connection and reconciliation
        self.channels: dict[str, dict[str, str]] = {}
        # what happened, in order, for whoever watches (tests, metrics)
        self.handled: gevent.queue.Queue = gevent.queue.Queue()
        self.connected: gevent.queue.Queue = gevent.queue.Queue()
        self.connections = 0
        self.esl: InboundClient | None = None
        self.dispatch: dict[str, Handler] = {
            "CHANNEL_CREATE": self._channel_create,
            "CHANNEL_ANSWER": self._click_to_call,
            "CHANNEL_BRIDGE": self._click_to_call,
            "CHANNEL_HANGUP_COMPLETE": self._hangup_complete,
            "BACKGROUND_JOB": self._click_to_call,
            "MESSAGE_WAITING": self._db(voicemail.on_message_waiting),
            "sofia::register": self._db(lambda s, h: registrations.on_register(s, h, self.node.name)),
            "sofia::unregister": self._db(registrations.on_unregister),
            "sofia::expire": self._db(registrations.on_unregister),
            "vm::maintenance": self._db(voicemail.on_maintenance),
        }

    # -- handlers ---------------------------------------------------------------
    def _db(self, fn: Callable[[Session, dict[str, str]], object]) -> Handler:
        def run(headers: dict[str, str], _body: str) -> None:
            with self.rt.context(actor="esl-events") as ctx:
                fn(ctx.session, headers)
                ctx.session.commit()
        return run

    def _channel_create(self, headers: dict[str, str], _body: str) -> None:
        self.channels[headers.get("Unique-ID", "")] = {"name": headers.get("Channel-Name", ""),
                                                       "caller": headers.get("Caller-Caller-ID-Number", "")}

    def _click_to_call(self, headers: dict[str, str], body: str) -> None:
        with self.rt.context(actor="esl-events") as ctx:
            click_to_call.on_event(ctx.session, headers, body)
            ctx.session.commit()

    def _hangup_complete(self, headers: dict[str, str], _body: str) -> None:
        self.channels.pop(headers.get("Unique-ID", ""), None)
        with self.rt.context(actor="esl-events") as ctx:
            click_to_call.on_event(ctx.session, headers)
            calllog.record(ctx.session, calllog.from_event(headers), self.node.name)
            ctx.session.commit()

    def on_event(self, event: Event) -> None:
        headers = dict(event.headers)
        name = headers.get("Event-Name")
        if name == "CUSTOM":
            name = headers.get("Event-Subclass")
        handler = self.dispatch.get(name or "")
        if handler is None:
            return
        try:
            handler(headers, event.body)
        except Exception:  # noqa: BLE001 - one bad event must not stop the service
            log.exception("event handling failed", extra={"event": name, "uuid": headers.get("Unique-ID")})
        self.handled.put(name)

    # -- connection ---------------------------------------------------------------
    def reconcile(self, esl: InboundClient) -> None:
        regs = esl.api("show registrations")
        chans = esl.api("show channels as json")
        with self.rt.context(actor="esl-events") as ctx:
            count = registrations.reconcile(ctx.session, self.node.name, regs)
            ctx.session.commit()
        try:
            rows = json.loads(chans).get("rows") or []
        except ValueError:
            rows = []
        self.channels = {r.get("uuid", ""): {"name": r.get("name", ""), "caller": r.get("cid_num", "")} for r in rows}
        log.info("reconciled", extra={"node": self.node.name, "registrations": count, "channels": len(self.channels)})

    def import_cdrs(self) -> None:
        if self.cdr_dir is None:
            return
        with self.rt.context(actor="esl-events") as ctx:
            new, seen = calllog.import_cdr_dir(ctx.session, self.cdr_dir, self.node.name)
        if seen:
            log.info("CDR files imported", extra={"node": self.node.name, "new": new, "seen": seen})

    def run(self) -> None:
        delay = self.backoff[0]
        while not self.stopped.is_set():
            esl = self.esl_factory(self.node.esl_host, self.node.esl_port, self.node.esl_password, timeout=5)
            try:
                esl.connect()
            except Exception as exc:  # noqa: BLE001
                log.warning("event socket unreachable, retrying", extra={"node": self.node.name, "error": str(exc),
                                                                          "retry_in": delay})
                self.stopped.wait(delay)
                delay = min(delay * 2, self.backoff[1])
                continue
            delay = self.backoff[0]
            self.esl = esl
            self.connections += 1
            try:
                for name in self.dispatch:
                    esl.on(name, self.on_event)
                esl.subscribe(SUBSCRIBE)
                self.reconcile(esl)
                self.import_cdrs()
                self.ready.set()
                self.connected.put(self.connections)
                log.info("listening", extra={"node": self.node.name})
                gevent.wait([esl.done, self.stopped], count=1)
            except Exception as exc:  # noqa: BLE001
                log.warning("event socket lost", extra={"node": self.node.name, "error": str(exc)})
            finally:
                self.ready.clear()
                try:
                    esl.close()
                except Exception:  # noqa: BLE001
                    pass
            if not self.stopped.is_set():
                log.warning("event socket closed, reconnecting", extra={"node": self.node.name})

    def stop(self) -> None:
        self.stopped.set()
