"""``POST /freeswitch/xml``: the mod_xml_curl endpoint (P-5).

It serves every tenant's directory, so it is closed unless asked for:

- off (404) unless ``[freeswitch] mode = "xml_curl"``;
- only from a configured node: its ``esl_host`` or SIP address, or an
  address or network listed in ``[freeswitch] xml_curl_allow`` (403);
- always with the HTTP basic credentials ``xml_curl_credentials``
  (``user:password``, compared in constant time; 401). The settings refuse
  xml_curl mode without them (:func:`orchestrator.domain.topology.check_platform`),
  so the web app does not start that way.

Behind a reverse proxy every request comes from the proxy's address: the
credentials are what holds then, the address list narrows who may try.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import socket

from flask import Blueprint, Response, current_app, request

from orchestrator.config import platform_from_settings
from orchestrator.domain.topology import Node, Platform
from orchestrator.render.ondemand import answer

bp = Blueprint("xmlcurl", __name__)
log = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
REALM = "freeswitch-xml"


def _address(text: str) -> Address | None:
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def _host_addresses(host: str) -> set[Address]:
    """An address literal as it is, a host name through the resolver (a name
    that does not resolve allows nothing)."""
    literal = _address(host)
    if literal is not None:
        return set() if literal.is_unspecified else {literal}
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        log.warning("xml_curl: node host does not resolve", extra={"host": host})
        return set()
    return {a for a in (_address(str(info[4][0])) for info in infos) if a is not None}


def source_node(platform: Platform, remote: str) -> Node | None:
    """The node a request from ``remote`` comes from (the first node for an
    address of ``xml_curl_allow``), or None: not allowed."""
    addr = _address(remote or "")
    if addr is None:
        return None
    for node in platform.nodes:
        if addr in _host_addresses(node.esl_host) | _host_addresses(node.sip_ip or platform.sip_ip):
            return node
    for entry in platform.xml_curl_allow:
        network: Network = ipaddress.ip_network(entry, strict=False)
        if addr.version == network.version and addr in network:
            return platform.nodes[0]
    return None


def credentials_match(expected: str) -> bool:
    """HTTP basic ``user:password`` equal to ``expected`` (constant time)."""
    auth = request.authorization
    if not expected or auth is None or auth.type != "basic" or auth.username is None:
        return False
    given = f"{auth.username}:{auth.password or ''}"
    return hmac.compare_digest(given.encode(), expected.encode())


@bp.post("/freeswitch/xml")
def xml_curl() -> Response:
    rt = current_app.extensions["runtime"]
    platform = platform_from_settings(rt.settings)
    if platform.mode != "xml_curl":
        return Response("not found\n", status=404, mimetype="text/plain")
    node = source_node(platform, request.remote_addr or "")
    if node is None:
        log.warning("xml_curl: refused, not a node's address", extra={"remote": request.remote_addr})
        return Response("forbidden\n", status=403, mimetype="text/plain")
    if not credentials_match(platform.xml_curl_credentials):
        log.warning("xml_curl: refused, bad or missing credentials", extra={"remote": request.remote_addr})
        return Response("credentials required\n", status=401, mimetype="text/plain",
                        headers={"WWW-Authenticate": f'Basic realm="{REALM}"'})
    with rt.context() as ctx:
        body = answer(ctx.session, platform, node, request.form)
    return Response(body, mimetype="text/xml")
