"""Deliver a received fax: TIFF → PDF (``tiff2pdf``) → e-mail.

FreeSWITCH runs ``orchestrator fax deliver NUMBER FILE`` from the fax
extension's hangup hook. The arguments are our own (a number and a path
under the spool directory); they are checked again here anyway.
"""

from __future__ import annotations

import logging
import re
import subprocess
import tempfile
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.errors import NotFound, ServiceError

from ..config import Settings
from ..db.models import FaxLine
from ..mail import send

log = logging.getLogger(__name__)


def tiff_to_pdf(tiff: Path, pdf: Path) -> None:
    try:
        subprocess.run(["tiff2pdf", "-o", str(pdf), str(tiff)], check=True, capture_output=True, timeout=120)
    except FileNotFoundError:
        raise ServiceError("tiff2pdf is not installed (Debian package libtiff-tools)",
                           error_id="fax.no_converter") from None
    except subprocess.CalledProcessError as exc:
        raise ServiceError(f"the received fax could not be converted: {exc.stderr.decode(errors='replace')[:200]}",
                           error_id="fax.bad_tiff") from None


def deliver(session: Session, settings: Settings, number: str, tiff: Path) -> str:
    """Mail the fax received on ``number``; returns the address it went to."""
    if not re.fullmatch(r"\+\d{6,15}", number):
        raise ServiceError(f"{number!r} is not a fax number", error_id="fax.bad_number")
    if not tiff.is_file() or tiff.stat().st_size == 0:
        raise ServiceError(f"no fax was received into {tiff} (the transmission failed)",
                           error_id="fax.nothing_received")
    fax = session.scalar(select(FaxLine).where(FaxLine.number == number))
    if fax is None:
        raise NotFound(f"no fax line {number}", error_id="fax.unknown_line")
    address, label = fax.email, fax.label
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "fax.pdf"
        tiff_to_pdf(tiff, pdf)
        msg = EmailMessage()
        msg["From"] = settings.smtp_from
        msg["To"] = address
        msg["Subject"] = f"Fax reçu sur {label} ({number})"
        msg.set_content(f"Vous avez reçu un fax sur la ligne {label} ({number}).\nIl est joint en PDF.\n")
        msg.add_attachment(pdf.read_bytes(), maintype="application", subtype="pdf", filename=f"fax-{tiff.stem}.pdf")
        send(settings, msg)
    log.info("fax delivered", extra={"fax_line": number, "to": address})
    return address
