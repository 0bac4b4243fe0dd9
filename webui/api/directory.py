"""/api/v1/directory (D-1..D-4): the company directory, its contacts, CSV;
/api/v1/me/contacts: a user's personal directory (§3.5, D-1), seen only by
that user."""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, request, url_for

from orchestrator.db.models import Contact, Login
from orchestrator.domain.errors import FieldError, ValidationFailed
from orchestrator.services.base import parse_doc
from orchestrator.services.directory import contacts as book
from orchestrator.services.directory import csv_io, personal, tree
from orchestrator.services.directory import lookup as directory_lookup
from orchestrator.services.directory.schema import ContactDoc, DirectoryDoc
from orchestrator.services.directory.service import contact_docs, contact_to_doc, tree_to_doc

from ..common.directoryviews import csv_response
from .base import body, ctx, principal, route
from .schemas import ContactIn, ContactOut, ImportReportOut


def contact_out(contact: Contact) -> dict:
    return contacts_out([contact])[0]


def contacts_out(rows: list[Contact]) -> list[dict]:
    """The API form of company contacts (a few queries for all of them)."""
    if not rows:
        return []
    paths = book.list_paths(ctx().session, rows[0].tenant_id)
    docs = contact_docs(ctx().session, rows)
    out = []
    for contact in rows:
        doc = docs[contact.id].model_dump()
        doc.pop("photo", None)
        out.append(ContactOut(id=contact.id, list_id=contact.list_id, list=paths.get(contact.list_id or 0), **doc
                              ).model_dump(mode="json", exclude={"photo"}))
    return out


def _contact(contact_id: int) -> Contact:
    return directory_lookup.contact(ctx().session, principal().tenant_id, contact_id)


def _input() -> tuple[ContactIn, int | None]:
    doc = parse_doc(ContactIn, body())
    if doc.photo is not None:
        raise ValidationFailed([FieldError("field.not_allowed", "photo", "photos are not set through the API")])
    return doc, doc.list_id


def _tenant():
    return ctx().tenant(principal().tenant_id)


@route("/directory", "GET", summary="The company directory as a tree", tag="directory", roles=("admin", "user"),
       response=DirectoryDoc)
def get_directory():
    return jsonify(tree_to_doc(ctx(), _tenant()).model_dump(mode="json", exclude_none=True))


PAGE_DEFAULT, PAGE_MAX = 100, 500


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValidationFailed([FieldError("query.range", name, f"{name}: a whole number from {low} to {high}")])
    return int(raw)


@route("/directory/contacts", "GET", summary="The company contacts, one page at a time", tag="directory",
       roles=("admin", "user"), response=ContactOut, list_response=True,
       query={"limit": f"contacts per page (default {PAGE_DEFAULT}, at most {PAGE_MAX})",
              "offset": "contacts to skip (default 0)",
              "q": "only contacts whose name, e-mail, company, function or number contains this"},
       headers={"X-Total-Count": "how many contacts match, on every page",
                "Link": 'the next page, `<...>; rel="next"`, while there is one'})
def list_contacts():
    """In the tree's order (a list's contacts, then its sub-lists'). Follow
    the ``Link: <...>; rel="next"`` header (or add ``limit`` to ``offset``)
    until it is absent; ``X-Total-Count`` gives the total."""
    limit = _int_arg("limit", PAGE_DEFAULT, 1, PAGE_MAX)
    offset = _int_arg("offset", 0, 0, 10**9)
    query = request.args.get("q", "")[:100]
    part = tree.company_slice(ctx().session, principal().tenant_id, offset, limit, query)
    resp = jsonify(contacts_out(part.contacts()))
    resp.headers["X-Total-Count"] = str(part.total)
    if offset + limit < part.total:
        args: dict[str, Any] = {"limit": limit, "offset": offset + limit, **({"q": query} if query else {})}
        resp.headers["Link"] = f'<{url_for("api.list_contacts", _external=True, **args)}>; rel="next"'
    return resp


@route("/directory/contacts", "POST", summary="Add a contact", tag="directory", request=ContactIn,
       response=ContactOut, status=201)
def create_contact():
    doc, list_id = _input()
    data = doc.model_dump(exclude={"list_id"})
    row = book.add_contact(ctx(), _tenant(), ContactDoc(**data), list_id)
    return jsonify(contact_out(row)), 201


