"""Renaming and moving a list of the company directory (D-1): the name
follows the rules of a new list; a list moves under another list of the
same company (or to the top), never under itself or one of its own
sub-lists, and the tree stays within :data:`tree.MAX_DEPTH` levels.
Creating and deleting are :func:`contacts.add_list` / :func:`contacts.delete_list`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.errors import Errors, ValidationFailed

from ...db.models import DirectoryList
from .. import validation as v
from ..context import ServiceContext
from . import tree
from .contacts import get_list

FIELDS = ("name", "parent_id")


def _height(session: Session, row: DirectoryList) -> int:
    """Levels from ``row`` down to its deepest sub-list (a leaf: 1)."""
    height, level, seen = 0, [row.id], {row.id}
    while level:
        height += 1
        children = [i for i in session.scalars(select(DirectoryList.id).where(DirectoryList.parent_id.in_(level)))
                    if i not in seen]
        seen.update(children)
        level = children
    return height


def _ancestors(session: Session, list_id: int | None) -> set[int]:
    out: set[int] = set()
    while list_id is not None and list_id not in out:
        out.add(list_id)
        parent = session.get(DirectoryList, list_id)
        list_id = parent.parent_id if parent is not None else None
    return out


def change_list(ctx: ServiceContext, row: DirectoryList, changes: Mapping[str, Any]) -> DirectoryList:
    """Rename (``name``) and/or move (``parent_id``: a list id, or null for
    the top) a company list; :class:`ValidationFailed` with every problem,
    nothing changed, otherwise."""
    errors = Errors()
    unknown = sorted(set(changes) - set(FIELDS))
    for key in unknown:
        errors.add("field.unknown", key, f"{key!r} cannot be changed; only name and parent_id")
    name = row.name
    if "name" in changes:
        raw = changes["name"]
        name = raw.strip() if isinstance(raw, str) else ""
        if not name:
            errors.add("field.required", "name", "a list needs a name")
        elif len(name) > 80:
            errors.add("field.too_long", "name", "80 characters at most")
        v.single_line_text(errors, "name", name)
    parent_id = row.parent_id
    if "parent_id" in changes:
        raw = changes["parent_id"]
        if raw is not None and (not isinstance(raw, int) or isinstance(raw, bool)):
            errors.add("field.type", "parent_id", "give a list id, or null for the top of the directory")
        elif raw is not None and get_list(ctx.session, row.tenant_id, raw) is None:
            errors.add("list.unknown", "parent_id", "unknown list")
        elif raw is not None and row.id in _ancestors(ctx.session, raw):
            errors.add("list.cycle", "parent_id", "a list cannot move under itself or one of its sub-lists")
        else:
            parent_id = raw
            depth = tree.depth_of(ctx.session, parent_id) + _height(ctx.session, row)
            if depth > tree.MAX_DEPTH:
                tree.too_deep(errors, "parent_id", depth)
    if errors:
        raise ValidationFailed(errors.items)
    before = {"name": row.name, "parent_id": row.parent_id}
    row.name, row.parent_id = name, parent_id
    ctx.session.flush()
    ctx.audit(row.tenant_id, "update", "directory_list", name, before=before,
              after={"name": name, "parent_id": parent_id})
    return row
