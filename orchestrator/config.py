"""Settings: built-in defaults ← a TOML file ← environment variables.

The TOML file is ``$ORCHESTRATOR_CONFIG`` if set, else ``./orchestrator.toml``
when it exists. Environment variables win over the file:

``DATABASE_URL``        SQLAlchemy URL (default: SQLite under ``./var/``)
``REDIS_URL``           Redis for the apply queue (default: none → inline)
``DEFAULT_REGION``      region used to parse national numbers (default ``FR``)
``ORCHESTRATOR_VAR``    directory for local state (default ``./var``)
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping


class ConfigError(Exception):
    """The configuration file or an environment variable is unusable."""

    error_id = "config.invalid"


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
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "centrex@localhost"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
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
    "SMTP_HOST": "smtp_host",
    "SMTP_PORT": "smtp_port",
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
    return replace(Settings(), extra=extra, **values)
