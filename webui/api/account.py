"""/api/v1/account (« Mes infos », A-4, §3.2.4.1): the company's billing and
technical contact e-mails and its postal address; /api/v1/me/password (own
password, with the current one) and /api/v1/tokens (the company's API
tokens: P-9, what « Mes infos » does)."""

from __future__ import annotations

from flask import jsonify
from pydantic import Field

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
