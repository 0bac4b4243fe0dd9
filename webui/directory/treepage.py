"""The page of the company directory's tree a request asks for (``page``,
``q``): shared by the admin's « Mon annuaire » and the user's."""

from __future__ import annotations

from flask import request

from orchestrator.services.directory import tree

from ..common.security import db


def tree_page(tenant_id: int) -> tree.TreePage:
    raw = request.args.get("page", "")
    page = int(raw) if raw.isdigit() and len(raw) < 9 else 1
    return tree.company_page(db().session, tenant_id, page, request.args.get("q", "")[:100])
