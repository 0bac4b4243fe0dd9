"""/api/v1/directory/contacts/<id>/photo (manual §3.5.1): a contact's
photo, JPEG, PNG or GIF up to 1 MB, checked by its content. PUT takes the
picture as the body (any image Content-Type) or as the ``file`` part of a
multipart form."""

from __future__ import annotations

from flask import abort, request, send_file

from orchestrator.services.directory import photos

from .base import ctx, route
from .directory import _contact

RULE = "/directory/contacts/<int:contact_id>/photo"


@route(RULE, "GET", summary="A contact's photo", tag="directory", response="image/*")
def get_contact_photo(contact_id: int):
    found = photos.photo_file(ctx(), _contact(contact_id))
    if found is None:
        abort(404)
    path, mimetype = found
    return send_file(path, mimetype=mimetype)


@route(RULE, "PUT", summary="Set a contact's photo", tag="directory", request="image/*", status=204)
def put_contact_photo(contact_id: int):
    contact = _contact(contact_id)
    upload = request.files.get("file")
    data = upload.read() if upload is not None else request.get_data()
    photos.set_photo(ctx(), contact, data)
    return "", 204


@route(RULE, "DELETE", summary="Remove a contact's photo", tag="directory", status=204)
def delete_contact_photo(contact_id: int):
    photos.remove_photo(ctx(), _contact(contact_id))
    return "", 204
