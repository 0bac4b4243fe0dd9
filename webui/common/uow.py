"""One unit of work per request: the request's :class:`ServiceContext` is
created on first use (:func:`request_context`), and the application, not a
view, ends it:

* :func:`finish_request` (``after_request``) commits when the response's
  status is below 400 and the context was not discarded, else rolls back.
  A failing commit becomes a 500 response, never a silently lost write;
  a redirect-after-POST is committed before it is sent.
* :func:`release_request` (``teardown_request``) rolls back whatever is left
  (an exception escaped the view) and releases the session.

A form shown again with its errors calls :func:`discard_changes`: what the
failed service call stored is rolled back and nothing of the request is
committed, whatever its status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, current_app, g

from orchestrator.services.context import ServiceContext

log = logging.getLogger(__name__)

CTX = "ctx"


def request_context(actor: str = "web") -> ServiceContext:
    """The service context of this request (one for the whole request)."""
    ctx = g.get(CTX)
    if ctx is None:
        ctx = current_app.extensions["runtime"].context(actor=actor)
        setattr(g, CTX, ctx)
    return ctx


def discard_changes() -> None:
    """Undo what this request stored so far and commit nothing of it: the
    page shows the form again with its errors, or flashes an error."""
    ctx = g.get(CTX)
    if ctx is not None:
        ctx.rollback()
        ctx.discard()


def finish_request(response: Response, failed: Callable[[], Response]) -> Response:
    ctx = g.get(CTX)
    if ctx is None:
        return response
    ok = response.status_code < 400
    try:
        ctx.finish(ok)
    except Exception:  # noqa: BLE001 - the write is lost: say so
        log.exception("commit failed", extra={"actor": ctx.actor, "status": response.status_code})
        return failed()
    return response


def release_request(_exc: BaseException | None = None) -> None:
    ctx = g.pop(CTX, None)
    if ctx is not None:
        ctx.close()


def init_app(app: Flask, failed: Callable[[], Response]) -> None:
    """Wire the unit of work into ``app``; ``failed`` makes the 500
    response of a failed commit. Register it after the other
    ``after_request`` functions: it then runs first (Flask runs them in
    reverse order), and the others still see the response it returns."""

    def _finish(response: Response) -> Response:
        return finish_request(response, failed)

    app.after_request(_finish)
    app.teardown_request(release_request)
    app.teardown_appcontext(release_request)
