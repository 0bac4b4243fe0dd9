"""Secrets at rest: the SIP passwords, voicemail PINs and device
provisioning passwords are stored encrypted, with a key that comes from the
settings, never from the database.

- The key: ``secrets_key`` (setting or ``SECRETS_KEY``), one or more Fernet
  keys separated by commas; without it, the keys in ``<var_dir>/secrets.key``
  (one per line), a file created on first use with mode 0600. Back that
  file up with the database: without it the secrets cannot be read.
- Rotation: put a new key (``orchestrator db new-secrets-key`` prints one)
  first, keep the old ones after it; the first key encrypts, every key
  decrypts (:class:`cryptography.fernet.MultiFernet`). ``orchestrator db
  rotate-secrets`` re-encrypts every stored secret with the first key; then
  the old keys can go.
- Fernet is AES-128-CBC with an HMAC-SHA256: a changed or swapped value is
  refused, never decrypted into something else.

Columns of type :class:`Sealed` encrypt on write and decrypt on read; the
key is attached to the engine (:func:`attach`, done by the runtime), so the
rest of the code sees clear values and nothing is bound at import time.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Engine, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from ..domain.errors import ConfigError

log = logging.getLogger(__name__)

KEY_FILE = "secrets.key"
_ATTR = "centrex_secret_box"


class SecretBox:
    """Encrypts with the first key, decrypts with any of them."""

    def __init__(self, keys: list[str], source: str = "secrets_key") -> None:
        if not keys:
            raise ConfigError(f"{source}: no key given")
        fernets = []
        for i, key in enumerate(keys, 1):
            try:
                fernets.append(Fernet(key.encode()))
            except (ValueError, TypeError):
                raise ConfigError(f"{source}: key {i} is not a Fernet key (32 url-safe base64 bytes;"
                                  " `orchestrator db new-secrets-key` prints one)") from None
        self.source = source
        self._fernet = MultiFernet(fernets)

    def seal(self, clear: str) -> str:
        return self._fernet.encrypt(clear.encode()).decode("ascii")

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ConfigError(
                f"a stored secret cannot be decrypted with the keys of {self.source}: was the key replaced?"
                " Keep the old key after the new one until `orchestrator db rotate-secrets` has run") from None

    def is_sealed(self, value: str) -> bool:
        """A token this box can open (an old clear value is not)."""
        try:
            self._fernet.decrypt(value.encode())
        except InvalidToken:
            return False
        return True

    def rotate(self, token: str) -> str:
        return self._fernet.rotate(token.encode()).decode("ascii")


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def _split(text: str) -> list[str]:
    """Keys separated by commas or new lines; ``#`` lines are comments."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return [k.strip() for k in ",".join(lines).split(",") if k.strip()]


def box_for(secrets_key: str, var_dir: Path) -> SecretBox:
    """The box of ``secrets_key``, else of ``var_dir/secrets.key`` (created, 0600, on first use)."""
    if secrets_key:
        return SecretBox(_split(secrets_key), "the secrets_key setting")
    path = Path(var_dir) / KEY_FILE
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = new_key()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it meanwhile
            return box_for("", var_dir)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(f"# Fernet keys of the stored secrets (first encrypts, all decrypt). BACK THIS FILE UP.\n{key}\n")
        log.warning("secrets key generated: SIP passwords and PINs are encrypted with it; back it up with the"
                    " database, or set secrets_key / SECRETS_KEY", extra={"path": str(path.resolve())})
        text = path.read_text(encoding="ascii")
    return SecretBox(_split(text), str(path))


def attach(engine: Engine, box: SecretBox | Callable[[], SecretBox]) -> None:
    """Let :class:`Sealed` columns of ``engine`` use ``box``: a box, or a
    function giving it when a secret is first sealed or opened (so that a
    command that never touches a secret, or that fails before, creates no key file)."""
    setattr(engine.dialect, _ATTR, box)


def box_of(dialect: Dialect) -> SecretBox:
    box = getattr(dialect, _ATTR, None)
    if box is not None and not isinstance(box, SecretBox):
        box = box()
        setattr(dialect, _ATTR, box)
    if box is None:
        raise ConfigError("no secrets key attached to this database engine (the runtime attaches the one of"
                          " the settings: secrets_key, else var_dir/secrets.key)")
    return box


class Sealed(TypeDecorator[str]):
    """A string stored encrypted (a Fernet token, up to 255 characters:
    clear values up to about 150)."""

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else box_of(dialect).seal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else box_of(dialect).open(str(value))
