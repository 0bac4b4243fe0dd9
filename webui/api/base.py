"""JSON API ``/api/v1`` (P-9): the operations of the web UI for programs.
This module is its blueprint, authentication, errors and route registry;
the package imports one module per resource.

Authentication: ``Authorization: Bearer <token>`` (tokens are created in
« Mes infos › Accès API » and stored hashed); never the session cookie, so
no CSRF. A token acts with its login's role, in its tenant only: an object
of another tenant, or another user's line, is a 404.

Errors are ``{"errors": [{"id", "field", "message"}]}``: 401 without a valid
token, 403 for the wrong role, 404, and 422 with the service layer's field
errors (the same ids and paths as the forms).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, g, jsonify, request
from pydantic import BaseModel

from orchestrator.db.models import Login
from orchestrator.domain.errors import FieldError, NotFound, ServiceError, ValidationFailed
from orchestrator.services import apitokens

from ..common.security import Principal, principal_for_login
from ..common.uow import discard_changes, request_context

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PUBLIC = {"api.openapi"}


@dataclass
class ApiRoute:
    rule: str
    method: str
    endpoint: str
    summary: str
    tag: str
    roles: tuple[str, ...]
    request: type[BaseModel] | str | None = None
    response: type[BaseModel] | str | None = None
    list_response: bool = False
    query: dict[str, str] = field(default_factory=dict)
    status: int = 200
    description: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # response headers, documented


ROUTES: list[ApiRoute] = []


def error(status: int, error_id: str, message: str, fld: str = ""):
    return jsonify(errors=[{"id": error_id, "field": fld, "message": message}]), status


def errors_response(errors: list[FieldError], status: int = 422):
    return jsonify(errors=[e.as_dict() for e in errors]), status


def ctx():
    """The request's service context, acting as the token's login."""
    return request_context(actor="api")


def principal() -> Principal:
    return g.api_principal


@bp.before_request
def authenticate():
    if request.endpoint in PUBLIC:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    row = apitokens.verify(ctx().session, token.strip()) if scheme.lower() == "bearer" else None
    login = ctx().session.get(Login, row.login_id) if row is not None else None
    if row is None or login is None or login.tenant_id != row.tenant_id:
        resp, status = error(401, "auth.required", "give a valid token: Authorization: Bearer <token>")
        resp.headers["WWW-Authenticate"] = 'Bearer realm="centrex"'
        return resp, status
    # last_used_at is stored with the request's unit of work (see webui.common.uow)
    g.api_principal = principal_for_login(login)
    ctx().actor = f"{login.login} (api:{row.name})"
    return None


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    discard_changes()
    if isinstance(exc, ValidationFailed):
        return errors_response(exc.errors)
    if isinstance(exc, NotFound):
        return error(404, exc.error_id, exc.message, exc.field)
    return errors_response([FieldError(exc.error_id, exc.field, exc.message)])


def route(rule: str, method: str, *, summary: str, tag: str, roles: tuple[str, ...] = ("admin",),
          request: type[BaseModel] | str | None = None, response: type[BaseModel] | str | None = None,
          list_response: bool = False, query: dict[str, str] | None = None, status: int = 200,
          description: str = "", headers: dict[str, str] | None = None) -> Callable:
    """Register an API view and describe it for the OpenAPI document."""

    def deco(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if principal().role not in roles:
                return error(403, "auth.role", f"this operation is for the {' or '.join(roles)} role")
            return view(*args, **kwargs)

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapper, methods=[method])
        ROUTES.append(ApiRoute(rule, method, view.__name__, summary, tag, roles, request, response, list_response,
                               query or {}, status, description or (view.__doc__ or "").strip(), headers or {}))
        return wrapper

    return deco


def body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationFailed([FieldError("body.json", "", "send a JSON object (Content-Type: application/json)")])
    return data


def text_field(data: dict[str, Any], key: str) -> str:
    """``data[key]`` when it is a string, else "" (the service then reports
    the missing or wrong value)."""
    value = data.get(key)
    return value if isinstance(value, str) else ""
