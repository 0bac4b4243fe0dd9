"""The OpenAPI 3 document of the API (``GET /api/v1/openapi.json``), built
from the registered routes and the Pydantic schemas of the service layer."""

from __future__ import annotations

import copy
import re
from typing import Any

from flask import jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from orchestrator.services.lines.schema import LineDoc
from orchestrator.services.reception.schema import HuntGroupDoc

from .base import ROUTES, bp
from .schemas import ErrorsOut

PATCHES: dict[str, type[BaseModel]] = {"LinePatch": LineDoc, "HuntGroupPatch": HuntGroupDoc}
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _models() -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = [ErrorsOut, *PATCHES.values()]
    for r in ROUTES:
        for m in (r.request, r.response):
            if isinstance(m, type) and issubclass(m, BaseModel) and m not in seen:
                seen.append(m)
    return seen


def _partial(schema: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(schema)
    out.pop("required", None)
    out["description"] = "Any subset of the fields; nested objects may be partial."
    return out


def _ref(model: type[BaseModel] | str) -> dict[str, Any]:
    name = model if isinstance(model, str) else model.__name__
    return {"$ref": f"#/components/schemas/{name}"}


def _content(model: type[BaseModel] | str | None, many: bool = False) -> dict[str, Any] | None:
    if model is None:
        return None
    if model == "text/csv":
        return {"text/csv": {"schema": {"type": "string"}}}
    if model == "multipart/form-data":  # uploads: a "file" part and text fields (see the description)
        return {model: {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}},
                                   "additionalProperties": {"type": "string"}}}}
    if model in ("audio/wav", "image/*"):
        return {model: {"schema": {"type": "string", "format": "binary"}}}
    schema = _ref(model)
    return {"application/json": {"schema": {"type": "array", "items": schema} if many else schema}}


def document() -> dict[str, Any]:
    _, top = models_json_schema([(m, "validation") for m in _models()],
                                ref_template="#/components/schemas/{model}")
    schemas = dict(top.get("$defs", {}))
    for name, model in PATCHES.items():
        schemas[name] = _partial(schemas[model.__name__])
    errors = {"description": "See `errors`", "content": {"application/json": {"schema": _ref(ErrorsOut)}}}
    paths: dict[str, dict[str, Any]] = {}
    for r in ROUTES:
        path = _PARAM.sub(lambda m: "{" + m.group(2) + "}", r.rule)
        params = [{"name": name, "in": "path", "required": True,
                   "schema": {"type": "integer" if conv == "int" else "string"}}
                  for conv, name in _PARAM.findall(r.rule)]
        params += [{"name": k, "in": "query", "required": False, "description": v, "schema": {"type": "string"}}
                   for k, v in r.query.items()]
        ok: dict[str, Any] = {"description": "OK" if r.status != 204 else "Done"}
        content = _content(r.response, r.list_response)
        if content and r.status != 204:
            ok["content"] = content
        if r.headers:
            ok["headers"] = {k: {"description": v, "schema": {"type": "string"}} for k, v in r.headers.items()}
        op: dict[str, Any] = {
            "operationId": r.endpoint, "summary": r.summary, "tags": [r.tag], "security": [{"bearer": []}],
            "x-roles": list(r.roles), "responses": {str(r.status): ok, "401": errors, "403": errors, "404": errors},
        }
        if r.description:
            op["description"] = r.description
        if params:
            op["parameters"] = params
        if r.request is not None:
            op["requestBody"] = {"required": True, "content": _content(r.request)}
            op["responses"]["422"] = errors
        paths.setdefault(f"/api/v1{path}", {})[r.method.lower()] = op
    paths["/api/v1/openapi.json"] = {"get": {"operationId": "openapi", "summary": "This document", "tags": ["meta"],
                                              "security": [], "responses": {"200": {"description": "OpenAPI 3"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Centrex control plane API", "version": "1",
                 "description": "The operations of the web UI (lines, directory, reception numbers), "
                                "scoped to the token's company and role."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": schemas,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "A token from « Mes infos › Accès API »"}}},
        "security": [{"bearer": []}],
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