@route("/directory/contacts/<int:contact_id>", "GET", summary="One contact", tag="directory",
       roles=("admin", "user"), response=ContactOut)
def get_contact(contact_id: int):
    return jsonify(contact_out(_contact(contact_id)))


@route("/directory/contacts/<int:contact_id>", "PUT", summary="Replace a contact", tag="directory",
       request=ContactIn, response=ContactOut)
def put_contact(contact_id: int):
    """The whole card: numbers and lines not given are removed. ``login``
    keeps the contact's login when omitted."""
    row = _contact(contact_id)
    doc, list_id = _input()
    data = doc.model_dump(exclude={"list_id"})
    if "login" not in body() and row.login_id:
        login = ctx().session.get(Login, row.login_id)
        data["login"] = login.login if login else None
    book.update_contact(ctx(), row, ContactDoc(**data), list_id)
    return jsonify(contact_out(row))


@route("/directory/contacts/<int:contact_id>", "DELETE", summary="Delete a contact", tag="directory",
       response=None, status=204)
def delete_contact(contact_id: int):
    book.delete_contact(ctx(), _contact(contact_id))
    return "", 204


@route("/directory/export", "GET", summary="The company directory as CSV (the 14 columns of §3.5.2)",
       tag="directory", response="text/csv")
def export_csv():
    return csv_response(principal().tenant_id)


@route("/directory/import", "POST", summary="Replace the company directory with a CSV file", tag="directory",
       request="text/csv", response=ImportReportOut, query={"dry_run": "true: check and report, change nothing"})
def import_csv():
    """All or nothing: any error (reported by row and column) imports
    nothing (422). With ``dry_run=true`` the report says what would be
    replaced. The body is the file itself (UTF-8 or Windows-1252)."""
    dry = request.args.get("dry_run", "").lower() in ("1", "true", "yes")
    report = csv_io.import_company_directory(ctx(), _tenant(), request.get_data(), dry_run=dry)
    if not report.ok:
        return jsonify(errors=[p.as_dict() for p in report.problems]), 422
    return jsonify(report.as_dict())


class PersonalContactOut(ContactDoc):
    id: int


def _owner() -> Login:
    return ctx().session.get(Login, principal().login_id)


def _personal(contact_id: int) -> Contact:
    row = personal.get_personal(ctx().session, _owner(), contact_id)
    if row is None:
        abort(404)
    return row


def personal_out(contact: Contact) -> dict:
    doc = contact_to_doc(ctx(), contact).model_dump()
    return PersonalContactOut(id=contact.id, **doc).model_dump(mode="json", exclude={"photo", "lines", "login"})


@route("/me/contacts", "GET", summary="My personal contacts", tag="directory", roles=("user",),
       response=PersonalContactOut, list_response=True)
def list_my_contacts():
    return jsonify([personal_out(c) for c in personal.personal_contacts(ctx().session, _owner())])


@route("/me/contacts", "POST", summary="Add a personal contact", tag="directory", roles=("user",),
       request=ContactDoc, response=PersonalContactOut, status=201)
def create_my_contact():
    """No list, line, login, photo or short number: those are the company directory's."""
    row = personal.add_personal(ctx(), _owner(), parse_doc(ContactDoc, body()))
    return jsonify(personal_out(row)), 201


@route("/me/contacts/<int:contact_id>", "GET", summary="One of my personal contacts", tag="directory",
       roles=("user",), response=PersonalContactOut)
def get_my_contact(contact_id: int):
    return jsonify(personal_out(_personal(contact_id)))


@route("/me/contacts/<int:contact_id>", "PUT", summary="Replace one of my personal contacts", tag="directory",
       roles=("user",), request=ContactDoc, response=PersonalContactOut)
def put_my_contact(contact_id: int):
    row = _personal(contact_id)
    personal.update_personal(ctx(), row, parse_doc(ContactDoc, body()))
    return jsonify(personal_out(row))


@route("/me/contacts/<int:contact_id>", "DELETE", summary="Delete one of my personal contacts", tag="directory",
       roles=("user",), response=None, status=204)
def delete_my_contact(contact_id: int):
    personal.delete_personal(ctx(), _personal(contact_id))
    return "", 204
