"""Password hashing with scrypt (stdlib). Clear passwords are never stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1
PREFIX = "scrypt"


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = lambda b: base64.b64encode(b).decode().rstrip("=")  # noqa: E731
    return f"${PREFIX}$n={_N},r={_R},p={_P}${b64(salt)}${b64(digest)}"


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def is_password_hash(value: str) -> bool:
    parts = value.split("$")
    return len(parts) == 5 and parts[0] == "" and parts[1] == PREFIX


def verify_password(password: str, stored: str) -> bool:
    if not is_password_hash(stored):
        return False
    _, _, params, salt, digest = stored.split("$")
    try:
        opts = dict(p.split("=") for p in params.split(","))
        n, r, p = int(opts["n"]), int(opts["r"]), int(opts["p"])
    except (KeyError, ValueError):
        return False
    got = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=n, r=r, p=p, dklen=len(_unb64(digest)))
    return hmac.compare_digest(got, _unb64(digest))


def random_password(length: int = 10) -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))
