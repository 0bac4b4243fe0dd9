"""Settings: built-in defaults ← a TOML file ← environment variables.

The TOML file is ``$ORCHESTRATOR_CONFIG`` if set, else ``./orchestrator.toml``
when it exists. Environment variables win over the file:

``DATABASE_URL``        SQLAlchemy URL (default: SQLite under ``./var/``)
``REDIS_URL``           Redis for the apply queue (default: none → inline)
``DEFAULT_REGION``      region used to parse national numbers (default ``FR``)
``ORCHESTRATOR_VAR``    directory for local state (default ``./var``)
``PROXY_HOPS``          trusted reverse proxies in front of the web UI (default 0)
``SECRETS_KEY``         Fernet key(s) of the stored secrets, first one current
                        (default: ``<var>/secrets.key``, generated; see db/secretbox.py)
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .domain.errors import ConfigError
from .domain.names import timezone_problem
from .domain.topology import Gateway, Node, Platform, check_platform

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["ConfigError", "Settings", "load_settings", "platform_from_settings"]


@dataclass(frozen=True)
class Settings:
    """Every knob of the control plane, with its default."""

    var_dir: Path = Path("var")
    database_url: str = ""
    redis_url: str = ""
    redis_prefix: str = "centrex"
    default_region: str = "FR"
    default_timezone: str = "Europe/Paris"
    default_line_limit: int = 8
    individual_line_limit: int = 3
    secret_key: str = ""
    secrets_key: str = ""  # Fernet key(s), comma-separated, first encrypts (default: var_dir/secrets.key)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "centrex@localhost"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    # How many reverse proxies stand in front of the web UI: their X-Forwarded-For/-Proto/-Host are
    # believed (login limiting counts the client's address). 0: none, those headers are ignored.
    proxy_hops: int = 0
    config_file: str = ""  # the TOML file these settings came from, if any
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under ``var_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'orchestrator.sqlite3').resolve()}"


_ENV = {
    "DATABASE_URL": "database_url",
    "REDIS_URL": "redis_url",
    "REDIS_PREFIX": "redis_prefix",
    "DEFAULT_REGION": "default_region",
    "ORCHESTRATOR_VAR": "var_dir",
    "SECRET_KEY": "secret_key",
    "SECRETS_KEY": "secrets_key",
    "SMTP_HOST": "smtp_host",
    "SMTP_PORT": "smtp_port",
    "PROXY_HOPS": "proxy_hops",
}


def _coerce(name: str, value: Any) -> Any:
    kinds = {f.name: f.type for f in fields(Settings)}
    kind = kinds.get(name)
    if kind is None:
        raise ConfigError(f"unknown setting {name!r}; known settings: {', '.join(sorted(kinds))}")
    if kind in ("Path", Path):
        return Path(str(value))
    if kind in ("int", int):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"setting {name!r} must be a whole number, got {value!r}") from None
    if kind in ("str", str):
        return str(value)
    if kind in ("bool", bool):
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("1", "true", "yes", "on"):
            return True
        if str(value).lower() in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"setting {name!r} must be true or false, got {value!r}")
    return value


def load_settings(
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build the settings from defaults, then the TOML file, then ``env``."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    cfg_path = Path(path) if path else Path(env.get("ORCHESTRATOR_CONFIG") or "orchestrator.toml")
    if path or cfg_path.is_file():
        try:
            data = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"configuration file {cfg_path} does not exist") from None
        except OSError as exc:
            raise ConfigError(f"configuration file {cfg_path} cannot be read: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"configuration file {cfg_path} is not valid TOML: {exc}") from None
        values["config_file"] = str(cfg_path.resolve())
        for key, value in data.items():
            if isinstance(value, dict):
                extra[key] = value  # sections for later subsystems (nodes, freeswitch, ...)
            else:
                values[key] = _coerce(key, value)
    for var, name in _ENV.items():
        if env.get(var):
            values[name] = _coerce(name, env[var])
    for name, value in overrides.items():
        values[name] = _coerce(name, value)
    settings = replace(Settings(), extra=extra, **values)
    problem = timezone_problem(settings.default_timezone)
    if problem:
        raise ConfigError(f"setting 'default_timezone': {problem}")
    return settings


_PLATFORM_KEYS = {f for f in Platform.__dataclass_fields__ if f not in ("gateway", "nodes")}


def _typed(cls: type[DataclassInstance], data: Mapping[str, Any], section: str) -> dict[str, Any]:
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
    if isinstance(values.get("xml_curl_allow"), (list, str)):
        allow = values["xml_curl_allow"]
        values["xml_curl_allow"] = (allow,) if isinstance(allow, str) else tuple(str(a) for a in allow)
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
    platform = Platform(gateway=gateway, nodes=tuple(nodes), **values)
    check_platform(platform)
    return platform
