"""Choices the line, reception and special-number pages share: ring times,
hold music (catalogue and the company's files) and callers' prices."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from orchestrator.db.models import AudioFile
from orchestrator.media.catalogue import CATALOGUE

from .i18n import current_language
from .security import db

RING_TIMES = list(range(5, 65, 5))
# The fields of the line form (name → kind, see :func:`webui.common.formdata.changes`): the admin's
# page reads them all, the user's page those :func:`orchestrator.services.lines.service.user_may_change`.
LINE_FIELDS = {
    "label": "text", "short_number": "opt", "ring_time": "raw",
    "forwards.unconditional": "opt", "forwards.no_answer": "opt", "forwards.presented": "raw",
    "backup_number": "opt", "clir": "bool", "department": "opt", "hold_music": "hold",
    "voicemail.enabled": "bool", "voicemail.mode": "raw", "voicemail.email": "opt", "voicemail.pin": "secret",
    "options.mobile_app": "bool", "options.mobile_number": "opt", "options.twin": "bool",
}


def hold_music_options(tenant_id: int) -> list[tuple[str, str]]:
    """(value, label): the catalogue (§3.3.4 « Standardisée ») then the
    company's files (« Téléchargée »)."""
    out = [(f"catalogue:{key}", label) for key, label in sorted(CATALOGUE.items())]
    files = db().session.scalars(select(AudioFile.name).where(AudioFile.tenant_id == tenant_id,
                                                              AudioFile.category == "hold_music")
                                 .order_by(AudioFile.name))
    out += [(f"file:{name}", name) for name in files]
    return out


def caller_price(raw: str) -> str:
    """N-3 prices as the manual writes them (« Prix d'un appel local », « 0,12 €/min »)."""
    if raw == "local call price":
        return _("Local call price")
    if current_language() == "fr":
        return raw.replace(".", ",").replace("EUR", "€").replace("/call", "/appel")
    return raw

