"""The company directory's CSV as a streamed response (web page and API):
the file is produced while it is sent, from a session of its own (the
request's unit of work has ended by then), so a large directory neither
waits nor fills memory."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, current_app

from orchestrator.services.directory import csv_export


def csv_response(tenant_id: int, filename: str | None = None) -> Response:
    runtime = current_app.extensions["runtime"]

    def body() -> Iterator[bytes]:
        with runtime.context(actor="web:export") as ctx:
            yield from csv_export.stream(ctx.session, tenant_id)

    headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if filename else {}
    return Response(body(), mimetype="text/csv", headers=headers)
