"""Login limiting (P-13, issue 15 item 7): who may try a password now.

Failures are counted per *canonical account* (the e-mail in lower case, the
line number in E.164: every spelling of a number is one account), never per
raw string, and per client address:

* account + client: ``LOGIN_FAILURES`` (5) in ``LOGIN_WINDOW`` (5 min),
  then that client waits; the owner elsewhere is not affected;
* client address, every account: ``LOGIN_ADDRESS_FAILURES`` (30) in
  ``LOGIN_WINDOW``, against one address spraying many accounts;
* account, every untrusted client: ``LOGIN_ACCOUNT_FAILURES`` (20) in
  ``LOGIN_ACCOUNT_WINDOW`` (15 min), against many addresses guessing one
  account.

A browser where the account's owner logged in before holds a signed *device
cookie* (OWASP "device cookies"): it is a client of its own, and neither the
address nor the account budget stops it, so an attacker cannot lock the
owner out, whatever their addresses. Every failure is logged (account,
address, never the password). See README « Login limiting ».
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from orchestrator.domain.numbering import NumberError, normalize

from ..common.ratelimit import Limiter, LimiterFactory

log = logging.getLogger(__name__)
DEVICE_COOKIE = "centrex_device"
DEVICE_ACCOUNTS = 10  # accounts remembered by one browser


def canonical_account(raw: str, region: str) -> str:
    """The account a login string names, however it is spelt."""
    text = (raw or "").strip()[:254]
    if "@" in text:
        return text.lower()
    try:
        return normalize(text, region, lenient=True)
    except NumberError:
        return text.lower()


def _digest(account: str) -> str:
    return hashlib.sha256(account.encode("utf-8", "replace")).hexdigest()[:32]


@dataclass(frozen=True)
class Attempt:
    account: str  # canonical
    address: str
    device: str | None = None  # the device cookie's id when it vouches for this account

    @property
    def client_key(self) -> str:
        who = f"dev:{self.device}" if self.device else f"ip:{self.address}"
        return f"acct:{_digest(self.account)}|{who}"

    @property
    def log_extra(self) -> dict[str, Any]:
        return {"account": self.account, "address": self.address, "trusted_device": self.device is not None}


@dataclass
class LoginLimits:
    per_client: Limiter
    per_address: Limiter
    per_account: Limiter

    def wait(self, attempt: Attempt) -> int:
        """Seconds before ``attempt``'s client may try this account, 0: now."""
        waits = {"account_client": self.per_client.blocked(attempt.client_key)}
        if attempt.device is None:
            waits["address"] = self.per_address.blocked(f"ip:{attempt.address}")
            waits["account"] = self.per_account.blocked(f"acct:{_digest(attempt.account)}")
        scope, wait = max(waits.items(), key=lambda kv: kv[1])
        if wait:
            log.warning("login refused: too many failures", extra={
                "event": "login.limited", "scope": scope, "wait_seconds": wait, **attempt.log_extra})
        return wait

    def failed(self, attempt: Attempt, known: bool) -> None:
        log.warning("login failed", extra={"event": "login.failed", "known_account": known, **attempt.log_extra})
        self.per_client.failed(attempt.client_key)
        if attempt.device is None:
            self.per_address.failed(f"ip:{attempt.address}")
            self.per_account.failed(f"acct:{_digest(attempt.account)}")

    def succeeded(self, attempt: Attempt) -> None:
        self.per_client.reset(attempt.client_key)


def limits_for(redis_url: str, prefix: str, config: Mapping[str, Any]) -> LoginLimits:
    make = LimiterFactory(redis_url, prefix, retry_after=config.get("LOGIN_REDIS_RETRY", 5.0))
    window = config["LOGIN_WINDOW"]
    return LoginLimits(per_client=make("login-client", config["LOGIN_FAILURES"], window),
                       per_address=make("login-address", config["LOGIN_ADDRESS_FAILURES"], window),
                       per_account=make("login-account", config["LOGIN_ACCOUNT_FAILURES"],
                                        config["LOGIN_ACCOUNT_WINDOW"]))


class Devices:
    """The device cookie: a random id and the digests of the accounts that
    logged in from this browser, signed with the application's key."""

    def __init__(self, secret_key: str, secure: bool, max_age: int) -> None:
        self.serializer = URLSafeSerializer(secret_key, salt="login-device")
        self.secure, self.max_age = secure, max_age

    def _read(self, request: Request) -> dict[str, Any] | None:
        raw = request.cookies.get(DEVICE_COOKIE)
        if not raw:
            return None
        try:
            data = self.serializer.loads(raw)
        except BadSignature:
            return None
        ok = isinstance(data, dict) and isinstance(data.get("d"), str) and isinstance(data.get("a"), list)
        return data if ok else None

    def vouches(self, request: Request, account: str) -> str | None:
        """The device id when this browser logged in to ``account`` before."""
        data = self._read(request)
        return data["d"] if data is not None and _digest(account) in data["a"] else None

    def remember(self, request: Request, response: Response, account: str) -> None:
        data = self._read(request) or {"d": secrets.token_urlsafe(16), "a": []}
        digest = _digest(account)
        data["a"] = [digest] + [a for a in data["a"] if a != digest][:DEVICE_ACCOUNTS - 1]
        response.set_cookie(DEVICE_COOKIE, self.serializer.dumps(data), max_age=self.max_age, secure=self.secure,
                            httponly=True, samesite="Lax")
