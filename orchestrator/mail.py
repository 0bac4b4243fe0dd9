"""Outgoing e-mail over SMTP, and ``centrex-sendmail``: a sendmail-compatible
command that FreeSWITCH runs as its ``mailer-app`` for voicemail e-mails
(``cat message | centrex-sendmail -f FROM [-t] [RECIPIENT...]``), so nodes
need no local mail server."""

from __future__ import annotations

import argparse
import logging
import smtplib
import sys
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses

from orchestrator.domain.errors import ServiceError

from .config import Settings, load_settings

log = logging.getLogger(__name__)


class MailError(ServiceError):
    error_id = "mail.failed"


def send(settings: Settings, message: EmailMessage, recipients: list[str] | None = None) -> None:
    """Send through the configured SMTP server."""
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message, to_addrs=recipients or None)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"cannot send e-mail through {settings.smtp_host}:{settings.smtp_port}: {exc}") from None
    log.info("mail sent", extra={"to": recipients or message.get("To"), "subject": message.get("Subject")})


def sendmail_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="centrex-sendmail", description="sendmail-compatible SMTP relay")
    parser.add_argument("-f", dest="sender", default=None)
    parser.add_argument("-t", dest="from_headers", action="store_true", help="recipients from the headers")
    parser.add_argument("--config", default=None)
    parser.add_argument("-i", "-oi", dest="ignore_dots", action="store_true")
    parser.add_argument("recipients", nargs="*")
    args = parser.parse_args(argv)
    settings = load_settings(args.config)
    raw = sys.stdin.buffer.read()
    message = message_from_bytes(raw, policy=policy.default)
    recipients = list(args.recipients)
    if args.from_headers or not recipients:
        recipients += [addr for _, addr in getaddresses(message.get_all("To", []) + message.get_all("Cc", []))]
    recipients = [r for r in dict.fromkeys(recipients) if r]
    if not recipients:
        print("centrex-sendmail: no recipient", file=sys.stderr)
        return 2
    if args.sender and "From" not in message:
        message["From"] = args.sender
    try:
        send(settings, message, recipients)
    except MailError as exc:
        print(f"centrex-sendmail: {exc}", file=sys.stderr)
        return 1
    return 0
