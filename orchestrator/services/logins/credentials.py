"""The « Identifiants » tab of a contact (manual §3.5.1, Figure 31; spec
D-2, A-2): the user login of a contact is the number of one of its lines in
international format; the admin sets its password, or has one generated
at random and e-mailed to the user.

Passwords are stored hashed (:func:`service.set_password`); a generated
password is returned once, to be shown once, and never again.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import select

from orchestrator.domain.errors import Errors

from ... import mail
from ...db.models import Contact, Login
from ..context import ServiceContext
from ..inventory import parse
from ..passwords import random_password
from . import service
from .schema import LoginDoc

GENERATED_LENGTH = 10


@dataclass
class CredentialsResult:
    login: Login
    generated: str | None = None  # the clear password, when generated: shown once
    mailed_to: str | None = None


def contact_login(ctx: ServiceContext, contact: Contact) -> Login | None:
    return ctx.session.get(Login, contact.login_id) if contact.login_id else None


def contact_lines(contact: Contact) -> list[str]:
    return sorted(line.number for line in contact.lines)


def _login_to_use(ctx: ServiceContext, errors: Errors, contact: Contact,
                  line: str | None) -> tuple[Login | None, str | None]:
    """The contact's login, or the number a new one will have."""
    login = contact_login(ctx, contact)
    if login is not None:
        return login, login.login
    numbers = contact_lines(contact)
    if not numbers:
        errors.add("credentials.no_line", "line",
                   "this contact has no line: associate one of the company's lines with it first")
        return None, None
    chosen = parse(errors, "line", line, ctx.settings.default_region) if line else numbers[0]
    if chosen is None:
        return None, None
    if chosen not in numbers:
        errors.add("line.unknown", "line", f"{chosen} is not a line of this contact")
        return None, None
    existing = ctx.session.scalar(select(Login).where(Login.login == chosen))
    if existing is not None:
        holder = ctx.session.scalar(select(Contact).where(Contact.login_id == existing.id))
        if existing.tenant_id != contact.tenant_id or existing.role != "user" or holder is not None:
            errors.add("login.taken", "line", f"the login {chosen} already belongs to someone else")
            return None, None
        return existing, chosen
    return None, chosen


def set_credentials(ctx: ServiceContext, contact: Contact, *, password: str | None = None, generate: bool = False,
                    send: bool = False, line: str | None = None) -> CredentialsResult:
    """Give ``contact`` its user login (created on first use) and a password:
    ``password``, or with ``generate`` a random one. With ``send`` the login
    and password are e-mailed to the contact's address; if the e-mail
    cannot be sent a :class:`~orchestrator.mail.MailError` is raised and the
    caller rolls back (nothing changes)."""
    errors = Errors()
    login, name = _login_to_use(ctx, errors, contact, line)
    if generate:
        password = random_password(GENERATED_LENGTH)
    elif not password:
        errors.add("field.required", "password", "type a password or have one generated")
    elif len(password) < service.MIN_PASSWORD["user"]:
        errors.add("password.too_short", "password",
                   f"a user password has at least {service.MIN_PASSWORD['user']} characters")
    elif len(password) > 128:
        errors.add("field.too_long", "password", "128 characters at most")
    if send and not contact.email:
        errors.add("credentials.no_email", "send", "this contact has no e-mail address: add one to its card first")
    errors.raise_if_any()
    if password is None or name is None:  # without either, the checks above reported an error
        raise AssertionError("no password or login name after the checks")
    tenant = ctx.tenant(contact.tenant_id)
    if login is None:
        doc = LoginDoc(login=name, role="user", password=password)
        login = service.create(ctx, tenant, doc)
    else:
        service.set_password(ctx, login, password)
    contact.login_id = login.id
    ctx.session.flush()
    ctx.audit(contact.tenant_id, "credentials", "contact", f"{contact.first_name} {contact.last_name}",
              login=login.login, generated=generate, mailed=send)
    result = CredentialsResult(login=login, generated=password if generate else None)
    if send:
        _mail(ctx, contact, login.login, password, tenant.name)
        result.mailed_to = contact.email
    return result


def _mail(ctx: ServiceContext, contact: Contact, login: str, password: str, company: str) -> None:
    msg = EmailMessage()
    msg["From"] = ctx.settings.smtp_from
    msg["To"] = contact.email
    msg["Subject"] = f"Vos identifiants Centrex — {company}"
    msg.set_content(
        f"Bonjour {contact.first_name},\n\n"
        f"Votre administrateur vous a ouvert un accès à votre espace utilisateur.\n\n"
        f"Login : {login}\nMot de passe : {password}\n\n"
        "Vous pourrez changer ce mot de passe dans « Mes infos » après vous être connecté(e).\n\n"
        f"Hello {contact.first_name},\n\nYour administrator opened your user space.\n"
        f"Login: {login}\nPassword: {password}\n")
    mail.send(ctx.settings, msg, [contact.email])  # type: ignore[list-item]  # set_credentials checked it is set
