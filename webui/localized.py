"""Page sentences for the error ids of the add-line flow (§3.3.1), devices
(§3.6), identifiers (§3.5.1) and personal contacts (§3.5): the service
layer speaks English; a form shows the sentence in the page's language
(the English detail stays in the tooltip). The JSON API keeps the
service's messages."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from orchestrator.services.errors import FieldError, ServiceError

from .formdata import field_errors

MESSAGES = {
    "number.not_in_pool": _l("This number is not among the available numbers: choose a proposed number."),
    "number.taken": _l("This number has just been taken: choose another one."),
    "number.choose": _l("Choose a number."),
    "tenant.line_limit": _l("Your company has reached its line limit: call customer service to raise it."),
    "mac.invalid": _l("This is not a MAC address (12 hexadecimal digits)."),
    "mac.taken": _l("A device with this MAC address is already declared."),
    "device.model": _l("Choose a model from the list."),
    "port.range": _l("This model has no such port."),
    "port.twice": _l("This port is given twice."),
    "credentials.no_line": _l("This contact has no line: associate one of your lines with it first."),
    "credentials.no_email": _l("This contact has no e-mail address: add one to its card first."),
    "login.taken": _l("This login already belongs to someone else."),
    "mail.failed": _l("The e-mail could not be sent: nothing was changed."),
    "field.not_allowed": _l("This field cannot be set here."),
}


def localized(errors: Iterable[FieldError]) -> list[FieldError]:
    """The errors with the page's sentence for the ids above."""
    return [FieldError(e.error_id, e.field, str(MESSAGES[e.error_id])) if e.error_id in MESSAGES else e
            for e in errors]


def errors_of(exc: ServiceError) -> list[FieldError]:
    return localized(field_errors(exc))
