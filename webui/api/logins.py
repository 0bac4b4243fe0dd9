"""/api/v1/logins (« Mes accès », §3.2.1.3) and a contact's credentials
(« Identifiants », §3.5.1; spec A-2, D-2): the user login is a line
number of the contact; the password is set, or generated and e-mailed.
A generated password is returned once; passwords are stored hashed."""

from __future__ import annotations

from flask import jsonify
from pydantic import BaseModel, Field

from orchestrator.services.base import parse_doc
from orchestrator.services.directory import lookup as directory_lookup
from orchestrator.services.logins import credentials
from orchestrator.services.logins.accesses import accesses

from .base import body, ctx, principal, route


class AccessOut(BaseModel):
    login: str
    role: str = Field(description="admin | user")
    line: str | None = Field(None, description="The user's line (its login is the line number)")
    line_label: str | None = None
    contact_id: int | None = Field(None, description="The directory contact holding this login")
    contact: str | None = None


class CredentialsIn(BaseModel):
    password: str | None = Field(None, max_length=128, description="At least 4 characters; or use generate")
    generate: bool = Field(False, description="Generate a random password (returned once)")
    send: bool = Field(False, description="E-mail the login and password to the contact")
    line: str | None = Field(None, description="For a contact without login: which of its lines (default: the first)")


class CredentialsOut(BaseModel):
    login: str
    password: str | None = Field(None, description="The generated password, only now; never again")
    mailed_to: str | None = None


@route("/logins", "GET", summary="The company's logins: admins and users (« Mes accès »)", tag="account",
       response=AccessOut, list_response=True)
def list_logins():
    return jsonify([AccessOut(login=a.login.login, role=a.role, line=a.line.number if a.line else None,
                              line_label=a.line.label if a.line else None,
                              contact_id=a.contact.id if a.contact else None,
                              contact=f"{a.contact.first_name} {a.contact.last_name}" if a.contact else None
                              ).model_dump() for a in accesses(ctx().session, principal().tenant_id)])


@route("/directory/contacts/<int:contact_id>/credentials", "POST", summary="Set a contact's user login password",
       tag="directory", request=CredentialsIn, response=CredentialsOut)
def set_credentials(contact_id: int):
    contact = directory_lookup.contact(ctx().session, principal().tenant_id, contact_id)
    data: CredentialsIn = parse_doc(CredentialsIn, body())
    result = credentials.set_credentials(ctx(), contact, password=data.password, generate=data.generate,
                                         send=data.send, line=data.line)
    return jsonify(CredentialsOut(login=result.login.login, password=result.generated,
                                  mailed_to=result.mailed_to).model_dump())
