"""``POST /freeswitch/xml``: the mod_xml_curl endpoint (P-5).

FreeSWITCH authenticates with HTTP basic auth when ``xml_curl_credentials``
("user:password") is set in ``[freeswitch]``; without it only requests from
the loopback address are answered.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, current_app, request

from orchestrator.config import platform_from_settings
from orchestrator.render.ondemand import answer

bp = Blueprint("xmlcurl", __name__)


def _allowed(expected: str) -> bool:
    if not expected:
        return request.remote_addr in ("127.0.0.1", "::1")
    auth = request.authorization
    given = f"{auth.username}:{auth.password}" if auth and auth.username is not None else ""
    return hmac.compare_digest(given.encode(), expected.encode())


@bp.post("/freeswitch/xml")
def xml_curl() -> Response:
    rt = current_app.extensions["runtime"]
    platform = platform_from_settings(rt.settings)
    if not _allowed(platform.xml_curl_credentials):
        return Response("forbidden\n", status=403, mimetype="text/plain")
    node = platform.nodes[0]
    with rt.context() as ctx:
        body = answer(ctx.session, platform, node, request.form)
    return Response(body, mimetype="text/xml")
