"""Changing one's own password (A-4, « Mes infos › Identifiants »): the
current password first, then the new one (and its confirmation, on the
form). One rule for the web UI and the API; every problem is reported at
once, against the form's field names ``old``, ``new``, ``confirm``."""

from __future__ import annotations

from orchestrator.domain.errors import FieldError, ServiceError, ValidationFailed

from ...db.models import Login
from ..context import ServiceContext
from ..passwords import verify_password
from .service import set_password


def change_own(ctx: ServiceContext, login: Login, old: str, new: str, confirm: str | None = None) -> None:
    """Set ``new`` when ``old`` is the current password; every web session
    of the login ends (the caller reopens its own). Raises
    :class:`ValidationFailed` and changes nothing otherwise."""
    problems: list[FieldError] = []
    if not verify_password(old, login.password_hash):
        problems.append(FieldError("password.wrong", "old", "the current password is not this one"))
    if confirm is not None and new != confirm:
        problems.append(FieldError("password.mismatch", "confirm", "the two passwords differ"))
    if not problems:
        try:
            set_password(ctx, login, new)
        except ValidationFailed as exc:
            problems = [FieldError(e.error_id, "new", e.message) for e in exc.errors]
        except ServiceError as exc:
            problems = [FieldError(exc.error_id, "new", exc.message)]
    if problems:
        raise ValidationFailed(problems)
