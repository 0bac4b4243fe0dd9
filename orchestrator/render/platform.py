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

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..config import ConfigError, Settings


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


_PLATFORM_KEYS = {f for f in Platform.__dataclass_fields__ if f not in ("gateway", "nodes")}


def _typed(cls: type, data: Mapping[str, Any], section: str) -> dict[str, Any]:
    fields = cls.__dataclass_fields__
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in fields:
            raise ConfigError(f"unknown setting {key!r} in [{section}]; known: {', '.join(sorted(fields))}")
        kind = fields[key].type
        if kind in ("Path", Path):
            value = Path(value)
        elif kind in ("int", int) and not isinstance(value, int):
            raise ConfigError(f"[{section}] {key} must be a whole number")
        out[key] = value
    return out


def platform_from_settings(settings: Settings) -> Platform:
    extra = settings.extra
    fs = dict(extra.get("freeswitch", {}))
    unknown = set(fs) - _PLATFORM_KEYS
    if unknown:
        raise ConfigError(f"unknown setting(s) {', '.join(sorted(unknown))} in [freeswitch]")
    values = _typed(Platform, fs, "freeswitch")
    values.setdefault("media_dir", settings.var_dir / "media")
    values.setdefault("spool_dir", settings.var_dir / "spool")
    bindir = Path(sys.executable).parent
    config = f" --config {settings.config_file}" if settings.config_file else ""
    values.setdefault("fax_deliver_command", f"{bindir / 'orchestrator'}{config} fax deliver")
    values.setdefault("mailer", str(bindir / "centrex-sendmail"))
    values.setdefault("mailer_args", f"-t{config}")
    gateway = Gateway(**_typed(Gateway, extra.get("gateway", {}), "gateway"))
    nodes = []
    for name, data in sorted(extra.get("nodes", {}).items()):
        node_values = _typed(Node, {k: v for k, v in data.items()}, f"nodes.{name}")
        node_values.setdefault("conf_dir", settings.var_dir / "nodes" / name / "conf")
        nodes.append(Node(name=name, **node_values))
    if not nodes:
        nodes.append(Node(name="local", conf_dir=settings.var_dir / "freeswitch" / "conf",
                          esl_host=values.get("esl_ip", "127.0.0.1"), esl_port=values.get("esl_port", 8021),
                          esl_password=values.get("esl_password", "ClueCon")))
    return Platform(gateway=gateway, nodes=tuple(nodes), **values)
