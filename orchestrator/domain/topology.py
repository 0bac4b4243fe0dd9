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
    voicemail_access_number = "+33175009999"   # V-4 remote access (optional)
    media_dir = "var/media"        # converted audio, hold music streams
    mode = "files"                 # or "xml_curl" (P-5)

    [gateway]
    name = "carrier"
    proxy = "127.0.0.1:5090"
    register = false
    number_format = "e164"         # e164 | national

    [nodes.fs1]
    conf_dir = "var/nodes/fs1/conf"
    esl_host = "127.0.0.1"
    esl_port = 8021
    esl_password = "ClueCon"
"""

from __future__ import annotations

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
    rtp_start: int = 16384
    rtp_end: int = 32768
    voicemail_access_number: str | None = None
    media_dir: Path = Path("var/media")
    spool_dir: Path = Path("var/spool")
    mailer: str = "/usr/sbin/sendmail"
    mailer_args: str = "-t"
    mode: str = "files"
    xml_curl_url: str = "http://127.0.0.1:8080/freeswitch/xml"
    xml_curl_credentials: str = ""  # "user:password" for HTTP basic auth
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
