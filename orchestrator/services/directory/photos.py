"""Contact photos (manual §3.5.1 note: « un lien Parcourir permet d'uploader
une photo pour la fiche du contact », used for the labels of the Cisco
SPA500S / Linksys SPA932 consoles).

A photo is checked by its content (JPEG, PNG or GIF, at most 1 MB), stored
once per content under ``<var_dir>/photos/<tenant id>/<sha256>.<ext>`` and
referenced by the contact's ``photo_path`` relative to ``var_dir``. It does
not change what FreeSWITCH runs: no apply, an audit entry.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from orchestrator.domain.errors import ServiceError

from ...db.models import Contact
from ..context import ServiceContext

MAX_PHOTO = 1024 * 1024
KINDS = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif"}


def kind_of(data: bytes) -> str | None:
    """``jpg``, ``png`` or ``gif`` from the first bytes, else None."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None


def _root(ctx: ServiceContext, tenant_id: int) -> Path:
    return (Path(ctx.settings.var_dir) / "photos" / str(tenant_id)).resolve()


def set_photo(ctx: ServiceContext, contact: Contact, data: bytes) -> str:
    """Store ``data`` as the contact's photo; returns its ``photo_path``."""
    if not data:
        raise ServiceError("choose a JPEG, PNG or GIF picture", error_id="photo.empty", field="photo")
    if len(data) > MAX_PHOTO:
        raise ServiceError(f"the picture is {len(data) // 1024} KB; at most 1 MB is accepted",
                           error_id="photo.too_large", field="photo")
    kind = kind_of(data)
    if kind is None:
        raise ServiceError("this is not a JPEG, PNG or GIF picture", error_id="photo.format", field="photo")
    root = _root(ctx, contact.tenant_id)
    root.mkdir(parents=True, exist_ok=True)
    name = f"{hashlib.sha256(data).hexdigest()}.{kind}"
    target = root / name
    if not target.exists():
        tmp = root / f".{name}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, target)
    contact.photo_path = f"photos/{contact.tenant_id}/{name}"
    ctx.audit(contact.tenant_id, "photo", "contact", f"{contact.first_name} {contact.last_name}",
              kind=kind, size=len(data))
    return contact.photo_path


def remove_photo(ctx: ServiceContext, contact: Contact) -> None:
    """The file stays (another contact may show the same picture)."""
    if contact.photo_path:
        contact.photo_path = None
        ctx.audit(contact.tenant_id, "photo_removed", "contact", f"{contact.first_name} {contact.last_name}")


def photo_file(ctx: ServiceContext, contact: Contact) -> tuple[Path, str] | None:
    """(file, media type) of the contact's photo when it is one of ours and
    present here; a path from elsewhere (e.g. an imported document) is never
    served."""
    if not contact.photo_path:
        return None
    root = _root(ctx, contact.tenant_id)
    path = (Path(ctx.settings.var_dir) / contact.photo_path).resolve()
    kind = path.suffix.lstrip(".")
    if path.parent != root or kind not in KINDS or not path.is_file():
        return None
    return path, KINDS[kind]
