"""Re-encrypt every stored secret with the current (first) key: the last
step of a key rotation (see orchestrator/db/secretbox.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from ..db.models import Device, Line

SEALED = ((Line, ("sip_password", "vm_pin")), (Device, ("provisioning_password",)))


def reencrypt(session: Session) -> int:
    """Rewrite each row holding a secret (read with any key, written with
    the first); returns how many rows held one. The caller commits."""
    count = 0
    for model, columns in SEALED:
        for row in session.scalars(select(model)):
            present = [column for column in columns if getattr(row, column) is not None]
            for column in present:
                flag_modified(row, column)
            count += bool(present)
    session.flush()
    return count
