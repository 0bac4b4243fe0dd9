"""/api/v1/account (« Mes infos », A-4, §3.2.4.1): the company's billing and
technical contact e-mails and its postal address; /api/v1/me/password (own
password, with the current one) and /api/v1/tokens (the company's API
tokens: P-9, what « Mes infos » does)."""

from __future__ import annotations

from datetime import datetime

from flask import jsonify
from pydantic import BaseModel, Field

from orchestrator.db.models import ApiToken, Login
from orchestrator.services import apitokens
from orchestrator.services.base import parse_doc
from orchestrator.services.logins import ownpassword
from orchestrator.services.tenants import contacts as tenant_contacts
from orchestrator.services.tenants.contacts import ContactsDoc

from .base import body, ctx, principal, route


class AccountOut(ContactsDoc):
    name: str = Field(description="The company (set by the platform operator)")
    sip_domain: str = Field(description="SIP domain of the company's lines (set by the platform operator)")


def _account() -> dict:
    t = ctx().tenant(principal().tenant_id)
    return AccountOut(name=t.name, sip_domain=t.sip_domain,
                      **tenant_contacts.to_doc(t).model_dump()).model_dump()


@route("/account", "GET", summary="The company's details and contacts (« Mes infos »)", tag="account",
       response=AccountOut)
def get_account():
    return jsonify(_account())


@route("/account", "PATCH", summary="Change the company's contacts and postal address (« Mes infos »)",
       tag="account", request=ContactsDoc, response=AccountOut)
def patch_account():
    """Any subset of billing_email, technical_email and postal_address; an
    empty string or null clears one. E-mail addresses are checked; the name
    and SIP domain are the platform operator's (422 here)."""
    tenant_contacts.update(ctx(), ctx().tenant(principal().tenant_id), body())
    return jsonify(_account())


# -- own password ---------------------------------------------------------------

class PasswordChangeIn(BaseModel):
    old: str = Field(max_length=128, description="The current password")
    new: str = Field(max_length=128, description="The new password: 6 characters at least for an admin, 4 for a user")


@route("/me/password", "POST", summary="Change my own password (with the current one)", tag="account",
       roles=("admin", "user"), request=PasswordChangeIn, response=None, status=204)
def change_my_password():
    """The token's own login. Every web session of the login ends; API
    tokens stay valid. An admin sets a user's password without the current
    one with ``POST /directory/contacts/{contact_id}/credentials``."""
    data: PasswordChangeIn = parse_doc(PasswordChangeIn, body())
    login = ctx().session.get(Login, principal().login_id)
    ownpassword.change_own(ctx(), login, data.old, data.new)
    return "", 204


# -- API tokens -------------------------------------------------------------------

class TokenIn(BaseModel):
    name: str = Field(max_length=80, description="What the token is for (\"CRM\", \"backup script\")")


class TokenOut(BaseModel):
    id: int
    name: str
    login: str = Field(description="The login the token acts as")
    prefix: str = Field(description="The public part of the token (ctk_<prefix>_...), to tell tokens apart")
    created_at: datetime
    last_used_at: datetime | None = None


class NewTokenOut(TokenOut):
    token: str = Field(description="The token itself: shown this once, stored only hashed")


def _token_out(row: ApiToken, model: type[TokenOut] = TokenOut, **extra: str) -> dict:
    login = ctx().session.get(Login, row.login_id)
    return model(id=row.id, name=row.name, login=login.login if login else "", prefix=row.prefix,
                 created_at=row.created_at, last_used_at=row.last_used_at, **extra).model_dump(mode="json")


@route("/tokens", "GET", summary="The company's API tokens (« Mes infos › Accès API »)", tag="account",
       response=TokenOut, list_response=True)
def list_tokens():
    return jsonify([_token_out(r) for r in apitokens.for_tenant(ctx().session, principal().tenant_id)])


@route("/tokens", "POST", summary="Create an API token acting as me (shown once)", tag="account",
       request=TokenIn, response=NewTokenOut, status=201)
def create_token():
    data: TokenIn = parse_doc(TokenIn, body())
    login = ctx().session.get(Login, principal().login_id)
    row, token = apitokens.create(ctx(), login, data.name)
    return jsonify(_token_out(row, NewTokenOut, token=token)), 201


@route("/tokens/<int:token_id>", "DELETE", summary="Revoke an API token of the company", tag="account",
       response=None, status=204)
def revoke_token(token_id: int):
    """Revoking the token of this very request is allowed: it stops working
    for the next one."""
    apitokens.revoke(ctx(), apitokens.token(ctx().session, principal().tenant_id, token_id))
    return "", 204
