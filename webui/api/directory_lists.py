"""/api/v1/directory/lists (D-1, « Ajouter une liste », §3.5): the lists of
the company directory: list, create, rename, move, delete (an empty list
only, as in the web UI)."""

from __future__ import annotations

from flask import jsonify
from pydantic import BaseModel, Field

from orchestrator.db.models import DirectoryList
from orchestrator.services.base import parse_doc
from orchestrator.services.directory import contacts as book
from orchestrator.services.directory import lists as directory_lists
from orchestrator.services.directory import lookup as directory_lookup

from .base import body, ctx, principal, route


class ListIn(BaseModel):
    name: str = Field(max_length=200, description="The list's name, 80 characters at most")
    parent_id: int | None = Field(None, description="The list holding it; null: the top of the directory")


class ListPatch(BaseModel):
    """Any subset: ``name`` renames, ``parent_id`` moves (null: to the top)."""

    name: str | None = Field(None, max_length=200)
    parent_id: int | None = None


class ListOut(BaseModel):
    id: int
    name: str
    parent_id: int | None
    path: str = Field(description="\"RH / Recrutement\": the list's names from the top")


def _out(row: DirectoryList, paths: dict[int, str] | None = None) -> dict:
    paths = paths if paths is not None else book.list_paths(ctx().session, row.tenant_id)
    return ListOut(id=row.id, name=row.name, parent_id=row.parent_id, path=paths.get(row.id, row.name)).model_dump()


def _list(list_id: int) -> DirectoryList:
    return directory_lookup.directory_list(ctx().session, principal().tenant_id, list_id)


@route("/directory/lists", "GET", summary="The lists of the company directory", tag="directory",
       response=ListOut, list_response=True)
def list_directory_lists():
    """In the order of their paths ("RH", "RH / Recrutement", "Ventes")."""
    tid = principal().tenant_id
    paths = book.list_paths(ctx().session, tid)
    return jsonify([_out(_list(i), paths) for i in paths])


@route("/directory/lists", "POST", summary="Add a list to the company directory", tag="directory",
       request=ListIn, response=ListOut, status=201)
def create_directory_list():
    data: ListIn = parse_doc(ListIn, body())
    row = book.add_list(ctx(), ctx().tenant(principal().tenant_id), data.name, data.parent_id)
    assert row is not None  # without an Errors collector, problems are raised
    return jsonify(_out(row)), 201


@route("/directory/lists/<int:list_id>", "PATCH", summary="Rename or move a list", tag="directory",
       request=ListPatch, response=ListOut)
def patch_directory_list(list_id: int):
    """A list moves with its contacts and sub-lists; never under itself or
    one of its sub-lists (``list.cycle``), nor deeper than 10 levels."""
    row = directory_lists.change_list(ctx(), _list(list_id), body())
    return jsonify(_out(row))


@route("/directory/lists/<int:list_id>", "DELETE", summary="Delete an empty list", tag="directory",
       response=None, status=204)
def delete_directory_list(list_id: int):
    """A list holding contacts or sub-lists is refused (422 ``list.not_empty``)."""
    book.delete_list(ctx(), _list(list_id))
    return "", 204
