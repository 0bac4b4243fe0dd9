"""Platform settings for rendering and applying: FreeSWITCH nodes, SIP
profiles, the carrier gateway. They come from the ``[freeswitch]``,
``[gateway]`` and ``[nodes.NAME]`` sections of the TOML configuration::

    [freeswitch]
    sip_ip = "127.0.0.1"          # internal profile (phones)
    sip_port = 5060
    external_ip = "127.0.0.1"     # external profile (carrier)
    external_port = 5080
    sessions_per_second = 200
    max_sessions = 2000
    registration_expires_max = 600   # L-9: cap on the phones' registration lifetime (s)
    voicemail_access_number = "+33175009999"   # V-4 remote access (optional)
    media_dir = "var/media"        # converted audio, hold music streams
    mode = "files"                 # or "xml_curl" (P-5)
    xml_curl_credentials = "fs:a-long-random-password"   # required in xml_curl mode (HTTP basic)
    xml_curl_allow = ["10.0.0.5"]  # more addresses (or networks) allowed besides the nodes' own

    [gateway]
    name = "carrier"
    proxy = "127.0.0.1:5090"
    register = false
    number_format = "e164"         # e164 | national
    clir = "pai"                   # how a hidden number (CLIR) is signalled: pai | rpid

    [nodes.fs1]
    conf_dir = "var/nodes/fs1/conf"
    esl_host = "127.0.0.1"
    esl_port = 8021
    esl_password = "ClueCon"
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError


@dataclass(frozen=True)
class Gateway:
    name: str = "carrier"
    proxy: str = "127.0.0.1:5090"
    realm: str = ""
    username: str = "centrex"
    password: str = "centrex"
    register: bool = False
    number_format: str = "e164"  # how numbers are sent: e164 | national
    # CLIR (L-3): the From header is always "Anonymous" <sip:anonymous@anonymous.invalid>; the
    # line's identity goes in P-Asserted-Identity with "Privacy: id" (pai, RFC 3323/3325) or in
    # Remote-Party-ID with privacy=full (rpid, older carriers)
    clir: str = "pai"


@dataclass(frozen=True)
class Node:
    name: str
    conf_dir: Path
    esl_host: str = "127.0.0.1"
    esl_port: int = 8021
    esl_password: str = "ClueCon"
    sip_ip: str | None = None  # None: the platform's


@dataclass(frozen=True)
class Platform:
    sip_ip: str = "127.0.0.1"
    sip_port: int = 5060
    external_ip: str = "127.0.0.1"
    external_port: int = 5080
    esl_ip: str = "127.0.0.1"
    esl_port: int = 8021
    esl_password: str = "ClueCon"
    sessions_per_second: int = 200
    max_sessions: int = 2000
    # L-9: longest registration accepted (s): a phone restarted without unregistering, with a new
    # Call-ID, counts as one more device of its line until its old registration expires
    registration_expires_max: int = 600
    rtp_start: int = 16384
    rtp_end: int = 32768
    voicemail_access_number: str | None = None
    media_dir: Path = Path("var/media")
    spool_dir: Path = Path("var/spool")
    mailer: str = "/usr/sbin/sendmail"
    mailer_args: str = "-t"
    mode: str = "files"
    xml_curl_url: str = "http://127.0.0.1:8080/freeswitch/xml"
    xml_curl_credentials: str = ""  # "user:password" for HTTP basic auth; required in xml_curl mode
    xml_curl_allow: tuple[str, ...] = ()  # addresses or networks allowed besides the nodes' esl/sip hosts
    fax_deliver_command: str = ""
    hunt_service: str = "127.0.0.1:8084"  # outbound ESL socket of the hunt-group service (H-1 successive)
    log_level: str = "info"
    gateway: Gateway = field(default_factory=Gateway)
    nodes: tuple[Node, ...] = ()

    def node(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        known = ", ".join(n.name for n in self.nodes) or "none configured"
        raise ConfigError(f"unknown node {name!r} (known: {known})")


MODES = ("files", "xml_curl")
CLIR_MODES = ("pai", "rpid")
MIN_XML_CURL_PASSWORD = 12


def check_platform(platform: Platform) -> None:
    """Refuse settings the platform cannot run safely with (a
    :class:`ConfigError` naming the key): an unknown ``mode``; ``xml_curl``
    mode without ``xml_curl_credentials`` (the endpoint serves every
    tenant's directory: it never answers without them); an allow-list entry
    that is no address or network; an unknown ``[gateway] clir``."""
    if platform.mode not in MODES:
        raise ConfigError(f"[freeswitch] mode must be one of {', '.join(MODES)}, got {platform.mode!r}")
    if platform.gateway.clir not in CLIR_MODES:
        raise ConfigError(f"[gateway] clir must be one of {', '.join(CLIR_MODES)}, got {platform.gateway.clir!r}")
    for entry in platform.xml_curl_allow:
        try:
            ipaddress.ip_network(str(entry), strict=False)
        except ValueError:
            raise ConfigError(f"[freeswitch] xml_curl_allow: {entry!r} is not an IP address or network"
                              " (e.g. \"10.0.0.5\" or \"10.0.0.0/24\")") from None
    if platform.mode != "xml_curl":
        return
    user, sep, password = platform.xml_curl_credentials.partition(":")
    if not platform.xml_curl_credentials:
        raise ConfigError("[freeswitch] xml_curl_credentials is required when mode = \"xml_curl\": set it to"
                          " \"user:password\" (HTTP basic auth between FreeSWITCH and POST /freeswitch/xml)")
    if not sep or not user or len(password) < MIN_XML_CURL_PASSWORD:
        raise ConfigError(f"[freeswitch] xml_curl_credentials must be \"user:password\" with a user name and a"
                          f" password of at least {MIN_XML_CURL_PASSWORD} characters")
    if "${" in platform.xml_curl_credentials or not all("!" <= c <= "~" for c in platform.xml_curl_credentials):
        # FreeSWITCH would expand "${" in its configuration, and a space or a control character does not
        # survive the file: what it sent would not be what the endpoint expects
        raise ConfigError("[freeswitch] xml_curl_credentials: use printable ASCII without spaces or \"${\"")
