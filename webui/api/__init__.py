"""JSON API ``/api/v1`` (P-9): the blueprint and route registry are
:mod:`.base`; each resource is a module, imported here to register its
routes."""

from . import (  # noqa: F401  (register the routes)
    account,
    audio,
    calls,
    devices,
    directory,
    directory_lists,
    linecalls,
    lines,
    logins,
    misc,
    openapi,
    photos,
    reception,
    reception_edit,
    special,
    vmcounters,
    voicemail,
)
from .base import ROUTES, ApiRoute, body, bp, ctx, error, errors_response, principal, route

__all__ = ["ROUTES", "ApiRoute", "body", "bp", "ctx", "error", "errors_response", "principal", "route"]
