"""Login (A-2): admins log in by e-mail, users by line number."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..base import Doc


class LoginDoc(Doc):
    login: str = Field(description="E-mail (admin) or line number in international format (user)")
    role: Literal["admin", "user"]
    password: str | None = Field(None, description="Clear password, hashed on import; never exported")
    password_hash: str | None = Field(None, description="scrypt hash as exported with --with-secrets"
                                                        " (else ********, which keeps the stored one on import)")
