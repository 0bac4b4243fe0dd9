"""Contact photos (manual §3.5.1 note: « un lien Parcourir permet d'uploader
une photo pour la fiche du contact », used for the labels of the Cisco
SPA500S / Linksys SPA932 consoles).

A photo is checked by its content (JPEG, PNG or GIF, at most 1 MB). Its
size in pixels is read from the header before anything is decoded: more than
:data:`MAX_SIDE` on a side or :data:`MAX_PIXELS` in all is refused (a few
bytes can declare 30000×30000 pixels: gigabytes once decoded). It is then
decoded and written again (Pillow), reduced to :data:`STORED_SIDE` at most:
what is stored and served is a plain picture we wrote, with no metadata and
nothing else the upload carried. It is stored
once per content under ``<var_dir>/photos/<tenant id>/<sha256>.<ext>`` and
referenced by the contact's ``photo_path`` relative to ``var_dir``. It does
not change what FreeSWITCH runs: no apply, an audit entry.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from orchestrator.domain.errors import ServiceError

from ...db.models import Contact
from ..context import ServiceContext

log = logging.getLogger(__name__)
MAX_PHOTO = 1024 * 1024
MAX_SIDE = 4096
MAX_PIXELS = 4096 * 4096
STORED_SIDE = 1024
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


def reencode(kind: str, data: bytes) -> tuple[str, bytes]:
    """The picture checked (size from the header first) and written again
    in its own format (a GIF: its first frame)."""
    too_big = ServiceError(f"the picture has too many pixels; at most {MAX_SIDE}×{MAX_SIDE} is accepted",
                           error_id="photo.too_big", field="photo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only (Pillow refuses a declared bomb here)
            width, height = image.size
            if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
                raise too_big
            image.load()
    except ServiceError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_big from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        log.info("photo refused", extra={"kind": kind, "error": str(exc)[:200]})
        raise ServiceError("this picture could not be read: save it again as JPEG or PNG",
                           error_id="photo.unreadable", field="photo") from None
    image.thumbnail((STORED_SIDE, STORED_SIDE))
    out = io.BytesIO()
    if kind == "jpg":
        image.convert("RGB").save(out, "JPEG", quality=88)
        return "jpg", out.getvalue()
    if kind == "gif":
        image.convert("RGBA" if "transparency" in image.info else "RGB").save(out, "GIF")
        return "gif", out.getvalue()
    image.convert("RGBA" if image.mode in ("RGBA", "LA", "P", "PA") else "RGB").save(out, "PNG", optimize=True)
    return "png", out.getvalue()


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
    kind, data = reencode(kind, data)
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
