"""Server-sent events (``text/event-stream``) for the pages that follow
something live: the apply status of a change (P-3) and click-to-call
progress (C-1).

Each stream polls its source with a fresh database session (never the
request's, which ends when the response starts), sends an event only when
the state changes, and ends by itself on a final state or after
``SSE_LIFETIME`` seconds; the browser's ``EventSource`` then reconnects
(``retry``) if the page still wants it. Pages work without JavaScript and
fall back to polling without ``EventSource``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from flask import Response, current_app

from orchestrator.runtime import Runtime
from orchestrator.services.context import ServiceContext


def events(poll: Callable[[ServiceContext], dict[str, Any] | None], final: Callable[[dict[str, Any]], bool],
           rt: Runtime, *, interval: float, lifetime: float, name: str = "status") -> Iterator[str]:
    """The event stream: ``event: <name>`` with the JSON state on each
    change, then ``event: end`` once final (or gone: ``poll`` returns None)."""
    yield "retry: 3000\n\n"
    deadline = time.monotonic() + lifetime
    last: dict[str, Any] | None = None
    while True:
        with rt.context(actor="web-sse") as ctx:
            state = poll(ctx)
        if state is None:
            yield "event: end\ndata: {}\n\n"
            return
        if state != last:
            yield f"event: {name}\ndata: {json.dumps(state, sort_keys=True)}\n\n"
            last = state
        if final(state):
            yield "event: end\ndata: {}\n\n"
            return
        if time.monotonic() >= deadline:
            return  # the browser reconnects after `retry` if it still listens
        time.sleep(interval)


def stream(poll: Callable[[ServiceContext], dict[str, Any] | None], final: Callable[[dict[str, Any]], bool],
           name: str = "status") -> Response:
    app = current_app
    gen = events(poll, final, app.extensions["runtime"], interval=float(app.config.get("SSE_INTERVAL", 0.5)),
                 lifetime=float(app.config.get("SSE_LIFETIME", 55)), name=name)
    return Response(gen, mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
