"""What the company directory's pages share across areas (the admin's
« Mon annuaire », the user's directory and the API): the CSV as a streamed
response, and the page of the tree a request asks for.

The CSV is produced while it is sent, from a session of its own (the
request's unit of work has ended by then), so a large directory neither
waits nor fills memory."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, current_app, request

from orchestrator.services.directory import csv_export, tree

from .security import db


def csv_response(tenant_id: int, filename: str | None = None) -> Response:
    runtime = current_app.extensions["runtime"]

    def body() -> Iterator[bytes]:
        with runtime.context(actor="web:export") as ctx:
            yield from csv_export.stream(ctx.session, tenant_id)

    headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if filename else {}
    return Response(body(), mimetype="text/csv", headers=headers)


def tree_page(tenant_id: int) -> tree.TreePage:
    raw = request.args.get("page", "")
    page = int(raw) if raw.isdigit() and len(raw) < 9 else 1
    return tree.company_page(db().session, tenant_id, page, request.args.get("q", "")[:100])
